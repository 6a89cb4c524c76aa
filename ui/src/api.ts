/** The dashboard's only way out: the daemon's Docker API under /api/ on the page's own origin. */
const TOKEN_KEY = 'berth-ui-token';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Kept per tab: gone when the tab closes. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  /** true when the daemon accepts the token */
  async login(token: string): Promise<boolean> {
    const res = await fetch('/session', { headers: { Authorization: `Bearer ${token}` } });
    if (res.status === 204) sessionStorage.setItem(TOKEN_KEY, token);
    return res.status === 204;
  },
  logout: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

async function request(method: string, path: string, signal?: AbortSignal): Promise<Response> {
  const token = session.token();
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(`/api${path}`, { method, headers, signal: signal ?? null });
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { message?: string } | undefined;
    throw new ApiError(res.status, body?.message ?? `${res.status} ${res.statusText}`);
  }
  return res;
}

export const getJson = async <T>(path: string): Promise<T> => (await request('GET', path)).json() as Promise<T>;

/** start/stop/remove: the answer's body is not needed, only whether it worked */
export async function act(method: 'POST' | 'DELETE', path: string): Promise<void> {
  await (await request(method, path)).body?.cancel();
}

/** Feeds the chunks of a long response (logs, stats, events) until it ends or `signal` aborts. */
export async function stream(path: string, onChunk: (b: Uint8Array) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
  const res = await request('GET', path, signal);
  onOpen?.();
  if (!res.body) return;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onChunk(value);
    }
  } finally {
    reader.releaseLock();
  }
}

/** JSON lines (stats, events) as values. */
export function streamJson<T>(path: string, onValue: (v: T) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
  const dec = new TextDecoder();
  let rest = '';
  return stream(
    path,
    (b) => {
      const lines = (rest + dec.decode(b, { stream: true })).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) onValue(JSON.parse(l) as T);
    },
    signal,
    onOpen,
  );
}

export const isAbort = (e: unknown): boolean => e instanceof DOMException && e.name === 'AbortError';
