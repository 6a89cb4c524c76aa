/**
 * On-disk line formats of the drivers that keep files:
 * - json-file: Docker's, `{"log":"text\n","stream":"stdout","time":"<RFC3339Nano>"}`, so tools that read
 *   /var/lib/docker/containers/<id>/<id>-json.log read ours;
 * - local (and the remote drivers' cache): conmon's k8s-file line, `<time> <stream> <P|F> <text>`. Docker's
 *   own local format is protobuf frames; ours is the line conmon already wrote, copied without re-encoding
 *   (no JSON escaping: cheaper to write, smaller on disk) and read back by the parser that already exists.
 */
import type { LogEntry } from '../types';
import { parseK8sLine, toDockerTime } from './k8s-file';

/** One record of container output: a whole line, or a piece of one (`partial`: no newline yet). */
export interface LogRecord {
  stream: 'stdout' | 'stderr';
  /** RFC3339Nano, Docker's form ("…Z", 9 digits) */
  time: string;
  /** the text (UTF-8 decoded once, in the pump; every driver wants text) */
  content: string;
  partial: boolean;
}

export type LineParser = (line: Buffer) => LogEntry | undefined;

export function jsonFileLine(r: LogRecord, attrs?: string): string {
  const log = JSON.stringify(r.partial ? r.content : r.content + '\n');
  // field order as Docker writes it: log, stream, attrs, time
  return `{"log":${log},"stream":"${r.stream}",${attrs ? `"attrs":${attrs},` : ''}"time":"${r.time}"}\n`;
}

export const parseJsonFileLine: LineParser = (line) => {
  try {
    const o = JSON.parse(line.toString()) as { log?: string; stream?: string; time?: string; attrs?: Record<string, string> };
    if (typeof o.log !== 'string' || (o.stream !== 'stdout' && o.stream !== 'stderr')) return undefined;
    return { stream: o.stream, time: o.time ?? '', data: Buffer.from(o.log), ...(o.attrs && typeof o.attrs === 'object' ? { attrs: o.attrs } : {}) };
  } catch {
    return undefined; // a torn last line after a crash
  }
};

export function localLine(r: LogRecord): string {
  return `${r.time} ${r.stream} ${r.partial ? 'P' : 'F'} ${r.content}\n`;
}

const NL = Buffer.from('\n');

export const parseLocalLine: LineParser = (line) => {
  const p = parseK8sLine(line);
  if (!p) return undefined;
  return { stream: p.stream, time: toDockerTime(p.time), data: p.partial ? Buffer.from(p.content) : Buffer.concat([p.content, NL]) };
};
