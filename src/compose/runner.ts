/**
 * `berth compose` verbs over the Docker API (client/), as docker compose v2
 * runs them: everything a project owns carries its labels, so `ps`, `down`
 * and a later `up` find it again, whichever tool made it.
 */
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import * as tar from 'tar-stream';
import type { DockerClient } from '../client/docker-client';
import { DockerApiError } from '../client/api-error';
import { readJsonLines, type ProgressMessage } from '../client/json-lines';
import { packBuildContext } from '../client/build-context';
import { StdcopyDemuxer } from '../client/stdcopy';
import type { ContainerSummary } from '../client/wire-types';
import { ComposeError, containerCreateBody, containerName, configHash, fileRefPlan, imageOf, LABEL, networkCreateBody, serviceNetworks, volumeCreateBody } from './convert';
import type { ComposeProject, ServiceConfig } from './loader/model';

export interface RunnerIO {
  out: Writable;
  err: Writable;
}

export { ComposeError };

const isNotFound = (e: unknown) => e instanceof DockerApiError && e.status === 404;
/** A container's name as compose prints it (the API's has a leading slash). */
const nameOf = (c: ContainerSummary) => c.Names[0]!.replace(/^\//, '');

/** Services in an order where each comes after what it depends on. */
export function startOrder(p: ComposeProject, only?: string[]): ServiceConfig[] {
  const wanted = new Set<string>();
  const add = (name: string, path: string[]) => {
    const s = p.services[name];
    if (!s) throw new ComposeError(`no such service: ${name}`);
    if (path.includes(name)) throw new ComposeError(`dependency cycle detected: ${[...path, name].join(' -> ')}`);
    for (const d of Object.keys(s.dependsOn)) if (p.services[d] || s.dependsOn[d]!.required) add(d, [...path, name]);
    wanted.add(name);
  };
  for (const n of only?.length ? only : Object.keys(p.services)) add(n, []);
  const order: ServiceConfig[] = [];
  const done = new Set<string>();
  const visit = (name: string) => {
    if (done.has(name)) return;
    done.add(name);
    for (const d of Object.keys(p.services[name]!.dependsOn)) if (wanted.has(d)) visit(d);
    order.push(p.services[name]!);
  };
  for (const n of wanted) visit(n);
  return order;
}

export class ComposeRunner {
  constructor(
    private readonly client: DockerClient,
    private readonly p: ComposeProject,
    private readonly io: RunnerIO,
  ) {}

  private say(kind: string, name: string, what: string): void {
    this.io.err.write(` ${kind} ${name}  ${what}\n`);
  }

  /** The project's containers (one-off `run` containers only with `oneoff`). */
  async containers(opts: { all?: boolean; service?: string; oneoff?: boolean } = {}): Promise<ContainerSummary[]> {
    const label: Record<string, boolean> = { [`${LABEL.project}=${this.p.name}`]: true };
    if (opts.service) label[`${LABEL.service}=${opts.service}`] = true;
    if (!opts.oneoff) label[`${LABEL.oneoff}=False`] = true;
    const list = await this.client.containers.list({ all: opts.all ?? true, filters: { label } });
    const num = (c: ContainerSummary) => Number(c.Labels?.[LABEL.number] ?? 0);
    return list.sort((a, b) => (a.Labels?.[LABEL.service] ?? '').localeCompare(b.Labels?.[LABEL.service] ?? '') || num(a) - num(b));
  }

  private async ensureNetworks(services: ServiceConfig[]): Promise<void> {
    const keys = new Set(services.flatMap((s) => (s.networkMode ? [] : Object.keys(s.networks))));
    for (const key of keys) {
      const n = this.p.networks[key];
      const name = n?.name ?? `${this.p.name}_${key}`;
      try {
        await this.client.networks.inspect(name);
        continue;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (n?.external) throw new ComposeError(`network ${name} declared as external, but could not be found`);
      await this.client.networks.create(networkCreateBody(this.p, key, n ?? { name, external: false, driverOpts: {}, internal: false, labels: {} }) as never);
      this.say('Network', name, 'Created');
    }
  }

  private async ensureVolumes(services: ServiceConfig[]): Promise<void> {
    const keys = new Set(services.flatMap((s) => s.volumes.filter((v) => v.type === 'volume' && v.source).map((v) => v.source!)));
    for (const key of keys) {
      const v = this.p.volumes[key];
      if (!v) throw new ComposeError(`service refers to undefined volume ${key}: invalid compose project`);
      try {
        await this.client.volumes.inspect(v.name);
        continue;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (v.external) throw new ComposeError(`external volume "${v.name}" not found`);
      await this.client.volumes.create(volumeCreateBody(this.p, key, v) as never);
      this.say('Volume', v.name, 'Created');
    }
  }

  private async imageExists(ref: string): Promise<boolean> {
    try {
      await this.client.images.inspect(ref);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** Builds a service's image (its `build:`), tagged as the service runs it. */
  async build(s: ServiceConfig, opts: { noCache?: boolean; quiet?: boolean } = {}): Promise<void> {
    if (!s.build) return;
    const tag = imageOf(this.p.name, s);
    const res = await this.client.images.build(await packBuildContext(s.build.context, s.build.dockerfile), {
      tags: [tag],
      dockerfile: s.build.dockerfile,
      buildArgs: s.build.args,
      labels: s.build.labels,
      target: s.build.target,
      noCache: opts.noCache,
    });
    for await (const m of readJsonLines<ProgressMessage>(res)) {
      if (m.errorDetail || m.error) throw new ComposeError(`failed to build ${s.name}: ${m.errorDetail?.message ?? m.error}`);
      if (m.stream && !opts.quiet) this.io.out.write(m.stream);
    }
    this.say('Image', tag, 'Built');
  }

  private async ensureImage(s: ServiceConfig, build: boolean): Promise<void> {
    const ref = imageOf(this.p.name, s);
    if (s.build && (build || !(await this.imageExists(ref)))) return this.build(s);
    if (await this.imageExists(ref)) return;
    const res = await this.client.images.pull(ref, undefined);
    for await (const m of readJsonLines<ProgressMessage>(res)) {
      if (m.errorDetail || m.error) throw new ComposeError(`pull access for ${ref} failed: ${m.errorDetail?.message ?? m.error}`);
    }
    this.say('Image', ref, 'Pulled');
  }

  /** Waits until what `s` depends on is as its condition wants it. */
  private async waitForDependencies(s: ServiceConfig): Promise<void> {
    for (const [dep, c] of Object.entries(s.dependsOn)) {
      if (c.condition === 'service_started' || !this.p.services[dep]) continue;
      for (const ct of await this.containers({ service: dep })) {
        const name = nameOf(ct);
        for (;;) {
          const info = await this.client.containers.inspect(ct.Id);
          const st = info.State as { Status: string; ExitCode: number; Health?: { Status: string } };
          if (c.condition === 'service_healthy') {
            if (!st.Health) throw new ComposeError(`dependency failed to start: container ${name} has no healthcheck configured`);
            if (st.Health.Status === 'healthy') break;
            if (st.Health.Status === 'unhealthy') throw new ComposeError(`dependency failed to start: container ${name} is unhealthy`);
            if (st.Status !== 'running') throw new ComposeError(`dependency failed to start: container ${name} exited (${st.ExitCode})`);
          } else {
            if (st.Status === 'exited' || st.Status === 'dead') {
              if (st.ExitCode !== 0) throw new ComposeError(`service "${dep}" didn't complete successfully: exit ${st.ExitCode}`);
              break;
            }
          }
          await new Promise((r) => setTimeout(r, 250));
        }
        this.say('Container', name, c.condition === 'service_healthy' ? 'Healthy' : 'Exited');
      }
    }
  }

  private async createContainer(s: ServiceConfig, n: number): Promise<string> {
    const name = containerName(this.p.name, s, n);
    const { Id } = await this.client.containers.create(containerCreateBody(this.p, s, n), name);
    await this.injectFiles(s, Id).catch(async (e: unknown) => {
      await this.client.containers.remove(Id, { force: true }).catch(() => undefined); // not left half-made
      throw e;
    });
    await this.joinOtherNetworks(s, Id, true);
    this.say('Container', name, 'Created');
    return Id;
  }

  /** Unset variables and external secrets fail before anything is made; compose's warnings are told once. */
  private checkFileRefs(services: ServiceConfig[]): void {
    const warnings = new Set(services.flatMap((s) => fileRefPlan(this.p, s).warnings));
    for (const w of warnings) this.io.err.write(`WARN[0000] ${w}\n`);
  }

  /**
   * environment/content secrets and configs are copied into the created container, as compose v2 does:
   * the value lives in the container (no file of it on the host to clean up or leak), and a tar header
   * carries the uid/gid/mode compose honours for them.
   */
  private async injectFiles(s: ServiceConfig, id: string): Promise<void> {
    const { files } = fileRefPlan(this.p, s);
    if (!files.length) return;
    const pack = tar.pack();
    for (const f of files) pack.entry({ name: f.path.replace(/^\/+/, ''), size: f.data.length, mode: f.mode, uid: f.uid, gid: f.gid, mtime: new Date() }, f.data);
    pack.finalize();
    await this.client.containers.putArchive(id, '/', pack, { copyUIDGID: files.some((f) => f.uid !== 0 || f.gid !== 0) });
  }

  /** The first network of a service is in the create body; the others are joined before start. */
  private async joinOtherNetworks(s: ServiceConfig, id: string, fixedAddress: boolean): Promise<void> {
    for (const net of serviceNetworks(this.p, s).slice(1)) {
      const ipam = fixedAddress && net.ipv4Address ? { IPAMConfig: { IPv4Address: net.ipv4Address } } : {};
      await this.client.networks.connect(net.name, { Container: id, EndpointConfig: { Aliases: net.aliases, ...ipam } } as never);
    }
  }

  /** `timeout` overrides each container's own stop timeout (its stop_grace_period), as `-t` does */
  private async removeContainer(c: ContainerSummary, timeout?: number): Promise<void> {
    const name = nameOf(c);
    if (c.State === 'running' || c.State === 'paused' || c.State === 'restarting') {
      await this.client.containers.stop(c.Id, timeout === undefined ? {} : { t: timeout });
      this.say('Container', name, 'Stopped');
    }
    await this.client.containers.remove(c.Id, { force: true });
    this.say('Container', name, 'Removed');
  }

  async up(opts: { services?: string[]; build?: boolean; scale?: Record<string, number>; noStart?: boolean; removeOrphans?: boolean }): Promise<string[]> {
    const order = startOrder(this.p, opts.services);
    this.checkFileRefs(order);
    await this.ensureNetworks(order);
    await this.ensureVolumes(order);
    for (const s of order) await this.ensureImage(s, opts.build ?? false);
    if (opts.removeOrphans) {
      for (const c of await this.containers()) if (!this.p.services[c.Labels?.[LABEL.service] ?? '']) await this.removeContainer(c);
    }
    const started: string[] = [];
    for (const s of order) {
      const want = opts.scale?.[s.name] ?? s.scale;
      const hash = configHash(this.p, s);
      const existing = await this.containers({ service: s.name });
      for (const c of existing) {
        if (Number(c.Labels?.[LABEL.number]) > want) await this.removeContainer(c);
      }
      await this.waitForDependencies(s);
      for (let n = 1; n <= want; n++) {
        const name = containerName(this.p.name, s, n);
        let c = existing.find((x) => Number(x.Labels?.[LABEL.number]) === n);
        if (c && c.Labels?.[LABEL.configHash] !== hash) {
          this.say('Container', name, 'Recreate');
          await this.removeContainer(c);
          c = undefined;
        }
        const id = c?.Id ?? (await this.createContainer(s, n));
        if (!opts.noStart && c?.State !== 'running') {
          await this.client.containers.start(id);
          this.say('Container', name, 'Started');
        } else if (c) this.say('Container', name, 'Running');
        started.push(id);
      }
    }
    return started;
  }

  /**
   * `compose run`: what the service depends on is brought up (unless noDeps), then a one-off
   * container is created (not started) with the command given; ports are not published, as compose does.
   */
  async createOneOff(service: string, opts: { cmd?: string[]; env?: string[]; noDeps?: boolean; tty: boolean; stdin: boolean; name?: string }): Promise<{ id: string; name: string }> {
    const s = this.p.services[service];
    if (!s) throw new ComposeError(`no such service: ${service}`);
    const deps = Object.keys(s.dependsOn).filter((d) => this.p.services[d]);
    if (deps.length && !opts.noDeps) await this.up({ services: deps });
    this.checkFileRefs([s]);
    await this.ensureNetworks([s]);
    await this.ensureVolumes([s]);
    await this.ensureImage(s, false);
    const body = containerCreateBody(this.p, s, 1, { oneoff: true, cmd: opts.cmd?.length ? opts.cmd : undefined });
    body.Tty = opts.tty;
    body.OpenStdin = opts.stdin;
    body.AttachStdin = opts.stdin;
    body.StdinOnce = opts.stdin;
    if (opts.env?.length) body.Env = [...(body.Env ?? []), ...opts.env];
    if (body.HostConfig) body.HostConfig.PortBindings = {};
    const name = opts.name ?? `${this.p.name}-${service}-run-${randomBytes(6).toString('hex')}`;
    const { Id } = await this.client.containers.create(body, name);
    await this.injectFiles(s, Id).catch(async (e: unknown) => {
      await this.client.containers.remove(Id, { force: true }).catch(() => undefined);
      throw e;
    });
    await this.joinOtherNetworks(s, Id, false); // a one-off beside the service container cannot take its fixed address
    return { id: Id, name };
  }

  /** `up --wait`: every container running, and healthy where it has a healthcheck; an exit or unhealthy is an error. */
  async waitReady(ids: string[], timeoutMs: number): Promise<void> {
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    for (;;) {
      let ready = true;
      for (const id of ids) {
        const info = await this.client.containers.inspect(id);
        const st = info.State as { Status: string; ExitCode: number; Health?: { Status: string } };
        const name = String(info.Name ?? id).replace(/^\//, '');
        if (st.Status === 'exited' || st.Status === 'dead') throw new ComposeError(`container ${name} exited (${st.ExitCode})`);
        if (st.Health?.Status === 'unhealthy') throw new ComposeError(`container ${name} is unhealthy`);
        if (st.Status !== 'running' || (st.Health && st.Health.Status !== 'healthy')) ready = false;
      }
      if (ready) {
        for (const id of ids) this.say('Container', String((await this.client.containers.inspect(id)).Name ?? id).replace(/^\//, ''), 'Healthy');
        return;
      }
      if (Date.now() > deadline) throw new ComposeError('timeout waiting for the project to be running and healthy');
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  /** The first of these containers to stop, and its exit code. */
  async firstExit(ids: string[]): Promise<{ id: string; code: number }> {
    const waits = await Promise.all(ids.map(async (id) => ({ id, w: await this.client.containers.wait(id, 'not-running') })));
    try {
      return await Promise.race(waits.map(({ id, w }) => w.result.then((r) => ({ id, code: r.StatusCode }))));
    } finally {
      for (const { w } of waits) w.response.destroy();
    }
  }

  /** The exit code of a service's first container (undefined while it runs). */
  async exitCodeOf(service: string): Promise<number | undefined> {
    const c = (await this.containers({ service }))[0];
    if (!c) return undefined;
    const st = (await this.client.containers.inspect(c.Id)).State as { Status: string; ExitCode: number };
    return st.Status === 'running' ? undefined : st.ExitCode;
  }

  async down(opts: { volumes?: boolean; rmi?: 'all' | 'local'; removeOrphans?: boolean; timeout?: number }): Promise<void> {
    const all = await this.containers({ oneoff: true });
    // dependents first
    const order = startOrder(this.p).map((s) => s.name).reverse();
    all.sort((a, b) => order.indexOf(a.Labels?.[LABEL.service] ?? '') - order.indexOf(b.Labels?.[LABEL.service] ?? ''));
    for (const c of all) await this.removeContainer(c, opts.timeout);
    for (const n of (await this.client.networks.list({ label: { [`${LABEL.project}=${this.p.name}`]: true } })) as Array<{ Name: string }>) {
      await this.client.networks.remove(n.Name);
      this.say('Network', n.Name, 'Removed');
    }
    if (opts.volumes) {
      const vols = (await this.client.volumes.list({ label: { [`${LABEL.project}=${this.p.name}`]: true } })).Volumes ?? [];
      for (const v of vols) {
        await this.client.volumes.remove(v.Name);
        this.say('Volume', v.Name, 'Removed');
      }
    }
    if (opts.rmi) {
      for (const s of Object.values(this.p.services)) {
        if (opts.rmi === 'local' && s.image) continue; // local: only images compose built without a name of their own
        const ref = imageOf(this.p.name, s);
        try {
          await this.client.images.remove(ref);
          this.say('Image', ref, 'Removed');
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }
  }

  async logs(opts: { services?: string[]; follow?: boolean; tail?: string; timestamps?: boolean }): Promise<void> {
    const cs = (await this.containers()).filter((c) => !opts.services?.length || opts.services.includes(c.Labels?.[LABEL.service] ?? ''));
    const width = Math.max(0, ...cs.map((c) => c.Names[0]!.length - 1));
    await Promise.all(cs.map(async (c) => {
      const name = nameOf(c);
      const prefix = `${name.padEnd(width)}  | `;
      const info = await this.client.containers.inspect(c.Id);
      const tty = (info.Config as { Tty?: boolean } | undefined)?.Tty === true;
      const res = await this.client.containers.logs(c.Id, { follow: opts.follow ?? false, stdout: true, stderr: true, tail: opts.tail, timestamps: opts.timestamps ?? false });
      let partial = '';
      const emit = (text: string) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) this.io.out.write(`${prefix}${l}\n`);
      };
      const demux = new StdcopyDemuxer((_s, payload) => emit(payload.toString('utf8')));
      for await (const chunk of res) tty ? emit((chunk as Buffer).toString('utf8')) : demux.push(chunk as Buffer);
      if (partial) this.io.out.write(`${prefix}${partial}\n`);
    }));
  }

  async each(verb: 'stop' | 'start' | 'restart', services?: string[], timeout?: number): Promise<void> {
    let order = startOrder(this.p, services);
    if (verb === 'stop') order = order.reverse();
    for (const s of order) {
      for (const c of await this.containers({ service: s.name })) {
        const name = nameOf(c);
        if (verb === 'start') await this.client.containers.start(c.Id).catch((e: unknown) => {
          if (!(e instanceof DockerApiError && e.status === 304)) throw e;
        });
        else await this.client.containers[verb](c.Id, timeout === undefined ? {} : { t: timeout });
        this.say('Container', name, verb === 'stop' ? 'Stopped' : verb === 'start' ? 'Started' : 'Restarted');
      }
    }
  }
}
