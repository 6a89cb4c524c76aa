import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translateContainerCreate } from './container-create';
import type { ContainerCreateRequest } from '../../../protocol/docker/container';
import { cliCreateBody, composeCreateBody, testcontainersCreateBody } from '../../../../test/api/fixtures/recorded-bodies';

/** Bodies arrive as parsed JSON; a JSON round trip gives the same untyped value the route sees. */
const wire = (x: unknown): ContainerCreateRequest => JSON.parse(JSON.stringify(x)) as ContainerCreateRequest;

test('CLI 28 run body maps config and HostConfig fields', () => {
  const { spec } = translateContainerCreate(wire(cliCreateBody), 'c1');
  assert.equal(spec.name, 'c1');
  assert.equal(spec.image, 'bb');
  assert.deepEqual(spec.entrypoint, ['/bin/sh']);
  assert.deepEqual(spec.cmd, ['-c', 'env; id; hostname; cat /etc/hosts | tail -1']);
  assert.deepEqual(spec.env, ['FOO=bar']);
  assert.equal(spec.user, '1000:1000');
  assert.equal(spec.hostname, 'h1');
  assert.equal(spec.workingDir, '/tmp');
  assert.deepEqual(spec.labels, { k: 'v' });
  assert.equal(spec.attachStdout, true);
  assert.equal(spec.attachStdin, false);
  const h = spec.host;
  assert.equal(h.autoRemove, true);
  assert.deepEqual(h.capDrop, ['ALL']);
  assert.deepEqual(h.capAdd, []);
  assert.deepEqual(h.extraHosts, ['myhost:127.0.0.2']);
  assert.equal(h.readonlyRootfs, true);
  assert.deepEqual(h.tmpfs, { '/scratch': '' });
  assert.equal(h.memory, 33554432);
  assert.equal(h.nanoCpus, 500000000);
  assert.equal(h.networkMode, 'default');
  assert.deepEqual(h.restartPolicy, { name: 'no', maximumRetryCount: 0 });
  assert.equal(h.consoleSize, undefined, 'ConsoleSize [0,0] means no size');
  assert.equal(h.pidsLimit, 0);
  assert.deepEqual(Object.keys(spec.networks), ['default']);
});

test('compose body maps binds, port bindings, network aliases', () => {
  const { spec } = translateContainerCreate(wire(composeCreateBody), 'recproj_web_1');
  assert.deepEqual(spec.host.binds, ['recproj_webdata:/data:rw']);
  assert.deepEqual(spec.host.portBindings, { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '18081' }] });
  assert.equal(spec.host.networkMode, 'recproj_appnet');
  assert.deepEqual(spec.networks, { recproj_appnet: { aliases: ['web'] } });
  assert.deepEqual(spec.volumes, { '/data': {} });
  assert.equal(spec.attachStdout, false);
  assert.equal(spec.labels['com.docker.compose.service'], 'web');
});

test('testcontainers minimal body gets defaults and random host port', () => {
  const { spec } = translateContainerCreate(wire(testcontainersCreateBody));
  assert.equal(spec.name, undefined);
  assert.equal(spec.image, 'bb:latest');
  assert.deepEqual(spec.host.portBindings, { '8080/tcp': [{ hostIp: '', hostPort: '0' }] });
  assert.deepEqual(spec.exposedPorts, { '8080/tcp': {} });
  assert.equal(spec.entrypoint, undefined);
  assert.deepEqual(spec.env, []);
  assert.equal(spec.host.shmSize, 0);
});

test('HostConfig resource and mount fields', () => {
  const { spec } = translateContainerCreate({
    Image: 'bb',
    Cmd: 'sh',
    HostConfig: {
      PidsLimit: 50,
      CpuShares: 512,
      CpuQuota: 50000,
      CpuPeriod: 100000,
      Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }],
      Init: true,
      Privileged: true,
      Dns: ['1.1.1.1'],
      DnsSearch: ['example.com'],
      DnsOptions: ['ndots:2'],
      ShmSize: 1024,
      ConsoleSize: [30, 100],
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1000, Mode: 0o1777 } }, { Type: 'volume', Source: 'v', Target: '/v', ReadOnly: true }],
    },
  });
  const h = spec.host;
  assert.deepEqual(spec.cmd, ['sh']);
  assert.equal(h.pidsLimit, 50);
  assert.equal(h.cpuShares, 512);
  assert.equal(h.cpuQuota, 50000);
  assert.equal(h.cpuPeriod, 100000);
  assert.deepEqual(h.ulimits, [{ name: 'nofile', soft: 100, hard: 200 }]);
  assert.equal(h.init, true);
  assert.equal(h.privileged, true);
  assert.deepEqual([h.dns, h.dnsSearch, h.dnsOptions], [['1.1.1.1'], ['example.com'], ['ndots:2']]);
  assert.equal(h.shmSize, 1024);
  assert.deepEqual(h.consoleSize, [30, 100]);
  assert.deepEqual(h.restartPolicy, { name: 'on-failure', maximumRetryCount: 3 });
  assert.deepEqual(h.mounts, [
    { type: 'tmpfs', source: '', target: '/t', readOnly: false, options: ['size=1000', 'mode=1777'] },
    { type: 'volume', source: 'v', target: '/v', readOnly: true },
  ]);
});

test('invalid bodies are InvalidArgument errors', () => {
  assert.throws(() => translateContainerCreate(undefined), { kind: 'InvalidArgument' });
  assert.throws(() => translateContainerCreate({ Image: 'bb', HostConfig: { RestartPolicy: { Name: 'always' }, AutoRemove: true } }), { kind: 'InvalidArgument' });
  assert.throws(() => translateContainerCreate({ Image: 'bb', HostConfig: { Mounts: [{ Type: 'npipe', Target: '/x' }] } }), { kind: 'InvalidArgument' });
});

test('IPC mode: private by default, shareable for clients older than API 1.40 (dockerd), as given otherwise', () => {
  assert.equal(translateContainerCreate({ Image: 'bb', HostConfig: {} }, undefined, '1.49').spec.host.ipcMode, 'private');
  assert.equal(translateContainerCreate({ Image: 'bb', HostConfig: {} }, undefined, '1.39').spec.host.ipcMode, 'shareable');
  assert.equal(translateContainerCreate({ Image: 'bb' }, undefined, '1.39').spec.host.ipcMode, 'shareable');
  assert.equal(translateContainerCreate({ Image: 'bb', HostConfig: { IpcMode: 'host' } }, undefined, '1.39').spec.host.ipcMode, 'host');
});

test('API 1.44: several EndpointsConfig at create; older versions are refused in dockerd\'s words', () => {
  const body = { Image: 'bb', HostConfig: { NetworkMode: 'n1' }, NetworkingConfig: { EndpointsConfig: { n1: { Aliases: ['a'] }, n2: { IPAMConfig: { IPv4Address: '10.9.0.5' } } } } };
  const { spec } = translateContainerCreate(body, undefined, '1.44');
  assert.deepEqual(spec.networks, { n1: { aliases: ['a'] }, n2: { aliases: [], ipv4Address: '10.9.0.5' } });
  assert.throws(() => translateContainerCreate(body, undefined, '1.43'), { kind: 'InvalidArgument', message: 'Container cannot be created with multiple network endpoints: n1, n2' });
});

test('MacAddress: per endpoint from 1.44 (container-wide is migrated with a warning); before 1.44 only the container-wide one counts', () => {
  const perEndpoint = { Image: 'bb', HostConfig: { NetworkMode: 'n1' }, NetworkingConfig: { EndpointsConfig: { n1: { MacAddress: '02:42:AC:11:00:99' } } } };
  assert.deepEqual(translateContainerCreate(perEndpoint, undefined, '1.49').spec.networks, { n1: { aliases: [], macAddress: '02:42:ac:11:00:99' } });
  assert.deepEqual(translateContainerCreate(perEndpoint, undefined, '1.43').spec.networks, { n1: { aliases: [] } });
  const wide = { Image: 'bb', MacAddress: '02:42:ac:11:00:98', HostConfig: { NetworkMode: 'default' } };
  const r = translateContainerCreate(wide, undefined, '1.49');
  assert.deepEqual(r.spec.networks, { bridge: { aliases: [], macAddress: '02:42:ac:11:00:98' } });
  assert.deepEqual(r.warnings, ['The container-wide MacAddress field is now deprecated. It should be specified in EndpointsConfig instead.']);
  assert.deepEqual(translateContainerCreate(wide, undefined, '1.43').warnings, []);
  assert.throws(() => translateContainerCreate({ ...wide, HostConfig: { NetworkMode: 'host' } }), { message: 'conflicting options: mac-address and the network mode' });
});

test('Healthcheck.StartInterval from 1.44, Annotations from 1.43; older clients\' are ignored', () => {
  const body = { Image: 'bb', Healthcheck: { Test: ['CMD', 'true'], StartPeriod: 10e9, StartInterval: 1e9 }, HostConfig: { Annotations: { 'io.berth.a': 'x' } } };
  const now = translateContainerCreate(body, undefined, '1.49').spec;
  assert.equal(now.healthcheck?.startInterval, 1e9);
  assert.deepEqual(now.host.annotations, { 'io.berth.a': 'x' });
  const old = translateContainerCreate(body, undefined, '1.42').spec;
  assert.equal(old.healthcheck?.startInterval, undefined);
  assert.equal(old.host.annotations, undefined);
});

test('VolumeOptions.Subpath from 1.45; mount options of another type refused from 1.42', () => {
  const m = { Type: 'volume' as const, Source: 'v', Target: '/d', VolumeOptions: { Subpath: 'sub/dir' } };
  assert.equal(translateContainerCreate({ Image: 'bb', HostConfig: { Mounts: [m] } }, undefined, '1.45').spec.host.mounts[0]!.volumeSubpath, 'sub/dir');
  assert.throws(() => translateContainerCreate({ Image: 'bb', HostConfig: { Mounts: [m] } }, undefined, '1.44'), { message: 'VolumeOptions.Subpath needs API v1.45 or newer' });
  const mixed = { Type: 'bind' as const, Source: '/tmp', Target: '/d', VolumeOptions: { NoCopy: true } };
  assert.throws(() => translateContainerCreate({ Image: 'bb', HostConfig: { Mounts: [mixed] } }, undefined, '1.42'), { message: 'VolumeOptions must not be specified on mount type "bind"' });
  assert.doesNotThrow(() => translateContainerCreate({ Image: 'bb', HostConfig: { Mounts: [mixed] } }, undefined, '1.41'));
});

test('Type image (1.48): the reference and ImageOptions.Subpath; ImageOptions on another type is an extra field', () => {
  const m = { Type: 'image' as const, Source: 'alpine', Target: '/mnt', ImageOptions: { Subpath: 'etc' } };
  assert.deepEqual(translateContainerCreate({ Image: 'bb', HostConfig: { Mounts: [m] } }).spec.host.mounts, [{ type: 'image', source: 'alpine', target: '/mnt', readOnly: false, imageSubpath: 'etc' }]);
  const bad = { Type: 'volume' as const, Source: 'v', Target: '/d', ImageOptions: { Subpath: 'x' } };
  assert.throws(() => translateContainerCreate({ Image: 'bb', HostConfig: { Mounts: [bad] } }), { message: 'invalid mount config for type "volume": field ImageOptions must not be specified' });
});

test('DeviceRequests are refused in dockerd\'s words: no device driver here', () => {
  const gpus = { Image: 'bb', HostConfig: { DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }] } };
  assert.throws(() => translateContainerCreate(gpus), { kind: 'InvalidArgument', message: 'could not select device driver "" with capabilities: [[gpu]]' });
  assert.doesNotThrow(() => translateContainerCreate({ Image: 'bb', HostConfig: { DeviceRequests: [] } }));
});
