/** Reading request bodies: whole buffers and JSON with Docker's 400 on bad input. */
import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '../../base/errors';

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

/** Empty body → undefined. Malformed → 400 with a message naming the problem. */
export function parseJsonBody(buf: Buffer): unknown {
  const text = buf.toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InvalidArgumentError(`invalid JSON: ${(e as Error).message}`, 'INVALID_JSON');
  }
}
