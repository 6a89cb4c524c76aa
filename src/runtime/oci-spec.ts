/**
 * Compiles a RuntimeSpecInput into an OCI runtime-spec 1.0.2 config.json the
 * way Docker does (namespaces, standard mounts, caps, masked paths, devices,
 * resources, rlimits). Pure: host facts come in as an argument; no I/O here.
 */
import { seccompFor, type OciSeccomp } from './seccomp';
import { InvalidArgumentError } from '../base/errors';
import type { RuntimeSpecInput } from './types';
import type { IdMapping } from '../platform/idmap';
import { DEFAULT_DEVICE_RULES, MASKED_PATHS, READONLY_PATHS, defaultCapabilities, type DeviceCgroupRule } from './security-defaults';

/** What the generator needs to know about the host; read once by the caller. */
export interface HostFacts {
  /** 1 for v1 and hybrid hosts (controllers on v1), 2 for unified hosts */
  cgroupVersion: 1 | 2;
  /** hard rlimits of the daemon, by Docker name ("nofile", "nproc", ...); setrlimit above these fails */
  rlimitHard: Record<string, number>;
  /** /proc/sys/kernel/cap_last_cap, to leave out caps the kernel does not know */
  capLastCap?: number;
  /** the daemon's own bounding set (CapBnd): a privileged container can get no more than this */
  capBounding?: bigint;
  /** false when the kernel has no swap accounting (v1 memory.memsw.* missing): swap limits are dropped */
  swapLimit?: boolean;
  /** stat of each host device named in input.devices (see readDeviceFacts in device-facts.ts) */
  devices?: Record<string, HostDevice>;
}

export interface HostDevice {
  type: 'c' | 'b' | 'p' | 'u';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciLinuxDevice {
  path: string;
  type: string;
  major: number;
  minor: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface OciRlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface OciCapabilities {
  bounding: string[];
  effective: string[];
  permitted: string[];
  inheritable: string[];
  ambient: string[];
}

export interface OciProcess {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: OciCapabilities;
  rlimits: OciRlimit[];
  noNewPrivileges: boolean;
  oomScoreAdj?: number;
}

export interface OciResources {
  devices: DeviceCgroupRule[];
  memory?: { limit?: number; reservation?: number; swap?: number; disableOOMKiller?: boolean };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
}

export interface RuntimeSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  domainname?: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    namespaces: Array<{ type: string; path?: string }>;
    devices: OciLinuxDevice[];
    resources: OciResources;
    cgroupsPath: string;
    sysctl: Record<string, string>;
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: OciSeccomp;
    uidMappings?: IdMapping[];
    gidMappings?: IdMapping[];
  };
}

const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;
/** Docker's daemons run with LimitNOFILE=1048576, which containers inherit. */
const DEFAULT_NOFILE = 1048576;
const CPU_PERIOD = 100000;

const RLIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack', 'as'];

export function generateRuntimeSpec(input: RuntimeSpecInput, host: HostFacts): RuntimeSpec {
  const caps = defaultCapabilities(input.capAdd, input.capDrop, input.privileged, host.capLastCap, host.capBounding);
  const spec: RuntimeSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: input.terminal,
      user: { uid: input.user.uid, gid: input.user.gid, ...(input.user.additionalGids.length ? { additionalGids: [...input.user.additionalGids] } : {}) },
      args: [...input.args],
      env: [...input.env],
      cwd: input.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: buildRlimits(input.ulimits, host),
      noNewPrivileges: input.noNewPrivileges,
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs },
    hostname: input.hostname,
    mounts: buildMounts(input),
    annotations: { ...input.annotations },
    linux: {
      namespaces: buildNamespaces(input, host),
      devices: buildDevices(input, host),
      resources: buildResources(input, host),
      cgroupsPath: input.cgroupsPath,
      sysctl: { ...input.sysctls },
      maskedPaths: input.maskedPaths ? [...input.maskedPaths] : input.privileged ? [] : [...MASKED_PATHS],
      readonlyPaths: input.readonlyPaths ? [...input.readonlyPaths] : input.privileged ? [] : [...READONLY_PATHS],
    },
  };
  const seccomp = seccompFor(input.securityOpt ?? [], caps, input.privileged);
  if (seccomp) spec.linux.seccomp = seccomp;
  if (input.userns) {
    spec.linux.uidMappings = input.userns.uidMappings.map((m) => ({ ...m }));
    spec.linux.gidMappings = input.userns.gidMappings.map((m) => ({ ...m }));
  }
  if (input.terminal && input.consoleSize) spec.process.consoleSize = { ...input.consoleSize };
  if (input.domainname) {
    spec.domainname = input.domainname;
    // runc before 1.2 ignores `domainname`: dockerd sets it through the sysctl in a UTS namespace of the container's own
    const ownUts = spec.linux.namespaces.some((n) => n.type === 'uts' && !n.path);
    if (ownUts && spec.linux.sysctl['kernel.domainname'] === undefined) spec.linux.sysctl['kernel.domainname'] = input.domainname;
  }
  if (!input.args.length) throw new InvalidArgumentError('no command specified', 'NO_COMMAND');
  return spec;
}

function buildNamespaces(input: RuntimeSpecInput, host: HostFacts): RuntimeSpec['linux']['namespaces'] {
  const ns: RuntimeSpec['linux']['namespaces'] = [{ type: 'mount' }];
  if (input.userns) ns.push(input.userns.path ? { type: 'user', path: input.userns.path } : { type: 'user' });
  const add = (type: string, mode: string) => {
    if (mode === 'host') return;
    ns.push(mode === 'private' ? { type } : { type, path: mode });
  };
  add('network', input.namespaces.network);
  add('pid', input.namespaces.pid);
  add('ipc', input.namespaces.ipc);
  add('uts', input.namespaces.uts);
  // Docker's default cgroupns is "private" on v2 and "host" on v1.
  if (host.cgroupVersion === 2) ns.push({ type: 'cgroup' });
  return ns;
}

function buildMounts(input: RuntimeSpecInput): OciMount[] {
  const hostIpc = input.namespaces.ipc === 'host';
  const shmSize = input.shmSize > 0 ? input.shmSize : DEFAULT_SHM_SIZE;
  const ro = input.privileged ? [] : ['ro'];
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    // sysfs mounts only in a netns its user namespace owns: a rootless container on the host's network binds it, as podman does
    input.rootless && input.namespaces.network === 'host'
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', ...ro] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...ro] },
    // `--security-opt writable-cgroups[=bool]` decides, else privileged does (dockerd's rule)
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', ...((input.writableCgroups ?? input.privileged) ? [] : ['ro'])] },
    hostIpc
      ? { destination: '/dev/mqueue', type: 'bind', source: '/dev/mqueue', options: ['rbind', 'nosuid', 'noexec', 'nodev'] }
      : { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    hostIpc
      ? { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'nosuid', 'noexec', 'nodev'] }
      : { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`] },
  ];
  const user = new Set<string>();
  for (const m of input.extraMounts) user.add(m.destination);
  for (const dst of Object.keys(input.tmpfs)) user.add(dst);
  // A user mount on a standard destination replaces the standard one (Docker does the same).
  const out = mounts.filter((m) => !user.has(m.destination));
  for (const [dst, opts] of Object.entries(input.tmpfs)) {
    out.push({ destination: dst, type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', ...opts.split(',').map((o) => o.trim()).filter(Boolean)] });
  }
  for (const m of input.extraMounts) {
    out.push({ destination: m.destination, type: m.type, source: m.source, options: [...m.options] });
  }
  // Parents before children, so a mount on /a/b is not hidden by a later mount on /a.
  return stableSortByDepth(out);
}

function stableSortByDepth(mounts: OciMount[]): OciMount[] {
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  return mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i).map((x) => x.m);
}

function buildDevices(input: RuntimeSpecInput, host: HostFacts): OciLinuxDevice[] {
  return input.devices.map((d) => {
    const facts = host.devices?.[d.pathOnHost];
    if (!facts) throw new InvalidArgumentError(`error gathering device information while adding custom device "${d.pathOnHost}": no such file or directory`, 'DEVICE_NOT_FOUND');
    return { path: d.pathInContainer || d.pathOnHost, type: facts.type, major: facts.major, minor: facts.minor, fileMode: facts.fileMode, uid: facts.uid, gid: facts.gid };
  });
}

/** The limits a running container's cgroup can be changed to (`runc update`): no device rules. */
export function updatableResources(resources: RuntimeSpecInput['resources'], host: HostFacts): Omit<OciResources, 'devices'> {
  const { devices: _devices, ...rest } = buildResources({ resources, privileged: true, devices: [] } as unknown as RuntimeSpecInput, host); // only these three fields are read for limits
  void _devices;
  // runc update leaves out what is absent: an unset (negative) quota or pids limit must be sent as -1 ("max")
  if (resources.cpuQuota < 0 && !(resources.nanoCpus > 0)) rest.cpu = { ...rest.cpu, quota: -1 };
  if (resources.pidsLimit < 0) rest.pids = { limit: -1 };
  return rest;
}

function buildResources(input: RuntimeSpecInput, host: HostFacts): OciResources {
  const r = input.resources;
  const devices: DeviceCgroupRule[] = input.privileged ? [{ allow: true, access: 'rwm' }] : DEFAULT_DEVICE_RULES.map((d) => ({ ...d }));
  if (!input.privileged) {
    for (const d of input.devices) {
      const f = host.devices?.[d.pathOnHost];
      if (f && (f.type === 'c' || f.type === 'b')) devices.push({ allow: true, type: f.type, major: f.major, minor: f.minor, access: d.cgroupPermissions || 'rwm' });
    }
  }
  const res: OciResources = { devices };

  const memory: NonNullable<OciResources['memory']> = {};
  if (r.memory > 0) memory.limit = r.memory;
  if (r.memoryReservation > 0) memory.reservation = r.memoryReservation;
  if (host.swapLimit !== false && r.memory > 0) {
    // Docker: unset swap means "as much swap as memory" (memory+swap = 2×memory); -1 is unlimited.
    if (r.memorySwap === 0) memory.swap = r.memory * 2;
    else if (r.memorySwap === -1) memory.swap = -1;
    else if (r.memorySwap > 0) {
      if (r.memorySwap < r.memory) throw new InvalidArgumentError('Minimum memoryswap limit should be larger than memory limit, see usage', 'INVALID_MEMORY_SWAP');
      memory.swap = r.memorySwap;
    }
  }
  if (r.oomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length) res.memory = memory;

  const cpu: NonNullable<OciResources['cpu']> = {};
  if (r.cpuShares > 0) cpu.shares = r.cpuShares;
  if (r.nanoCpus > 0) {
    if (r.cpuQuota > 0 || r.cpuPeriod > 0) throw new InvalidArgumentError('Conflicting options: Nano CPUs and CPU Period cannot both be set', 'CONFLICTING_CPU_OPTIONS');
    cpu.period = CPU_PERIOD;
    cpu.quota = Math.round((r.nanoCpus * CPU_PERIOD) / 1e9);
  } else {
    if (r.cpuQuota > 0) cpu.quota = r.cpuQuota;
    if (r.cpuPeriod > 0) cpu.period = r.cpuPeriod;
  }
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length) res.cpu = cpu;

  if (r.pidsLimit > 0) res.pids = { limit: r.pidsLimit };
  return res;
}

function buildRlimits(ulimits: RuntimeSpecInput['ulimits'], host: HostFacts): OciRlimit[] {
  const wanted = new Map<string, { soft: number; hard: number }>();
  wanted.set('nofile', { soft: DEFAULT_NOFILE, hard: DEFAULT_NOFILE });
  for (const u of ulimits) {
    const name = u.name.toLowerCase().replace(/^rlimit_/, '');
    if (!RLIMIT_NAMES.includes(name)) throw new InvalidArgumentError(`invalid ulimit type: ${u.name}`, 'INVALID_ULIMIT');
    if (u.soft > u.hard) throw new InvalidArgumentError(`ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`, 'INVALID_ULIMIT');
    wanted.set(name, { soft: u.soft, hard: u.hard });
  }
  const out: OciRlimit[] = [];
  for (const [name, lim] of wanted) {
    // A container may not raise a hard limit above the host's: setrlimit would fail with EPERM.
    // -1 (Docker's "unlimited") becomes the host's hard limit, since config.json wants unsigned values.
    const cap = host.rlimitHard[name] ?? Number.MAX_SAFE_INTEGER;
    const hard = lim.hard < 0 ? cap : Math.min(lim.hard, cap);
    const soft = lim.soft < 0 ? hard : Math.min(lim.soft, hard);
    out.push({ type: `RLIMIT_${name.toUpperCase()}`, soft, hard });
  }
  return out;
}
