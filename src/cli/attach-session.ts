/**
 * Pumps a hijacked attach/exec connection to the terminal: demuxes stdcopy frames
 * (or passes raw TTY bytes), forwards stdin then half-closes, puts a real terminal
 * in raw mode (restored on exit), and recognises the detach key sequence client-side.
 */
import type { HijackedStream } from '../client/transport';
import type { CliStreams } from './cli-context';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** "ctrl-p,ctrl-q" → [0x10, 0x11]; "a" → [0x61]. */
export function parseDetachKeys(spec: string): number[] {
  return spec.split(',').map((k) => {
    const key = k.trim();
    const ctrl = /^ctrl-(.)$/i.exec(key);
    if (ctrl) {
      const ch = ctrl[1]!.toLowerCase();
      if (ch >= 'a' && ch <= 'z') return ch.charCodeAt(0) - 96;
      const special: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };
      if (ch in special) return special[ch]!;
    }
    if (key.length === 1) return key.charCodeAt(0);
    throw new Error(`Invalid detach keys (${spec}) provided`);
  });
}

export interface AttachSessionOptions {
  tty: boolean;
  /** forward our stdin to the connection */
  stdin: boolean;
  detachKeys?: string;
}

export interface AttachSessionResult {
  /** the user typed the detach sequence */
  detached: boolean;
}

/**
 * Runs until the server ends the output (or the user detaches). The returned
 * promise settles after the terminal mode is restored.
 */
export function pumpAttach(conn: HijackedStream, streams: CliStreams, opts: AttachSessionOptions): Promise<AttachSessionResult> {
  const { StdcopyDemuxer } = require('../client/stdcopy') as typeof import('../client/stdcopy');
  const output = conn.body ?? conn.socket;
  const stdin = opts.stdin ? streams.stdin : undefined;
  const raw = !!(opts.tty && stdin?.isTTY && stdin.setRawMode);
  const detachSeq = opts.tty && stdin ? parseDetachKeys(opts.detachKeys || DEFAULT_DETACH_KEYS) : [];
  let detached = false;

  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (raw) stdin!.setRawMode!(false);
      if (stdin) {
        stdin.removeListener('data', onInput);
        stdin.pause();
      }
      resolve({ detached });
    };

    const demux = opts.tty ? undefined : new StdcopyDemuxer((s, payload) => (s === 2 ? streams.stderr : streams.stdout).write(payload));
    const onOutput = (chunk: Buffer): void => {
      if (demux) demux.push(chunk);
      else streams.stdout.write(chunk);
    };
    if (conn.head.length) onOutput(conn.head);
    output.on('data', onOutput);
    output.once('end', finish);
    output.once('close', finish);
    output.once('error', finish);

    let matched = 0;
    const onInput = (chunk: Buffer): void => {
      if (!detachSeq.length) {
        conn.socket.write(chunk);
        return;
      }
      // hold back bytes that may be the start of the detach sequence
      const pass: number[] = [];
      for (const b of chunk) {
        if (b === detachSeq[matched]) {
          matched++;
          if (matched === detachSeq.length) {
            detached = true;
            conn.socket.end();
            conn.socket.destroy();
            finish();
            return;
          }
        } else {
          if (matched) pass.push(...detachSeq.slice(0, matched));
          matched = 0;
          pass.push(b);
        }
      }
      if (pass.length) conn.socket.write(Buffer.from(pass));
    };

    if (stdin) {
      if (raw) stdin.setRawMode!(true);
      stdin.on('data', onInput);
      stdin.once('end', () => {
        // EOF on our stdin → half-close so the process sees end of input
        if (!done) conn.socket.end();
      });
      stdin.resume();
    } else {
      // like the docker CLI: no stdin → half-close right away and keep reading
      conn.socket.end();
    }
  });
}

/** Keeps the remote TTY the size of ours: now and on every SIGWINCH. Returns the unsubscribe. */
export function followTerminalSize(stdout: CliStreams['stdout'], resize: (h: number, w: number) => Promise<void>): () => void {
  if (!stdout.isTTY) return () => undefined;
  const send = (): void => {
    const h = stdout.rows ?? 0;
    const w = stdout.columns ?? 0;
    if (h && w) resize(h, w).catch(() => undefined); // a resize race with exit is harmless
  };
  send();
  process.on('SIGWINCH', send);
  return () => process.removeListener('SIGWINCH', send);
}
