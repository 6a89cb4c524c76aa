/**
 * Container verbs through the Docker API of a test daemon: kill, rename, pause/unpause, export, top,
 * prune, info. Raw HTTP, so what is checked is the wire: statuses, bodies, and the order of effects.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extract } from 'tar-stream';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { startDaemon, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** the response ended as HTTP says it should (no reset, no cut chunked stream) */
  complete: boolean;
}

function api(method: string, p: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, method, path: p, headers: body === undefined ? {} : { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const done = (complete: boolean) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete });
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const json = <T = Record<string, unknown>>(r: Reply): T => JSON.parse(r.body.toString()) as T;

async function create(cmd: string[], extra: Record<string, unknown> = {}, name?: string): Promise<string> {
  const r = await api('POST', `/containers/create${name ? `?name=${name}` : ''}`, { Image: 'bb', Cmd: cmd, ...extra });
  assert.equal(r.status, 201, r.body.toString());
  return json<{ Id: string }>(r).Id;
}

async function runDetached(cmd: string[], name?: string): Promise<string> {
  const id = await create(cmd, {}, name);
  const r = await api('POST', `/containers/${id}/start`);
  assert.equal(r.status, 204, r.body.toString());
  return id;
}

const rmf = (id: string) => api('DELETE', `/containers/${id}?force=1`);
const inspect = async (id: string) => json<{ Name: string; State: { Status: string; ExitCode: number; Running: boolean; Paused: boolean } }>(await api('GET', `/containers/${id}/json`));

/** GET …/export as a map of entry name → content. */
async function exported(id: string): Promise<Map<string, string>> {
  const r = await api('GET', `/containers/${id}/export`);
  assert.equal(r.status, 200, r.body.toString());
  assert.ok(r.complete);
  const names = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    const x = extract();
    x.on('entry', (h, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c: Buffer) => chunks.push(c));
      body.on('end', () => {
        names.set(h.name.replace(/^\.\//, ''), Buffer.concat(chunks).toString());
        next();
      });
    });
    x.on('finish', resolve);
    x.on('error', reject);
    x.end(r.body);
  });
  return names;
}

describe('container verbs through the API', () => {
  before(async () => {
    d = await startDaemon('api');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await new Promise<number>((resolve, reject) => {
      const req = http.request({ socketPath: d.socket, method: 'POST', path: '/images/create?fromSrc=-&repo=bb&tag=latest', headers: { 'Content-Type': 'application/x-tar' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      createReadStream(tar).pipe(req);
    });
    assert.equal(r, 200);
  });
  after(async () => {
    await d?.close();
  });

  test('kill -s KILL answers once the exit is recorded: inspect right after says 137, every time', async () => {
    for (let i = 0; i < 20; i++) {
      const id = await runDetached(['sleep', '60']);
      const k = await api('POST', `/containers/${id}/kill?signal=KILL`);
      assert.equal(k.status, 204, k.body.toString());
      const st = (await inspect(id)).State;
      assert.deepEqual({ status: st.Status, exitCode: st.ExitCode, round: i }, { status: 'exited', exitCode: 137, round: i });
      assert.equal((await api('DELETE', `/containers/${id}`)).status, 204);
    }
  });

  test('kill with another signal only sends it (a trap sees it); kill of a stopped container is 409', async () => {
    const id = await runDetached(['sh', '-c', 'trap "echo got-usr1; exit 9" USR1; while true; do sleep 0.1; done']);
    try {
      const exited = api('POST', `/containers/${id}/wait`);
      assert.equal((await api('POST', `/containers/${id}/kill?signal=USR1`)).status, 204);
      assert.equal(json<{ StatusCode: number }>(await exited).StatusCode, 9);
      const logs = await api('GET', `/containers/${id}/logs?stdout=1`);
      assert.match(logs.body.toString(), /got-usr1/);
      const again = await api('POST', `/containers/${id}/kill`);
      assert.equal(again.status, 409);
      assert.match(json<{ message: string }>(again).message, /is not running/);
    } finally {
      await rmf(id);
    }
  });

  test('rename: the new name resolves, the old one does not; a taken name is 409, a bad one 400', async () => {
    const id = await create(['true'], {}, 'ren-a');
    const other = await create(['true'], {}, 'ren-taken');
    try {
      assert.equal((await api('POST', '/containers/ren-a/rename?name=ren-b')).status, 204);
      assert.equal((await inspect('ren-b')).Name, '/ren-b');
      assert.equal((await api('GET', '/containers/ren-a/json')).status, 404);
      const taken = await api('POST', '/containers/ren-b/rename?name=ren-taken');
      assert.equal(taken.status, 409, taken.body.toString());
      const bad = await api('POST', '/containers/ren-b/rename?name=-bad');
      assert.equal(bad.status, 400, bad.body.toString());
      assert.match(json<{ message: string }>(bad).message, /Invalid container name/);
    } finally {
      await rmf(id);
      await rmf(other);
    }
  });

  test('pause and unpause: inspect and ps follow, and repeats are 409', async () => {
    const id = await runDetached(['sleep', '60']);
    try {
      assert.equal((await api('POST', `/containers/${id}/pause`)).status, 204);
      const st = (await inspect(id)).State;
      assert.deepEqual([st.Status, st.Paused, st.Running], ['paused', true, true]);
      const ps = await api('GET', '/containers/json?filters=' + encodeURIComponent(JSON.stringify({ status: ['paused'] })));
      assert.ok(json<Array<{ Id: string; Status: string }>>(ps).some((c) => c.Id === id && c.Status.endsWith('(Paused)')));
      assert.equal((await api('POST', `/containers/${id}/pause`)).status, 409);
      assert.equal((await api('POST', `/containers/${id}/unpause`)).status, 204);
      assert.deepEqual([(await inspect(id)).State.Status, (await inspect(id)).State.Paused], ['running', false]);
      assert.equal((await api('POST', `/containers/${id}/unpause`)).status, 409);
    } finally {
      await rmf(id);
    }
  });

  test('export of a running container streams its file system as a tar', async () => {
    const id = await runDetached(['sh', '-c', 'echo exported > /marker; sleep 60']);
    try {
      // the container writes the marker itself: wait until the archive endpoint finds it
      for (;;) {
        const st = await api('HEAD', `/containers/${id}/archive?path=/marker`);
        if (st.status === 200) break;
        assert.equal(st.status, 404);
        await new Promise((r) => setTimeout(r, 20));
      }
      const names = await exported(id);
      assert.ok(names.has('bin/busybox'));
      assert.equal(names.get('marker'), 'exported\n');
    } finally {
      await rmf(id);
    }
  });

  test('export of a stopped container: its rootfs is mounted for the tar and unmounted after, as dockerd exports it', async () => {
    const id = await runDetached(['sh', '-c', 'echo stopped > /marker']);
    try {
      const w = await api('POST', `/containers/${id}/wait`);
      assert.equal(json<{ StatusCode: number }>(w).StatusCode, 0);
      const merged = json<{ GraphDriver: { Data: { MergedDir: string } } }>(await api('GET', `/containers/${id}/json`)).GraphDriver.Data.MergedDir;
      const names = await exported(id);
      assert.ok(names.has('bin/busybox'));
      assert.equal(names.get('marker'), 'stopped\n');
      const mounts = await readFile('/proc/self/mountinfo', 'utf8');
      assert.ok(!mounts.includes(` ${merged} `), `${merged} is still mounted`);
    } finally {
      await rmf(id);
    }
  });

  test('top lists the container\'s processes with ps columns; a stopped container is 409', async () => {
    const id = await runDetached(['sleep', '61']);
    try {
      const r = await api('GET', `/containers/${id}/top`);
      assert.equal(r.status, 200, r.body.toString());
      const top = json<{ Titles: string[]; Processes: string[][] }>(r);
      assert.ok(top.Titles.includes('PID') && top.Titles.includes('CMD'), top.Titles.join(' '));
      const cmd = top.Titles.indexOf('CMD');
      assert.ok(top.Processes.some((p) => p[cmd] === 'sleep 61'), JSON.stringify(top.Processes));
      const aux = json<{ Titles: string[] }>(await api('GET', `/containers/${id}/top?ps_args=aux`));
      assert.ok(aux.Titles.includes('%CPU'), aux.Titles.join(' '));
    } finally {
      await rmf(id);
    }
    const stopped = await create(['true']);
    assert.equal((await api('GET', `/containers/${stopped}/top`)).status, 409);
    await rmf(stopped);
  });

  test('container prune removes stopped containers only, with the bytes they freed', async () => {
    const done = await create(['sh', '-c', 'head -c 50000 /dev/zero > /junk']);
    const waited = api('POST', `/containers/${done}/wait?condition=next-exit`);
    const started = await api('POST', `/containers/${done}/start`);
    assert.equal(started.status, 204, started.body.toString()); // once a 500 in CI under load: its message tells why
    assert.equal(json<{ StatusCode: number }>(await waited).StatusCode, 0);
    const running = await runDetached(['sleep', '60']);
    try {
      const r = await api('POST', '/containers/prune');
      assert.equal(r.status, 200);
      const body = json<{ ContainersDeleted: string[]; SpaceReclaimed: number }>(r);
      assert.ok(body.ContainersDeleted.includes(done));
      assert.ok(!body.ContainersDeleted.includes(running));
      assert.ok(body.SpaceReclaimed >= 50_000, String(body.SpaceReclaimed));
      assert.equal((await api('GET', `/containers/${done}/json`)).status, 404);
    } finally {
      await rmf(running);
    }
  });

  test('network prune removes unused user networks, not one a container uses, nor the defaults', async () => {
    const mk = async (name: string) => {
      const r = await api('POST', '/networks/create', { Name: name });
      assert.equal(r.status, 201, r.body.toString());
    };
    await mk('prune-idle');
    await mk('prune-used');
    const id = await create(['sleep', '60'], { HostConfig: { NetworkMode: 'prune-used' } });
    try {
      assert.equal((await api('POST', `/containers/${id}/start`)).status, 204);
      const r = await api('POST', '/networks/prune');
      assert.equal(r.status, 200);
      assert.deepEqual(json<{ NetworksDeleted: string[] }>(r).NetworksDeleted, ['prune-idle']);
      const names = json<Array<{ Name: string }>>(await api('GET', '/networks')).map((n) => n.Name).sort();
      assert.deepEqual(names, ['bridge', 'host', 'none', 'prune-used']);
    } finally {
      await rmf(id);
      await api('DELETE', '/networks/prune-used');
    }
  });

  test('info counts containers by state and images', async () => {
    const running = await runDetached(['sleep', '60']);
    const paused = await runDetached(['sleep', '60']);
    const stopped = await create(['true']);
    try {
      assert.equal((await api('POST', `/containers/${paused}/pause`)).status, 204);
      const i = json<Record<string, unknown>>(await api('GET', '/info'));
      assert.deepEqual(
        [i.Containers, i.ContainersRunning, i.ContainersPaused, i.ContainersStopped, i.Images],
        [3, 1, 1, 1, 1],
      );
      assert.equal(i.Driver, 'overlay2');
      assert.equal(i.OSType, 'linux');
      assert.equal(typeof i.ServerVersion, 'string');
    } finally {
      for (const id of [running, paused, stopped]) await rmf(id);
    }
  });
  test('attach with stdin to a running -i container (no StdinOnce): the input arrives, and its end ends the attach', async () => {
    const id = await create(['cat'], { OpenStdin: true, StdinOnce: false, AttachStdin: false });
    assert.equal((await api('POST', `/containers/${id}/start`)).status, 204);
    try {
      const sock = net.createConnection(d.socket);
      await new Promise((r) => sock.once('connect', r));
      sock.write(`POST /containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`);
      let got = '';
      sock.on('data', (b: Buffer) => (got += b.toString('latin1')));
      const ended = new Promise<void>((r) => sock.once('end', () => r()));
      while (!got.includes('\r\n\r\n')) await new Promise((r) => setTimeout(r, 10));
      assert.match(got, /^HTTP\/1.1 101/);
      sock.end('one\ntwo\n'); // the docker CLI half-closes like this when its stdin ends
      await ended; // dockerd: without StdinOnce the end of input ends the attach
      // every byte went in before the attach ended: cat wrote both lines to its log
      let logs = '';
      for (const end = Date.now() + 10_000; !logs.includes('two') && Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
        logs = (await api('GET', `/containers/${id}/logs?stdout=1`)).body.toString('latin1');
      }
      assert.match(logs, /one\n[^]*two\n/);
      assert.equal((await inspect(id)).State.Status, 'running', 'the container keeps its stdin (and runs on)');
    } finally {
      await rmf(id);
    }
  });
});
