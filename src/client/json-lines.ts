/** Decodes a stream of JSON objects separated by newlines (progress, events, load/import answers). */
import type { Readable } from 'node:stream';

export async function* readJsonLines<T = unknown>(stream: Readable): AsyncGenerator<T> {
  let rest = '';
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
  const last = rest.trim();
  if (last) yield JSON.parse(last) as T;
}

/** One message of a Docker progress stream (pull, push, load, import, build). */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { code?: number; message?: string };
}
