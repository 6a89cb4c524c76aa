import { test } from 'node:test';
import assert from 'node:assert/strict';
import { volumeListFilter, volumePruneFilter } from './filters';
import type { VolumeRecord } from './types';

const vol = (name: string, labels: Record<string, string> = {}): VolumeRecord => ({ name, driver: 'local', labels, options: {}, createdAt: '2026-01-01T00:00:00Z', anonymous: false });
const all = [vol('recvol'), vol('rectmp', { rec: '1' }), vol('other', { rec: '2', x: '' })];
const used = new Set(['recvol']);
const names = (f: Record<string, string[]>) => all.filter(volumeListFilter(f, (n) => used.has(n))).map((v) => v.name);

test('list filters: dangling, name (substring or pattern), label, driver', () => {
  assert.deepEqual(names({}), ['recvol', 'rectmp', 'other']);
  assert.deepEqual(names({ dangling: ['true'] }), ['rectmp', 'other']);
  assert.deepEqual(names({ dangling: ['0'] }), ['recvol']);
  assert.deepEqual(names({ name: ['rec'] }), ['recvol', 'rectmp']);
  assert.deepEqual(names({ name: ['^oth'] }), ['other']);
  assert.deepEqual(names({ label: ['rec=1'] }), ['rectmp']);
  assert.deepEqual(names({ label: ['rec'] }), ['rectmp', 'other']);
  assert.deepEqual(names({ label: ['rec', 'x'] }), ['other']);
  assert.deepEqual(names({ driver: ['local'] }), ['recvol', 'rectmp', 'other']);
  assert.deepEqual(names({ driver: ['nfs'] }), []);
});

test('list filters refuse unknown keys and bad dangling values', () => {
  assert.throws(() => names({ color: ['red'] }), /^BerthError: Invalid filter 'color'$/);
  assert.throws(() => names({ dangling: ['maybe'] }), /Invalid filter 'dangling=\[maybe\]'/);
  assert.throws(() => names({ dangling: ['true', 'false'] }), /more than one value/);
});

test('prune filters with all=true (what API 1.41 clients get): label and label!, nothing else', () => {
  const prunable = (f: Record<string, string[]>) => all.filter(volumePruneFilter({ ...f, all: ['true'] })).map((v) => v.name);
  assert.deepEqual(prunable({}), ['recvol', 'rectmp', 'other']);
  assert.deepEqual(prunable({ label: ['rec=1'] }), ['rectmp']);
  assert.deepEqual(prunable({ 'label!': ['rec'] }), ['recvol']);
  assert.throws(() => prunable({ dangling: ['true'] }), /Invalid filter 'dangling'/);
});

test('prune (API 1.42+): only anonymous volumes (flag or com.docker.volume.anonymous label) unless all is true', () => {
  const vols = [vol('named'), { ...vol('anon1'), anonymous: true }, vol('anon2', { 'com.docker.volume.anonymous': '' })];
  const prunable = (f: Record<string, string[]>) => vols.filter(volumePruneFilter(f)).map((v) => v.name);
  assert.deepEqual(prunable({}), ['anon1', 'anon2']);
  assert.deepEqual(prunable({ all: ['false'] }), ['anon1', 'anon2']);
  assert.deepEqual(prunable({ all: ['1'] }), ['named', 'anon1', 'anon2']);
  assert.throws(() => prunable({ all: ['maybe'] }), { message: `invalid filter 'all': strconv.ParseBool: parsing "maybe": invalid syntax` });
  assert.throws(() => prunable({ all: ['true', 'false'] }), /only one value is expected/);
});
