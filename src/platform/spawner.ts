/**
 * Processes started by build/native/berth-spawnd instead of by Node: Node's spawn forks the
 * whole daemon and blocks its thread until the child has exec'd (5–13 ms a build step on a busy
 * 2-core host, and the copy-on-write faults after it); the helper is a small process that forks
 * cheaply. Used where the daemon starts a process per build step (runtime/oci-run.ts). One
 * helper serves the daemon; a helper that died is started again by the next spawn.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { hex, LineHelper } from './line-helper';
import { nativeToolPath } from './native-tool';

/**
 * A process the helper started; stdin is /dev/null, stdout and stderr one stream. Events:
 * 'output' (Buffer), 'error' (Error: it did not start, or the helper died), 'close' (code,
 * signal name: it ended and its output is all out).
 */
export class HelperChild extends EventEmitter {
  pid: number | undefined;
}

class Spawner {
  private readonly children = new Map<number, HelperChild>();
  private nextId = 1;
  private readonly proc: LineHelper;

  constructor(tool: string) {
    this.proc = new LineHelper(tool, (line) => this.onLine(line), (why) => {
      const lost = [...this.children.values()];
      this.children.clear();
      for (const c of lost) c.emit('error', new Error(`berth-spawnd ${why}`));
    });
  }

  /** `args` without argv[0], as Node's spawn takes them */
  spawn(file: string, args: string[]): HelperChild {
    const id = this.nextId++;
    const c = new HelperChild();
    this.children.set(id, c);
    this.proc.write(`s ${id} ${[file, file, ...args].map(hex).join(' ')}`);
    this.proc.busy(true);
    return c;
  }

  private onLine(line: string): void {
    const [kind, idText, a, b] = line.split(' ');
    const id = Number(idText);
    const c = this.children.get(id);
    if (!c) return;
    if (kind === 'o') c.emit('output', Buffer.from(a ?? '', 'hex'));
    else if (kind === 'p') c.pid = Number(a);
    else if (kind === 'e' || kind === 'x') {
      this.children.delete(id);
      if (!this.children.size) this.proc.busy(false);
      if (kind === 'e') c.emit('error', Object.assign(new Error(`cannot start: errno ${a}`), { errno: Number(a) }));
      else c.emit('close', Number(b) ? null : Number(a), Number(b) ? signalName(Number(b)) : null);
    }
  }
}

function signalName(n: number): NodeJS.Signals | null {
  return (Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined) ?? null;
}

let shared: Spawner | null | undefined;

/** The helper's spawn, or undefined where it was not built (callers then use Node's). */
export function helperSpawner(): ((file: string, argv: string[]) => HelperChild) | undefined {
  if (shared === undefined) {
    const tool = nativeToolPath('berth-spawnd');
    shared = existsSync(tool) ? new Spawner(tool) : null;
  }
  const s = shared;
  return s ? (file, argv) => s.spawn(file, argv) : undefined;
}
