/**
 * `docker exec`: exec instances live in memory, as in Docker (they are lost
 * with the daemon). The runtime runs the process; we record its exit code.
 */
import { Duplex } from 'node:stream';
import { ConflictError, InternalError, NotFoundError } from '../base/errors';

/** How long a resize waits for its exec to start (dockerd's hardcoded 10 s). */
const RESIZE_WAIT_MS = 10_000;
import { newId } from '../base/ids';
import type { ContainerContext } from './context';
import { publishContainerEvent } from './context';
import { canExec } from './status';
import type { ExecCreateSpec, ExecInfo } from './types';
import { resolveUser } from './user';
import { processEnv } from './env';
import { defaultCapabilities } from '../runtime/security-defaults';
import { hostFacts } from './host-facts';
import type { AttachStream, ExecSession } from '../runtime/types';

interface ExecEntry {
  info: ExecInfo;
  session?: ExecSession;
}

export class ExecRegistry {
  private readonly execs = new Map<string, ExecEntry>();

  constructor(private readonly ctx: ContainerContext) {}

  create(ref: string, spec: ExecCreateSpec): string {
    const rec = this.ctx.store.resolve(ref);
    if (rec.state.status === 'paused') throw new ConflictError(`Container ${ref} is paused, unpause the container before exec`, 'CONTAINER_PAUSED');
    if (!canExec(rec.state.status)) throw new ConflictError(`container ${rec.id} is not running`, 'CONTAINER_NOT_RUNNING');
    const id = newId();
    this.execs.set(id, { info: { id, containerId: rec.id, running: false, exitCode: null, pid: 0, spec, openStdin: spec.attachStdin } });
    publishContainerEvent(this.ctx, rec, `exec_create: ${execLabel(spec.cmd)}`, { execID: id });
    return id;
  }

  get(execId: string): ExecEntry {
    const e = this.execs.get(execId);
    if (!e) throw new NotFoundError('exec instance', execId);
    return e;
  }

  inspect(execId: string): ExecInfo {
    return { ...this.get(execId).info };
  }

  async start(execId: string, opts: { detach: boolean; startable?: () => Promise<void> }): Promise<AttachStream | undefined> {
    const entry = this.get(execId);
    if (entry.info.running || entry.info.exitCode !== null) throw new ConflictError(`Error: Exec command ${execId} has already run`, 'EXEC_ALREADY_RUN');
    const rec = this.ctx.store.resolve(entry.info.containerId);
    if (!canExec(rec.state.status)) throw new ConflictError(`container ${rec.id} is not running`, 'CONTAINER_NOT_RUNNING');
    entry.info.running = true; // claimed: a second start now gets "already run"
    try {
      await opts.startable?.();
    } catch (e) {
      entry.info.running = false;
      throw e;
    }
    const s = entry.info.spec;
    const user = await resolveUser(rec.rootfs, s.user || rec.user, rec.spec.host.groupAdd).catch((e: unknown) => {
      entry.info.running = false;
      entry.info.exitCode = 126;
      throw e;
    });
    const env = processEnv({ env: rec.env, hostname: rec.hostname, tty: s.tty, home: user.home, extra: s.env });
    // as the container's own set: only what the kernel and the daemon's bounding set allow (a privileged one asks all)
    const facts = await hostFacts();
    const session = await this.ctx.runtime.exec({
      containerId: rec.id,
      execId,
      args: s.cmd,
      env,
      cwd: s.workingDir || rec.workingDir || '/',
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      terminal: s.tty,
      stdin: s.attachStdin && !opts.detach,
      consoleSize: s.consoleSize && s.consoleSize[0] > 0 ? { height: s.consoleSize[0], width: s.consoleSize[1] } : undefined,
      privileged: s.privileged || rec.spec.host.privileged,
      capabilities: defaultCapabilities(rec.spec.host.capAdd, rec.spec.host.capDrop, s.privileged || rec.spec.host.privileged, facts.capLastCap, facts.capBounding),
    }).catch((e) => {
      entry.info.running = false;
      entry.info.exitCode = 126;
      throw e;
    });
    entry.session = session;
    entry.info.pid = session.pid;
    publishContainerEvent(this.ctx, rec, `exec_start: ${execLabel(s.cmd)}`, { execID: execId });
    const recorded = session.exited.then((code) => {
      entry.info.running = false;
      entry.info.exitCode = code;
      entry.session = undefined;
      publishContainerEvent(this.ctx, rec, 'exec_die', { execID: execId, exitCode: String(code) });
    });
    if (opts.detach) {
      session.stream.resume(); // nobody reads: drain so the process never blocks on output
      session.stream.end();
      return undefined;
    }
    return endAfter(session.stream, recorded);
  }

  /**
   * As dockerd: a resize may arrive before its exec started (the docker CLI sends it right after the
   * start), so it waits up to 10 s for the process; one that ended, or never came, is refused.
   */
  async resize(execId: string, h: number, w: number): Promise<void> {
    const e = this.get(execId);
    const end = Date.now() + RESIZE_WAIT_MS;
    while (!e.session && e.info.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    if (e.session) return e.session.resize(h, w);
    // dockerd passes the runtime's answer on: the process is gone, a conflict with its state (409)
    if (e.info.exitCode !== null) throw new ConflictError(`Exec ${execId} is not running`, 'EXEC_NOT_RUNNING');
    throw new InternalError('timeout waiting for exec session ready', 'EXEC_NOT_READY');
  }

  /** Drop one finished exec (the healthchecks' own, which inspect never lists). */
  forget(execId: string): void {
    this.execs.delete(execId);
  }

  /** Forget the execs of a removed container. */
  dropContainer(containerId: string): void {
    for (const [id, e] of this.execs) if (e.info.containerId === containerId) this.execs.delete(id);
  }
}

/**
 * The caller's copy of an exec's stream, whose end waits until the exit code is recorded: the
 * docker CLI inspects the exec as soon as the output ends and takes its ExitCode (0 while running),
 * as dockerd only ends the stream once the process is gone.
 */
function endAfter(stream: Duplex, recorded: Promise<unknown>): Duplex {
  const out = new Duplex({
    read() {
      stream.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      stream.write(chunk, cb);
    },
    final(cb) {
      stream.end();
      cb();
    },
    destroy(err, cb) {
      stream.destroy(err ?? undefined);
      cb(err);
    },
  });
  stream.on('data', (c: Buffer) => {
    if (!out.push(c)) stream.pause();
  });
  stream.on('end', () => void recorded.finally(() => out.push(null)));
  stream.on('error', (e) => out.destroy(e));
  return out;
}

/** dockerd names an exec "entrypoint args..." with a space between even when there are no args ("exec_start: cat "). */
function execLabel(cmd: string[]): string {
  return `${cmd[0] ?? ''} ${cmd.slice(1).join(' ')}`;
}
