/** EngineEvent → a Docker /events line, and the /events filters. Pure. */
import type { EngineEvent } from '../../../base/events';
import type { EventMessage } from '../../../protocol/docker/system';

export function toEventMessage(e: EngineEvent): EventMessage {
  const time = Number(e.timeNano / 1_000_000_000n);
  const msg: EventMessage = {
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.id, Attributes: e.attributes },
    scope: 'local',
    time,
    timeNano: Number(e.timeNano),
  };
  // 1.41 still sends the legacy status/id/from trio for container and image events
  if (e.type === 'container' || e.type === 'image') {
    return { status: e.action, id: e.id, from: e.attributes.image ?? '', ...msg };
  }
  return msg;
}

/** Docker's event filters: type, event/action, container, image, label, network, volume, daemon. */
export function matchesEventFilters(e: EngineEvent, f: Record<string, string[]>): boolean {
  const any = (key: string, pred: (v: string) => boolean) => !f[key] || f[key]!.length === 0 || f[key]!.some(pred);
  const action = e.action.split(':')[0]!;
  const name = e.attributes.name ?? '';
  return (
    any('type', (v) => v === e.type) &&
    any('event', (v) => v === e.action || v === action) &&
    any('action', (v) => v === e.action || v === action) &&
    any('container', (v) => e.type === 'container' && (e.id.startsWith(v) || name === v)) &&
    any('image', (v) => (e.type === 'image' && (e.id === v || name === v)) || e.attributes.image === v) &&
    any('network', (v) => e.type === 'network' && (e.id.startsWith(v) || name === v)) &&
    any('volume', (v) => e.type === 'volume' && (e.id === v || name === v)) &&
    any('label', (v) => {
      const i = v.indexOf('=');
      return i < 0 ? v in e.attributes : e.attributes[v.slice(0, i)] === v.slice(i + 1);
    })
  );
}

/** `since`/`until` as Docker sends them: unix seconds, fractional allowed, or RFC 3339. → ns */
export function parseEventTime(v: string | undefined): bigint | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) {
    const [s, frac = ''] = v.split('.');
    return BigInt(s!) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
  }
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
}
