import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ancestorIds, commandLine, containerPruneFilter, imageNamed, matchesFilters, shownImage, statusText, validateListFilters } from './list';
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

test('status words take go-units durations (truncated days: 60 h up is "Up 2 days")', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
  const withState = (state: Partial<ContainerRecord['state']>) => ({ ...rec, state: { ...rec.state, ...state } }) as ContainerRecord;
  assert.equal(statusText(withState({ status: 'running', startedAt: at(60) }), now), 'Up 2 days');
  assert.equal(statusText(withState({ status: 'paused', startedAt: at(1.4) }), now), 'Up About an hour (Paused)');
  assert.equal(statusText(withState({ status: 'exited', exitCode: 3, finishedAt: at(20 * 24) }), now), 'Exited (3) 2 weeks ago');
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

test('Command is dockerd\'s: arguments holding a space in single quotes, nothing escaped', () => {
  assert.equal(commandLine('sh', ['-c', 'exit 2']), "sh -c 'exit 2'");
  assert.equal(commandLine('echo', ['a\tb', '', "it's x"]), "echo a\tb  'it's x'");
  assert.equal(commandLine('true', []), 'true');
});

const base = { id: `sha256:${'b'.repeat(64)}`, parentId: '', repoTags: [], repoDigests: [] };
const kid = { id: `sha256:${'c'.repeat(64)}`, parentId: base.id, repoTags: ['kid:1'], repoDigests: [] };
const bbNow = { id: `sha256:${'d'.repeat(64)}`, parentId: '', repoTags: ['bb:latest'], repoDigests: [] };

test('a reference names an image by tag first, then by a unique id prefix ("bb" is also hex)', () => {
  assert.equal(imageNamed('bb', [base, kid, bbNow])?.id, bbNow.id);
  assert.equal(imageNamed('docker.io/library/bb:latest', [base, kid, bbNow])?.id, bbNow.id);
  assert.equal(imageNamed('bbb', [base, kid, bbNow])?.id, base.id);
  assert.equal(imageNamed('nosuch', [base, kid, bbNow]), undefined);
});

test('ancestor takes the image and what was built on it; ps shows the id once the name moved on', () => {
  assert.deepEqual([...ancestorIds(base.id, [base, kid, bbNow])].sort(), [base.id, kid.id]);
  assert.equal(ancestorIds('nosuch', [base]).size, 0);
  assert.equal(shownImage({ imageId: base.id, spec: { image: 'bb' } }, [base, kid, bbNow]), base.id);
  assert.equal(shownImage({ imageId: bbNow.id, spec: { image: 'bb' } }, [base, kid, bbNow]), 'bb');
});
