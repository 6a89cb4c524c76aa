/** `docker create`: validate, resolve the image and the process, persist a record. Nothing runs yet. */
import { seccompFor } from '../runtime/seccomp';
import { MASKED_PATHS, READONLY_PATHS } from '../runtime/security-defaults';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../base/errors';
import { CONTAINER_NAME_RE, newId } from '../base/ids';
import type { ImageConfigConfig } from '../protocol/oci/image';
import type { ContainerContext } from './context';
import { BUILTIN_DEFAULT_LOG_CONFIG, mergeLogConfig, validateLogConfig } from './logs/config';
import { logHostFacts } from './logs/service';
import { publishContainerEvent } from './context';
import { randomName } from './names';
import { parseLink } from './links';
import { DEFAULT_PATH, overlayEnv } from './env';
import type { ContainerSpec } from './spec';
import { ZERO_TIME } from './status';
import type { ContainerRecord } from './types';
import { createMountPoints, dropVolumes, validateMounts } from './mounts';
import { validateUsernsMode } from './userns';
import { validateRootlessLimits } from './rootless';
import { validateSignal } from './stop';

export { DEFAULT_PATH } from './env';

/** Image env overlaid by user env, by key; Docker adds PATH when the image has none (build steps). */
export function mergeEnv(imageEnv: string[], userEnv: string[]): string[] {
  const out = overlayEnv(imageEnv, userEnv);
  return out.some((e) => e.startsWith('PATH=')) ? out : [...out, `PATH=${DEFAULT_PATH}`];
}

/** Docker's rule: an overridden entrypoint drops the image's CMD. */
export function resolveCommand(spec: Pick<ContainerSpec, 'cmd' | 'entrypoint'>, img: ImageConfigConfig): string[] {
  let entrypoint = spec.entrypoint ?? img.Entrypoint ?? [];
  if (entrypoint.length === 1 && entrypoint[0] === '') entrypoint = [];
  const cmd = spec.cmd ?? (spec.entrypoint !== undefined ? [] : img.Cmd ?? []);
  return [...entrypoint, ...cmd];
}

export function validateSpec(spec: ContainerSpec): void {
  const h = spec.host;
  if (spec.name !== undefined && spec.name !== '' && !CONTAINER_NAME_RE.test(spec.name)) {
    throw new InvalidArgumentError(`Invalid container name (${spec.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 'INVALID_NAME');
  }
  if (h.memory > 0 && h.memory < 6 * 1024 * 1024) throw new InvalidArgumentError('Minimum memory limit allowed is 6MB');
  if (h.memorySwap > 0 && h.memory > 0 && h.memorySwap < h.memory) {
    throw new InvalidArgumentError('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  // dockerd's bounds: no more CPUs than the daemon may use (Go's NumCPU: the affinity mask)
  const ncpu = os.availableParallelism();
  const cpuRange = `range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`;
  if (h.nanoCpus < 0 || h.nanoCpus > ncpu * 1e9) throw new InvalidArgumentError(cpuRange);
  if (h.nanoCpus > 0 && (h.cpuQuota > 0 || h.cpuPeriod > 0)) {
    throw new InvalidArgumentError('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  }
  if (h.nanoCpus > 0 && h.nanoCpus < 1e7) throw new InvalidArgumentError(cpuRange);
  // dockerd parses the stop signal at create (a number other than 0 passes, as signal.ParseSignal lets it)
  if (spec.stopSignal && !/^\d+$/.test(spec.stopSignal)) validateSignal(spec.stopSignal);
  if (spec.stopSignal === '0') throw new InvalidArgumentError('invalid signal: 0', 'INVALID_SIGNAL');
  const rp = h.restartPolicy;
  if (!['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(rp.name)) {
    throw new InvalidArgumentError(`invalid restart policy: unknown policy '${rp.name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  if (rp.maximumRetryCount > 0 && rp.name !== 'on-failure') {
    throw new InvalidArgumentError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  }
  if (h.autoRemove && rp.name !== '' && rp.name !== 'no') {
    throw new InvalidArgumentError('can\'t create \'AutoRemove\' container with restart policy');
  }
  for (const u of h.ulimits) {
    if (u.soft > u.hard) throw new InvalidArgumentError(`ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`);
  }
  const nm = h.networkMode;
  if (nm.startsWith('container:') && nm.length === 'container:'.length) throw new InvalidArgumentError('invalid network mode: container:');
  if (spec.workingDir && !spec.workingDir.startsWith('/')) {
    throw new InvalidArgumentError(`the working directory '${spec.workingDir}' is invalid, it needs to be an absolute path`);
  }
  for (const m of h.mounts) {
    if (!m.target.startsWith('/')) throw new InvalidArgumentError(`invalid mount config for type "${m.type}": invalid mount path: '${m.target}' mount path must be absolute`);
  }
  // dockerd's validateContainerConfig and verifyPlatformContainerSettings, in its order and words
  for (const e of spec.env) if (e.split('=')[0] === '') throw new InvalidArgumentError(`invalid environment variable: ${e}`, 'INVALID_ENV');
  validateHealthcheck(spec.healthcheck);
  if (!validIpcMode(h.ipcMode)) throw new InvalidArgumentError(`invalid IPC mode: ${h.ipcMode}`, 'INVALID_IPC_MODE');
  if (!(h.pidMode === '' || h.pidMode === 'host' || /^container:./.test(h.pidMode))) throw new InvalidArgumentError(`invalid PID mode: ${h.pidMode}`, 'INVALID_PID_MODE');
  if (!(h.utsMode === '' || h.utsMode === 'host')) throw new InvalidArgumentError(`invalid UTS mode: ${h.utsMode}`, 'INVALID_UTS_MODE');
  if (h.cpuShares < 0) throw new InvalidArgumentError(`invalid CPU shares (${h.cpuShares}): value must be a positive integer`, 'INVALID_CPU');
  if (h.annotations && '' in h.annotations) {
    throw new InvalidArgumentError('invalid Annotations: the empty string is not permitted as an annotation key', 'INVALID_ANNOTATION');
  }
  for (const t of Object.keys(h.tmpfs)) {
    if (!t.startsWith('/')) throw new InvalidArgumentError(`invalid mount config for type "tmpfs": invalid mount path: '${t}' mount path must be absolute`, 'INVALID_MOUNT');
    if (path.posix.normalize(t) === '/') throw new InvalidArgumentError(`invalid specification: destination can't be '/'`, 'INVALID_MOUNT');
  }
  for (const o of h.securityOpt) {
    validateSecurityOpt(o);
  }
  seccompFor(h.securityOpt, [], false); // a profile that does not decode fails the create, not the start
}

/** Healthcheck durations (nanoseconds) below dockerd's 1ms minimum, or negative retries, are refused at create. */
function validateHealthcheck(hc: ContainerSpec['healthcheck']): void {
  if (!hc) return;
  const MIN = 1_000_000;
  const short = (v: number | undefined) => v !== undefined && v !== 0 && v < MIN;
  if (short(hc.interval)) throw new InvalidArgumentError('Interval in Healthcheck cannot be less than 1ms', 'INVALID_HEALTHCHECK');
  if (short(hc.timeout)) throw new InvalidArgumentError('Timeout in Healthcheck cannot be less than 1ms', 'INVALID_HEALTHCHECK');
  if (hc.retries !== undefined && hc.retries < 0) throw new InvalidArgumentError('Retries in Healthcheck cannot be negative', 'INVALID_HEALTHCHECK');
  if (short(hc.startPeriod)) throw new InvalidArgumentError('StartPeriod in Healthcheck cannot be less than 1ms', 'INVALID_HEALTHCHECK');
  if (short(hc.startInterval)) throw new InvalidArgumentError('StartInterval in Healthcheck cannot be less than 1ms', 'INVALID_HEALTHCHECK');
}

/** dockerd's merge at create: a healthcheck without a test takes the image's test and the durations it left zero. */
function mergedHealthcheck(spec: ContainerSpec, img: ImageConfigConfig): Pick<ContainerSpec, 'healthcheck'> {
  const hc = spec.healthcheck;
  const from = img.Healthcheck;
  if (!hc || hc.test.length || !from?.Test?.length) return {};
  const out: NonNullable<ContainerSpec['healthcheck']> = { ...hc, test: [...from.Test] };
  if (!out.interval && from.Interval) out.interval = from.Interval;
  if (!out.timeout && from.Timeout) out.timeout = from.Timeout;
  if (!out.retries && from.Retries) out.retries = from.Retries;
  if (!out.startPeriod && from.StartPeriod) out.startPeriod = from.StartPeriod;
  if (!out.startInterval && from.StartInterval) out.startInterval = from.StartInterval;
  return { healthcheck: out };
}

const GO_BOOL = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];

/** dockerd's parseSecurityOpt, with its numbered messages ("1": no separator, "2": unknown key or bad value). */
function validateSecurityOpt(o: string): void {
  if (['no-new-privileges', 'writable-cgroups', 'disable', 'systempaths=unconfined'].includes(o)) return;
  const sep = o.includes('=') ? '=' : o.includes(':') ? ':' : '';
  if (!sep) throw new InvalidArgumentError(`invalid --security-opt 1: ${JSON.stringify(o)}`, 'BAD_SECURITY_OPT');
  const k = o.slice(0, o.indexOf(sep));
  const v = o.slice(o.indexOf(sep) + 1);
  const ok = ['label', 'apparmor', 'seccomp', 'systempaths', 'mask', 'unmask'].includes(k) || (['no-new-privileges', 'writable-cgroups'].includes(k) && GO_BOOL.includes(v));
  if (!ok) throw new InvalidArgumentError(`invalid --security-opt 2: ${JSON.stringify(o)}`, 'BAD_SECURITY_OPT');
}

/** dockerd records the default masked and read-only paths at create (none when privileged), so inspect shows them. */
function withDefaultPaths(h: ContainerSpec['host']): ContainerSpec['host'] {
  if (h.privileged) return h;
  return { ...h, maskedPaths: h.maskedPaths ?? [...MASKED_PATHS], readonlyPaths: h.readonlyPaths ?? [...READONLY_PATHS] };
}

function validIpcMode(m: string): boolean {
  return ['', 'none', 'private', 'host', 'shareable'].includes(m) || m.startsWith('container:');
}

/**
 * Legacy links name containers that must exist (dockerd registers them at create): a missing one is the
 * caller's mistake (400), not a missing resource, so a client does not report a missing image.
 */
function resolveLinks(ctx: ContainerContext, links: string[]): Array<{ id: string; alias: string }> {
  return links.map((l) => {
    const { name, alias } = parseLink(l);
    resolveAsParameter(ctx, name, `could not get container for ${name}: `);
    return { id: ctx.store.resolve(name).id, alias };
  });
}

/** A container another one's settings name (pid/ipc `container:X`, links): missing is a bad parameter (400). */
function resolveAsParameter(ctx: ContainerContext, ref: string, prefix = ''): void {
  try {
    ctx.store.resolve(ref);
  } catch (e) {
    if (e instanceof NotFoundError) throw new InvalidArgumentError(`${prefix}${e.message}`, 'CONTAINER_REF_NOT_FOUND');
    throw e;
  }
}

export async function createContainer(ctx: ContainerContext, spec: ContainerSpec, presetId?: string): Promise<{ id: string; warnings: string[] }> {
  validateSpec(spec);
  validateUsernsMode(spec.host, ctx.usernsRemap);
  const linkTargets = resolveLinks(ctx, spec.host.links ?? []);
  for (const mode of [spec.host.pidMode, spec.host.ipcMode]) if (mode.startsWith('container:')) resolveAsParameter(ctx, mode.slice('container:'.length));
  if (ctx.rootless) validateRootlessLimits(spec.host, ctx.rootless.cgroups);
  const checkedMounts = await validateMounts(ctx, spec);
  const image = await ctx.images.resolve(spec.image, spec.platform ? { platform: spec.platform } : {});
  ctx.images.assertRunnable(image);
  const imgCfg = image.config.config ?? {};
  const args = resolveCommand(spec, imgCfg);
  if (args.length === 0) throw new InvalidArgumentError('No command specified', 'NO_COMMAND');

  const id = presetId ?? newId();
  const name = spec.name ? spec.name.replace(/^\//, '') : randomName((n) => ctx.store.nameTaken(n)); // reserved names too: a create in progress holds its name before its record
  ctx.store.reserveName(name, id);
  const dir = ctx.store.containerDir(id);
  let createdVolumes: string[] = [];
  try {
    const hostname = spec.hostname || id.slice(0, 12);
    const env = overlayEnv(imgCfg.Env ?? [], spec.env); // Config.Env as given: PATH is added per process
    const rec: ContainerRecord = {
      id,
      name,
      created: new Date().toISOString(),
      spec: { ...spec, name, labels: { ...(imgCfg.Labels ?? {}), ...spec.labels }, stopSignal: spec.stopSignal ?? imgCfg.StopSignal, ...mergedHealthcheck(spec, imgCfg), host: { ...withDefaultPaths(spec.host), ...(linkTargets.length ? { linkTargets } : {}) } },
      imageId: image.id,
      path: args[0]!,
      args: args.slice(1),
      env,
      workingDir: spec.workingDir || imgCfg.WorkingDir || '', // runs in / when empty; inspect shows "" as dockerd
      user: spec.user ?? imgCfg.User ?? '',
      hostname,
      state: {
        status: 'created',
        pid: 0,
        exitCode: 0,
        error: '',
        startedAt: ZERO_TIME,
        finishedAt: ZERO_TIME,
        oomKilled: false,
        restartCount: 0,
        stoppedByUser: false,
      },
      rootfs: path.join(dir, 'rootfs'),
      logPath: path.join(dir, `${id}-json.log`),
      networks: {},
      ports: {},
      resolvConfPath: path.join(dir, 'resolv.conf'),
      hostnamePath: path.join(dir, 'hostname'),
      hostsPath: path.join(dir, 'hosts'),
    };
    rec.logConfig = mergeLogConfig(spec.host.logConfig, ctx.logDefaults ?? BUILTIN_DEFAULT_LOG_CONFIG);
    validateLogConfig(rec.logConfig, logHostFacts());
    await ctx.networking.validate(rec);
    const mounts = await createMountPoints(ctx, spec, checkedMounts, Object.keys(imgCfg.Volumes ?? {}), id);
    createdVolumes = mounts.created;
    rec.mountPoints = mounts.mountPoints;
    await fs.mkdir(path.join(dir, 'rw', 'upper'), { recursive: true });
    await fs.mkdir(path.join(dir, 'rw', 'work'), { recursive: true });
    await fs.mkdir(rec.rootfs, { recursive: true });
    await ctx.store.add(rec);
    publishContainerEvent(ctx, rec, 'create');
    return { id, warnings: [] };
  } catch (e) {
    ctx.store.releaseName(name, id);
    if (!ctx.store.get(id)) {
      await fs.rm(dir, { recursive: true, force: true });
      // a failed create leaves nothing behind, volumes it made included
      ctx.volumes.settle(id);
      await dropVolumes(ctx, createdVolumes);
    }
    throw e;
  } finally {
    // the stored record now holds the references
    ctx.volumes.settle(id);
  }
}
