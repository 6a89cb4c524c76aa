import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareApk, compareDpkg, comparePep440, compareSemver } from './versions';

/** [a, b, expected sign of compare(a, b)] */
function table(cmp: (a: string, b: string) => number, rows: Array<[string, string, number]>): void {
  for (const [a, b, want] of rows) {
    assert.equal(Math.sign(cmp(a, b)), want, `${a} vs ${b}`);
    assert.equal(Math.sign(cmp(b, a)), want === 0 ? 0 : -want, `${b} vs ${a}`);
  }
}

test('dpkg order: epochs, ~ before everything, letters before other symbols, digits numerically', () => {
  table(compareDpkg, [
    ['1.0', '1.0', 0],
    ['1.0-1', '1.0-2', -1],
    ['1.0~rc1', '1.0', -1],
    ['1.0~~', '1.0~', -1],
    ['1.0~~a', '1.0~~', 1],
    ['1.0', '1.0+b1', -1],
    ['1.0a', '1.0+', -1],
    ['1:0.9', '2.0', 1],
    ['2.36-9+deb12u4', '2.36-9+deb12u10', -1],
    ['2.36-9', '2.36-9+deb12u1', -1],
    ['1.2.10', '1.2.9', 1],
    ['1.002', '1.2', 0],
    ['1.0-0', '1.0', 0],
    ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12', -1],
  ]);
});

test('apk order: numbers, letter, pre-release and patch suffixes, -r revisions', () => {
  table(compareApk, [
    ['1.2.3-r0', '1.2.3-r1', -1],
    ['1.2.3_rc1-r0', '1.2.3-r0', -1],
    ['1.2.3_alpha1', '1.2.3_beta1', -1],
    ['1.2.3_p1', '1.2.3', 1],
    ['1.2.3a', '1.2.3b', -1],
    ['1.2', '1.2.0', -1],
    ['3.1.4-r5', '3.1.4-r5', 0],
    ['1.10', '1.9', 1],
  ]);
});

test('PEP 440 in outline and semver', () => {
  table(comparePep440, [
    ['2.31.0', '2.32.0', -1],
    ['1.0rc1', '1.0', -1],
    ['1.0.post1', '1.0', 1],
    ['1.0a1', '1.0b1', -1],
    ['1.0.dev1', '1.0a1', -1],
    ['1.0', '1.0.0', 0],
  ]);
  table(compareSemver, [
    ['4.17.20', '4.17.21', -1],
    ['v0.17.0', 'v0.9.0', 1],
    ['1.0.0-beta.1', '1.0.0', -1],
  ]);
});
