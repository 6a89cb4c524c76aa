import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTiniVersion } from './tini';
import { parseRuntimeVersion } from './oci-runtime';

test('tini --version: upstream names its git commit, Debian\'s build names none', () => {
  assert.deepEqual(parseTiniVersion('tini version 0.19.0 - git.de40ad0\n'), { name: 'docker-init', version: '0.19.0', commit: 'de40ad0' });
  assert.deepEqual(parseTiniVersion('tini version 0.19.0\n'), { name: 'docker-init', version: '0.19.0', commit: '' });
  assert.equal(parseTiniVersion('busybox v1.36\n'), undefined);
});

test('runc and crun --version: the version line and the commit line', () => {
  const runc = 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n';
  assert.deepEqual(parseRuntimeVersion('runc', runc), { name: 'runc', version: '1.1.5+ds1', commit: '1.1.5+ds1-1+deb12u1' });
  const crun = 'crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\nrundir: /run/crun\nspec: 1.0.0\n+SYSTEMD +SELINUX\n';
  assert.deepEqual(parseRuntimeVersion('crun', crun), { name: 'crun', version: '1.8.1', commit: 'f8a096be060b22ccd3d5f3ebe44108517fbf6c30' });
  assert.deepEqual(parseRuntimeVersion('runc', 'runc version 1.2.0\n'), { name: 'runc', version: '1.2.0', commit: '' });
  assert.equal(parseRuntimeVersion('runc', ''), undefined);
});
