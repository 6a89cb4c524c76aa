/**
 * Renders a pull/push/load/import JSON-lines progress stream; throws on an
 * in-stream error. On a terminal each layer keeps one line that is redrawn in
 * place with its progress bar, as the docker CLI does; elsewhere every status
 * change is a plain line and byte counts are left out.
 */
import type { Readable } from 'node:stream';
import type { Writable } from 'node:stream';
import { DockerApiError } from '../../../client/api-error';
import { readJsonLines, type ProgressMessage } from '../../../client/json-lines';

export async function renderProgress(stream: Readable, out: Writable & { isTTY?: boolean }, quiet = false): Promise<ProgressMessage[]> {
  const all: ProgressMessage[] = [];
  const lines = out.isTTY && !quiet ? new LiveLines(out) : undefined;
  for await (const msg of readJsonLines<ProgressMessage>(stream)) {
    all.push(msg);
    if (msg.error || msg.errorDetail) throw new DockerApiError(500, msg.errorDetail?.message ?? msg.error ?? 'unknown error');
    if (quiet) continue;
    if (msg.stream) out.write(msg.stream);
    else if (lines && msg.id && msg.status) lines.set(msg.id, `${msg.id}: ${msg.status}${msg.progress ? ` ${msg.progress}` : ''}`);
    else if (msg.status && !msg.progressDetail?.total) out.write(msg.id ? `${msg.id}: ${msg.status}\n` : `${msg.status}\n`);
  }
  return all;
}

/** One line per id, rewritten in place with ANSI cursor moves (lines below the cursor never scroll). */
export class LiveLines {
  private readonly order: string[] = [];

  constructor(private readonly out: Writable) {}

  set(id: string, text: string): void {
    const i = this.order.indexOf(id);
    if (i < 0) {
      this.order.push(id);
      this.out.write(`${text}\n`);
      return;
    }
    const up = this.order.length - i;
    // up to the line, clear it, write, and back down to below the last line
    this.out.write(`\x1b[${up}A\x1b[2K\r${text}\n${up > 1 ? `\x1b[${up - 1}B` : ''}`);
  }
}
