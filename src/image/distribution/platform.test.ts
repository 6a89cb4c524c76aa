import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Descriptor } from '../../protocol/oci/image';
import { formatPlatform, parsePlatform, selectManifest } from './platform';

const d = (n: number, architecture: string, variant?: string, os = 'linux'): Descriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 1,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});

const list = [d(1, 'arm', 'v6'), d(2, 'arm64', 'v8'), d(3, 'amd64'), d(4, 'arm', 'v7'), d(5, 'unknown', undefined, 'unknown')];

test('selects linux/amd64 from a list', () => {
  assert.equal(selectManifest(list, { os: 'linux', architecture: 'amd64' }).digest, list[2]!.digest);
  assert.equal(selectManifest(list, { os: 'linux', architecture: 'x86_64' }).digest, list[2]!.digest);
});

test('arm64 matches entries with or without v8', () => {
  assert.equal(selectManifest(list, parsePlatform('linux/arm64')).digest, list[1]!.digest);
  assert.equal(selectManifest([d(9, 'arm64')], parsePlatform('linux/arm64/v8')).digest, d(9, 'arm64').digest);
});

test('arm/v7 prefers v7 and falls back to v6; v6 does not take v7', () => {
  assert.equal(selectManifest(list, parsePlatform('linux/arm/v7')).digest, list[3]!.digest);
  assert.equal(selectManifest([d(1, 'arm', 'v6'), d(8, 'arm', 'v5')], parsePlatform('linux/arm')).digest, list[0]!.digest);
  assert.throws(() => selectManifest([d(4, 'arm', 'v7')], parsePlatform('linux/arm/v6')), /no matching manifest for linux\/arm\/v6/);
});

test('amd64 does not pick amd64/v3-only entries but accepts v1', () => {
  assert.equal(selectManifest([d(7, 'amd64', 'v1')], parsePlatform('linux/amd64')).digest, d(7, 'amd64').digest);
  assert.throws(() => selectManifest([d(6, 'amd64', 'v3')], parsePlatform('linux/amd64')));
});

test('no match gives Docker\'s message', () => {
  assert.throws(() => selectManifest([d(2, 'arm64'), d(5, 'unknown', undefined, 'unknown')], { os: 'linux', architecture: 'amd64' }), {
    message: 'no matching manifest for linux/amd64 in the manifest list entries',
  });
  assert.equal(formatPlatform(parsePlatform('linux/arm/v7')), 'linux/arm/v7');
});

test('platform specifiers are checked as containerd parses them, in its words', () => {
  assert.deepEqual(parsePlatform('arm64'), { os: 'linux', architecture: 'arm64' });
  assert.equal(parsePlatform('windows').os, 'windows');
  assert.equal(parsePlatform('macos/arm64').os, 'darwin');
  assert.throws(() => parsePlatform('foobar'), /"foobar": unknown operating system or architecture: invalid argument/);
  assert.throws(() => parsePlatform('       '), /is an invalid OS component of/);
  assert.throws(() => parsePlatform('/'), /"" is an invalid OS component of "\/"/);
  assert.throws(() => parsePlatform('linux/a b'), /"a b" is an invalid component of/);
  assert.throws(() => parsePlatform('linux/*'), /wildcards not yet supported/);
  assert.throws(() => parsePlatform('a/b/c/d'), /cannot parse platform specifier/);
});
