/**
 * `compose config`: the normalized project written back as a compose file
 * (the shape `docker compose config` prints: long syntaxes, absolute paths,
 * durations as Go strings, real network and volume names), so it can be read
 * by a person or fed to another tool.
 */
import { stringify } from 'yaml';
import type { ComposeProject, FileObjectConfig, ServiceConfig, ServiceFileRef } from './loader/model';

/** nanoseconds → Go's duration text ("1m30s", "500ms") */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns % 1e9 !== 0) return `${ns / 1e6}ms`;
  let s = ns / 1e9;
  let out = '';
  const h = Math.floor(s / 3600);
  if (h) out += `${h}h`;
  s -= h * 3600;
  const m = Math.floor(s / 60);
  if (m) out += `${m}m`;
  s -= m * 60;
  if (s || !out) out += `${s}s`;
  return out;
}

const nonEmpty = <T extends object>(o: T): T | undefined => (Object.keys(o).length ? o : undefined);

const fileRef = (r: ServiceFileRef) => ({
  source: r.source,
  ...(r.target !== undefined ? { target: r.target } : {}),
  ...(r.uid !== undefined ? { uid: r.uid } : {}),
  ...(r.gid !== undefined ? { gid: r.gid } : {}),
  ...(r.mode !== undefined ? { mode: r.mode } : {}),
});

const fileObject = (o: FileObjectConfig) => ({
  name: o.name,
  ...(o.file !== undefined ? { file: o.file } : {}),
  ...(o.environment !== undefined ? { environment: o.environment } : {}),
  ...(o.content !== undefined ? { content: o.content } : {}),
  ...(o.external ? { external: true } : {}),
  ...(Object.keys(o.labels).length ? { labels: o.labels } : {}),
});

function service(s: ServiceConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined && !(Array.isArray(v) && !v.length)) out[k] = v;
  };
  if (s.build) set('build', { context: s.build.context, dockerfile: s.build.dockerfile, args: nonEmpty(s.build.args), target: s.build.target, labels: nonEmpty(s.build.labels) });
  set('image', s.image);
  set('container_name', s.containerName);
  set('hostname', s.hostname);
  set('entrypoint', s.entrypoint ?? undefined);
  set('command', s.command ?? undefined);
  set('environment', nonEmpty(s.environment));
  set('working_dir', s.workingDir);
  set('user', s.user);
  set('depends_on', nonEmpty(Object.fromEntries(Object.entries(s.dependsOn).map(([k, d]) => [k, { condition: d.condition, restart: d.restart, required: d.required }]))));
  set('ports', s.ports.map((p) => ({ target: p.target, ...(p.published ? { published: p.published } : {}), ...(p.hostIp ? { host_ip: p.hostIp } : {}), protocol: p.protocol, mode: 'ingress' })));
  set('expose', s.expose);
  set('volumes', s.volumes.map((v) => ({
    type: v.type,
    ...(v.source ? { source: v.source } : {}),
    target: v.target,
    ...(v.readOnly ? { read_only: true } : {}),
    ...(v.createHostPath ? { bind: { create_host_path: true } } : {}),
    ...(v.nocopy ? { volume: { nocopy: true } } : {}),
    ...(v.tmpfsSize !== undefined ? { tmpfs: { size: v.tmpfsSize } } : {}),
  })));
  if (s.networkMode) set('network_mode', s.networkMode);
  else set('networks', Object.fromEntries(Object.entries(s.networks).map(([k, n]) => [k, n && (n.aliases.length || n.ipv4Address) ? { ...(n.aliases.length ? { aliases: n.aliases } : {}), ...(n.ipv4Address ? { ipv4_address: n.ipv4Address } : {}) } : null])));
  if (s.healthcheck) {
    const h = s.healthcheck;
    set('healthcheck', h.disable ? { disable: true } : {
      ...(h.test ? { test: h.test } : {}),
      ...(h.intervalNs !== undefined ? { interval: goDuration(h.intervalNs) } : {}),
      ...(h.timeoutNs !== undefined ? { timeout: goDuration(h.timeoutNs) } : {}),
      ...(h.startPeriodNs !== undefined ? { start_period: goDuration(h.startPeriodNs) } : {}),
      ...(h.retries !== undefined ? { retries: h.retries } : {}),
    });
  }
  set('restart', s.restart);
  set('domainname', s.domainname);
  set('dns_search', s.dnsSearch);
  set('security_opt', s.securityOpt);
  set('sysctls', nonEmpty(s.sysctls));
  set('ulimits', nonEmpty(s.ulimits));
  set('links', s.links);
  set('volumes_from', s.volumesFrom);
  set('ipc', s.ipc);
  set('pid', s.pid);
  if (s.logging) set('logging', { ...(s.logging.driver ? { driver: s.logging.driver } : {}), ...(Object.keys(s.logging.options).length ? { options: s.logging.options } : {}) });
  set('pull_policy', s.pullPolicy);
  set('platform', s.platform);
  set('labels', nonEmpty(s.labels));
  set('cap_add', s.capAdd);
  set('cap_drop', s.capDrop);
  set('dns', s.dns);
  set('extra_hosts', s.extraHosts);
  set('tmpfs', s.tmpfs);
  if (s.privileged) out.privileged = true;
  if (s.readOnly) out.read_only = true;
  if (s.tty) out.tty = true;
  if (s.stdinOpen) out.stdin_open = true;
  if (s.init !== undefined) out.init = s.init;
  set('stop_signal', s.stopSignal);
  if (s.stopGracePeriodNs !== undefined) out.stop_grace_period = goDuration(s.stopGracePeriodNs);
  if (s.scale !== 1) out.scale = s.scale;
  set('profiles', s.profiles);
  set('secrets', s.secrets.map(fileRef));
  set('configs', s.configs.map(fileRef));
  return out;
}

export function renderProject(p: ComposeProject): string {
  const doc: Record<string, unknown> = { name: p.name, services: Object.fromEntries(Object.entries(p.services).map(([k, s]) => [k, service(s)])) };
  if (Object.keys(p.networks).length) {
    doc.networks = Object.fromEntries(Object.entries(p.networks).map(([k, n]) => [k, {
      name: n.name,
      ...(n.external ? { external: true } : {}),
      ...(n.driver ? { driver: n.driver } : {}),
      ...(Object.keys(n.driverOpts).length ? { driver_opts: n.driverOpts } : {}),
      ...(n.ipam?.length ? { ipam: { config: n.ipam.map((c) => ({ ...(c.subnet ? { subnet: c.subnet } : {}), ...(c.gateway ? { gateway: c.gateway } : {}), ...(c.ipRange ? { ip_range: c.ipRange } : {}) })) } } : {}),
      ...(n.internal ? { internal: true } : {}),
      ...(Object.keys(n.labels).length ? { labels: n.labels } : {}),
    }]));
  }
  if (Object.keys(p.volumes).length) {
    doc.volumes = Object.fromEntries(Object.entries(p.volumes).map(([k, v]) => [k, {
      name: v.name,
      ...(v.external ? { external: true } : {}),
      ...(v.driver ? { driver: v.driver } : {}),
      ...(Object.keys(v.driverOpts).length ? { driver_opts: v.driverOpts } : {}),
      ...(Object.keys(v.labels).length ? { labels: v.labels } : {}),
    }]));
  }
  if (Object.keys(p.secrets).length) doc.secrets = Object.fromEntries(Object.entries(p.secrets).map(([k, o]) => [k, fileObject(o)]));
  if (Object.keys(p.configs).length) doc.configs = Object.fromEntries(Object.entries(p.configs).map(([k, o]) => [k, fileObject(o)]));
  return stringify(doc, { aliasDuplicateObjects: false });
}
