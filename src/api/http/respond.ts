/** Ordinary (non-streaming) responses with Content-Length, as dockerd sends them. */
import type { ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** 204 (start/stop/...) and 200 with an empty body (resize). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.statusCode = status;
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', '0');
  res.end();
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Resolves when the writable accepted the chunk (back-pressure for long streams). */
export function writeChunk(res: NodeJS.WritableStream & { destroyed?: boolean }, chunk: Buffer | string): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.removeListener('drain', done);
      res.removeListener('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
