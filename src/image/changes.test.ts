import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './changes';

test('CMD in JSON and shell form, ENV, EXPOSE, WORKDIR, LABEL', () => {
  const c = applyChanges({}, ['CMD ["sh","-c","echo hi"]', 'ENTRYPOINT /init', 'ENV A=1 B="two words"', 'EXPOSE 80 53/udp', 'WORKDIR /srv', 'LABEL a=b', 'USER 1000']);
  assert.deepEqual(c.Cmd, ['sh', '-c', 'echo hi']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', '/init']);
  assert.deepEqual(c.Env, ['A=1', 'B=two words']);
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.equal(c.WorkingDir, '/srv');
  assert.deepEqual(c.Labels, { a: 'b' });
  assert.equal(c.User, '1000');
});

test('unknown instructions are refused', () => {
  assert.throws(() => applyChanges({}, ['RUN rm -rf /']), /: run is not a valid change command$/);
});

test('VOLUME in JSON and word form, STOPSIGNAL', () => {
  const c = applyChanges({}, ['VOLUME ["/data", "/logs"]', 'VOLUME /cache /tmp/x', 'STOPSIGNAL SIGINT']);
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data', '/logs', '/cache', '/tmp/x']);
  assert.equal(c.StopSignal, 'SIGINT');
});

test('ENV changes expand variables from the config env', () => {
  assert.deepEqual(applyChanges({ Env: ['PATH=/bin'] }, ['ENV PATH=/usr/bin:$PATH']).Env, ['PATH=/usr/bin:/bin']);
  assert.deepEqual(applyChanges({ Env: ['A=1'] }, ["ENV B='$A' C=\"x $A\""]).Env, ['A=1', 'B=$A', 'C=x 1']);
});
