/** Reading request bodies: whole buffers and JSON with Docker's 400 on bad input. */
import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '../../base/errors';
import { goJsonSyntaxError } from './go-json-error';

export async function readAll(stream: Readable, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    if (size > limit) throw new InvalidArgumentError(`request body larger than ${limit} bytes`, 'BODY_TOO_LARGE');
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** Empty body → undefined. Malformed → 400 in dockerd's words (Go's decoder errors under "invalid JSON: "). */
export function parseJsonBody(buf: Buffer): unknown {
  const text = buf.toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const goMessage = goJsonSyntaxError(text);
    if (goMessage) throw new InvalidArgumentError(`invalid JSON: ${goMessage}`, 'INVALID_JSON');
    // the first value is whole: Go's decoder stops there, and dockerd refuses what follows
    throw new InvalidArgumentError('unexpected content after JSON', 'INVALID_JSON', { cause: e });
  }
}
