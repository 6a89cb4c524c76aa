/**
 * fluentd's Forward protocol, Message mode: each line is the msgpack array [tag, time, record] with
 * Docker's record fields (container_id, container_name, source, log, plus the labels/env attributes).
 */
import { ExtData, encode } from '@msgpack/msgpack';
import type { LogRecord } from '../formats';

export interface FluentdContext {
  tag: string;
  containerId: string;
  containerName: string;
  extra: Record<string, string>;
  subSecond: boolean;
}

export function fluentdMessage(r: LogRecord, c: FluentdContext): Buffer {
  const sec = Math.floor(Date.parse(r.time) / 1000);
  const nanos = Number((r.time.split('.')[1] ?? '0').replace(/Z$/, '').padEnd(9, '0').slice(0, 9));
  const record: Record<string, string> = { ...c.extra, container_id: c.containerId, container_name: c.containerName, source: r.stream, log: r.content };
  if (r.partial) record['partial_message'] = 'true';
  return Buffer.from(encode([c.tag, c.subSecond ? eventTime(sec, nanos) : sec, record]));
}

/** fluentd's EventTime: msgpack extension type 0, seconds and nanoseconds as two big-endian uint32. */
function eventTime(sec: number, nsec: number): ExtData {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(sec >>> 0, 0);
  b.writeUInt32BE(nsec >>> 0, 4);
  return new ExtData(0, b);
}
