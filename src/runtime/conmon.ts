/**
 * ContainerRuntime over conmon + runc/crun. conmon runs detached (it
 * double-forks and calls setsid), so containers outlive the daemon; we talk to
 * it through its sync/start/attach pipes, its SOCK_SEQPACKET attach socket
 * (bridged by native/berth-attach) and its `ctl` fifo. Per-container files
 * live in <execRoot>/conmon/<id>/; runtime state in <execRoot>/runc.
 * Does not write config.json (container/start.ts does) nor track container state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { InternalError, NotFoundError, UnavailableError, errorMessage } from '../base/errors';
import type { Logger } from '../base/logger';
import { writeFileAtomic } from '../state/atomic-file';
import { OciRuntime, findBinary, mapStartError, probeRuntime } from './oci-runtime';
import type { AttachStream, ContainerRuntime, CreateOptions, ExecOptions, ExecSession, RuntimeState } from './types';

export interface CreateRuntimeOptions {
  execRoot: string;
  runtime?: 'auto' | 'runc' | 'crun';
  logger: Logger;
  /** override binary locations (tests, unusual installs) */
  conmonPath?: string;
  attachHelperPath?: string;
}

/** Built by scripts/build-native.js; resolved from dist/src/runtime. */
export const ATTACH_HELPER = path.resolve(__dirname, '../../../build/native/berth-attach');

const CREATE_TIMEOUT_MS = 60_000;
/** conmon's resize message type in the ctl fifo ("<type> <height> <width>\n"). */
const CTL_RESIZE = 1;
/** conmon's "reopen the log files" message type in the ctl fifo. */
const CTL_REOPEN_LOGS = 2;

interface ContainerFiles {
  bundleDir: string;
  terminal: boolean;
  stdin: boolean;
}

interface SyncMessage {
  data: number;
  message?: string;
}

export async function createRuntime(opts: CreateRuntimeOptions): Promise<ConmonRuntime> {
  const oci = await probeRuntime(opts.runtime ?? 'auto', path.join(opts.execRoot, 'runc'));
  const conmon = opts.conmonPath ?? (await findBinary('conmon'));
  if (!conmon) throw new UnavailableError('conmon not found', 'CONMON_NOT_FOUND');
  const helper = opts.attachHelperPath ?? ATTACH_HELPER;
  if (!(await fs.access(helper, fsc.X_OK).then(() => true, () => false))) {
    throw new UnavailableError(`attach helper ${helper} missing: run "node scripts/build-native.js"`, 'ATTACH_HELPER_MISSING');
  }
  const rt = new ConmonRuntime(opts.execRoot, oci, conmon, helper, opts.logger);
  await fs.mkdir(rt.exitDir, { recursive: true });
  await fs.mkdir(oci.root, { recursive: true });
  return rt;
}

export class ConmonRuntime implements ContainerRuntime {
  readonly exitDir: string;
  private readonly filesRoot: string;

  constructor(
    readonly execRoot: string,
    readonly oci: OciRuntime,
    private readonly conmonPath: string,
    private readonly helperPath: string,
    private readonly logger: Logger,
  ) {
    this.exitDir = path.join(execRoot, 'conmon', 'exits');
    this.filesRoot = path.join(execRoot, 'conmon', 'containers');
  }

  get name(): string {
    return this.oci.name;
  }

  /** Per-container directory: conmon pidfile, container pidfile, info.json, exec sessions. */
  containerDir(id: string): string {
    return path.join(this.filesRoot, id);
  }

  /** conmon's attach socket (--full-attach binds it in the bundle dir). */
  private async files(id: string): Promise<ContainerFiles> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.containerDir(id), 'info.json'), 'utf8')) as ContainerFiles;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('container', id);
      throw e;
    }
  }

  async create(o: CreateOptions): Promise<{ pid: number; conmonPid: number }> {
    const dir = this.containerDir(o.id);
    await fs.mkdir(dir, { recursive: true });
    await fs.rm(path.join(this.exitDir, o.id), { force: true });
    await writeFileAtomic(path.join(dir, 'info.json'), JSON.stringify({ bundleDir: o.bundleDir, terminal: o.terminal, stdin: o.stdin } satisfies ContainerFiles));
    const args = [
      ...this.commonArgs(o.id, o.id, o.bundleDir, dir),
      '--exit-dir', this.exitDir,
      ...(o.log.driver === 'none' ? ['-l', 'none'] : ['-l', `k8s-file:${o.log.path}`, ...(o.log.sizeMax ? ['--log-size-max', String(o.log.sizeMax)] : [])]),
      ...(o.terminal ? ['-t'] : []),
      ...(o.stdin ? ['-i'] : []),
      // Without it, conmon closes the container's stdin when the first attach with stdin ends: Docker's StdinOnce.
      ...(o.stdin && !o.stdinOnce ? ['--leave-stdin-open'] : []),
    ];
    const child = this.spawnConmon(args, dir, false);
    try {
      const sync = new SyncReader(pipeAt(child, 3));
      (pipeAt(child, 4)).end(Buffer.from([0])); // start pipe: "go ahead"
      const msg = await withTimeout(sync.next(), CREATE_TIMEOUT_MS, 'conmon did not report the container pid');
      sync.close();
      if (!msg) throw new InternalError(`conmon failed: ${(await collectStderr(child)).trim() || 'no sync message'}`, 'CONMON_FAILED');
      if (msg.data <= 0) throw mapStartError(msg.message ?? `runtime create failed (${msg.data})`);
      const conmonPid = Number((await fs.readFile(path.join(dir, 'conmon.pid'), 'utf8')).trim());
      this.logger.debug({ id: o.id, pid: msg.data, conmonPid }, 'container created');
      return { pid: msg.data, conmonPid };
    } finally {
      releaseChild(child);
    }
  }

  /** Arguments shared by container and exec conmons. */
  private commonArgs(cid: string, cuuid: string, bundle: string, dir: string): string[] {
    const a = ['--api-version', '1', '-c', cid, '-u', cuuid, '-n', cuuid, '-r', this.oci.binary, '-b', bundle];
    a.push('-p', path.join(dir, 'pidfile'), '-P', path.join(dir, 'conmon.pid'));
    a.push('--socket-dir-path', dir, '--full-attach');
    for (const g of this.oci.globalArgs()) a.push('--runtime-arg', g);
    return a;
  }

  /** fd 3 = sync pipe, fd 4 = start pipe, fd 5 = attach pipe (exec only). Detached: conmon must outlive us. */
  private spawnConmon(args: string[], cwd: string, attachPipe: boolean): ChildProcess {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' };
    if (attachPipe) env['_OCI_ATTACHPIPE'] = '5';
    const child = spawn(this.conmonPath, args, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', ...(attachPipe ? (['pipe'] as const) : [])],
    });
    child.on('error', (e) => this.logger.warn({ err: String(e) }, 'conmon spawn failed'));
    // conmon can go at any moment (its container killed mid-exec): a reset on one of its pipes must not be an
    // unhandled 'error' event, which ends the daemon. Whoever waits on a pipe learns of it from its close.
    for (const s of child.stdio) (s as Socket | null)?.on('error', (e: Error) => this.logger.debug({ err: e.message }, 'conmon pipe error'));
    child.unref();
    return child;
  }

  async start(id: string): Promise<void> {
    try {
      await this.oci.start(id);
    } catch (e) {
      // runc reports exec failures at start for runtimes that defer the lookup.
      if (e instanceof InternalError && /exec|executable|permission denied/.test(e.message)) throw mapStartError(e.message);
      throw e;
    }
  }

  kill(id: string, signal: string, all?: boolean): Promise<void> {
    return this.oci.kill(id, signal, all);
  }

  delete(id: string, force?: boolean): Promise<void> {
    return this.oci.delete(id, force);
  }

  state(id: string): Promise<RuntimeState | undefined> {
    return this.oci.runtimeState(id);
  }

  pause(id: string): Promise<void> {
    return this.oci.pause(id);
  }

  resume(id: string): Promise<void> {
    return this.oci.resume(id);
  }

  update(id: string, resources: object): Promise<void> {
    return this.oci.update(id, resources);
  }

  pids(id: string): Promise<number[]> {
    return this.oci.ps(id);
  }

  async attach(id: string, o: { stdin: boolean; endOnStdinEof?: boolean }): Promise<AttachStream> {
    const f = await this.files(id);
    const child = await this.spawnHelper(path.join(f.bundleDir, 'attach'), f.terminal, o.stdin && f.stdin, !!o.endOnStdinEof);
    return new HelperStream(child, child.stdout!);
  }

  /** Starts berth-attach and waits until it is connected (it prints "ok" on stderr). */
  private async spawnHelper(socketPath: string, tty: boolean, stdin: boolean, endOnStdinEof = false): Promise<ChildProcess> {
    const args = [...(tty ? ['--tty'] : []), ...(stdin ? [] : ['--no-stdin']), ...(stdin && endOnStdinEof ? ['--end-on-stdin-eof'] : []), socketPath];
    const child = spawn(this.helperPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin!.on('error', () => undefined); // the helper exits when the container's stdio closes
    // as with conmon's pipes: a reset must reach the readers as a close, never the process as an uncaught error
    for (const p of [child.stdout!, child.stderr!]) p.on('error', (e: Error) => this.logger.debug({ err: e.message }, 'attach helper pipe error'));
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const onData = (b: Buffer) => {
        err += b.toString();
        if (err.startsWith('ok\n')) {
          child.stderr!.off('data', onData);
          child.stderr!.resume();
          resolve();
        } else if (err.includes('\n')) reject(new UnavailableError(`attach failed: ${err.replace(/^error: /, '').trim()}`, 'ATTACH_FAILED'));
      };
      child.stderr!.on('data', onData);
      child.once('error', (e) => reject(new UnavailableError(`attach helper: ${e.message}`, 'ATTACH_FAILED')));
      child.once('exit', (code) => reject(new UnavailableError(`attach failed: ${err.replace(/^error: /, '').trim() || `helper exited ${code}`}`, 'ATTACH_FAILED')));
    });
    return child;
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    const f = await this.files(id);
    await writeCtl(path.join(f.bundleDir, 'ctl'), CTL_RESIZE, height, width, id);
  }

  async reopenLog(id: string): Promise<void> {
    const f = await this.files(id);
    await writeCtl(path.join(f.bundleDir, 'ctl'), CTL_REOPEN_LOGS, 0, 0, id);
  }

  async exec(o: ExecOptions): Promise<ExecSession> {
    const f = await this.files(o.containerId);
    const dir = path.join(this.containerDir(o.containerId), `exec-${o.execId}`);
    const exitDir = path.join(dir, 'exit');
    await fs.mkdir(exitDir, { recursive: true });
    const processSpec = await this.execProcessSpec(o, f.bundleDir);
    const specPath = path.join(dir, 'process.json');
    await fs.writeFile(specPath, JSON.stringify(processSpec));
    const args = [
      ...this.commonArgs(o.containerId, o.execId, dir, dir),
      '--exec', '--exec-process-spec', specPath, '--exec-attach',
      '--exit-dir', exitDir,
      '-l', 'none',
      ...(o.terminal ? ['-t'] : []),
      ...(o.stdin ? ['-i'] : []),
    ];
    const child = this.spawnConmon(args, dir, true);
    const sync = new SyncReader(pipeAt(child, 3));
    const startPipe = pipeAt(child, 4);
    const attachPipe = new SyncReader(pipeAt(child, 5));
    let helper: ChildProcess | undefined;
    try {
      startPipe.write(Buffer.from([0])); // first read: conmon forks and sets up the attach socket
      const ready = await withTimeout(attachPipe.next(), CREATE_TIMEOUT_MS, 'conmon did not open the exec attach socket');
      attachPipe.close();
      if (!ready) throw new InternalError(`conmon exec failed: ${(await collectStderr(child)).trim() || 'no attach message'}`, 'CONMON_FAILED');
      helper = await this.spawnHelper(path.join(dir, 'attach'), o.terminal, o.stdin);
      startPipe.end(Buffer.from([0])); // second read: the runtime may exec now that we listen
      const first = await withTimeout(sync.next(), CREATE_TIMEOUT_MS, 'conmon did not report the exec pid');
      if (!first) throw new InternalError('conmon exec ended without a result', 'CONMON_FAILED');
      const out = new PassThrough();
      helper.stdout!.pipe(out, { end: false });
      const helperDone = new Promise<void>((r) => helper!.stdout!.once('close', () => r()));
      let exited: Promise<number>;
      let pid = 0;
      if (first.data <= 0) {
        // Docker writes the runtime's error into the exec stream and reports 126/127.
        const err = mapStartError(first.message ?? 'exec failed');
        exited = Promise.resolve(err.reason === 'not-found' ? 127 : 126);
        void helperDone.then(() => {
          const msg = Buffer.from(`OCI runtime exec failed: ${err.message}\r\n`);
          out.end(o.terminal ? msg : Buffer.concat([frameHeader(1, msg.length), msg]));
        });
        sync.close();
      } else {
        pid = first.data;
        exited = sync.next().then(async (m) => {
          sync.close();
          if (m && m.data >= 0) return m.data;
          const file = await fs.readFile(path.join(exitDir, o.containerId), 'utf8').catch(() => '');
          return file.trim() ? Number(file.trim()) : 255;
        });
        void helperDone.then(() => out.end());
      }
      const h = helper;
      const stream = new HelperStream(h, out);
      void Promise.all([exited, helperDone]).then(async () => {
        releaseChild(child);
        await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      });
      return {
        pid,
        stream,
        exited,
        resize: (height, width) => writeCtl(path.join(dir, 'ctl'), CTL_RESIZE, height, width, o.execId).catch((e: unknown) => {
          if (e instanceof NotFoundError) return; // the exec process is gone: nothing to resize
          throw e;
        }),
      };
    } catch (e) {
      if (helper) killHelper(helper);
      sync.close();
      attachPipe.close();
      releaseChild(child);
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw e;
    }
  }

  /** The exec process inherits the container's rlimits and security settings from its config.json. */
  private async execProcessSpec(o: ExecOptions, bundleDir: string): Promise<Record<string, unknown>> {
    const cfg = JSON.parse(await fs.readFile(path.join(bundleDir, 'config.json'), 'utf8')) as { process?: Record<string, unknown> };
    const base = cfg.process ?? {};
    const caps = o.capabilities;
    return {
      terminal: o.terminal,
      ...(o.terminal && o.consoleSize ? { consoleSize: o.consoleSize } : {}),
      user: { uid: o.user.uid, gid: o.user.gid, ...(o.user.additionalGids.length ? { additionalGids: o.user.additionalGids } : {}) },
      args: o.args,
      env: o.env,
      cwd: o.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: base['rlimits'] ?? [],
      noNewPrivileges: o.privileged ? false : (base['noNewPrivileges'] ?? false),
      ...(base['apparmorProfile'] && !o.privileged ? { apparmorProfile: base['apparmorProfile'] } : {}),
      ...(base['selinuxLabel'] ? { selinuxLabel: base['selinuxLabel'] } : {}),
    };
  }

  async exitCode(id: string): Promise<number | undefined> {
    try {
      const s = (await fs.readFile(path.join(this.exitDir, id), 'utf8')).trim();
      // conmon may be caught mid-write; an empty file is "not yet".
      if (!s) return undefined;
      const n = Number(s);
      return Number.isInteger(n) ? n : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Removes pidfiles, exec dirs and info; keeps the exit file until the next create (exitCode() may still be asked). */
  async cleanup(id: string): Promise<void> {
    let bundle: string | undefined;
    try {
      bundle = (await this.files(id)).bundleDir;
    } catch {
      bundle = undefined; // never created or already cleaned
    }
    if (bundle) {
      for (const f of ['attach', 'ctl', 'winsz', 'pidfile']) await fs.rm(path.join(bundle, f), { force: true });
    }
    await fs.rm(this.containerDir(id), { recursive: true, force: true });
  }

  /** Forget the exit file too (container removed). */
  async removeExitFile(id: string): Promise<void> {
    await fs.rm(path.join(this.exitDir, id), { force: true });
  }
}

/**
 * The AttachStream: reads come from `source` (the helper's stdout, possibly
 * via a PassThrough), writes go to the helper's stdin. Writes after the
 * container's stdin closed are dropped, as Docker does; destroy stops the helper.
 */
class HelperStream extends Duplex {
  constructor(
    private readonly child: ChildProcess,
    private readonly source: NodeJS.ReadableStream,
  ) {
    super();
    source.on('data', (d: Buffer) => {
      if (!this.push(d)) source.pause();
    });
    source.once('end', () => this.push(null));
    source.once('error', (e: Error) => this.destroy(e));
    source.pause();
  }

  override _read(): void {
    this.source.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return cb();
    stdin.write(chunk, () => cb());
  }

  override _final(cb: (e?: Error | null) => void): void {
    const stdin = this.child.stdin;
    if (stdin && !stdin.destroyed) stdin.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    killHelper(this.child);
    cb(err);
  }
}

/** Line-delimited JSON messages from one of conmon's pipes. */
class SyncReader {
  private buf = '';
  private ended = false;
  private waiters: Array<(m: SyncMessage | undefined) => void> = [];
  private queue: SyncMessage[] = [];

  constructor(private readonly sock: Socket) {
    sock.on('data', (b: Buffer) => {
      this.buf += b.toString('utf8');
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (line) this.push(parseSync(line));
      }
    });
    const finish = () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    };
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', finish);
  }

  private push(m: SyncMessage): void {
    const w = this.waiters.shift();
    if (w) w(m);
    else this.queue.push(m);
  }

  next(): Promise<SyncMessage | undefined> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((r) => this.waiters.push(r));
  }

  close(): void {
    this.sock.destroy();
  }
}

function parseSync(line: string): SyncMessage {
  try {
    const v = JSON.parse(line) as { data?: number; pid?: number; exit_code?: number; message?: string };
    return { data: v.data ?? v.pid ?? v.exit_code ?? -1, message: v.message };
  } catch (e) {
    return { data: -1, message: `bad message from conmon: ${line} (${errorMessage(e)})` };
  }
}

function frameHeader(stream: 1 | 2, len: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(len, 4);
  return h;
}

/** O_NONBLOCK: when conmon is gone the fifo has no reader and a plain open would block forever. */
async function writeCtl(ctl: string, type: number, height: number, width: number, id: string): Promise<void> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(ctl, fsc.O_WRONLY | fsc.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENXIO') throw new NotFoundError('container', id, `container ${id} is not running`);
    throw e;
  }
  try {
    await fh.write(`${type} ${Math.max(0, Math.floor(height))} ${Math.max(0, Math.floor(width))}\n`);
  } finally {
    await fh.close();
  }
}

function collectStderr(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = child.stderr;
    if (!s) return resolve('');
    s.on('data', (b: Buffer) => chunks.push(b));
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    s.once('close', done);
    setTimeout(done, 2000).unref();
  });
}

/** The extra fds of a spawned child are unix socketpairs, i.e. net.Sockets. */
function pipeAt(child: ChildProcess, fd: number): Socket {
  const s = (child.stdio as unknown as Array<Socket | null | undefined>)[fd];
  if (!s) throw new InternalError(`conmon pipe ${fd} missing`, 'CONMON_FAILED');
  return s;
}

/** Drop our ends of conmon's pipes so neither side keeps the other alive. */
function releaseChild(child: ChildProcess): void {
  for (const s of child.stdio) (s as Socket | null)?.destroy();
}

function killHelper(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_r, reject) => {
      t = setTimeout(() => reject(new InternalError(`${what} within ${ms} ms`, 'CONMON_TIMEOUT')), ms);
    }),
  ]);
}
