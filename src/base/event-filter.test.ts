import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesEventFilters, stripTag } from './event-filter';
import { EventBus, EVENTS_KEPT, type EngineEvent } from './events';

const ev = (over: Partial<EngineEvent>): EngineEvent => ({ type: 'container', action: 'start', id: 'abc123', attributes: { image: 'busybox:1.36', name: 'web', tier: 'front' }, timeNano: 1n, ...over });

test('keys are ANDed, values of one key ORed', () => {
  assert.ok(matchesEventFilters(ev({}), { type: ['image', 'container'], event: ['start'] }));
  assert.ok(!matchesEventFilters(ev({}), { type: ['container'], event: ['die'] }));
});

test('label values must all hold (compose sends project and oneoff together)', () => {
  const e = ev({ attributes: { name: 'web', 'com.docker.compose.project': 'p', 'com.docker.compose.oneoff': 'False' } });
  assert.ok(matchesEventFilters(e, { label: ['com.docker.compose.project=p', 'com.docker.compose.oneoff=False'] }));
  assert.ok(!matchesEventFilters(e, { label: ['com.docker.compose.project=p', 'com.docker.compose.oneoff=True'] }));
  assert.ok(matchesEventFilters(e, { label: ['com.docker.compose.project'] }));
  assert.ok(!matchesEventFilters(e, { label: ['missing'] }));
});

test('container/network/volume/daemon: an id or name prefix', () => {
  assert.ok(matchesEventFilters(ev({}), { container: ['abc'] }));
  assert.ok(matchesEventFilters(ev({}), { container: ['we'] }));
  assert.ok(!matchesEventFilters(ev({}), { container: ['xyz'] }));
  const net = ev({ type: 'network', action: 'connect', id: 'n1', attributes: { name: 'bridge', container: 'abc123', type: 'bridge' } });
  assert.ok(matchesEventFilters(net, { network: ['bridge'] }));
  assert.ok(!matchesEventFilters(net, { container: ['abc123'] }));
  assert.ok(matchesEventFilters(ev({ type: 'volume', action: 'create', id: 'data', attributes: { driver: 'local' } }), { volume: ['data'] }));
  assert.ok(matchesEventFilters(ev({ type: 'daemon', action: 'reload', id: 'D:AE', attributes: { name: 'host' } }), { daemon: ['host'] }));
});

test('image: an id, or a name with or without its tag; container events match through their image', () => {
  assert.ok(matchesEventFilters(ev({}), { image: ['busybox'] }));
  assert.ok(matchesEventFilters(ev({}), { image: ['busybox:1.36'] }));
  assert.ok(!matchesEventFilters(ev({}), { image: ['alpine'] }));
  const tag = ev({ type: 'image', action: 'tag', id: 'sha256:1', attributes: { name: 'reg:5000/a/b:v1' } });
  assert.ok(matchesEventFilters(tag, { image: ['reg:5000/a/b'] }));
  assert.ok(matchesEventFilters(tag, { image: ['sha256:1'] }));
  assert.equal(stripTag('docker.io/library/busybox:latest'), 'busybox');
  assert.equal(stripTag('reg:5000/a/b@sha256:00'), 'reg:5000/a/b');
});

test('event: exact, except the health_status/exec_create/exec_start families match as prefixes', () => {
  const h = ev({ action: 'health_status: healthy' });
  assert.ok(matchesEventFilters(h, { event: ['health_status'] }));
  assert.ok(!matchesEventFilters(ev({ action: 'exec_die' }), { event: ['exec'] }));
  assert.ok(matchesEventFilters(ev({ action: 'exec_start: sh -c true' }), { event: ['exec_start'] }));
});

test('scope: every Berth event is local', () => {
  assert.ok(matchesEventFilters(ev({}), { scope: ['local'] }));
  assert.ok(!matchesEventFilters(ev({}), { scope: ['swarm'] }));
});

test("the bus keeps dockerd's last 256 events and replays a window of them", () => {
  const bus = new EventBus();
  for (let i = 1; i <= EVENTS_KEPT + 10; i++) bus.publish({ type: 'container', action: 'start', id: String(i), attributes: {}, timeNano: BigInt(i) });
  const kept = bus.replay(undefined, undefined);
  assert.equal(kept.length, 256);
  assert.equal(kept[0]!.id, '11');
  assert.deepEqual(bus.replay(100n, 102n).map((e) => e.id), ['100', '101', '102']);
  assert.equal(bus.published, EVENTS_KEPT + 10);
});

test('client subscribers are counted until they leave, once', () => {
  const bus = new EventBus();
  const off = bus.subscribeClient(() => undefined);
  bus.subscribe(() => undefined);
  assert.equal(bus.clientSubscribers, 1);
  off();
  off();
  assert.equal(bus.clientSubscribers, 0);
});
