/**
 * Behaviours the moby integration suite (integration/container, image, volume) checks and Berth got wrong,
 * spoken over the socket as the suite's Go client speaks them, against a real berthd (docs/moby-suite.md).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
const T = { timeout: 60_000 };

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any -- each test reads the fields it checks
}

function call(method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  const data = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = data !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) } : {};
    const req = http.request({ socketPath: d.socket, method, path: p, headers }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json: () => JSON.parse(b) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function ok(method: string, p: string, body?: unknown): Promise<Reply> {
  const r = await call(method, p, body);
  assert.ok(r.status < 300, `${method} ${p} → ${r.status} ${r.body}`);
  return r;
}

async function refused(method: string, p: string, body: unknown, status: number, words: RegExp): Promise<void> {
  const r = await call(method, p, body);
  assert.equal(r.status, status, `${method} ${p} → ${r.status} ${r.body}`);
  assert.match(r.json().message, words);
}

async function create(body: Record<string, unknown>, name = ''): Promise<string> {
  return (await ok('POST', `/v1.49/containers/create${name ? `?name=${name}` : ''}`, { Image: 'bb', ...body })).json().Id as string;
}

async function run(body: Record<string, unknown>, name = ''): Promise<string> {
  const id = await create({ Cmd: ['sleep', '60'], ...body }, name);
  await ok('POST', `/v1.49/containers/${id}/start`);
  return id;
}

describe('moby integration suite behaviours against berthd', () => {
  before(async () => {
    d = await startDaemon('moby');
    assert.equal((await cli(DOCKER, d, ['import', '-c', 'CMD ["sh"]', await makeBusyboxTar(path.join(d.base, 'bb.tar')), 'bb:latest'])).code, 0);
  });
  after(async () => {
    await d?.close();
  });

  test('plugins: an empty list (the suite lists them before every test), filters checked, names not found', T, async () => {
    assert.deepEqual((await ok('GET', '/v1.49/plugins')).json(), []);
    await refused('GET', `/v1.49/plugins?filters=${encodeURIComponent('{"foo":["x"]}')}`, undefined, 400, /^invalid filter 'foo'$/);
    await refused('DELETE', '/v1.49/plugins/nope', undefined, 404, /^plugin "nope" not found$/);
    assert.equal((await cli(DOCKER, d, ['plugin', 'ls'])).code, 0);
  });

  test('JSON bodies must be application/json where dockerd checks it', T, async () => {
    for (const p of ['/v1.49/containers/create', '/v1.49/volumes/create', '/v1.49/networks/create', '/v1.49/containers/x/exec']) {
      const r = await call('POST', p, '{}', 'text/plain');
      assert.equal(r.status, 400, p);
      assert.equal(r.json().message, "unsupported Content-Type header (text/plain): must be 'application/json'");
    }
  });

  test('create refuses bad env, healthcheck, namespace modes, cpu shares, tmpfs targets, links and volumes-from with 400', T, async () => {
    const c = '/v1.49/containers/create';
    await refused('POST', c, { Image: 'bb', Env: ['=foo'] }, 400, /^invalid environment variable: =foo$/);
    await refused('POST', c, { Image: 'bb', Healthcheck: { Interval: 500_000 } }, 400, /^Interval in Healthcheck cannot be less than 1ms$/);
    await refused('POST', c, { Image: 'bb', HostConfig: { IpcMode: 'invalid' } }, 400, /^invalid IPC mode: invalid$/);
    await refused('POST', c, { Image: 'bb', HostConfig: { PidMode: 'container' } }, 400, /^invalid PID mode: container$/);
    await refused('POST', c, { Image: 'bb', HostConfig: { CpuShares: -1 } }, 400, /^invalid CPU shares \(-1\): value must be a positive integer$/);
    await refused('POST', c, { Image: 'bb', HostConfig: { Tmpfs: { '//': '' } } }, 400, /destination can't be '\/'/);
    await refused('POST', c, { Image: 'bb', HostConfig: { Links: ['no-such-container'] } }, 400, /could not get container for no-such-container/);
    await refused('POST', c, { Image: 'bb', HostConfig: { VolumesFrom: ['no-such-container'] } }, 400, /No such container: no-such-container/);
    await refused('POST', c, { Image: 'bb', HostConfig: { SecurityOpt: ['writeable-cgroups=true'] } }, 400, /^invalid --security-opt 2: "writeable-cgroups=true"$/);
    assert.equal((await ok('GET', '/v1.49/containers/json?all=1')).json().length, 0, 'nothing half-made');
  });

  test('inspect of a created container lists the network it is configured for; the working dir is cleaned', T, async () => {
    for (const mode of ['host', 'none', 'bridge']) {
      const id = await create({ WorkingDir: '/tmp/', HostConfig: { NetworkMode: mode } });
      const i = (await ok('GET', `/v1.49/containers/${id}/json`)).json();
      assert.ok(i.NetworkSettings.Networks[mode], `${mode}: ${JSON.stringify(i.NetworkSettings.Networks)}`);
      assert.equal(i.NetworkSettings.Networks[mode].Aliases, null);
      assert.equal(i.Config.WorkingDir, '/tmp');
      await ok('DELETE', `/v1.49/containers/${id}?force=1`);
    }
  });

  test('kill, rename, resize and update refuse in dockerd\'s words and statuses', T, async () => {
    const id = await run({}, 'moby-ops');
    await refused('POST', `/v1.49/containers/${id}/kill?signal=0`, undefined, 400, new RegExp(`^cannot kill container: ${id}: invalid signal: 0$`));
    await refused('POST', `/v1.49/containers/${id}/kill?signal=SIG42`, undefined, 400, new RegExp(`^cannot kill container: ${id}: invalid signal: SIG42$`));
    assert.equal((await ok('GET', `/v1.49/containers/${id}/json`)).json().State.Running, true);
    await refused('POST', `/v1.49/containers/${id}/rename?name=moby-ops`, undefined, 400, /^Renaming a container with the same name as its current name$/);
    await refused('POST', `/v1.49/containers/${id}/resize?w=100`, undefined, 400, /^invalid resize height "": invalid syntax$/);
    await refused('POST', `/v1.49/containers/${id}/resize?h=100&w=-1`, undefined, 400, /^invalid resize width "-1": value out of range$/);
    const rm = await create({ HostConfig: { AutoRemove: true } });
    await refused('POST', `/v1.49/containers/${rm}/update`, { RestartPolicy: { Name: 'always' } }, 409, /AutoRemove is enabled/);
    await ok('DELETE', `/v1.49/containers/${id}?force=1`);
    await ok('DELETE', `/v1.49/containers/${rm}?force=1`);
  });

  test('legacy links: the target is also listed as /<linker>/<alias>; inspect shows /<target>:/<linker>/<alias>', T, async () => {
    const a = await run({}, 'moby-link-a');
    const b = await run({ HostConfig: { Links: ['moby-link-a:db'] } }, 'moby-link-b');
    const list = (await ok('GET', `/v1.49/containers/json?filters=${encodeURIComponent(JSON.stringify({ name: ['moby-link-a'] }))}`)).json();
    assert.deepEqual(list.map((c: { Names: string[] }) => c.Names), [['/moby-link-a', '/moby-link-b/db']]);
    assert.deepEqual((await ok('GET', `/v1.49/containers/${b}/json`)).json().HostConfig.Links, ['/moby-link-a:/moby-link-b/db']);
    await ok('POST', `/v1.49/containers/${a}/rename?name=moby-link-c`);
    assert.deepEqual((await ok('GET', `/v1.49/containers/${b}/json`)).json().HostConfig.Links, ['/moby-link-c:/moby-link-b/db']);
    assert.equal((await ok('GET', `/v1.49/containers/${a}/json`)).json().HostConfig.Links, null);
    await ok('DELETE', `/v1.49/containers/${b}?force=1`);
    await ok('DELETE', `/v1.49/containers/${a}?force=1`);
  });

  test('update of pids limit and CPU quota to unlimited: inspect shows 0 / -1 and the cgroup "max"', T, async () => {
    const id = await run({ HostConfig: { PidsLimit: 32, CpuQuota: 20000, CpuPeriod: 100000, NetworkMode: 'none' } });
    const pid = (await ok('GET', `/v1.49/containers/${id}/json`)).json().State.Pid as number;
    const lines = (await fs.readFile(`/proc/${pid}/cgroup`, 'utf8')).trim().split('\n');
    // cgroup v1 (this host) or v2: the file of a controller, read from the host
    const cat = async (ctl: 'cpu' | 'pids', v1: string, v2: string) => {
      const l = lines.find((x) => x.split(':')[1]!.split(',').includes(ctl));
      const f = l ? path.join('/sys/fs/cgroup', ctl, l.split(':')[2]!, v1) : path.join('/sys/fs/cgroup', lines[0]!.split(':')[2]!, v2);
      return (await fs.readFile(f, 'utf8')).trim().replace(/ 100000$/, '');
    };
    const quota = () => cat('cpu', 'cpu.cfs_quota_us', 'cpu.max');
    const pids = () => cat('pids', 'pids.max', 'pids.max');
    await ok('POST', `/v1.49/containers/${id}/update`, { CpuQuota: 15000, CpuPeriod: 100000 });
    assert.equal(await quota(), '15000');
    await ok('POST', `/v1.24/containers/${id}/update`, { PidsLimit: 16 });
    assert.equal((await ok('GET', `/v1.49/containers/${id}/json`)).json().HostConfig.PidsLimit, 32, 'ignored before 1.40');
    await ok('POST', `/v1.49/containers/${id}/update`, { PidsLimit: -1, CpuQuota: -1, CpuPeriod: 100000 });
    const hc = (await ok('GET', `/v1.49/containers/${id}/json`)).json().HostConfig;
    assert.deepEqual([hc.PidsLimit, hc.CpuQuota], [0, -1]);
    assert.equal(await pids(), 'max');
    assert.match(await quota(), /^(-1|max)$/);
    const plain = await create({ HostConfig: { PidsLimit: -1 } });
    assert.equal((await ok('GET', `/v1.49/containers/${plain}/json`)).json().HostConfig.PidsLimit, null, 'unset at create is null');
    await ok('DELETE', `/v1.49/containers/${id}?force=1`);
    await ok('DELETE', `/v1.49/containers/${plain}?force=1`);
  });

  test('create with a platform the image is not of: 404 and nothing made; the image\'s own platform is fine', T, async () => {
    const c = '/v1.49/containers/create';
    await refused('POST', `${c}?platform=linux/s390x`, { Image: 'bb' }, 404, /^image with reference bb was found but its platform \(linux\/\w+\) does not match the specified platform \(linux\/s390x\)$/);
    await refused('POST', `${c}?platform=linuxOther/amd64`, { Image: 'bb' }, 404, /does not match the specified platform/);
    assert.equal((await ok('GET', '/v1.49/containers/json?all=1')).json().length, 0, 'nothing half-made');
    const own = (await ok('GET', '/v1.49/images/bb/json')).json();
    const id = (await ok('POST', `${c}?platform=${own.Os}/${own.Architecture}`, { Image: 'bb' })).json().Id as string;
    await ok('DELETE', `/v1.49/containers/${id}`);
  });

  test('archive of a path: directories named with a slash, a path ending in "." rebased to "./"', T, async () => {
    const id = await create({});
    const names = (p: string) =>
      new Promise<string[]>((resolve, reject) => {
        http.get({ socketPath: d.socket, path: `/v1.49/containers/${id}/archive?path=${encodeURIComponent(p)}` }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(execFileSync('tar', ['-t'], { input: Buffer.concat(chunks) }).toString().split('\n').slice(0, 2)));
        }).on('error', reject);
      });
    assert.deepEqual(await names('/etc/'), ['etc/', 'etc/group']);
    for (const p of ['.', './', '/.', '/./', '/etc/.']) assert.equal((await names(p))[0], './', p);
    assert.equal((await names('/'))[0], '/');
    await ok('DELETE', `/v1.49/containers/${id}`);
  });

  test('attach over Upgrade names a stdcopy stream multiplexed (1.42+), a TTY one raw', T, async () => {
    const head = async (tty: boolean) => {
      const id = await create({ Cmd: ['true'], Tty: tty });
      const text = await new Promise<string>((resolve, reject) => {
        const s = net.connect(d.socket);
        let got = '';
        s.on('data', (b: Buffer) => {
          got += b.toString('latin1');
          if (got.includes('\r\n\r\n')) {
            s.destroy();
            resolve(got);
          }
        });
        s.on('error', reject);
        s.write(`POST /v1.49/containers/${id}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      });
      await ok('DELETE', `/v1.49/containers/${id}?force=1`);
      return text;
    };
    assert.match(await head(false), /Content-Type: application\/vnd\.docker\.multiplexed-stream/);
    assert.match(await head(true), /Content-Type: application\/vnd\.docker\.raw-stream/);
  });

  test('POST /session: an h2c upgrade is answered 101 and held until the client closes; bad upgrades and a taken id are 400s', T, async () => {
    await refused('POST', '/v1.49/session', undefined, 400, /^no upgrade proto in request$/);
    const open = (upgrade: string, extra = '') =>
      new Promise<{ head: string; socket: net.Socket }>((resolve, reject) => {
        const s = net.connect(d.socket);
        let got = '';
        s.on('data', (b: Buffer) => {
          got += b.toString('latin1');
          if (got.includes('\r\n\r\n')) resolve({ head: got, socket: s });
        });
        s.on('error', reject);
        // as the Go client sends it: Upgrade without Connection: Upgrade
        s.write(`POST /v1.49/session HTTP/1.1\r\nHost: x\r\nUpgrade: ${upgrade}\r\nContent-Length: 0\r\n${extra}\r\n`);
      });
    const bad = await open('foo');
    bad.socket.destroy();
    assert.match(bad.head, /^HTTP\/1\.1 400 /);
    assert.match(bad.head, /protocol foo not supported/);
    const uuid = 'X-Docker-Expose-Session-Uuid: moby-suite\r\n';
    const s1 = await open('h2c', uuid);
    assert.match(s1.head, /^HTTP\/1\.1 101 [^\r]*\r\n/);
    assert.match(s1.head, /\r\nUpgrade: h2c\r\n/i);
    const taken = await open('h2c', uuid);
    taken.socket.destroy();
    assert.match(taken.head, /^HTTP\/1\.1 400 [^]*session moby-suite already exists/);
    const closed = new Promise((r) => s1.socket.once('close', r));
    s1.socket.end();
    await closed;
    // the daemon let the id go with the connection
    for (let i = 0; ; i++) {
      const again = await open('h2c', uuid);
      again.socket.destroy();
      if (/^HTTP\/1\.1 101 /.test(again.head)) break;
      assert.ok(i < 50, again.head);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  test('exec in a privileged container gets only the capabilities the daemon holds (runc refuses others)', T, async () => {
    const id = await run({ HostConfig: { Privileged: true } });
    try {
      const r = await cli(DOCKER, d, ['exec', id, 'chown', '42', '/bin/true']);
      assert.equal(r.code, 0, r.stderr);
      const bnd = (await cli(DOCKER, d, ['exec', '--privileged', id, 'sh', '-c', 'grep CapBnd /proc/self/status'])).stdout;
      const daemon = /CapBnd:\s*(\S+)/.exec(await fs.readFile('/proc/self/status', 'utf8'))![1];
      assert.match(bnd, new RegExp(`CapBnd:\\s*${daemon}`));
    } finally {
      await ok('DELETE', `/v1.49/containers/${id}?force=1`);
    }
  });

  test('pid mode container:X: a missing X is a 400 at create, a stopped X a 500 at start', T, async () => {
    await refused('POST', '/v1.49/containers/create', { Image: 'bb', HostConfig: { PidMode: 'container:nosuchcontainer' } }, 400, /No such container: nosuchcontainer/);
    const donor = await create({}, 'moby-pid-donor');
    const id = await create({ HostConfig: { PidMode: 'container:moby-pid-donor' } });
    await refused('POST', `/v1.49/containers/${id}/start`, undefined, 500, new RegExp(`^failed to join PID namespace: container ${donor} is not running$`));
    await ok('DELETE', `/v1.49/containers/${id}?force=1`);
    await ok('DELETE', `/v1.49/containers/${donor}?force=1`);
  });

  test('an exec created with Tty and started without it answers in stdcopy frames', T, async () => {
    const id = await run({});
    const exec = (await ok('POST', `/v1.49/containers/${id}/exec`, { Cmd: ['echo', 'hi'], Tty: true, AttachStdout: true })).json().Id as string;
    const r = await call('POST', `/v1.49/exec/${exec}/start`, { Tty: false });
    assert.equal(r.status, 200);
    const raw = Buffer.from(r.body, 'latin1');
    assert.equal(raw[0], 1, `a stdout frame header, got ${JSON.stringify(r.body)}`);
    assert.match(r.body, /hi/);
    await ok('POST', `/v1.49/containers/${id}/kill`);
    await refused('POST', `/v1.49/exec/${exec}/resize?h=40&w=40`, undefined, 409, /is not running/);
    await ok('DELETE', `/v1.49/containers/${id}?force=1`);
  });

  test('MaskedPaths/ReadonlyPaths: defaults recorded at create (none when privileged), custom lists applied', T, async () => {
    const show = async (hc: Record<string, unknown>) => {
      const id = await create({ HostConfig: hc });
      const h = (await ok('GET', `/v1.49/containers/${id}/json`)).json().HostConfig;
      return { id, masked: h.MaskedPaths as string[] | null, ro: h.ReadonlyPaths as string[] | null };
    };
    const def = await show({});
    const priv = await show({ Privileged: true });
    assert.ok(def.masked?.includes('/proc/interrupts') && def.masked.includes('/proc/kcore'), JSON.stringify(def.masked));
    assert.ok(def.ro?.includes('/proc/sys'));
    assert.equal(priv.masked, null);
    const custom = await show({ MaskedPaths: ['/proc/keys'], ReadonlyPaths: [] });
    assert.deepEqual([custom.masked, custom.ro], [['/proc/keys'], []]);
    const id = await run({ HostConfig: { MaskedPaths: ['/proc/keys'], ReadonlyPaths: [] } });
    const out = await cli(DOCKER, d, ['exec', id, 'sh', '-c', 'wc -c < /proc/keys; grep -c . /proc/kcore >/dev/null 2>&1 && echo kcore-readable; touch /proc/sys/x 2>&1; grep " /proc/sys " /proc/mounts || echo sys-not-ro']);
    assert.match(out.stdout, /^0\n/, out.stdout);
    assert.match(out.stdout, /sys-not-ro/);
    for (const c of [id, def.id, priv.id, custom.id]) await ok('DELETE', `/v1.49/containers/${c}?force=1`);
  });

  test('a tmpfs at an anonymous volume\'s path replaces the volume', T, async () => {
    const id = await create({ Volumes: { '/foo': {} }, HostConfig: { Tmpfs: { '/foo': '' } } });
    assert.deepEqual((await ok('GET', `/v1.49/containers/${id}/json`)).json().Mounts, []);
    await ok('DELETE', `/v1.49/containers/${id}?force=1`);
  });

  test('domainname reaches the kernel (runc 1.1), writable-cgroups mounts the cgroup fs read-write', T, async () => {
    const id = await run({ Hostname: 'foobar', Domainname: 'baz.example', HostConfig: { SecurityOpt: ['writable-cgroups=true'] } });
    const out = await cli(DOCKER, d, ['exec', id, 'sh', '-c', 'cat /proc/sys/kernel/domainname; grep " /sys/fs/cgroup " /proc/mounts']);
    assert.equal(out.code, 0, out.stderr);
    const [domain, mount] = out.stdout.split('\n');
    assert.equal(domain, 'baz.example');
    assert.match(mount ?? '', /\brw\b/);
    await ok('DELETE', `/v1.49/containers/${id}?force=1`);
  });

  test('image list: a reference filter trims RepoTags to what matched; several until/before take the earliest', T, async () => {
    for (const t of ['utest:tag1', 'utest/docker:tag2', 'utest:5000/docker:tag3']) await ok('POST', `/v1.49/images/bb:latest/tag?repo=${t.slice(0, t.lastIndexOf(':'))}&tag=${t.slice(t.lastIndexOf(':') + 1)}`);
    const list = async (f: Record<string, string[]>) => (await ok('GET', `/v1.49/images/json?filters=${encodeURIComponent(JSON.stringify(f))}`)).json() as Array<{ RepoTags: string[] }>;
    assert.deepEqual((await list({ reference: ['*5000*/*'] })).map((i) => i.RepoTags), [['utest:5000/docker:tag3']]);
    assert.deepEqual((await list({ reference: ['utest*/*'] }))[0]!.RepoTags.sort(), ['utest/docker:tag2', 'utest:5000/docker:tag3']);
    assert.equal((await list({ until: ['2000-01-01T00:00:00Z', '2999-01-01T00:00:00Z'] })).length, 0);
  });

  test('tag refuses sha256 as a name; import refuses a bad platform with 400 before any progress', T, async () => {
    await refused('POST', '/v1.49/images/bb:latest/tag?repo=sha256&tag=sometag', undefined, 400, /refusing to create an ambiguous tag using digest algorithm as name/);
    await refused('POST', '/v1.49/images/create?fromSrc=-&repo=x&platform=nintendo64', '', 400, /"nintendo64": unknown operating system or architecture: invalid argument/);
    await refused('POST', '/v1.49/images/create?fromSrc=-&repo=x&platform=macos', '', 400, /^operating system is not supported$/);
  });

  test('import: no bytes make an image of one empty layer; a failure before the answer starts is an HTTP error', T, async () => {
    const r = await call('POST', '/v1.49/images/create?fromSrc=-&repo=moby-import-empty&tag=a', '', 'application/x-tar');
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /^\{"status":"sha256:[0-9a-f]{64}"\}\r\n$/);
    const i = (await ok('GET', '/v1.49/images/moby-import-empty:a/json')).json();
    assert.deepEqual(i.RootFS.Layers, [`sha256:${createHash('sha256').digest('hex')}`]);
    await ok('DELETE', '/v1.49/images/moby-import-empty:a');
    // the head goes with the one line, after the image is made (a Go client returns on the head, then inspects)
    const bad = await call('POST', '/v1.49/images/create?fromSrc=-&repo=moby-import-junk', Buffer.alloc(700, 7), 'application/x-tar');
    assert.equal(bad.status, 500, bad.body);
    assert.match(bad.json().message, /Invalid tar header/);
  });

  test('a committed layer names its directories with a trailing slash, as dockerd\'s tars (moby TestSaveDirectoryPermissions)', T, async () => {
    const id = await create({ Cmd: ['sh', '-c', 'mkdir -p /opt/a && touch /opt/a/c'] });
    await ok('POST', `/v1.49/containers/${id}/start`);
    await ok('POST', `/v1.49/containers/${id}/wait`);
    const img = (await ok('POST', `/v1.49/commit?container=${id}&repo=moby-dirslash`, {})).json().Id as string;
    const file = path.join(d.base, 'dirslash.tar');
    try {
      assert.equal((await cli(DOCKER, d, ['save', '-o', file, img])).code, 0);
      const m = JSON.parse(execFileSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8' })) as Array<{ Layers: string[] }>;
      const layer = execFileSync('tar', ['-xOf', file, m[0]!.Layers.at(-1)!]);
      const names = execFileSync('tar', ['-t'], { input: layer, encoding: 'utf8' }).split('\n').filter((n) => n.startsWith('opt'));
      assert.deepEqual(names, ['opt/', 'opt/a/', 'opt/a/c']);
    } finally {
      await ok('DELETE', `/v1.49/containers/${id}`);
      await ok('DELETE', '/v1.49/images/moby-dirslash');
      await fs.rm(file, { force: true });
    }
  });

  test('save of a bare repository name takes all its tags; the config keeps the image\'s creation time; a missing name is a 404', T, async () => {
    for (const t of ['one', 'two']) await ok('POST', `/v1.49/images/bb:latest/tag?repo=moby-save&tag=${t}`);
    const dir = path.join(d.base, 'saved');
    await fs.mkdir(dir, { recursive: true });
    const r = await cli(DOCKER, d, ['save', '-o', `${dir}.tar`, 'moby-save']);
    assert.equal(r.code, 0, r.stderr);
    execFileSync('tar', ['-C', dir, '-xf', `${dir}.tar`]);
    const m = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags: string[] }>;
    assert.deepEqual(m.map((e) => [...e.RepoTags].sort()), [['moby-save:one', 'moby-save:two']]);
    const created = Date.parse((await ok('GET', '/v1.49/images/bb:latest/json')).json().Created);
    assert.equal(Math.floor((await fs.stat(path.join(dir, m[0]!.Config))).mtimeMs / 1000), Math.floor(created / 1000));
    assert.equal((await call('GET', '/v1.49/images/get?names=moby-save-none')).status, 404);
    for (const t of ['one', 'two']) await ok('DELETE', `/v1.49/images/moby-save:${t}`);
  });

  test('load takes an image without layers written with null Layers/RepoTags/diff_ids; inspect gives empty lists', T, async () => {
    const dir = path.join(d.base, 'dangling');
    await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { special: '1' } }, created: null, rootfs: { type: 'layers', diff_ids: null } });
    const hex = createHash('sha256').update(config).digest('hex');
    await fs.writeFile(path.join(dir, 'blobs', 'sha256', hex), config);
    await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: `blobs/sha256/${hex}`, RepoTags: null, Layers: null }]));
    execFileSync('tar', ['-C', dir, '-cf', `${dir}.tar`, '.']);
    const r = await cli(DOCKER, d, ['load', '-i', `${dir}.tar`]);
    assert.equal(r.code, 0, r.stderr);
    const i = (await ok('GET', `/v1.49/images/sha256:${hex}/json`)).json();
    assert.deepEqual([i.RepoTags, i.RepoDigests, i.RootFS.Layers], [[], [], []]);
    await ok('DELETE', `/v1.49/images/sha256:${hex}`);
  });

  test('commit --change ENV expands the config env', T, async () => {
    const id = await create({ Env: ['PATH=/bin'] });
    const img = (await ok('POST', `/v1.49/commit?container=${id}&repo=envx&changes=${encodeURIComponent('ENV PATH=/usr/bin:$PATH')}`, {})).json().Id as string;
    assert.deepEqual((await ok('GET', `/v1.49/images/${img}/json`)).json().Config.Env, ['PATH=/usr/bin:/bin']);
    await ok('DELETE', `/v1.49/containers/${id}?force=1`);
  });
});
