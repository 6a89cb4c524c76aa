import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, substitute, InterpolationError } from './interpolate';

const env: Record<string, string> = { FOO: 'foo', EMPTY: '', B: 'bee' };
const lookup = (k: string): string | undefined => env[k];
const sub = (s: string): string => substitute(s, lookup);

describe('substitute', () => {
  it('plain and braced names', () => {
    assert.equal(sub('$FOO-${FOO}.x'), 'foo-foo.x');
    assert.equal(sub('${UNSET}|$UNSET'), '|');
    assert.equal(sub('a$FOO_b'), 'a'); // the name takes all word characters
  });
  it('$$ is a literal $ and is not expanded further', () => {
    assert.equal(sub('$$FOO $${FOO}'), '$FOO ${FOO}');
  });
  it('a $ without a name stays literal', () => {
    assert.equal(sub('echo $1 $ 100$'), 'echo $1 $ 100$');
  });
  it(':- and - defaults', () => {
    assert.equal(sub('${UNSET:-d}|${EMPTY:-d}|${FOO:-d}'), 'd|d|foo');
    assert.equal(sub('${UNSET-d}|${EMPTY-d}|${FOO-d}'), 'd||foo');
    assert.equal(sub('${UNSET:-}'), '');
    assert.equal(sub('${UNSET:-a b:c}'), 'a b:c');
  });
  it(':+ and + alternatives', () => {
    assert.equal(sub('${FOO:+alt}|${EMPTY:+alt}|${UNSET:+alt}'), 'alt||');
    assert.equal(sub('${FOO+alt}|${EMPTY+alt}|${UNSET+alt}'), 'alt|alt|');
  });
  it('nested templates in defaults', () => {
    assert.equal(sub('${A:-${B:-x}}'), 'bee');
    assert.equal(sub('${A:-${C:-x}}'), 'x');
    assert.equal(sub('${A:-${C:-${FOO}}}/z'), 'foo/z');
    assert.equal(sub('${A:-$$}'), '$');
  });
  it(':? and ? errors in compose words', () => {
    assert.throws(() => sub('${UNSET:?please set it}'), { message: 'required variable UNSET is missing a value: please set it' });
    assert.throws(() => sub('${EMPTY:?err}'), { message: 'required variable EMPTY is missing a value: err' });
    assert.equal(sub('${EMPTY?err}'), '');
    assert.throws(() => sub('${UNSET?}'), { message: 'required variable UNSET is missing a value' });
    assert.equal(sub('${FOO:?err}'), 'foo');
  });
  it('the unused branch is not evaluated', () => {
    assert.equal(sub('${FOO:-${X:?boom}}'), 'foo');
  });
  it('invalid templates', () => {
    for (const t of ['${}', '${ FOO}', '${FOO', '${FOO:-x', '${FOO!x}', '${1A}']) {
      assert.throws(() => sub(t), (e: unknown) => e instanceof InterpolationError && e.message === `Invalid template: ${JSON.stringify(t)}`, t);
    }
  });
  it('reports unset variables', () => {
    const missing: string[] = [];
    substitute('$A ${D} ${C:-x} $FOO', lookup, { onMissing: (n) => missing.push(n) });
    assert.deepEqual(missing, ['A', 'D']);
  });
});

describe('interpolate', () => {
  it('walks mappings and lists, leaves keys and non-strings alone', () => {
    const tree = { services: { $FOO: { image: 'img:${FOO}', ports: ['${B}:80', 8080], tty: true, x: null } } };
    assert.deepEqual(interpolate(tree, lookup), {
      services: { $FOO: { image: 'img:foo', ports: ['bee:80', 8080], tty: true, x: null } },
    });
  });
  it('names the path in errors', () => {
    assert.throws(() => interpolate({ services: { web: { image: '${IMG:?no image}' } } }, lookup), {
      message: 'error while interpolating services.web.image: required variable IMG is missing a value: no image',
    });
  });
});
