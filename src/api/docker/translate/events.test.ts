/** /events against dockerd 20.10's recorded answers (test/fixtures/events): wire shape and filters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEventTime, toEventLine, toEventMessage } from './events';
import { matchesEventFilters } from '../../../base/event-filter';
import type { EngineEvent } from '../../../base/events';

interface Recorded { Type: EngineEvent['type']; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number }
const FIXTURE = path.resolve(__dirname, '../../../../../test/fixtures/events/dockerd-20.10-events.json');
const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { requests: Array<{ client: string; url: string; messages: Recorded[] }> };
const toEngine = (m: Recorded): EngineEvent => ({ type: m.Type, action: m.Action, id: m.Actor.ID, attributes: m.Actor.Attributes, timeNano: BigInt(m.timeNano) });
const filtersOf = (url: string): Record<string, string[]> => {
  const raw = new URL(url, 'http://x').searchParams.get('filters');
  if (!raw) return {};
  const o = JSON.parse(raw) as Record<string, string[] | Record<string, boolean>>;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? v : Object.keys(v)]));
};

test('every recorded dockerd event serializes back to the same line (fields, order, legacy status/id/from)', () => {
  const all = recorded.requests.flatMap((r) => r.messages);
  assert.ok(all.length >= 20);
  for (const m of all) assert.equal(JSON.stringify(toEventMessage(toEngine(m))), JSON.stringify(m));
});

test('what dockerd sent for a filtered request passes the same filters here', () => {
  const filtered = recorded.requests.filter((r) => Object.keys(filtersOf(r.url)).length && r.messages.length);
  assert.ok(filtered.length >= 2);
  for (const r of filtered) for (const m of r.messages) assert.ok(matchesEventFilters(toEngine(m), filtersOf(r.url)), `${r.url}: ${m.Type} ${m.Action}`);
});

test("the CLI's die filter picks from an unfiltered recorded stream exactly the container deaths", () => {
  const open = recorded.requests.find((r) => !r.url.includes('filters') && r.messages.length)!;
  const f = filtersOf(recorded.requests.find((r) => r.url.includes('%22die%22'))!.url);
  const picked = open.messages.filter((m) => matchesEventFilters(toEngine(m), f));
  assert.deepEqual(picked.map((m) => `${m.Type} ${m.Action}`), open.messages.filter((m) => m.Type === 'container' && m.Action === 'die').map(() => 'container die'));
  assert.ok(picked.length >= 1);
  // a container filter keeps a network event out (its actor is the network), as dockerd does
  const net = open.messages.find((m) => m.Type === 'network')!;
  assert.equal(matchesEventFilters(toEngine(net), { container: [net.Actor.Attributes.container!] }), false);
});

test('timeNano goes out with all its digits', () => {
  const line = toEventLine({ type: 'volume', action: 'create', id: 'v', attributes: { driver: 'local' }, timeNano: 1_795_839_816_120_067_818n });
  assert.equal(line, '{"Type":"volume","Action":"create","Actor":{"ID":"v","Attributes":{"driver":"local"}},"scope":"local","time":1795839816,"timeNano":1795839816120067818}');
});

test('since/until: unix seconds with fractions, or RFC 3339', () => {
  assert.equal(parseEventTime('1795839816'), 1_795_839_816_000_000_000n);
  assert.equal(parseEventTime('1795839816.5'), 1_795_839_816_500_000_000n);
  assert.equal(parseEventTime('2026-11-28T04:23:36Z'), BigInt(Date.parse('2026-11-28T04:23:36Z')) * 1_000_000n);
  assert.equal(parseEventTime(''), undefined);
});
