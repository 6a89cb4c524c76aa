/** EngineEvent → a Docker /events line; /events time parameters. Pure. */
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

/** One /events line. timeNano goes out exact: as a JS number it would lose the last digits (2^53 < 10^18). */
export function toEventLine(e: EngineEvent): string {
  const json = JSON.stringify({ ...toEventMessage(e), timeNano: 0 });
  return `${json.slice(0, -'0}'.length)}${e.timeNano}}`;
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
