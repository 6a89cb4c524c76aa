import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from './parser';
import { decodeInstruction, parseGoDuration, type Instruction } from './instructions';
import { processWord, processWords } from './shell-lex';
import { DockerfileParseError } from './ast';

const ENV = new Map([
  ['NAME', 'app'],
  ['PORTS', '80/tcp 443'],
  ['EMPTY', ''],
]);

/** Parses and decodes every instruction of `text` against ENV. */
function decodeAll(text: string): Instruction[] {
  return parseDockerfile(text).instructions.map((raw) =>
    decodeInstruction(
      raw,
      (w) => processWord(w, ENV),
      (w) => processWords(w, ENV),
    ),
  );
}

function decode(line: string): Instruction {
  const [one] = decodeAll(line);
  assert.ok(one);
  return one;
}

function decodeError(line: string): string {
  try {
    decodeAll(line);
  } catch (err) {
    assert.ok(err instanceof DockerfileParseError, String(err));
    return err.message;
  }
  assert.fail(`no error for ${line}`);
}

describe('decodeInstruction', () => {
  it('FROM with a stage name and platform', () => {
    assert.deepEqual(decode('FROM --platform=linux/amd64 busybox:$NAME AS Build'), {
      kind: 'from',
      image: 'busybox:app',
      stageName: 'build',
      platform: 'linux/amd64',
    });
    assert.deepEqual(decode('FROM alpine'), { kind: 'from', image: 'alpine' });
    assert.equal(decodeError('FROM a b'), 'dockerfile parse error on line 1: FROM requires either one or three arguments');
    assert.match(decodeError('FROM a AS 1x'), /invalid name for build stage: "1x"/);
    assert.match(decodeError('FROM $EMPTY'), /base name \(\$EMPTY\) should not be blank/);
  });

  it('COPY with flags, several sources and a destination', () => {
    assert.deepEqual(decode('COPY --from=build --chown=1:2 a b /dst/'), {
      kind: 'copy',
      sources: ['a', 'b'],
      dest: '/dst/',
      from: 'build',
      chown: '1:2',
      link: false,
    });
    assert.deepEqual(decode('ADD --link --chmod=644 ["x y", "/$NAME"]'), {
      kind: 'add',
      sources: ['x y'],
      dest: '/app',
      chmod: '644',
      link: true,
    });
    assert.equal(decodeError('COPY a'), 'dockerfile parse error on line 1: COPY requires at least two arguments');
    assert.equal(decodeError('ADD --from=x a b'), 'dockerfile parse error on line 1: unknown flag: from');
    assert.equal(decodeError('COPY --foo a b'), 'dockerfile parse error on line 1: unknown flag: foo');
    assert.match(decodeError('COPY --chown a b'), /missing a value on flag: chown/);
    assert.match(decodeError('COPY --link=maybe a b'), /expecting boolean value for flag link, not: maybe/);
    assert.match(decodeError('COPY --from=a --from=b a b'), /duplicate flag specified: from/);
  });

  it('ENV and LABEL pairs lose their quotes, old and new forms', () => {
    assert.deepEqual(decode('ENV a=1 b="x y" c=$NAME'), {
      kind: 'env',
      pairs: [
        ['a', '1'],
        ['b', 'x y'],
        ['c', 'app'],
      ],
    });
    assert.deepEqual(decode('ENV PATH /usr/bin:$NAME "q"'), { kind: 'env', pairs: [['PATH', '/usr/bin:app q']] });
    assert.deepEqual(decode('LABEL "com.example.v"="1.0" x=\'$NAME\''), {
      kind: 'label',
      pairs: [
        ['com.example.v', '1.0'],
        ['x', '$NAME'],
      ],
    });
    assert.equal(decodeError('ENV =x'), 'dockerfile parse error on line 1: ENV names can not be blank');
    assert.equal(decodeError('LABEL'), 'dockerfile parse error on line 1: LABEL requires at least one argument');
  });

  it('ARG with and without defaults', () => {
    assert.deepEqual(decode('ARG A=1 B C="$NAME x"'), {
      kind: 'arg',
      args: [{ name: 'A', value: '1' }, { name: 'B' }, { name: 'C', value: 'app x' }],
    });
  });

  it('RUN, CMD and ENTRYPOINT are not expanded', () => {
    assert.deepEqual(decode('RUN echo $NAME'), { kind: 'run', command: ['echo $NAME'], shell: true });
    assert.deepEqual(decode('CMD ["echo", "$NAME"]'), { kind: 'cmd', command: ['echo', '$NAME'], shell: false });
    assert.deepEqual(decode('CMD []'), { kind: 'cmd', command: [], shell: false });
    assert.deepEqual(decode('ENTRYPOINT top -b'), { kind: 'entrypoint', command: ['top -b'], shell: true });
    assert.match(decodeError('CMD --mount=type=cache,target=/x true'), /unknown flag: mount/);
  });

  it('HEALTHCHECK', () => {
    assert.deepEqual(decode('HEALTHCHECK --interval=5s CMD curl x'), {
      kind: 'healthcheck',
      none: false,
      test: ['CMD-SHELL', 'curl x'],
      intervalNs: 5e9,
    });
    assert.deepEqual(decode('HEALTHCHECK --timeout=1m30s --start-period=500ms --start-interval=0s --retries=3 CMD ["true"]'), {
      kind: 'healthcheck',
      none: false,
      test: ['CMD', 'true'],
      timeoutNs: 90e9,
      startPeriodNs: 5e8,
      startIntervalNs: 0,
      retries: 3,
    });
    assert.deepEqual(decode('HEALTHCHECK NONE'), { kind: 'healthcheck', none: true });
    assert.match(decodeError('HEALTHCHECK NONE x'), /HEALTHCHECK NONE takes no arguments/);
    assert.match(decodeError('HEALTHCHECK CMD'), /Missing command after HEALTHCHECK CMD/);
    assert.match(decodeError('HEALTHCHECK CONNECT TCP 7000'), /Unknown type "CONNECT" in HEALTHCHECK \(try CMD\)/);
    assert.match(decodeError('HEALTHCHECK --interval=10us CMD x'), /Interval "interval" cannot be less than 1ms/);
    assert.match(decodeError('HEALTHCHECK --interval=5 CMD x'), /time: missing unit in duration "5"/);
    assert.match(decodeError('HEALTHCHECK --retries=-1 CMD x'), /--retries cannot be negative \(-1\)/);
    assert.match(decodeError('HEALTHCHECK --retries=x CMD x'), /strconv.ParseInt: parsing "x": invalid syntax/);
    assert.match(decodeError('HEALTHCHECK --interval CMD x'), /missing a value on flag: interval/);
  });

  it('EXPOSE splits expanded words; VOLUME, USER, WORKDIR, STOPSIGNAL expand', () => {
    assert.deepEqual(decode('EXPOSE 80/tcp 53/udp'), { kind: 'expose', ports: ['80/tcp', '53/udp'] });
    assert.deepEqual(decode('EXPOSE $PORTS 8080'), { kind: 'expose', ports: ['80/tcp', '443', '8080'] });
    assert.deepEqual(decode('VOLUME ["/data", "/$NAME"]'), { kind: 'volume', paths: ['/data', '/app'] });
    assert.deepEqual(decode('VOLUME /a /b'), { kind: 'volume', paths: ['/a', '/b'] });
    assert.match(decodeError('VOLUME $EMPTY'), /VOLUME specified can not be an empty string/);
    assert.deepEqual(decode('USER $NAME:0'), { kind: 'user', user: 'app:0' });
    assert.deepEqual(decode('WORKDIR /srv/$NAME'), { kind: 'workdir', path: '/srv/app' });
    assert.deepEqual(decode('STOPSIGNAL SIGTERM'), { kind: 'stopsignal', signal: 'SIGTERM' });
    assert.equal(decodeError('WORKDIR'), 'dockerfile parse error on line 1: WORKDIR requires exactly one argument');
  });

  it('SHELL must be JSON; MAINTAINER is kept as written', () => {
    assert.deepEqual(decode('SHELL ["/bin/bash", "-c"]'), { kind: 'shell', shell: ['/bin/bash', '-c'] });
    assert.match(decodeError('SHELL /bin/bash -c'), /SHELL requires the arguments to be in JSON form/);
    assert.deepEqual(decode('MAINTAINER Jo $NAME'), { kind: 'maintainer', name: 'Jo $NAME' });
  });

  it('ONBUILD keeps its trigger unexpanded and refuses chaining', () => {
    assert.deepEqual(decode('ONBUILD RUN echo $NAME'), { kind: 'onbuild', expression: 'RUN echo $NAME' });
    assert.match(decodeError('ONBUILD ONBUILD RUN x'), /Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/);
    assert.match(decodeError('ONBUILD FROM x'), /FROM isn't allowed as an ONBUILD trigger/);
    assert.match(decodeError('ONBUILD'), /ONBUILD requires at least one argument/);
  });

  it('reports expansion errors with the line', () => {
    assert.match(decodeError('FROM a\nWORKDIR ${X:?must be set}'), /^dockerfile parse error on line 2: failed to process .*X: must be set/);
  });
});

describe('parseGoDuration', () => {
  it('reads Go durations', () => {
    assert.equal(parseGoDuration('30s'), 30e9);
    assert.equal(parseGoDuration('1m30s'), 90e9);
    assert.equal(parseGoDuration('500ms'), 5e8);
    assert.equal(parseGoDuration('1.5h'), 5400e9);
    assert.equal(parseGoDuration('-2us'), -2000);
    assert.equal(parseGoDuration('0'), 0);
    assert.throws(() => parseGoDuration(''), /time: invalid duration ""/);
    assert.throws(() => parseGoDuration('1x'), /time: unknown unit "x" in duration "1x"/);
    assert.throws(() => parseGoDuration('.s'), /time: invalid duration ".s"/);
  });
});
