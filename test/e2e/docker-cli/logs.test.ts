/**
 * Logging drivers through the real docker CLI: json-file by default (capped), rotation that keeps
 * `docker logs` whole, local and none as Docker has them, syslog/gelf/fluentd shipping to listeners on
 * 127.0.0.1 (with the local copy `docker logs` reads), Docker's refusals, and logs written while the
 * daemon was away.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeMulti } from '@msgpack/msgpack';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitExit(name: string): Promise<void> {
  const r = await docker(['wait', name]);
  assert.equal(r.code, 0, r.stderr);
}

/** A UDP listener on 127.0.0.1 collecting datagrams. */
async function udpListener(): Promise<{ port: number; got: Buffer[]; close: () => void }> {
  const s = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: s.address().port, got, close: () => s.close() };
}

describe('logging drivers (docker CLI against berthd)', () => {
  before(async () => {
    d = await startDaemon('logs');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('json-file is the default, capped by default, in Docker\'s line format; docker info says so', async () => {
    const info = await docker(['info', '--format', '{{.LoggingDriver}} {{json .Plugins.Log}}']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^json-file \[.*"json-file".*\]/);
    assert.match(info.stdout, /"local"/);
    assert.match(info.stdout, /"syslog"/);
    const r = await docker(['run', '--name', 'jf', 'bb', 'sh', '-c', 'echo out; echo err >&2']);
    assert.equal(r.code, 0, r.stderr);
    const ins = await docker(['inspect', 'jf', '--format', '{{json .HostConfig.LogConfig}}|{{.LogPath}}|{{.Id}}']);
    const [cfg, logPath, id] = ins.stdout.trim().split('|');
    assert.deepEqual(JSON.parse(cfg!), { Type: 'json-file', Config: { 'max-file': '3', 'max-size': '20m' } });
    assert.equal(logPath, path.join(d.dataRoot, 'containers', id!, `${id}-json.log`));
    const lines = (await fs.readFile(logPath!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
    assert.deepEqual(lines.map((l) => [l.log, l.stream]).sort(), [['err\n', 'stderr'], ['out\n', 'stdout']]);
    for (const l of lines) assert.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const logs = await docker(['logs', 'jf']);
    assert.equal(logs.stdout, 'out\n');
    assert.equal(logs.stderr, 'err\n');
  });

  test('max-size=10k max-file=2 keeps a chatty container under 40 kB; logs --tail 1 shows the last line', async () => {
    const r = await docker(['run', '-d', '--name', 'chatty', '--log-opt', 'max-size=10k', '--log-opt', 'max-file=2', 'bb', 'sh', '-c',
      'i=0; while [ $i -lt 4000 ]; do echo "line $i of a chatty container"; i=$((i+1)); done']);
    assert.equal(r.code, 0, r.stderr);
    await waitExit('chatty');
    const tail = await docker(['logs', '--tail', '1', 'chatty']);
    assert.equal(tail.stdout, 'line 3999 of a chatty container\n', tail.stderr);
    const id = (await docker(['inspect', '-f', '{{.Id}}', 'chatty'])).stdout.trim();
    const dir = path.join(d.dataRoot, 'containers', id);
    const files = (await fs.readdir(dir)).filter((f) => f.startsWith(`${id}-json.log`));
    let total = 0;
    for (const f of files) total += (await fs.stat(path.join(dir, f))).size;
    assert.ok(files.length === 2, `files: ${files.join(', ')}`);
    assert.ok(total < 40_000, `${total} bytes in ${files.join(', ')}`);
    // what is left reads back in order across the rotated file, up to the last line
    const all = (await docker(['logs', 'chatty'])).stdout.trim().split('\n');
    const nums = all.map((l) => Number(/^line (\d+) /.exec(l)?.[1]));
    assert.equal(nums[nums.length - 1], 3999);
    for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1]! + 1, `line ${i}: ${all[i]}`);
    assert.ok(nums.length > 150, `only ${nums.length} lines kept`);
  });

  test('--log-driver local rotates and reads back; none refuses to read as Docker does', async () => {
    const r = await docker(['run', '--name', 'loc', '--log-driver', 'local', 'bb', 'sh', '-c', 'echo one; echo two >&2']);
    assert.equal(r.code, 0, r.stderr);
    const logs = await docker(['logs', 'loc']);
    assert.equal(logs.stdout, 'one\n');
    assert.equal(logs.stderr, 'two\n');
    const ins = await docker(['inspect', 'loc', '--format', '{{.HostConfig.LogConfig.Type}}|{{.LogPath}}']);
    assert.equal(ins.stdout.trim(), 'local|');
    const n = await docker(['run', '--name', 'nolog', '--log-driver', 'none', 'bb', 'echo', 'hidden']);
    assert.equal(n.code, 0, n.stderr);
    const nl = await docker(['logs', 'nolog']);
    assert.notEqual(nl.code, 0);
    assert.match(nl.stderr, /configured logging driver does not support reading/);
  });

  test('unknown drivers and bad options are refused at create (exit 125), nothing is made', async () => {
    const before = (await docker(['ps', '-aq'])).stdout;
    const cases: Array<[string[], RegExp]> = [
      [['--log-driver', 'nosuch'], /logger: no log driver named 'nosuch' is registered/],
      [['--log-opt', 'max-size=lots'], /invalid size: 'lots'/],
      [['--log-opt', 'nosuch=1'], /unknown log opt 'nosuch' for json-file log driver/],
      [['--log-driver', 'local', '--log-opt', 'labels=a'], /unknown log opt 'labels' for local log driver/],
      [['--log-opt', 'max-file=0', '--log-opt', 'max-size=1m'], /max-file cannot be less than 1/],
    ];
    for (const [flags, re] of cases) {
      const r = await docker(['run', '--rm', ...flags, 'bb', 'true']);
      assert.equal(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    assert.equal((await docker(['ps', '-aq'])).stdout, before);
  });

  test('syslog (udp, rfc5424) ships lines with the tag; docker logs reads the local copy', async () => {
    const l = await udpListener();
    try {
      const r = await docker(['run', '--name', 'sl', '--log-driver', 'syslog', '--log-opt', `syslog-address=udp://127.0.0.1:${l.port}`,
        '--log-opt', 'syslog-format=rfc5424', '--log-opt', 'tag=app-{{.Name}}', 'bb', 'echo', 'hello syslog']);
      assert.equal(r.code, 0, r.stderr);
      const msg = await until('a syslog datagram', () => l.got.map((b) => b.toString()).find((m) => m.includes('hello syslog')));
      // <daemon.info = 3*8+6>1 TIMESTAMP HOST TAG PID TAG - MSG
      assert.match(msg, /^<30>1 \S+ \S+ app-sl \d+ app-sl - hello syslog$/);
      assert.equal((await docker(['logs', 'sl'])).stdout, 'hello syslog\n');
    } finally {
      l.close();
    }
  });

  test('gelf (udp, gzip) ships JSON with the default tag (the 12-char id) and the container name', async () => {
    const l = await udpListener();
    try {
      const r = await docker(['run', '--name', 'gl', '--log-driver', 'gelf', '--log-opt', `gelf-address=udp://127.0.0.1:${l.port}`, 'bb', 'sh', '-c', 'echo hello gelf >&2']);
      assert.equal(r.code, 0, r.stderr);
      const id = (await docker(['inspect', '-f', '{{.Id}}', 'gl'])).stdout.trim();
      const m = await until('a gelf datagram', () => l.got.map((b) => JSON.parse(gunzipSync(b).toString()) as Record<string, unknown>).find((o) => o['short_message'] === 'hello gelf'));
      assert.equal(m['_tag'], id.slice(0, 12));
      assert.equal(m['_container_name'], 'gl');
      assert.equal(m['_container_id'], id);
      assert.equal(m['level'], 3);
      assert.equal(m['version'], '1.1');
    } finally {
      l.close();
    }
  });

  test('fluentd (forward protocol over tcp) ships [tag, time, record]; a dead sink never blocks the container', async () => {
    const got: unknown[] = [];
    const server = net.createServer((s) => {
      const chunks: Buffer[] = [];
      s.on('data', (c) => {
        chunks.push(c);
        try {
          got.splice(0, got.length, ...decodeMulti(Buffer.concat(chunks)));
        } catch {
          // a message cut across two reads: the next read completes it
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await docker(['run', '--name', 'fl', '--log-driver', 'fluentd', '--log-opt', `fluentd-address=127.0.0.1:${port}`, '--log-opt', 'tag=docker.{{.Name}}', 'bb', 'echo', 'hello fluentd']);
      assert.equal(r.code, 0, r.stderr);
      const m = await until('a fluentd message', () => got.find((x) => Array.isArray(x) && (x[2] as Record<string, string>)?.['log'] === 'hello fluentd')) as [string, number, Record<string, string>];
      assert.equal(m[0], 'docker.fl');
      assert.equal(typeof m[1], 'number');
      assert.equal(m[2]['source'], 'stdout');
      assert.equal(m[2]['container_name'], '/fl');
    } finally {
      server.close();
    }
    // nobody listens on this port: the container runs and ends as if nothing were wrong
    const dead = await docker(['run', '--rm', '--log-driver', 'fluentd', '--log-opt', `fluentd-address=127.0.0.1:${port}`, 'bb', 'sh', '-c', 'seq 1 20000; echo done'], { timeoutMs: 30_000 });
    assert.equal(dead.code, 0, dead.stderr);
    assert.match(dead.stdout, /done\n$/);
  });

  test('output written while the daemon is away is in docker logs after it comes back', async () => {
    const r = await docker(['run', '-d', '--name', 'away', 'bb', 'sh', '-c', 'i=0; while [ $i -lt 30 ]; do echo "tick $i"; i=$((i+1)); sleep 0.1; done']);
    assert.equal(r.code, 0, r.stderr);
    await until('the first ticks', async () => ((await docker(['logs', 'away'])).stdout.includes('tick 2') ? true : undefined));
    const id = (await docker(['inspect', '-f', '{{.Id}}', 'away'])).stdout.trim();
    await d.kill9();
    // the container goes on writing, and ends, with no daemon: conmon's exit file says when
    await until('the container to end', () => fs.access(path.join(d.execRoot, 'conmon', 'exits', id)).then(() => true, () => undefined), 30_000);
    await d.restart();
    await waitExit('away');
    const out = (await docker(['logs', 'away'])).stdout.trim().split('\n');
    assert.deepEqual(out, Array.from({ length: 30 }, (_, i) => `tick ${i}`));
  });
});
