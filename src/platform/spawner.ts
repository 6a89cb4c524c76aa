/**
 * Processes started by build/native/berth-spawnd instead of by Node: Node's spawn forks the
 * whole daemon and blocks its thread until the child has exec'd (5–13 ms a build step on a busy
 * 2-core host, and the copy-on-write faults after it); the helper is a small process that forks
 * cheaply. Used where the daemon starts a process per build step (runtime/oci-run.ts). One
 * helper serves the daemon; a helper that died is started again by the next spawn.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { keepAlive } from './fs-helper';
import { nativeToolPath } from './native-tool';

const hex = (s: string): string => (s ? Buffer.from(s).toString('hex') : '-');

/**
 * A process the helper started; stdin is /dev/null, stdout and stderr one stream. Events:
 * 'output' (Buffer), 'error' (Error: it did not start, or the helper died), 'close' (code,
 * signal name: it ended and its output is all out).
 */
export class HelperChild extends EventEmitter {
  pid: number | undefined;
}

class Spawner {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly children = new Map<number, HelperChild>();
  private nextId = 1;
  private partial = '';

  constructor(private readonly tool: string) {}

  /** `args` without argv[0], as Node's spawn takes them */
  spawn(file: string, args: string[]): HelperChild {
    const helper = this.child ?? this.start();
    const id = this.nextId++;
    const c = new HelperChild();
    if (!this.children.size) keepAlive(helper, true);
    this.children.set(id, c);
    helper.stdin.write(`s ${id} ${[file, file, ...args].map(hex).join(' ')}\n`);
    return c;
  }

  private start(): ChildProcessWithoutNullStreams {
    const helper = spawn(this.tool, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = helper;
    this.partial = '';
    keepAlive(helper, false);
    helper.stdout.setEncoding('utf8');
    helper.stdout.on('data', (chunk: string) => this.child === helper && this.onData(chunk));
    helper.stderr.resume();
    helper.stdin.on('error', () => undefined); // a dead helper: 'exit' fails its children
    const gone = (why: string) => {
      if (this.child !== helper) return;
      this.child = undefined;
      const lost = [...this.children.values()];
      this.children.clear();
      for (const c of lost) c.emit('error', new Error(`berth-spawnd ${why}`));
    };
    helper.once('exit', (code, sig) => gone(`exited (${sig ?? code})`));
    helper.once('error', (e) => gone(`failed: ${e.message}`));
    return helper;
  }

  private onData(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const [kind, idText, a, b] = line.split(' ');
      const id = Number(idText);
      const c = this.children.get(id);
      if (!c) continue;
      if (kind === 'o') c.emit('output', Buffer.from(a ?? '', 'hex'));
      else if (kind === 'p') c.pid = Number(a);
      else if (kind === 'e' || kind === 'x') {
        this.children.delete(id);
        if (!this.children.size && this.child) keepAlive(this.child, false);
        if (kind === 'e') c.emit('error', Object.assign(new Error(`cannot start: errno ${a}`), { errno: Number(a) }));
        else c.emit('close', Number(b) ? null : Number(a), Number(b) ? signalName(Number(b)) : null);
      }
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
