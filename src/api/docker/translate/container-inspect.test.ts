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
  const j = toContainerInspect(record(), { runtime: 'crun' });
  assertHasKeys(j, containerInspectResponse, 'top');
  assertHasKeys(j.State, containerInspectResponse.State, 'State');
  assertHasKeys(j.HostConfig, containerInspectResponse.HostConfig, 'HostConfig');
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
  const j = toImageInspect(rec);
  assertHasKeys(j, imageInspectResponse, 'top');
  assertHasKeys(j.Config, imageInspectResponse.Config, 'Config');
  assertHasKeys(j.ContainerConfig, imageInspectResponse.ContainerConfig, 'ContainerConfig');
  assert.equal(j.Comment, 'Imported from -');
  assert.deepEqual(j.RootFS, { Type: 'layers', Layers: ['sha256:' + 'a'.repeat(64)] });
  assert.equal(j.GraphDriver.Name, 'overlay2');
  assert.deepEqual(j.Config.Cmd, ['sh']);
});
