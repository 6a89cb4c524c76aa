/**
 * GELF 1.1 as Docker's gelf driver sends it: one JSON object per line of output, with the container's
 * identity in underscore fields. UDP: compressed (gzip by default) and cut into GELF chunks when larger
 * than one datagram; TCP: plain JSON ended by a NUL byte.
 */
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { deflateSync, gzipSync } from 'node:zlib';
import type { LogRecord } from '../formats';

export interface GelfContext {
  tag: string;
  containerId: string;
  containerName: string;
  imageId: string;
  imageName: string;
  command: string;
  created: string;
  extra: Record<string, string>;
  compression: 'gzip' | 'zlib' | 'none';
  level: number;
  udp: boolean;
}

/** Bytes of one datagram before a message is chunked (Graylog's default for WAN-safe UDP). */
const CHUNK_SIZE = 1420;
const MAX_CHUNKS = 128;

export function gelfMessages(r: LogRecord, c: GelfContext): Buffer[] {
  const o: Record<string, string | number> = {
    version: '1.1',
    host: os.hostname(),
    short_message: r.content,
    timestamp: Date.parse(r.time) / 1000,
    level: r.stream === 'stderr' ? 3 : 6,
    _command: c.command,
    _container_id: c.containerId,
    _container_name: c.containerName,
    _created: c.created,
    _image_id: c.imageId,
    _image_name: c.imageName,
    _tag: c.tag,
  };
  for (const [k, v] of Object.entries(c.extra)) o[`_${k}`] = v;
  const json = Buffer.from(JSON.stringify(o));
  if (!c.udp) return [Buffer.concat([json, Buffer.from([0])])];
  const level = c.level === -1 ? undefined : c.level;
  const body = c.compression === 'gzip' ? gzipSync(json, { level }) : c.compression === 'zlib' ? deflateSync(json, { level }) : json;
  if (body.length <= CHUNK_SIZE) return [body];
  const count = Math.ceil(body.length / CHUNK_SIZE);
  if (count > MAX_CHUNKS) return []; // GELF cannot carry it; Docker drops it too
  const id = randomBytes(8);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Buffer.concat([Buffer.from([0x1e, 0x0f]), id, Buffer.from([i, count]), body.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)]));
  }
  return out;
}
