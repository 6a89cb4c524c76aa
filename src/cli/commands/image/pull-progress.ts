/** Renders a pull/load/import JSON-lines progress stream as plain lines; throws on an in-stream error. */
import type { Readable } from 'node:stream';
import type { Writable } from 'node:stream';
import { DockerApiError } from '../../../client/api-error';
import { readJsonLines, type ProgressMessage } from '../../../client/json-lines';

export async function renderProgress(stream: Readable, out: Writable, quiet = false): Promise<ProgressMessage[]> {
  const all: ProgressMessage[] = [];
  for await (const msg of readJsonLines<ProgressMessage>(stream)) {
    all.push(msg);
    if (msg.error || msg.errorDetail) throw new DockerApiError(500, msg.errorDetail?.message ?? msg.error ?? 'unknown error');
    if (quiet) continue;
    if (msg.stream) out.write(msg.stream);
    else if (msg.status && !msg.progressDetail?.total) out.write(msg.id ? `${msg.id}: ${msg.status}\n` : `${msg.status}\n`);
  }
  return all;
}
