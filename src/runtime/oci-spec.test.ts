import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import Ajv04 from 'ajv-draft-04';
import { generateRuntimeSpec, updatableResources, type HostFacts } from './oci-spec';
import { applyUpdate } from '../container/update';
import { defaultHostSpec } from '../container/spec';
import { DEFAULT_CAPABILITIES, MASKED_PATHS } from './security-defaults';
import type { RuntimeSpecInput } from './types';
import { InvalidArgumentError } from '../base/errors';
import { parseHardLimits, readDeviceFacts } from './host-facts';

/** The OCI runtime-spec JSON schemas, vendored from shared/ext (see test/conformance/oci-schemas/SOURCE.md). */
const SCHEMA_DIR = path.resolve(__dirname, '../../../test/conformance/oci-schemas/runtime-spec');

function loadValidator(): (doc: unknown) => string | undefined {
  const ajv = new Ajv04({ strict: false, allErrors: true });
  for (const f of readdirSync(SCHEMA_DIR).filter((n) => n.endsWith('.json'))) {
    const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, f), 'utf8')) as Record<string, unknown>;
    ajv.addSchema({ ...schema, id: `file://${path.join(SCHEMA_DIR, f)}` });
  }
  const validate = ajv.getSchema(`file://${path.join(SCHEMA_DIR, 'config-schema.json')}`);
  assert.ok(validate, 'config schema loaded');
  return (doc) => (validate(doc) ? undefined : ajv.errorsText(validate.errors));
}

const host: HostFacts = { cgroupVersion: 1, rlimitHard: { nofile: 20000, nproc: 4096 }, capLastCap: 40 };

function input(over: Partial<RuntimeSpecInput> = {}): RuntimeSpecInput {
  return {
    id: 'c1',
    rootfs: '/var/lib/berth/c1/merged',
    readonlyRootfs: false,
    args: ['sh', '-c', 'echo hi'],
    env: ['PATH=/bin'],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] },
    terminal: false,
    hostname: 'c1',
    extraMounts: [{ destination: '/etc/hosts', source: '/run/berth/c1/hosts', type: 'bind', options: ['rbind', 'rprivate'] }],
    namespaces: { network: 'private', pid: 'private', ipc: 'private', uts: 'private' },
    privileged: false,
    capAdd: [],
    capDrop: [],
    noNewPrivileges: false,
    cgroupsPath: '/berth/c1',
    resources: { memory: 0, memorySwap: 0, memoryReservation: 0, nanoCpus: 0, cpuShares: 0, cpuQuota: 0, cpuPeriod: 0, cpusetCpus: '', cpusetMems: '', pidsLimit: 0, oomKillDisable: false },
    ulimits: [],
    shmSize: 0,
    sysctls: {},
    tmpfs: {},
    devices: [],
    annotations: {},
    ...over,
  };
}

describe('generateRuntimeSpec', () => {
  const validate = loadValidator();

  it('the schema validator rejects a broken config', () => {
    assert.notEqual(validate({ ociVersion: 5, process: { args: 'x' } }), undefined);
  });

  it('produces a schema-valid config for defaults', () => {
    assert.equal(validate(generateRuntimeSpec(input(), host)), undefined);
  });

  it('produces a schema-valid config with every option set', () => {
    const spec = generateRuntimeSpec(
      input({
        terminal: true,
        consoleSize: { height: 24, width: 80 },
        domainname: 'example.org',
        readonlyRootfs: true,
        user: { uid: 1000, gid: 1000, additionalGids: [10, 20] },
        namespaces: { network: '/run/netns/x', pid: 'host', ipc: 'host', uts: 'private' },
        capAdd: ['NET_ADMIN'],
        capDrop: ['MKNOD'],
        noNewPrivileges: true,
        resources: { memory: 1 << 26, memorySwap: -1, memoryReservation: 1 << 25, nanoCpus: 1.5e9, cpuShares: 512, cpuQuota: 0, cpuPeriod: 0, cpusetCpus: '0', cpusetMems: '0', pidsLimit: 100, oomKillDisable: true },
        ulimits: [{ name: 'nproc', soft: 100, hard: 200 }],
        shmSize: 1 << 20,
        sysctls: { 'net.ipv4.ip_forward': '1' },
        tmpfs: { '/run': 'size=10m,mode=755' },
        annotations: { a: 'b' },
      }),
      { ...host, cgroupVersion: 2, devices: {} },
    );
    assert.equal(validate(spec), undefined);
  });

  it('a domainname also goes in as the kernel.domainname sysctl (runc 1.1 ignores the field), not with the host UTS', () => {
    assert.equal(generateRuntimeSpec(input({ domainname: 'example.org' }), host).linux.sysctl['kernel.domainname'], 'example.org');
    const hostUts = generateRuntimeSpec(input({ domainname: 'example.org', namespaces: { network: 'host', pid: 'private', ipc: 'private', uts: 'host' } }), host);
    assert.equal(hostUts.linux.sysctl['kernel.domainname'], undefined);
  });

  it('the cgroup mount is read-only unless writable-cgroups (or privileged without it) says otherwise', () => {
    const cg = (over: Parameters<typeof input>[0]) => generateRuntimeSpec(input(over), host).mounts.find((m) => m.destination === '/sys/fs/cgroup')?.options ?? [];
    assert.ok(cg({}).includes('ro'));
    assert.ok(!cg({ writableCgroups: true }).includes('ro'));
    assert.ok(cg({ privileged: true, writableCgroups: false }).includes('ro'));
    assert.ok(!cg({ privileged: true }).includes('ro'));
  });

  it('creates all namespaces, plus cgroup on v2, and joins given paths', () => {
    const v1 = generateRuntimeSpec(input(), host).linux.namespaces.map((n) => n.type);
    assert.deepEqual(v1.sort(), ['ipc', 'mount', 'network', 'pid', 'uts']);
    const v2 = generateRuntimeSpec(input({ namespaces: { network: 'host', pid: '/proc/9/ns/pid', ipc: 'private', uts: 'host' } }), { ...host, cgroupVersion: 2 }).linux.namespaces;
    assert.deepEqual(v2, [{ type: 'mount' }, { type: 'pid', path: '/proc/9/ns/pid' }, { type: 'ipc' }, { type: 'cgroup' }]);
  });

  it('has Docker standard mounts with a 64m /dev/shm by default', () => {
    const m = generateRuntimeSpec(input(), host).mounts;
    const dst = m.map((x) => x.destination);
    for (const d of ['/dev', '/dev/mqueue', '/dev/pts', '/dev/shm', '/proc', '/sys', '/sys/fs/cgroup']) assert.ok(dst.includes(d), d);
    assert.ok(dst.indexOf('/dev') < dst.indexOf('/dev/pts') && dst.indexOf('/sys') < dst.indexOf('/sys/fs/cgroup'), 'parents first');
    assert.ok(m.find((x) => x.destination === '/dev/shm')!.options!.includes(`size=${64 * 1024 * 1024}`));
    assert.ok(m.find((x) => x.destination === '/sys')!.options!.includes('ro'));
    assert.ok(m.some((x) => x.destination === '/etc/hosts' && x.type === 'bind'));
  });

  it('uses the default capability set, applies add/drop and ALL', () => {
    const caps = (o: Partial<RuntimeSpecInput>) => generateRuntimeSpec(input(o), host).process.capabilities.bounding;
    assert.deepEqual(caps({}), [...DEFAULT_CAPABILITIES]);
    const added = caps({ capAdd: ['net_admin'], capDrop: ['CAP_CHOWN', 'kill'] });
    assert.ok(added.includes('CAP_NET_ADMIN'));
    assert.ok(!added.includes('CAP_CHOWN') && !added.includes('CAP_KILL'));
    assert.deepEqual(caps({ capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] }), ['CAP_NET_BIND_SERVICE']);
    assert.equal(caps({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] }).length, 40);
    assert.equal(caps({ privileged: true }).length, 41);
    assert.throws(() => caps({ capAdd: ['BOGUS'] }), InvalidArgumentError);
  });

  it('privileged gets every capability the daemon itself holds (a restricted host lacks some), and a seccomp filter only when not privileged', () => {
    const noSysResource = { ...host, capBounding: 0x1fffeffffffn }; // bit 24 (CAP_SYS_RESOURCE) missing, as in some VMs
    const priv = generateRuntimeSpec(input({ privileged: true }), noSysResource);
    assert.equal(priv.process.capabilities.bounding.length, 40);
    assert.ok(!priv.process.capabilities.bounding.includes('CAP_SYS_RESOURCE'));
    assert.equal(priv.linux.seccomp, undefined);
    const normal = generateRuntimeSpec(input(), noSysResource);
    assert.equal(normal.linux.seccomp?.defaultAction, 'SCMP_ACT_ALLOW');
    assert.equal(generateRuntimeSpec(input({ securityOpt: ['seccomp=unconfined'] }), host).linux.seccomp, undefined);
  });

  it('privileged drops masked/readonly paths and allows all devices', () => {
    const normal = generateRuntimeSpec(input(), host);
    assert.deepEqual(normal.linux.maskedPaths, [...MASKED_PATHS]);
    assert.ok(normal.linux.readonlyPaths.includes('/proc/sys'));
    assert.deepEqual(normal.linux.resources.devices[0], { allow: false, access: 'rwm' });
    const p = generateRuntimeSpec(input({ privileged: true }), host);
    assert.deepEqual(p.linux.maskedPaths, []);
    assert.deepEqual(p.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
    assert.ok(!p.mounts.find((x) => x.destination === '/sys')!.options!.includes('ro'));
  });

  it('clamps rlimits to the host hard limits (default nofile 1048576)', () => {
    const r = generateRuntimeSpec(input({ ulimits: [{ name: 'nproc', soft: 9000, hard: 9000 }, { name: 'core', soft: -1, hard: -1 }] }), host).process.rlimits;
    assert.deepEqual(r.find((x) => x.type === 'RLIMIT_NOFILE'), { type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 });
    assert.deepEqual(r.find((x) => x.type === 'RLIMIT_NPROC'), { type: 'RLIMIT_NPROC', soft: 4096, hard: 4096 });
    assert.ok(r.find((x) => x.type === 'RLIMIT_CORE')!.hard > 0);
    const user = generateRuntimeSpec(input({ ulimits: [{ name: 'nofile', soft: 100, hard: 200 }] }), host).process.rlimits;
    assert.deepEqual(user, [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }]);
  });

  it('maps nanoCpus to quota over a 100000 period, and memory/swap/pids', () => {
    const res = generateRuntimeSpec(input({ resources: { ...input().resources, nanoCpus: 1.5e9, memory: 100 << 20, pidsLimit: 10 } }), host).linux.resources;
    assert.deepEqual(res.cpu, { period: 100000, quota: 150000 });
    assert.deepEqual(res.memory, { limit: 100 << 20, swap: 200 << 20 });
    assert.deepEqual(res.pids, { limit: 10 });
    const noSwap = generateRuntimeSpec(input({ resources: { ...input().resources, memory: 100 << 20 } }), { ...host, swapLimit: false }).linux.resources;
    assert.deepEqual(noSwap.memory, { limit: 100 << 20 });
  });

  it('adds tmpfs mounts with Docker default options and sets terminal/user/hostname', () => {
    const s = generateRuntimeSpec(input({ tmpfs: { '/run': 'size=1m' }, terminal: true, consoleSize: { height: 5, width: 6 }, user: { uid: 1, gid: 2, additionalGids: [3] } }), host);
    assert.deepEqual(s.mounts.find((m) => m.destination === '/run'), { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'size=1m'] });
    assert.equal(s.process.terminal, true);
    assert.deepEqual(s.process.consoleSize, { height: 5, width: 6 });
    assert.deepEqual(s.process.user, { uid: 1, gid: 2, additionalGids: [3] });
    assert.equal(s.hostname, 'c1');
    assert.equal(s.linux.cgroupsPath, '/berth/c1');
  });

  it('needs host facts for devices', () => {
    const devices = [{ pathOnHost: '/dev/fuse', pathInContainer: '/dev/fuse', cgroupPermissions: 'rwm' }];
    assert.throws(() => generateRuntimeSpec(input({ devices }), host), InvalidArgumentError);
    const s = generateRuntimeSpec(input({ devices }), { ...host, devices: { '/dev/fuse': { type: 'c', major: 10, minor: 229, fileMode: 0o20666, uid: 0, gid: 0 } } });
    assert.deepEqual(s.linux.devices[0], { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o20666, uid: 0, gid: 0 });
    assert.deepEqual(s.linux.resources.devices.at(-1), { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' });
  });
});

describe('generateRuntimeSpec with a user namespace (--userns-remap)', () => {
  const validate = loadValidator();
  const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
  it('joins the daemon\'s user namespace with its maps, schema-valid', () => {
    const s = generateRuntimeSpec(input({ userns: { path: '/run/berth/userns', uidMappings: maps, gidMappings: maps } }), host);
    assert.equal(validate(s), undefined);
    assert.deepEqual(s.linux.namespaces.find((n) => n.type === 'user'), { type: 'user', path: '/run/berth/userns' });
    assert.deepEqual(s.linux.uidMappings, maps);
    assert.deepEqual(s.linux.gidMappings, maps);
  });
  it('has no user namespace without one', () => {
    const s = generateRuntimeSpec(input(), host);
    assert.equal(s.linux.namespaces.find((n) => n.type === 'user'), undefined);
    assert.equal(s.linux.uidMappings, undefined);
  });
});

describe('readHostFacts', () => {
  it('parses /proc/self/limits and stats devices', async () => {
    const limits = parseHardLimits('Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 20000                files\nMax core file size        0                    unlimited            bytes\n');
    assert.deepEqual(limits, { nofile: 20000, core: Number.MAX_SAFE_INTEGER });
    const dev = await readDeviceFacts(['/dev/null', '/no/such/dev']);
    assert.deepEqual(Object.keys(dev), ['/dev/null']);
    assert.equal(dev['/dev/null']!.major, 1);
    assert.equal(dev['/dev/null']!.minor, 3);
    assert.equal(dev['/dev/null']!.type, 'c');
  });
});

it('rootless on the host network: /sys is bound (sysfs mounts only in a netns the user namespace owns)', () => {
  const sys = (over: Partial<RuntimeSpecInput>) => generateRuntimeSpec(input(over), host).mounts.find((m) => m.destination === '/sys');
  assert.equal(sys({ rootless: true })?.type, 'sysfs');
  assert.deepEqual(sys({ rootless: true, namespaces: { network: 'host', pid: 'private', ipc: 'private', uts: 'private' } }), { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
  assert.equal(sys({ namespaces: { network: 'host', pid: 'private', ipc: 'private', uts: 'private' } })?.type, 'sysfs');
});

it('docker update to "unlimited": pids 0/-1 recorded as -1 and sent to runc as -1, a quota of -1 sent as -1; never at create', () => {
  const base = { ...defaultHostSpec(), pidsLimit: 32, cpuQuota: 15000, cpuPeriod: 100000 };
  for (const v of [0, -1, -2]) {
    const next = applyUpdate(base, { pidsLimit: v, cpuQuota: -1 });
    assert.equal(next.pidsLimit, -1);
    const res = updatableResources({ ...input().resources, pidsLimit: next.pidsLimit, cpuQuota: next.cpuQuota, cpuPeriod: next.cpuPeriod }, host);
    assert.deepEqual(res.pids, { limit: -1 });
    assert.equal(res.cpu?.quota, -1);
  }
  assert.equal(applyUpdate(base, { pidsLimit: 16 }).pidsLimit, 16);
  const created = generateRuntimeSpec(input({ resources: { ...input().resources, pidsLimit: -1, cpuQuota: -1 } }), host).linux.resources;
  assert.equal(created.pids, undefined);
  assert.equal(created.cpu?.quota, undefined);
});
