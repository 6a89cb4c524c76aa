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

/**
 * dockerd's CheckForJSON: a body must come as application/json (parameters allowed); no header is fine only
 * without a body. Routes that decode with ReadJSON or CheckForJSON in dockerd ask for this.
 */
export function checkJsonContentType(contentType: string | undefined, bodyLength: number): void {
  if (!contentType) {
    if (bodyLength === 0) return;
    throw new InvalidArgumentError('malformed Content-Type header (): mime: no media type', 'BAD_CONTENT_TYPE');
  }
  // a media type is a token/token pair; what Go's mime.ParseMediaType refuses is "malformed"
  const m = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(;.*)?$/.exec(contentType);
  if (!m) throw new InvalidArgumentError(`malformed Content-Type header (${contentType}): mime: expected slash after first token`, 'BAD_CONTENT_TYPE');
  if (m[1]!.toLowerCase() !== 'application/json') {
    throw new InvalidArgumentError(`unsupported Content-Type header (${contentType}): must be 'application/json'`, 'BAD_CONTENT_TYPE');
  }
}
