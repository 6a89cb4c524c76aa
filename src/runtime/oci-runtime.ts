/**
 * Adapter for the OCI runtime binary (runc or crun) with a per-daemon state
 * root. Owns the runtime's command lines and the translation of its stderr
 * into typed errors; it does not launch containers (conmon.ts does).
 */
import { promises as fs, constants as fsc } from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, RuntimeStartError, UnavailableError, FailedPreconditionError, InternalError, errorMessage } from '../base/errors';
import { CommandFailedError, run, runUnchecked } from '../platform/spawn';
import { CGROUP_ROOT, detectCgroupMode } from '../platform/cgroups';
import type { RuntimeState } from './types';

const SEARCH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/libexec/podman', '/usr/lib/podman'];

/** First executable called `name` in the usual system directories. */
export async function findBinary(name: string, dirs: string[] = SEARCH_DIRS): Promise<string | undefined> {
  for (const d of dirs) {
    const p = path.join(d, name);
    if (await fs.access(p, fsc.X_OK).then(() => true, () => false)) return p;
  }
  return undefined;
}

export type RuntimeName = 'runc' | 'crun';

export interface RuntimeFeatures {
  ociVersionMin?: string;
  ociVersionMax?: string;
  namespaces?: string[];
  capabilities?: string[];
  raw: unknown;
}

/** One container's state as the runtime reports it. */
export interface OciState {
  id: string;
  status: 'creating' | 'created' | 'running' | 'paused' | 'stopped';
  pid: number;
  bundle: string;
}

const TIMEOUT_MS = 30_000;

/** A binary's version as `docker version` lists it among the server's components. */
export interface ComponentVersion {
  name: string;
  version: string;
  /** the commit it was built from, as the binary reports it ("" when it reports none) */
  commit: string;
}

/** `runc --version` / `crun --version`: "<name> version X" and a "commit: Y" line. */
export function parseRuntimeVersion(name: string, text: string): ComponentVersion | undefined {
  const version = /^\S+ version (\S+)/m.exec(text)?.[1];
  if (!version) return undefined;
  return { name, version, commit: /^commit: *(\S*)/m.exec(text)?.[1] ?? '' };
}

export class OciRuntime {
  constructor(
    readonly name: RuntimeName,
    readonly binary: string,
    /** --root: per-daemon state directory, e.g. <execRoot>/runc */
    readonly root: string,
    /** a program the runtime runs under (berth-v1view for crun on a hybrid cgroup host); never with conmon */
    readonly launcher: string[] = [],
  ) {}

  private versionRead?: Promise<ComponentVersion | undefined>;

  /** The runtime's version and commit (`--version`), read once; undefined when it does not answer. */
  version(): Promise<ComponentVersion | undefined> {
    this.versionRead ??= runUnchecked([this.binary, '--version'], { timeoutMs: TIMEOUT_MS }).then(
      (r) => (r.exitCode === 0 ? parseRuntimeVersion(this.name, r.stdout) : undefined),
      () => undefined,
    );
    return this.versionRead;
  }

  /** Leading arguments for every invocation (also handed to conmon as --runtime-arg). */
  globalArgs(): string[] {
    return ['--root', this.root];
  }

  /** The whole command line of one runtime call. */
  argv(args: string[]): string[] {
    return [...this.launcher, this.binary, ...this.globalArgs(), ...args];
  }

  private async call(args: string[], id: string, input?: string): Promise<string> {
    try {
      return (await run(this.argv(args), { timeoutMs: TIMEOUT_MS, input })).stdout;
    } catch (e) {
      throw mapRuntimeError(e, id);
    }
  }

  async state(id: string): Promise<OciState | undefined> {
    const r = await runUnchecked(this.argv(['state', id]), { timeoutMs: TIMEOUT_MS });
    if (r.exitCode !== 0) {
      if (isNotExist(r.stderr)) return undefined;
      throw mapRuntimeError(new CommandFailedError([this.binary, 'state', id], r.exitCode, r.stderr, r.stdout), id);
    }
    return JSON.parse(r.stdout) as OciState;
  }

  async runtimeState(id: string): Promise<RuntimeState | undefined> {
    const s = await this.state(id);
    if (!s) return undefined;
    return { status: s.status === 'creating' ? 'created' : s.status, pid: s.pid };
  }

  async start(id: string): Promise<void> {
    await this.call(['start', id], id);
  }

  async kill(id: string, signal: string, all = false): Promise<void> {
    await this.call(['kill', ...(all ? ['--all'] : []), id, signal.replace(/^SIG/i, '').toUpperCase()], id);
  }

  /** Idempotent: a container that does not exist is already deleted. */
  async delete(id: string, force = false): Promise<void> {
    try {
      await this.call(['delete', ...(force ? ['--force'] : []), id], id);
    } catch (e) {
      if (e instanceof NotFoundError) return;
      throw e;
    }
  }

  async pause(id: string): Promise<void> {
    await this.call(['pause', id], id);
  }

  async resume(id: string): Promise<void> {
    await this.call(['resume', id], id);
  }

  /** New cgroup limits for a running container (OCI LinuxResources JSON on stdin). */
  async update(id: string, resources: object): Promise<void> {
    await this.call(['update', '--resources', '-', id], id, JSON.stringify(resources));
  }

  async ps(id: string): Promise<number[]> {
    const out = await this.call(['ps', '--format', 'json', id], id);
    const pids = JSON.parse(out.trim() || '[]') as number[] | null;
    return pids ?? [];
  }

  async features(): Promise<RuntimeFeatures | undefined> {
    const r = await runUnchecked([this.binary, 'features'], { timeoutMs: TIMEOUT_MS });
    if (r.exitCode !== 0) return undefined;
    const raw = JSON.parse(r.stdout) as { ociVersionMin?: string; ociVersionMax?: string; linux?: { namespaces?: string[]; capabilities?: string[] } };
    return { ociVersionMin: raw.ociVersionMin, ociVersionMax: raw.ociVersionMax, namespaces: raw.linux?.namespaces, capabilities: raw.linux?.capabilities, raw };
  }
}

function isNotExist(stderr: string): boolean {
  return /does not exist|not found|no such file or directory/i.test(stderr) && !/exec/.test(stderr);
}

/** runc/crun stderr → typed error. */
export function mapRuntimeError(e: unknown, id: string): Error {
  if (!(e instanceof CommandFailedError)) return e instanceof Error ? e : new InternalError(errorMessage(e));
  const msg = (e.stderr || e.stdout).trim();
  if (/container .*does not exist|container does not exist|can't find container|container not found/i.test(msg)) return new NotFoundError('container', id);
  if (/not running|is not paused|is paused|container is stopped|cannot (pause|resume|start)|already/i.test(msg)) return new FailedPreconditionError(cleanRuntimeMessage(msg), 'RUNTIME_WRONG_STATE');
  return new InternalError(cleanRuntimeMessage(msg) || e.message, 'RUNTIME_FAILED', { cause: e });
}

/** runc logs as `time="…" level=error msg="…"`; keep the message only. */
export function cleanRuntimeMessage(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const msgs = lines.map((l) => {
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(l);
    return m ? m[1]!.replace(/\\"/g, '"').replace(/\\\\/g, '\\') : l;
  });
  return msgs.join('\n');
}

/**
 * A failed `create`/`exec` message → RuntimeStartError with Docker's reason:
 * missing executable → 'not-found' (exit 127), not executable → 'cannot-invoke' (126).
 */
export function mapStartError(message: string): RuntimeStartError {
  const msg = cleanRuntimeMessage(message);
  if (/executable file not found|no such file or directory/i.test(msg)) return new RuntimeStartError(msg, 'not-found');
  if (/permission denied|exec format error|is a directory/i.test(msg)) return new RuntimeStartError(msg, 'cannot-invoke');
  return new RuntimeStartError(msg, 'other');
}

/**
 * Pick the runtime: 'runc'/'crun' when asked and installed; 'auto' takes crun
 * only on pure cgroup v2 hosts (where it is known to work), else runc.
 */
export async function probeRuntime(preferred: 'auto' | RuntimeName, root: string, dirs?: string[]): Promise<OciRuntime> {
  const runc = await findBinary('runc', dirs);
  const crun = await findBinary('crun', dirs);
  if (preferred === 'runc' || preferred === 'crun') {
    const bin = preferred === 'runc' ? runc : crun;
    if (!bin) throw new UnavailableError(`OCI runtime ${preferred} not found`, 'RUNTIME_NOT_FOUND');
    return new OciRuntime(preferred, bin, root);
  }
  if (crun && (await detectCgroupMode()) === 'v2') {
    const v = await runUnchecked([crun, '--version'], { timeoutMs: 10_000 });
    if (v.exitCode === 0) return new OciRuntime('crun', crun, root);
  }
  if (runc) return new OciRuntime('runc', runc, root);
  if (crun) return new OciRuntime('crun', crun, root);
  throw new UnavailableError('no OCI runtime (runc or crun) found', 'RUNTIME_NOT_FOUND');
}

/**
 * The runtime of build steps (`run` to the end, no conmon): crun where it can run, for it starts a
 * step in half runc's time and CPU (a Go binary that re-executes itself as `runc init`). On a
 * hybrid cgroup host crun runs under berth-v1view, which hides the v2 mount crun refuses.
 * Falls back to the daemon's runtime when crun, or the helper a hybrid host needs, is missing,
 * or when the daemon was told to use runc.
 */
export async function probeStepRuntime(main: OciRuntime, preferred: 'auto' | RuntimeName, root: string, opts: { dirs?: string[]; v1view?: string } = {}): Promise<OciRuntime> {
  if (main.name === 'crun' || preferred === 'runc') return main;
  const crun = await findBinary('crun', opts.dirs);
  if (!crun) return main;
  if ((await detectCgroupMode()) !== 'hybrid') return new OciRuntime('crun', crun, root);
  const v1view = opts.v1view;
  if (!v1view || !(await fs.access(v1view, fsc.X_OK).then(() => true, () => false))) return main;
  return new OciRuntime('crun', crun, root, [v1view, path.join(CGROUP_ROOT, 'unified')]);
}
