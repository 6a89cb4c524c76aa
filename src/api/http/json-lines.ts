/**
 * Chunked JSON-lines responses: progress streams (`\r\n` after each object,
 * as dockerd's pull/push/load/import) and `/events` (`\n`). An error after
 * the headers went out cannot change the status, so it becomes a line
 * `{"errorDetail":{"message":..},"error":..}` as dockerd does.
 */
import type { ServerResponse } from 'node:http';

export class JsonLinesWriter {
  constructor(
    private readonly res: ServerResponse,
    private readonly terminator: '\r\n' | '\n' = '\r\n',
  ) {}

  /** Sends the 200 head now, so clients see the stream start before the first object. */
  start(): void {
    if (this.res.headersSent) return;
    this.res.statusCode = 200;
    this.res.setHeader('Content-Type', 'application/json');
    this.res.flushHeaders();
  }

  /** Resolves when the object is handed to the socket (back-pressure aware). */
  write(obj: unknown): Promise<void> {
    return this.writeLine(JSON.stringify(obj));
  }

  /** As write(), for an object the caller serialized itself. */
  writeLine(json: string): Promise<void> {
    this.start();
    if (this.res.writableEnded || this.res.destroyed) return Promise.resolve();
    const ok = this.res.write(json + this.terminator);
    if (ok) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  writeError(message: string, code?: number): Promise<void> {
    const detail: { code?: number; message: string } = code === undefined ? { message } : { code, message };
    return this.write({ errorDetail: detail, error: message });
  }

  end(): void {
    this.start();
    if (!this.res.writableEnded) this.res.end();
  }
}
