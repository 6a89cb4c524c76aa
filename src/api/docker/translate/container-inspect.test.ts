import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toContainerInspect } from './container-inspect';
import { toImageInspect } from './image';
import { defaultContainerSpec } from '../../../container/spec';
import type { ContainerRecord } from '../../../container/types';
import type { ImageRecord } from '../../../image/types';
import { containerInspectResponse, imageInspectResponse } from '../../../../test/api/fixtures/recorded-bodies';

function record(): ContainerRecord {
  const spec = defaultContainerSpec('bb');
  spec.cmd = ['httpd', '-f', '-v', '-p', '80'];
  spec.exposedPorts = { '80/tcp': {} };
  spec.host.portBindings = { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '18080' }] };
  spec.host.binds = ['/host/dir:/data:ro', 'vol1:/v'];
  return {
    id: 'a'.repeat(64),
    name: 'web',
    created: '2026-11-28T04:23:08.211858158Z',
    spec,
    imageId: 'sha256:' + 'c'.repeat(64),
    path: 'httpd',
    args: ['-f', '-v', '-p', '80'],
    env: ['PATH=/usr/bin'],
    workingDir: '',
    user: '',
    hostname: 'aaaaaaaaaaaa',
    state: {
      status: 'running',
      pid: 42,
      exitCode: 0,
      error: '',
      startedAt: '2026-11-28T04:23:08.493508501Z',
      finishedAt: '0001-01-01T00:00:00Z',
      oomKilled: false,
      restartCount: 0,
      stoppedByUser: false,
    },
    rootfs: '/var/lib/berth/rootfs',
    logPath: '/var/lib/berth/ctr.log',
    networks: {
      bridge: { ipAddress: '10.88.0.3', ipPrefixLen: 16, gateway: '10.88.0.1', macAddress: '02:42:0a:58:00:03', aliases: [], networkId: 'n'.repeat(64), endpointId: 'e'.repeat(64) },
    },
    ports: { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '18080' }] },
    resolvConfPath: '/r',
    hostnamePath: '/h',
    hostsPath: '/hs',
  };
}

const keys = (o: object) => Object.keys(o).sort();
function assertHasKeys(actual: object, recorded: object, where: string): void {
  const missing = keys(recorded).filter((k) => !(k in actual));
  assert.deepEqual(missing, [], `${where}: keys dockerd sends but we do not`);
}

test('container inspect carries every key dockerd sent (top level, State, HostConfig, Config, NetworkSettings)', () => {
  const j = toContainerInspect(record(), { runtime: 'crun', apiVersion: '1.41' });
  assertHasKeys(j, containerInspectResponse, 'top');
  assertHasKeys(j.State, containerInspectResponse.State, 'State');
  // dockerd 23+ leaves KernelMemory(TCP) out when unset, at every API version (1.42 history)
  const { KernelMemory: _km, KernelMemoryTCP: _kmt, ...hostKeys } = containerInspectResponse.HostConfig;
  assertHasKeys(j.HostConfig, hostKeys, 'HostConfig');
  assertHasKeys(j.NetworkSettings, containerInspectResponse.NetworkSettings, 'NetworkSettings');
  assertHasKeys(j.NetworkSettings.Networks['bridge']!, containerInspectResponse.NetworkSettings.Networks.bridge, 'Networks.bridge');
  const { ExposedPorts: _ignored, ...cfgKeys } = containerInspectResponse.Config;
  assertHasKeys(j.Config, cfgKeys, 'Config');
});

test('container inspect values: name with slash, state flags, ports, mounts', () => {
  const j = toContainerInspect(record(), { runtime: 'crun' });
  assert.equal(j.Name, '/web');
  assert.equal(j.State.Running, true);
  assert.equal(j.State.Status, 'running');
  assert.equal(j.HostConfig.Runtime, 'crun');
  assert.equal(j.HostConfig.ShmSize, 67108864);
  assert.deepEqual(j.HostConfig.PortBindings, containerInspectResponse.HostConfig.PortBindings);
  assert.deepEqual(j.NetworkSettings.Ports, containerInspectResponse.NetworkSettings.Ports);
  assert.equal(j.NetworkSettings.IPAddress, '10.88.0.3');
  assert.deepEqual(j.Config.Cmd, ['httpd', '-f', '-v', '-p', '80']);
  assert.deepEqual(j.Config.ExposedPorts, { '80/tcp': {} });
  assert.deepEqual(
    j.Mounts.map((m) => [m.Type, m.Source, m.Destination, m.RW]),
    [
      ['bind', '/host/dir', '/data', false],
      ['volume', '', '/v', true],
    ],
  );
  assert.equal(j.GraphDriver.Name, 'overlay2');
});

test('image inspect carries every key dockerd sent', () => {
  const rec: ImageRecord = {
    id: 'sha256:' + 'c'.repeat(64),
    repoTags: ['bb:latest'],
    repoDigests: [],
    config: {
      architecture: 'amd64',
      os: 'linux',
      created: '2026-11-28T03:56:50.213446095Z',
      comment: 'Imported from -',
      rootfs: { type: 'layers', diff_ids: ['sha256:' + 'a'.repeat(64)] },
      config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
    },
    manifestDigest: 'sha256:' + 'd'.repeat(64),
    size: 1984189,
    created: '2026-11-28T03:56:50Z',
    chainIds: [],
  };
  // the recording is dockerd 20.10's answer to API 1.41
  const j = toImageInspect(rec, {}, '1.41');
  assertHasKeys(j, imageInspectResponse, 'top');
  assertHasKeys(j.Config, imageInspectResponse.Config, 'Config');
  assertHasKeys(j.ContainerConfig!, imageInspectResponse.ContainerConfig, 'ContainerConfig');
  assert.equal(j.VirtualSize, 1984189);
  // gone for newer clients: VirtualSize in 1.44, Container and ContainerConfig in 1.45
  const v144 = toImageInspect(rec, {}, '1.44');
  assert.equal('VirtualSize' in v144, false);
  assert.equal('ContainerConfig' in v144, true);
  const v149 = toImageInspect(rec, {}, '1.49');
  assert.deepEqual(['VirtualSize' in v149, 'Container' in v149, 'ContainerConfig' in v149], [false, false, false]);
  assert.equal(j.Comment, 'Imported from -');
  assert.deepEqual(j.RootFS, { Type: 'layers', Layers: ['sha256:' + 'a'.repeat(64)] });
  assert.equal(j.GraphDriver.Name, 'overlay2');
  assert.deepEqual(j.Config.Cmd, ['sh']);
});

test('endpoint names per API version: short id in Aliases until 1.44, DNSNames from 1.44, GwPriority from 1.48', () => {
  const rec = record();
  rec.networks['appnet'] = { ipAddress: '10.89.0.2', ipPrefixLen: 24, gateway: '10.89.0.1', macAddress: '02:42:0a:59:00:02', aliases: ['web-alias', 'aaaaaaaaaaaa'], networkId: 'm'.repeat(64), endpointId: 'f'.repeat(64) };
  const old = toContainerInspect(rec, { runtime: 'crun', apiVersion: '1.43' }).NetworkSettings.Networks['appnet']!;
  assert.deepEqual(old.Aliases, ['web-alias', 'aaaaaaaaaaaa']);
  assert.equal('DNSNames' in old, false);
  const v144 = toContainerInspect(rec, { runtime: 'crun', apiVersion: '1.44' }).NetworkSettings.Networks;
  assert.deepEqual(v144['appnet']!.Aliases, ['web-alias', 'aaaaaaaaaaaa']);
  assert.deepEqual(v144['appnet']!.DNSNames, ['web', 'web-alias', 'aaaaaaaaaaaa']);
  assert.equal(v144['bridge']!.DNSNames, null);
  const now = toContainerInspect(rec, { runtime: 'crun', apiVersion: '1.49' }).NetworkSettings.Networks['appnet']!;
  assert.deepEqual(now.Aliases, ['web-alias']);
  assert.equal(now.GwPriority, 0);
});

test('HostConfig.Annotations and a mount\'s VolumeOptions.Subpath show in inspect', () => {
  const rec = record();
  rec.spec.host.annotations = { 'io.berth.x': '1' };
  rec.spec.host.mounts = [{ type: 'volume', source: 'v', target: '/d', readOnly: false, volumeSubpath: 'a/b' }];
  const hc = toContainerInspect(rec, { runtime: 'crun' }).HostConfig;
  assert.deepEqual(hc.Annotations, { 'io.berth.x': '1' });
  assert.deepEqual(hc.Mounts, [{ Type: 'volume', Source: 'v', Target: '/d', ReadOnly: false, VolumeOptions: { Subpath: 'a/b' } }]);
});
