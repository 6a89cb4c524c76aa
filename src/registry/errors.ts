/**
 * Distribution-spec errors: a stable `code` from the spec's table plus the HTTP
 * status it travels with. Handlers throw these; server.ts turns them into the
 * spec's `{"errors":[...]}` body in one place.
 */
export type DistributionErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'UNAVAILABLE'
  | 'RANGE_INVALID';

const defaultMessages: Record<DistributionErrorCode, string> = {
  BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown to registry',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  MANIFEST_BLOB_UNKNOWN: 'manifest references a manifest or blob unknown to registry',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNKNOWN: 'manifest unknown to registry',
  NAME_INVALID: 'invalid repository name',
  NAME_UNKNOWN: 'repository name not known to registry',
  SIZE_INVALID: 'provided length did not match content length',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNSUPPORTED: 'the operation is unsupported',
  TOOMANYREQUESTS: 'too many requests',
  // Not in the spec's table either; Docker distribution's code for 503 (a proxy's upstream is down).
  UNAVAILABLE: 'service unavailable',
  // Not in the spec's code table: only sent with 416 on out-of-order chunks, as Docker distribution does.
  RANGE_INVALID: 'invalid content range',
};

export class DistributionError extends Error {
  readonly code: DistributionErrorCode;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;
  constructor(status: number, code: DistributionErrorCode, opts: { message?: string; detail?: unknown; headers?: Record<string, string> } = {}) {
    super(opts.message ?? defaultMessages[code]);
    this.name = 'DistributionError';
    this.status = status;
    this.code = code;
    this.detail = opts.detail;
    this.headers = opts.headers ?? {};
  }

  /** The spec's error body. */
  toBody(): { errors: { code: string; message: string; detail?: unknown }[] } {
    const e: { code: string; message: string; detail?: unknown } = { code: this.code, message: this.message };
    if (this.detail !== undefined) e.detail = this.detail;
    return { errors: [e] };
  }
}
