import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContainerCreate, parseMount } from './container-create';
import type { ContainerFlags } from './container-flags';
import { CONTAINER_FLAGS, RUN_ONLY_FLAGS } from './container-flags';

/** Defaults commander gives: [] for list flags, table defaults for the rest. */
function flags(over: Partial<ContainerFlags>): ContainerFlags {
  const f: Record<string, unknown> = {};
  for (const spec of [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS]) {
    if (spec.kind === 'list') f[spec.key] = [];
    else if (spec.default !== undefined) f[spec.key] = spec.default;
  }
  return { ...(f as unknown as ContainerFlags), ...over };
}
const ctx = (detach = false) => ({ env: {}, readFile: () => '', consoleSize: [0, 0] as [number, number], detach });

// Recorded in /work/shared/api-traffic/a-cli-containers.txt, `docker run --rm bb echo hi` (#6)
const RECORDED_RUN_RM = '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["echo","hi"],"Image":"bb","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":true,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}';

// #180: docker run --rm -e FOO=bar -w /tmp -l k=v --hostname h1 -u 1000:1000 --entrypoint /bin/sh --memory 32m --cpus 0.5 --restart no --cap-drop ALL --read-only --tmpfs /scratch --add-host myhost:127.0.0.2 bb -c …
const RECORDED_MANY_FLAGS = '{"Hostname":"h1","Domainname":"","User":"1000:1000","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["FOO=bar"],"Cmd":["-c","env; id; hostname; cat /etc/hosts | tail -1"],"Image":"bb","Volumes":{},"WorkingDir":"/tmp","Entrypoint":["/bin/sh"],"OnBuild":null,"Labels":{"k":"v"},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":true,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":["ALL"],"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":["myhost:127.0.0.2"],"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":true,"SecurityOpt":null,"Tmpfs":{"/scratch":""},"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":33554432,"NanoCpus":500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}';

test('run --rm bb echo hi gives the recorded body byte for byte', () => {
  const r = buildContainerCreate('bb', ['echo', 'hi'], flags({ rm: true }), ctx());
  assert.equal(JSON.stringify(r.body), RECORDED_RUN_RM);
});

test('run with env/workdir/label/user/entrypoint/memory/cpus/cap-drop/read-only/tmpfs/add-host gives the recorded body', () => {
  const f = flags({ rm: true, env: ['FOO=bar'], workdir: '/tmp', label: ['k=v'], hostname: 'h1', user: '1000:1000', entrypoint: '/bin/sh', memory: '32m', cpus: '0.5', restart: 'no', capDrop: ['ALL'], readOnly: true, tmpfs: ['/scratch'], addHost: ['myhost:127.0.0.2'] });
  const r = buildContainerCreate('bb', ['-c', 'env; id; hostname; cat /etc/hosts | tail -1'], f, ctx());
  assert.equal(JSON.stringify(r.body), RECORDED_MANY_FLAGS);
});

test('run -d -p sets ExposedPorts after AttachStderr and the binding, and attaches nothing', () => {
  const r = buildContainerCreate('bb', ['httpd'], flags({ publish: ['127.0.0.1:18080:80'] }), ctx(true));
  const keys = Object.keys(r.body);
  assert.equal(keys[keys.indexOf('AttachStderr') + 1], 'ExposedPorts');
  assert.deepEqual(r.body.ExposedPorts, { '80/tcp': {} });
  assert.deepEqual(r.body.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] });
  assert.equal(r.body.AttachStdout, false);
});

test('-dit keeps stdin open but not StdinOnce; -i without -d sets StdinOnce', () => {
  assert.equal(buildContainerCreate('bb', ['sh'], flags({ interactive: true, tty: true }), ctx(true)).body.StdinOnce, false);
  const attached = buildContainerCreate('bb', ['cat'], flags({ interactive: true }), ctx()).body;
  assert.equal(attached.StdinOnce, true);
  assert.equal(attached.AttachStdin, true);
});

test('restart, ulimit, volume and mount flags map to HostConfig', () => {
  const r = buildContainerCreate('bb', [], flags({ restart: 'on-failure:3', ulimit: ['nofile=1024:2048'], volume: ['/data', '/h:/c:ro'], mount: ['type=tmpfs,target=/t,tmpfs-size=1m'], init: true }), ctx());
  assert.deepEqual(r.body.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(r.body.HostConfig.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  assert.deepEqual(r.body.Volumes, { '/data': {} });
  assert.deepEqual(r.body.HostConfig.Binds, ['/h:/c:ro']);
  assert.deepEqual(r.body.HostConfig.Mounts, [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576 } }]);
  assert.equal(r.body.HostConfig.Init, true);
});

test('--mount volume-label, volume-driver and volume-opt become VolumeOptions as docker/cli sends them', () => {
  assert.deepEqual(parseMount('type=volume,src=v1,dst=/m,volume-label=a=b,volume-driver=local,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-nocopy'), {
    Type: 'volume',
    Source: 'v1',
    Target: '/m',
    VolumeOptions: { Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } }, NoCopy: true },
  });
});
