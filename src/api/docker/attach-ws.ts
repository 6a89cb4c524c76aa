/**
 * GET /containers/{id}/attach/ws: the attach over a WebSocket, as dockerd serves it: binary frames
 * (API 1.28+), output never multiplexed (stdout and stderr raw, as the websocket carries them), client
 * messages to the container's stdin; the attach ends when either side closes.
 */
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { InvalidArgumentError } from '../../base/errors';
import type { RequestContext } from '../http/context';
import { STDERR, STDOUT } from '../http/stdcopy';

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

export interface WsAttachOptions {
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** The upgrade, then the container's output as binary messages; resolves when the attach ends. */
export async function serveAttachWs(ctx: RequestContext, open: () => Promise<Duplex>, opts: WsAttachOptions): Promise<void> {
  if (!ctx.upgrade || String(ctx.req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    throw new InvalidArgumentError('websocket: the client is not using the websocket protocol', 'NOT_WEBSOCKET');
  }
  const { socket, head } = ctx.upgrade;
  const inner = await open();
  ctx.res.detachSocket(socket as never);
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(ctx.req, socket as never, head, resolve));
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (!inner.destroyed) inner.destroy();
      if (ws.readyState === ws.OPEN) ws.close(1000);
      resolve();
    };
    const send = (b: Buffer) => {
      if (ws.readyState !== ws.OPEN || b.length === 0) return;
      ws.send(b, { binary: true });
      // the websocket's own buffer is the back-pressure signal
      if (ws.bufferedAmount > 1 << 20) {
        inner.pause();
        const poll = setInterval(() => {
          if (ws.bufferedAmount < 1 << 18 || ws.readyState !== ws.OPEN) {
            clearInterval(poll);
            inner.resume();
          }
        }, 10);
      }
    };
    const onOutput = opts.tty ? (b: Buffer) => opts.stdout && send(b) : demux((stream, payload) => {
      if ((stream === STDOUT && opts.stdout) || (stream === STDERR && opts.stderr)) send(payload);
    });
    inner.on('data', onOutput);
    inner.on('end', finish);
    inner.on('close', finish);
    inner.on('error', finish);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      if (!opts.stdin || inner.writableEnded) return;
      inner.write(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
    });
    ws.on('close', finish);
    ws.on('error', finish);
  });
}

/** stdcopy frames (8-byte header: stream, 0,0,0, big-endian length) → payloads, across chunk borders. */
function demux(onFrame: (stream: number, payload: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const len = pending.readUInt32BE(4);
      if (pending.length < 8 + len) break;
      onFrame(pending[0]!, pending.subarray(8, 8 + len));
      pending = pending.subarray(8 + len);
    }
  };
}
