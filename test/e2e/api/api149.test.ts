/**
 * What API 1.42–1.49 added or changed, spoken over the socket as today's clients speak it, against a
 * real berthd: one test per field or behaviour (the report's list of added fields names these).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import WebSocket from 'ws';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freeSubnet } from '../../kit/subnets';

let d: TestDaemon;
const T = { timeout: 90_000 };

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any -- each test reads the fields it checks
}

function call(method: string, p: string, body?: unknown, raw?: string | Buffer): Promise<Reply> {
  const data = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, method, path: p, headers: data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const b = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json: () => JSON.parse(b.toString()) });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function ok(method: string, p: string, body?: unknown): Promise<Reply> {
  const r = await call(method, p, body);
  assert.ok(r.status < 300, `${method} ${p} → ${r.status} ${r.body.toString()}`);
  return r;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function run(name: string, body: Record<string, unknown>, version = 'v1.49'): Promise<string> {
  const { Id } = (await ok('POST', `/${version}/containers/create?name=${name}`, { Image: 'bb', ...body })).json() as { Id: string };
  await ok('POST', `/${version}/containers/${Id}/start`);
  return Id;
}

async function execOut(id: string, cmd: string[]): Promise<string> {
  const r = await cli(DOCKER, d, ['exec', id, ...cmd]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('API 1.49 against berthd', () => {
  before(async () => {
    d = await startDaemon('a149');
    assert.equal((await cli(DOCKER, d, ['import', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
  });
  after(async () => {
    await d?.close();
  });

  test('version: 1.49 advertised (docker CLI 28 uses it), minimum 1.24, outside versions refused in dockerd\'s words', T, async () => {
    const v = (await ok('GET', '/version')).json();
    assert.deepEqual([v.ApiVersion, v.MinAPIVersion], ['1.49', '1.24']);
    assert.equal((await ok('GET', '/_ping')).headers['api-version'], '1.49');
    const r = await cli(DOCKER, d, ['version', '--format', '{{.Client.APIVersion}} {{.Server.APIVersion}}']);
    assert.equal(r.stdout.trim().split(' ')[1], '1.49', r.stderr);
    const tooNew = await call('GET', '/v1.50/version');
    assert.equal(tooNew.status, 400);
    assert.equal(tooNew.json().message, 'client version 1.50 is too new. Maximum supported API version is 1.49');
    assert.match((await call('GET', '/v1.23/version')).json().message, /client version 1.23 is too old. Minimum supported API version is 1.24/);
  });

  test('create with several EndpointsConfig (1.44) and a per-endpoint MacAddress; refused before 1.44', T, async () => {
    const n1 = (await ok('POST', '/v1.49/networks/create', { Name: 'a149-n1', IPAM: { Config: [{ Subnet: freeSubnet() }] } })).json().Id as string;
    const n2 = (await ok('POST', '/v1.49/networks/create', { Name: 'a149-n2', IPAM: { Config: [{ Subnet: freeSubnet() }] } })).json().Id as string;
    try {
      const eps = { 'a149-n1': { Aliases: ['first'] }, 'a149-n2': { MacAddress: '02:42:ac:99:00:07' } };
      const old = await call('POST', '/v1.43/containers/create', { Image: 'bb', Cmd: ['true'], HostConfig: { NetworkMode: 'a149-n1' }, NetworkingConfig: { EndpointsConfig: eps } });
      assert.equal(old.status, 400);
      assert.match(old.json().message, /^Container cannot be created with multiple network endpoints: a149-n[12], a149-n[12]$/);
      const id = await run('a149-multi', { Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'a149-n1' }, NetworkingConfig: { EndpointsConfig: eps } });
      const nets = (await ok('GET', `/v1.49/containers/${id}/json`)).json().NetworkSettings.Networks;
      assert.deepEqual(Object.keys(nets).sort(), ['a149-n1', 'a149-n2']);
      assert.ok(nets['a149-n1'].IPAddress && nets['a149-n2'].IPAddress);
      assert.equal(nets['a149-n2'].MacAddress, '02:42:ac:99:00:07');
      // 1.44 DNSNames; 1.45 Aliases are the user's own
      assert.deepEqual(nets['a149-n1'].Aliases, ['first']);
      assert.deepEqual(nets['a149-n1'].DNSNames, ['a149-multi', 'first', id.slice(0, 12)]);
      const macs = await execOut(id, ['cat', '/sys/class/net/eth0/address', '/sys/class/net/eth1/address']);
      assert.ok(macs.split('\n').includes('02:42:ac:99:00:07'), macs);
      await ok('DELETE', `/containers/${id}?force=1`);
    } finally {
      await call('DELETE', `/networks/${n1}`);
      await call('DELETE', `/networks/${n2}`);
    }
  });

  test('Healthcheck.StartInterval (1.44) paces checks in the start period; a 1.43 client\'s is ignored', T, async () => {
    const hc = { Test: ['CMD', 'true'], Interval: 3600e9, StartPeriod: 3600e9, StartInterval: 100e6 };
    const id = await run('a149-health', { Cmd: ['sleep', '60'], Healthcheck: hc });
    // with only the hour-long Interval this would stay "starting"
    await until('healthy', async () => ((await ok('GET', `/containers/${id}/json`)).json().State.Health?.Status === 'healthy' ? true : undefined));
    assert.equal((await ok('GET', `/v1.49/containers/${id}/json`)).json().Config.Healthcheck.StartInterval, 100e6);
    const old = (await ok('POST', '/v1.43/containers/create', { Image: 'bb', Cmd: ['true'], Healthcheck: hc })).json().Id as string;
    assert.equal((await ok('GET', `/containers/${old}/json`)).json().Config.Healthcheck.StartInterval, undefined);
    await ok('DELETE', `/containers/${id}?force=1`);
    await ok('DELETE', `/containers/${old}?force=1`);
  });

  test('HostConfig.Annotations (1.43) reach the OCI config and show in inspect and list (1.46)', T, async () => {
    const id = await run('a149-annot', { Cmd: ['sleep', '60'], HostConfig: { Annotations: { 'io.berth.test': 'yes' } } });
    const cfg = JSON.parse(await fs.readFile(path.join(d.execRoot, 'containers', id, 'config.json'), 'utf8'));
    assert.equal(cfg.annotations['io.berth.test'], 'yes');
    assert.deepEqual((await ok('GET', `/containers/${id}/json`)).json().HostConfig.Annotations, { 'io.berth.test': 'yes' });
    const listed = (await ok('GET', `/v1.49/containers/json?filters=${encodeURIComponent(JSON.stringify({ id: [id] }))}`)).json();
    assert.deepEqual(listed[0].HostConfig.Annotations, { 'io.berth.test': 'yes' });
    const old = (await ok('POST', '/v1.42/containers/create', { Image: 'bb', Cmd: ['true'], HostConfig: { Annotations: { a: 'b' } } })).json().Id as string;
    assert.equal((await ok('GET', `/containers/${old}/json`)).json().HostConfig.Annotations, undefined);
    await ok('DELETE', `/containers/${id}?force=1`);
    await ok('DELETE', `/containers/${old}?force=1`);
  });

  test('mount VolumeOptions.Subpath (1.45): a directory inside a named volume; bad subpaths refused', T, async () => {
    await ok('POST', '/volumes/create', { Name: 'a149-sub' });
    const w = await run('a149-subw', { Cmd: ['sh', '-c', 'mkdir -p /v/inner /v/bin && echo from-inner > /v/inner/f && ln -s / /v/out && ln -s inner /v/in'], HostConfig: { Binds: ['a149-sub:/v'] } });
    await ok('POST', `/containers/${w}/wait`);
    const mount = (sub: string) => ({ HostConfig: { Mounts: [{ Type: 'volume', Source: 'a149-sub', Target: '/data', VolumeOptions: { Subpath: sub } }] } });
    const r = await run('a149-subr', { Cmd: ['sleep', '60'], ...mount('inner') });
    assert.equal(await execOut(r, ['cat', '/data/f']), 'from-inner\n');
    const esc = await call('POST', '/v1.49/containers/create', { Image: 'bb', Cmd: ['true'], ...mount('../etc') });
    assert.deepEqual([esc.status, esc.json().message], [400, 'invalid mount config for type "volume": subpath must be a relative path within the volume']);
    const old = await call('POST', '/v1.44/containers/create', { Image: 'bb', Cmd: ['true'], ...mount('inner') });
    assert.deepEqual([old.status, old.json().message], [400, 'VolumeOptions.Subpath needs API v1.45 or newer']);
    const missing = (await ok('POST', '/v1.49/containers/create', { Image: 'bb', Cmd: ['true'], ...mount('nope') })).json().Id as string;
    const st = await call('POST', `/containers/${missing}/start`);
    assert.equal(st.status, 404);
    assert.match(st.json().message, /^cannot access path .*\/nope: .*no such file or directory$/);
    // a link inside the volume is followed; one out of it (an absolute link is the host's) is refused at start
    const viaLink = await run('a149-subl', { Cmd: ['sleep', '60'], ...mount('in') });
    assert.equal(await execOut(viaLink, ['cat', '/data/f']), 'from-inner\n');
    const out = (await ok('POST', '/v1.49/containers/create', { Image: 'bb', Cmd: ['true'], ...mount('out') })).json().Id as string;
    const outSt = await call('POST', `/containers/${out}/start`);
    assert.equal(outSt.status, 400);
    assert.match(outSt.json().message, /path concatenation escapes the base directory, base: .*, subpath: out$/);
    // an empty subpath directory gets the image's content at the target, as an empty volume does (moby TestRunMountVolumeSubdir)
    const copied = await run('a149-subc', { Cmd: ['sleep', '60'], HostConfig: { Mounts: [{ Type: 'volume', Source: 'a149-sub', Target: '/bin', VolumeOptions: { Subpath: 'bin' } }] } });
    assert.equal(await execOut(copied, ['ls', '/bin/busybox']), '/bin/busybox\n');
    for (const c of [w, r, missing, viaLink, out, copied]) await ok('DELETE', `/containers/${c}?force=1`);
    await ok('DELETE', '/volumes/a149-sub');
  });

  test('DeviceRequests are refused in Docker\'s words (no GPU driver), and leave nothing behind', T, async () => {
    const before = (await ok('GET', '/containers/json?all=1')).json().length;
    const r = await call('POST', '/v1.49/containers/create', { Image: 'bb', Cmd: ['true'], HostConfig: { DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }] } });
    assert.deepEqual([r.status, r.json().message], [400, 'could not select device driver "" with capabilities: [[gpu]]']);
    const cliRun = await cli(DOCKER, d, ['run', '--rm', '--gpus', 'all', 'bb', 'true']);
    assert.equal(cliRun.code, 125);
    assert.match(cliRun.stderr, /could not select device driver "" with capabilities: \[\[gpu\]\]/);
    assert.equal((await ok('GET', '/containers/json?all=1')).json().length, before);
  });

  test('platform query: local platform accepted on inspect/history/save/load, others refused in dockerd\'s words', T, async () => {
    const arch = (await ok('GET', '/images/bb/json')).json().Architecture as string;
    const other = arch === 'arm64' ? 'amd64' : 'arm64';
    const q = (a: string) => encodeURIComponent(JSON.stringify({ os: 'linux', architecture: a }));
    await ok('GET', `/v1.49/images/bb/json?platform=${q(arch)}`);
    await ok('GET', `/v1.48/images/bb/history?platform=${q(arch)}`);
    const miss = await call('GET', `/v1.49/images/bb/json?platform=${q(other)}`);
    assert.deepEqual([miss.status, miss.json().message], [404, `image with reference bb was found but its platform (linux/${arch}) does not match the specified platform (linux/${other})`]);
    assert.equal((await call('GET', `/v1.48/images/bb/history?platform=${q(other)}`)).status, 404);
    // 1.48 clients' platform on inspect is ignored (it came with 1.49)
    await ok('GET', `/v1.48/images/bb/json?platform=${q(other)}`);
    const bad = await call('GET', `/v1.49/images/bb/json?platform=${encodeURIComponent('{"os":"linux"}')}`);
    assert.deepEqual([bad.status, bad.json().message], [400, 'both OS and Architecture must be provided']);
    const save = await call('GET', `/v1.48/images/get?names=bb&platform=${q(other)}`);
    assert.deepEqual([save.status, save.json().message], [500, `no suitable export target found for platform linux/${other}`]);
    const tar = await ok('GET', `/v1.48/images/get?names=bb&platform=${q(arch)}`);
    assert.equal(tar.headers['content-type'], 'application/x-tar');
    const skipped = await call('POST', `/v1.48/images/load?platform=${q(other)}`, undefined, tar.body);
    assert.doesNotMatch(skipped.body.toString(), /Loaded image/);
    const loaded = await call('POST', `/v1.48/images/load?platform=${q(arch)}`, undefined, tar.body);
    assert.match(loaded.body.toString(), /Loaded image: bb:latest/);
  });

  test('image fields per version: VirtualSize until 1.43, Container/ContainerConfig until 1.44, <none> names until 1.42', T, async () => {
    const list = async (v: string) => ((await ok('GET', `/${v}/images/json`)).json() as Array<Record<string, unknown>>).find((i) => (i.RepoTags as string[]).includes('bb:latest'))!;
    assert.equal('VirtualSize' in (await list('v1.43')), true);
    assert.equal('VirtualSize' in (await list('v1.44')), false);
    const inspect = async (v: string) => (await ok('GET', `/${v}/images/bb/json`)).json();
    const has = (o: object) => ['VirtualSize', 'Container', 'ContainerConfig'].map((k) => k in o);
    assert.deepEqual(has(await inspect('v1.43')), [true, true, true]);
    assert.deepEqual(has(await inspect('v1.44')), [false, true, true]);
    assert.deepEqual(has(await inspect('v1.49')), [false, false, false]);
  });

  test('until filter: image list (1.44), container prune, network prune, events', T, async () => {
    const enc = (f: object) => encodeURIComponent(JSON.stringify(f));
    assert.equal((await ok('GET', `/images/json?filters=${enc({ until: ['1000000000'] })}`)).json().length, 0);
    assert.ok((await ok('GET', `/images/json?filters=${enc({ until: [String(Math.ceil(Date.now() / 1000) + 60)] })}`)).json().length > 0);
    const c = (await ok('POST', '/containers/create?name=a149-prune', { Image: 'bb', Cmd: ['true'], Labels: { a149: 'prune' } })).json().Id as string;
    // created just now: "until 1h" (created more than an hour ago) spares it
    const spared = (await ok('POST', `/containers/prune?filters=${enc({ until: ['1h'], label: ['a149=prune'] })}`)).json();
    assert.equal(spared.ContainersDeleted, null);
    const pruned = (await ok('POST', `/containers/prune?filters=${enc({ until: [new Date(Date.now() + 60_000).toISOString()], label: ['a149=prune'] })}`)).json();
    assert.deepEqual(pruned.ContainersDeleted, [c]);
    const badUntil = await call('POST', `/containers/prune?filters=${enc({ until: ['soon'] })}`);
    assert.deepEqual([badUntil.status, badUntil.json().message], [400, 'failed to parse value as time or duration: "soon"']);
    await ok('POST', '/networks/create', { Name: 'a149-pn', IPAM: { Config: [{ Subnet: freeSubnet() }] } });
    assert.equal((await ok('POST', `/networks/prune?filters=${enc({ until: ['1h'] })}`)).json().NetworksDeleted, null);
    assert.deepEqual((await ok('POST', `/networks/prune?filters=${enc({ until: [String(Date.now() / 1000 + 60)] })}`)).json().NetworksDeleted, ['a149-pn']);
    // events: until in the past ends the stream at once, with the history up to it
    const since = Math.floor(Date.now() / 1000) - 600;
    const ev = await ok('GET', `/events?since=${since}&until=${(Date.now() / 1000).toFixed(3)}&filters=${enc({ type: ['container'], container: [c] })}`);
    assert.match(ev.body.toString(), /"Action":"destroy"/);
  });

  test('GET /containers/{id}/attach/ws: binary frames, raw output, stdin in, stream selection (1.42)', T, async () => {
    const id = await run('a149-ws', { Cmd: ['sh', '-c', 'read x; echo out-$x; echo err-$x >&2; read y'], OpenStdin: true, AttachStdin: true });
    // the script reads two lines and exits; the server then closes the websocket
    const talk = async (q: string, send: string): Promise<string[]> => {
      const ws = new WebSocket(`ws+unix://${d.socket}:/v1.49/containers/${id}/attach/ws?${q}`);
      const got: Buffer[] = [];
      let binary = true;
      ws.on('message', (m: Buffer, isBinary: boolean) => {
        binary &&= isBinary;
        got.push(m);
      });
      const closed = new Promise((r) => ws.once('close', r));
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      ws.send(send);
      await closed;
      assert.ok(binary, 'binary frames');
      return Buffer.concat(got).toString().split('\n').filter(Boolean).sort();
    };
    assert.deepEqual(await talk('stream=1&stdin=1&stdout=1&stderr=1', 'hi\nbye\n'), ['err-hi', 'out-hi']);
    await ok('POST', `/containers/${id}/wait`);
    await ok('POST', `/containers/${id}/start`);
    assert.deepEqual(await talk('stream=1&stdin=1&stdout=1&stderr=0', 'yo\nbye\n'), ['out-yo']);
    const notWs = await call('GET', `/containers/${id}/attach/ws?stream=1`);
    assert.equal(notWs.status, 400);
    await ok('DELETE', `/containers/${id}?force=1`);
  });

  test('system df type= (1.42): only the kinds asked for; unknown kinds refused', T, async () => {
    const df = (await ok('GET', '/v1.49/system/df?type=volume')).json();
    assert.ok(Array.isArray(df.Volumes));
    assert.deepEqual([df.Images, df.Containers, df.BuildCache], [null, null, null]);
    assert.equal('BuilderSize' in df, false);
    const all = (await ok('GET', '/v1.49/system/df')).json();
    assert.ok(Array.isArray(all.Images) && Array.isArray(all.Containers) && Array.isArray(all.BuildCache));
    const bad = await call('GET', '/v1.49/system/df?type=nope');
    assert.deepEqual([bad.status, bad.json().message], [400, 'unknown object type: nope']);
  });

  test('volume prune: 1.42+ takes only anonymous volumes (com.docker.volume.anonymous) unless all=true; 1.41 takes every unused one', T, async () => {
    await ok('POST', '/volumes/create', { Name: 'a149-named' });
    const anon = (await ok('POST', '/volumes/create', {})).json();
    assert.deepEqual(anon.Labels, { 'com.docker.volume.anonymous': '' });
    const c = (await ok('POST', '/containers/create', { Image: 'bb', Cmd: ['true'], Volumes: { '/anon': {} } })).json().Id as string;
    const mounted = (await ok('GET', `/containers/${c}/json`)).json().Mounts[0].Name as string;
    assert.deepEqual((await ok('GET', `/volumes/${mounted}`)).json().Labels, { 'com.docker.volume.anonymous': '' });
    await ok('DELETE', `/containers/${c}`);
    const r = (await ok('POST', '/v1.49/volumes/prune')).json();
    assert.deepEqual(r.VolumesDeleted.sort(), [anon.Name, mounted].sort());
    assert.equal((await call('GET', '/volumes/a149-named')).status, 200);
    const old = (await ok('POST', '/v1.41/volumes/prune')).json();
    assert.deepEqual(old.VolumesDeleted, ['a149-named']);
    const cli1 = await cli(DOCKER, d, ['volume', 'create', 'a149-cli']);
    assert.equal(cli1.code, 0);
    assert.doesNotMatch((await cli(DOCKER, d, ['volume', 'prune', '-f'])).stdout, /a149-cli/);
    assert.match((await cli(DOCKER, d, ['volume', 'prune', '-a', '-f'])).stdout, /a149-cli/);
  });

  test('image Manifests (1.47, manifests=1) and Descriptor (1.48) on list and inspect; ImageManifestDescriptor (1.48) on containers, not in df', T, async () => {
    const bb = async (v: string, query = '') => ((await ok('GET', `/${v}/images/json${query}`)).json() as Array<Record<string, any>>).find((i) => (i.RepoTags as string[]).includes('bb:latest'))!; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON
    const { Id: cid } = (await ok('POST', '/v1.49/containers/create?name=a149-manifest', { Image: 'bb', Cmd: ['true'] })).json() as { Id: string };
    try {
      const img = await bb('v1.49', '?manifests=1');
      const desc = img.Descriptor;
      assert.match(desc.digest, /^sha256:[0-9a-f]{64}$/);
      assert.equal(desc.mediaType, 'application/vnd.oci.image.manifest.v1+json');
      assert.ok(desc.size > 0 && !('platform' in desc));
      assert.equal(img.Manifests.length, 1);
      const m = img.Manifests[0];
      const arch = (await ok('GET', '/v1.49/images/bb/json')).json().Architecture;
      assert.deepEqual([m.ID, m.Kind, m.Available, m.Descriptor.digest, m.Descriptor.platform], [desc.digest, 'image', true, desc.digest, { architecture: arch, os: 'linux' }]);
      assert.deepEqual(m.ImageData.Platform, { architecture: arch, os: 'linux' });
      assert.deepEqual(m.ImageData.Containers, [cid]);
      assert.equal(m.ImageData.Size.Unpacked, img.Size);
      assert.ok(m.Size.Content > desc.size, 'manifest, config and layer blobs');
      assert.equal(m.Size.Total, m.Size.Content + m.ImageData.Size.Unpacked);
      // per version: no Manifests before 1.47 or unasked, no Descriptor before 1.48
      const v = async (ver: string, q: string) => {
        const o = await bb(ver, q);
        return ['Manifests' in o, 'Descriptor' in o];
      };
      assert.deepEqual(await v('v1.49', ''), [false, true]);
      assert.deepEqual(await v('v1.47', '?manifests=1'), [true, false]);
      assert.deepEqual(await v('v1.46', '?manifests=1'), [false, false]);
      // inspect: Descriptor from 1.48, Manifests from 1.48 when asked
      const inspect = async (ver: string, q = '') => (await ok('GET', `/${ver}/images/bb/json${q}`)).json();
      const i49 = await inspect('v1.49', '?manifests=1');
      assert.deepEqual([i49.Descriptor, i49.Manifests], [desc, img.Manifests]);
      const plain = await inspect('v1.49');
      assert.deepEqual(['Manifests' in plain, plain.Descriptor], [false, desc]);
      const i47 = await inspect('v1.47', '?manifests=1');
      assert.deepEqual(['Manifests' in i47, 'Descriptor' in i47], [false, false]);
      // containers: the platform-specific manifest, from 1.48
      const listed = ((await ok('GET', '/v1.49/containers/json?all=1')).json() as Array<Record<string, unknown>>).find((c) => c.Id === cid)!;
      assert.deepEqual(listed.ImageManifestDescriptor, m.Descriptor);
      assert.deepEqual((await ok('GET', `/v1.49/containers/${cid}/json`)).json().ImageManifestDescriptor, m.Descriptor);
      assert.equal('ImageManifestDescriptor' in (await ok('GET', `/v1.47/containers/${cid}/json`)).json(), false);
      const old = ((await ok('GET', '/v1.47/containers/json?all=1')).json() as Array<Record<string, unknown>>).find((c) => c.Id === cid)!;
      assert.equal('ImageManifestDescriptor' in old, false);
      const df = (await ok('GET', '/v1.49/system/df')).json() as { Containers: Array<Record<string, unknown>> };
      assert.equal('ImageManifestDescriptor' in df.Containers.find((c) => c.Id === cid)!, false);
      // the docker CLI 28 shows them: inspect's Descriptor, and ls --tree's platform per manifest
      const cliInspect = await cli(DOCKER, d, ['image', 'inspect', '--format', '{{json .Descriptor}}', 'bb']);
      assert.equal(cliInspect.code, 0, cliInspect.stderr);
      assert.deepEqual(JSON.parse(cliInspect.stdout), desc);
      const tree = await cli(DOCKER, d, ['image', 'ls', '--tree']);
      assert.equal(tree.code, 0, tree.stderr);
      assert.match(tree.stdout, new RegExp(`bb:latest[\\s\\S]*linux/${arch}`));
    } finally {
      await call('DELETE', `/containers/${cid}?force=1`);
    }
  });

  test('shared-size: bytes of layers other images use too, on image list when asked (else -1) and always in system df', T, async () => {
    const { Id: cid } = (await ok('POST', '/v1.49/containers/create?name=a149-shared', { Image: 'bb', Cmd: ['sh', '-c', 'echo hi > /f'] })).json() as { Id: string };
    try {
      await ok('POST', `/v1.49/containers/${cid}/start`);
      assert.equal((await ok('POST', `/v1.49/containers/${cid}/wait`)).json().StatusCode, 0);
      await ok('POST', `/v1.49/commit?container=${cid}&repo=a149-shared&tag=1`);
      const find = (list: Array<Record<string, any>>, tag: string) => list.find((i) => (i.RepoTags as string[]).includes(tag))!; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON
      const plain = (await ok('GET', '/v1.49/images/json')).json();
      assert.equal(find(plain, 'bb:latest').SharedSize, -1);
      const shared = (await ok('GET', '/v1.49/images/json?shared-size=1')).json();
      const base = find(shared, 'bb:latest');
      const top = find(shared, 'a149-shared:1');
      // bb's one layer is under the commit; the commit's own layer is its alone
      assert.equal(base.SharedSize, base.Size);
      assert.equal(top.SharedSize, base.Size);
      assert.ok(top.Size > top.SharedSize);
      const df = (await ok('GET', '/v1.49/system/df')).json() as { Images: Array<Record<string, unknown>> };
      assert.equal(find(df.Images, 'a149-shared:1').SharedSize, base.Size);
      // the CLI's verbose df prints it: SHARED SIZE of the commit is bb's size
      const v = await cli(DOCKER, d, ['system', 'df', '-v', '--format', '{{json .Images}}']);
      assert.equal(v.code, 0, v.stderr);
      const row = (JSON.parse(v.stdout) as Array<{ Repository: string; SharedSize: string }>).find((r) => r.Repository === 'a149-shared')!;
      assert.notEqual(row.SharedSize, '0B');
    } finally {
      await call('DELETE', `/containers/${cid}?force=1`);
      await call('DELETE', '/images/a149-shared:1');
    }
  });

  test('bad JSON bodies: 400 in dockerd\'s words', T, async () => {
    const bad = await call('POST', '/v1.49/containers/create', undefined, '{invalid json');
    assert.deepEqual([bad.status, bad.json().message], [400, "invalid JSON: invalid character 'i' looking for beginning of object key string"]);
    const trunc = await call('POST', '/v1.49/volumes/create', undefined, '{"Name": "x"');
    assert.deepEqual([trunc.status, trunc.json().message], [400, 'invalid JSON: unexpected EOF']);
    const empty = await call('POST', '/v1.49/containers/create', undefined, '');
    assert.deepEqual([empty.status, empty.json().message], [400, 'invalid JSON: got EOF while reading request body']);
    const noConfig = await call('POST', '/v1.49/containers/create', { HostConfig: {} });
    assert.deepEqual([noConfig.status, noConfig.json().message], [400, 'config cannot be empty in order to create a container']);
  });
});
