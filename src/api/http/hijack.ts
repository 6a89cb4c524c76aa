/**
 * Taking over the connection for attach and exec start, in both forms clients use:
 * - `Connection: Upgrade` + `Upgrade: tcp` → `101 UPGRADED`, then raw bytes both ways;
 * - no Upgrade → `200` with `application/vnd.docker.raw-stream`, no length and no
 *   chunking; the body runs until the server closes.
 * The client may half-close its side (end of stdin) and still read: the returned
 * stream's readable side ends then, while its writable side stays open.
 */
import { Duplex } from 'node:stream';
import { apiAtLeast } from './api-version';
import type { RequestContext } from './context';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

export interface HijackOptions {
  /** dockerd puts Api-Version/Server/... on exec-start responses but not on attach ones */
  standardHeaders: boolean;
  /** stdcopy frames follow (no TTY): from API 1.42 dockerd names them so in the 101 answer */
  multiplexed?: boolean;
}

const hijacked = new WeakSet<object>();

/** Whether a request's socket carries a hijacked stream (whose end of input is only the end of its stdin). */
export function isHijacked(socket: object): boolean {
  return hijacked.has(socket);
}

/** Returns the client connection as a duplex: read = client input, write = output, end() = close. */
export async function hijack(ctx: RequestContext, opts: HijackOptions): Promise<Duplex> {
  // the request body (exec start JSON) must be consumed before raw bytes begin
  await ctx.body();
  const extra = opts.standardHeaders ? ctx.standardHeaders : {};
  if (ctx.upgrade) {
    const { socket } = ctx.upgrade;
    const type = opts.multiplexed && apiAtLeast(ctx.apiVersion, '1.42') ? MULTIPLEXED_STREAM : RAW_STREAM;
    const lines = ['HTTP/1.1 101 UPGRADED', `Content-Type: ${type}`, 'Connection: Upgrade', 'Upgrade: tcp'];
    for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    // the 'upgrade' path leaves the socket to us; detach the placeholder response from it
    ctx.res.detachSocket(socket as never);
    return socket;
  }
  const { res, req } = ctx;
  for (const k of Object.keys(ctx.standardHeaders)) if (!opts.standardHeaders) res.removeHeader(k);
  res.statusCode = 200;
  res.setHeader('Content-Type', RAW_STREAM);
  // no chunking and no length: the body is delimited by the server closing the connection
  res.useChunkedEncodingByDefault = false;
  res.shouldKeepAlive = false;
  res.flushHeaders();
  const socket = req.socket;
  hijacked.add(socket);
  const stream = new Duplex({
    allowHalfOpen: true,
    read() {},
    write(chunk: Buffer, _enc, cb) {
      if (res.writableEnded || res.destroyed) return cb();
      if (res.write(chunk)) cb();
      else res.once('drain', () => cb());
    },
    final(cb) {
      res.end(() => socket.end());
      cb();
    },
    destroy(err, cb) {
      if (!res.writableEnded) res.end();
      cb(err);
    },
  });
  const onEnd = () => stream.push(null);
  socket.once('end', onEnd);
  socket.once('close', () => {
    stream.push(null);
    if (!stream.destroyed) stream.destroy();
  });
  return stream;
}
