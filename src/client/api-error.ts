/** The one error type of the client: an HTTP error answer of the daemon, or no answer at all. */
export class DockerApiError extends Error {
  /** HTTP status; 0 when the daemon could not be reached. */
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.name = 'DockerApiError';
  }
  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** Thrown when nothing answers at the daemon address (connect refused, socket missing). */
export class DaemonUnreachableError extends DockerApiError {
  readonly address: string;
  constructor(address: string, cause: unknown) {
    super(0, `Cannot connect to the Docker daemon at ${address}. Is the docker daemon running?`, { cause });
    this.address = address;
    this.name = 'DaemonUnreachableError';
  }
}

/** Extracts Docker's `{"message": "..."}` from an error body, falling back to the raw text. */
export function errorMessageFromBody(status: number, body: string): string {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  return text || `request failed with status ${status}`;
}
