/**
 * The one error hierarchy of Berth. The core throws these; each door maps
 * `kind` once (HTTP status in api/docker/errors.ts, exit code in cli/exit-codes.ts).
 * Messages use Docker's wording because clients match on those strings.
 */
export type ErrorKind =
  | 'InvalidArgument'
  | 'NotFound'
  | 'Conflict'
  | 'FailedPrecondition'
  | 'NotModified'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Unavailable'
  | 'NotImplemented'
  | 'Internal';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  constructor(kind: ErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.code = code;
    this.name = 'BerthError';
  }
}

export class InvalidArgumentError extends BerthError {
  constructor(message: string, code = 'INVALID_ARGUMENT', options?: { cause?: unknown }) {
    super('InvalidArgument', code, message, options);
  }
}

/** `new NotFoundError('container', 'x')` → "No such container: x" (Docker's wording). */
export class NotFoundError extends BerthError {
  readonly resource: string;
  readonly ref: string;
  constructor(resource: string, ref: string, message?: string) {
    super('NotFound', `${resource.toUpperCase().replace(/\s+/g, '_')}_NOT_FOUND`, message ?? `No such ${resource}: ${ref}`);
    this.resource = resource;
    this.ref = ref;
  }
}

export class ConflictError extends BerthError {
  constructor(message: string, code = 'CONFLICT') {
    super('Conflict', code, message);
  }
}

/** The target exists but is in the wrong state for the operation (e.g. exec in a stopped container). */
export class FailedPreconditionError extends BerthError {
  constructor(message: string, code = 'FAILED_PRECONDITION') {
    super('FailedPrecondition', code, message);
  }
}

export class NotModifiedError extends BerthError {
  constructor(message = 'not modified', code = 'NOT_MODIFIED') {
    super('NotModified', code, message);
  }
}

export class UnauthorizedError extends BerthError {
  constructor(message: string, code = 'UNAUTHORIZED') {
    super('Unauthorized', code, message);
  }
}

export class ForbiddenError extends BerthError {
  constructor(message: string, code = 'FORBIDDEN') {
    super('Forbidden', code, message);
  }
}

export class NotImplementedError extends BerthError {
  constructor(message: string, code = 'NOT_IMPLEMENTED') {
    super('NotImplemented', code, message);
  }
}

export class UnavailableError extends BerthError {
  constructor(message: string, code = 'UNAVAILABLE', options?: { cause?: unknown }) {
    super('Unavailable', code, message, options);
  }
}

export class InternalError extends BerthError {
  constructor(message: string, code = 'INTERNAL', options?: { cause?: unknown }) {
    super('Internal', code, message, options);
  }
}

/**
 * The OCI runtime could not start the process. Docker answers these with 400
 * and the CLI maps "not found"/"permission denied" to 127/126.
 */
export class RuntimeStartError extends BerthError {
  readonly reason: 'not-found' | 'cannot-invoke' | 'other';
  constructor(message: string, reason: 'not-found' | 'cannot-invoke' | 'other') {
    super('InvalidArgument', 'RUNTIME_START_FAILED', message);
    this.reason = reason;
  }
}

export function isBerthError(e: unknown): e is BerthError {
  return e instanceof BerthError;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * `e` with `prefix: ` before its message and the same kind (status), as dockerd's errors.Wrap
 * keeps the cause's class: "cannot kill container: x: No such container: x" is still a 404.
 */
export function wrapError(e: unknown, prefix: string): BerthError {
  if (e instanceof BerthError) {
    const w = new BerthError(e.kind, e.code, `${prefix}: ${e.message}`, { cause: e });
    return w;
  }
  return new InternalError(`${prefix}: ${errorMessage(e)}`, 'INTERNAL', { cause: e });
}
