/**
 * Encodes progress events as the JSON objects dockerd streams for pull and
 * push (`{status,id,progressDetail,progress}`, `{progressDetail,aux}`),
 * including its text bar ("[==>   ]  1.2MB/3.4MB"). Pure.
 */
import type { ProgressEvent } from './progress';

export interface JsonProgressMessage {
  status?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  id?: string;
  aux?: { Tag: string; Digest: string; Size: number };
}

/** Docker's go-units HumanSize: decimal units, 4 significant digits ("19.97kB", "1.984MB", "512B"). */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/** The bar Docker draws: 50 wide, `=` for done, `>` at the head, then sizes. */
export function progressBar(current: number, total: number | undefined): string {
  if (!total || total <= 0) return humanSize(current).padStart(8);
  const width = 50;
  const pct = Math.min(current / total, 1);
  const done = Math.floor(pct * width);
  const bar = `[${'='.repeat(done)}>${' '.repeat(Math.max(width - done - 1, 0))}]`;
  // Go's "%8v/%v", or "%8v" alone once current passes total
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return `${bar} ${numbers}`;
}

export function encodeProgress(ev: ProgressEvent): JsonProgressMessage {
  switch (ev.type) {
    case 'status':
      return ev.id !== undefined ? { status: ev.status, id: ev.id } : { status: ev.status };
    case 'aux':
      return { progressDetail: {}, aux: ev.aux };
    case 'layer': {
      if (ev.current === undefined) return { status: ev.status, progressDetail: {}, id: ev.id };
      const detail = ev.total !== undefined ? { current: ev.current, total: ev.total } : { current: ev.current };
      return { status: ev.status, progressDetail: detail, progress: progressBar(ev.current, ev.total), id: ev.id };
    }
  }
}

/** One line of the stream, with the `\r\n` dockerd ends progress lines with. */
export function encodeProgressLine(ev: ProgressEvent): string {
  return `${JSON.stringify(encodeProgress(ev))}\r\n`;
}

/** The error line that ends a failed pull/push stream. */
export function encodeProgressError(message: string): string {
  return `${JSON.stringify({ errorDetail: { message }, error: message })}\r\n`;
}
