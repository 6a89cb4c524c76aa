/**
 * The one error hook of door 1: BerthError.kind → HTTP status, body {"message"}.
 * After a stream started the status cannot change, so the connection is cut
 * (JSON-lines routes write their own error line first).
 */
import type { ServerResponse } from 'node:http';
import { BerthError, RuntimeStartError, type ErrorKind } from '../../base/errors';
import type { Logger } from '../../base/logger';

const STATUS: Record<ErrorKind, number> = {
  InvalidArgument: 400,
  NotFound: 404,
  Conflict: 409,
  FailedPrecondition: 409,
  NotModified: 304,
  Unauthorized: 401,
  Forbidden: 403,
  NotImplemented: 501,
  Unavailable: 503,
  Internal: 500,
};

export function statusForError(err: unknown): number {
  if (err instanceof RuntimeStartError) return 400;
  if (err instanceof BerthError) return STATUS[err.kind] ?? 500;
  return 500;
}

export function createErrorHook(logger: Logger): (res: ServerResponse, err: unknown, method: string) => void {
  return (res, err, method) => {
    const status = statusForError(err);
    const message = err instanceof Error ? err.message : String(err);
    if (status >= 500) logger.error({ err: message, stack: err instanceof Error ? err.stack : undefined }, 'request failed');
    if (res.headersSent || res.writableEnded) {
      res.destroy();
      return;
    }
    res.statusCode = status;
    if (status === 304) {
      res.end();
      return;
    }
    const body = JSON.stringify({ message }) + '\n';
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(method === 'HEAD' ? undefined : body);
  };
}
