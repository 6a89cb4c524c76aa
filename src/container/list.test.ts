import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerPruneFilter, humanDuration, matchesFilters, validateListFilters } from './list';
import { defaultContainerSpec } from './spec';
import type { ContainerRecord } from './types';

const rec = {
  id: 'abc123'.padEnd(64, '0'),
  name: 'web',
  created: '2026-01-01T00:00:00Z',
  spec: { ...defaultContainerSpec('bb'), labels: { app: 'x', tier: 'front' } },
  imageId: 'sha256:1',
  state: { status: 'exited', exitCode: 3 },
  networks: {},
  ports: { '80/tcp': [{ hostIp: '', hostPort: '8080' }] },
  mountPoints: [{ type: 'volume', name: 'data', source: '/var/lib/berth/volumes/data/_data', destination: '/data' }],
} as unknown as ContainerRecord; // only the fields the filters read
const ctx = { imageMatches: () => false, createdOf: () => undefined };

test('Docker durations', () => {
  assert.equal(humanDuration(0.5), 'Less than a second');
  assert.equal(humanDuration(1.4), '1 second');
  assert.equal(humanDuration(5), '5 seconds');
  assert.equal(humanDuration(119), 'About a minute');
  assert.equal(humanDuration(70), 'About a minute');
  assert.equal(humanDuration(60 * 60 * 3), '3 hours');
});

test('filters: label, name regexp, status, exited, id prefix', () => {
  assert.equal(matchesFilters(rec, { label: ['app=x'] }, ctx), true);
  assert.equal(matchesFilters(rec, { label: ['app=y'] }, ctx), false);
  assert.equal(matchesFilters(rec, { label: ['tier'] }, ctx), true);
  // several labels must all match (docker-compose lists a service's containers this way)
  assert.equal(matchesFilters(rec, { label: ['app=x', 'tier=front'] }, ctx), true);
  assert.equal(matchesFilters(rec, { label: ['app=x', 'tier=back'] }, ctx), false);
  assert.equal(matchesFilters(rec, { name: ['^we'] }, ctx), true);
  assert.equal(matchesFilters(rec, { status: ['running'] }, ctx), false);
  assert.equal(matchesFilters(rec, { exited: ['3'] }, ctx), true);
  assert.equal(matchesFilters(rec, { id: ['abc1'] }, ctx), true);
});

test('filters: volume, publish, expose', () => {
  assert.equal(matchesFilters(rec, { volume: ['data'] }, ctx), true);
  assert.equal(matchesFilters(rec, { volume: ['/data'] }, ctx), true);
  assert.equal(matchesFilters(rec, { volume: ['other'] }, ctx), false);
  assert.equal(matchesFilters(rec, { publish: ['8080'] }, ctx), true);
  assert.equal(matchesFilters(rec, { publish: ['8080/udp'] }, ctx), false);
  assert.equal(matchesFilters({ ...rec, spec: { ...rec.spec, exposedPorts: { '53/udp': {} } } }, { expose: ['53/udp'] }, ctx), true);
  assert.equal(matchesFilters(rec, { expose: ['53/udp'] }, ctx), false);
});

test('unknown filters and statuses are refused', () => {
  assert.throws(() => validateListFilters({ colour: ['red'] }), /invalid filter 'colour'/);
  assert.throws(() => validateListFilters({ status: ['sleeping'] }), /invalid filter 'status=sleeping'/);
});

test('prune filters: until (created before), label, label!; others refused', () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  const keep = (f: Record<string, string[]>) => containerPruneFilter(f, now)(rec);
  assert.equal(keep({}), true);
  assert.equal(keep({ until: ['2026-01-01T12:00:00Z'] }), true);
  assert.equal(keep({ until: ['36h'] }), false, 'created after now-36h');
  assert.equal(keep({ until: ['1767225599'] }), false, 'a unix time before the creation');
  assert.equal(keep({ label: ['app=x'] }), true);
  assert.equal(keep({ 'label!': ['tier'] }), false);
  assert.throws(() => keep({ until: ['1h', '2h'] }), /more than one until filter specified/);
  assert.throws(() => keep({ status: ['exited'] }), /invalid filter 'status'/);
});
