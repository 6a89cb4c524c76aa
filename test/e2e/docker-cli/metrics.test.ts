/**
 * berthd --metrics-addr: GET /metrics in the Prometheus text format, checked by promtool and
 * scraped by a real Prometheus (Debian's) on 127.0.0.1 with its own temp config and storage;
 * per-container numbers agree with `docker stats` (one reader behind both).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, cli, DOCKER, BERTHD, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freePort } from '../../kit/ports';

let d: TestDaemon;
let metricsPort: number;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);
const uniq = (what: string): string => `${what}-${randomBytes(3).toString('hex')}`;
const T = { timeout: 120_000 };
const MiB = 1024 * 1024;

async function scrape(): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** The value of one sample line: `name{labels...} value`, labels matched as given (a subset). */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const have = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[2]);
  }
  return undefined;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('berthd /metrics', () => {
  before(async () => {
    metricsPort = await freePort();
    d = await startDaemon('mtrx', { args: ['--metrics-addr', `127.0.0.1:${metricsPort}`] });
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.close();
  });

  test('engine families under dockerd names, per-container families under cAdvisor names, gone when the container stops', T, async () => {
    const name = uniq('mem');
    try {
      // 8 MiB in the container's /dev/shm (tmpfs: charged to its memory cgroup and kept)
      const r = await docker(['run', '-d', '--name', name, '-m', '64m', 'bb', 'sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=8 && touch /tmp/ready && sleep 1000']);
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout.trim();
      await until('the fill', async () => ((await docker(['exec', name, 'test', '-e', '/tmp/ready'])).code === 0 ? true : undefined));
      const m = await scrape();
      assert.equal(m.status, 200);
      assert.match(m.type, /^text\/plain; version=0\.0\.4/);
      const l = { id, name, image: 'bb' };
      assert.ok((sample(m.body, 'container_memory_usage_bytes', l) ?? 0) >= 8 * MiB, 'memory usage counts the 8 MiB');
      assert.ok((sample(m.body, 'container_memory_working_set_bytes', l) ?? 0) >= 8 * MiB);
      assert.equal(sample(m.body, 'container_spec_memory_limit_bytes', l), 64 * MiB);
      assert.ok((sample(m.body, 'container_cpu_usage_seconds_total', { ...l, cpu: 'total' }) ?? 0) > 0);
      assert.notEqual(sample(m.body, 'container_network_receive_bytes_total', { ...l, interface: 'eth0' }), undefined);
      assert.notEqual(sample(m.body, 'container_network_transmit_packets_total', { ...l, interface: 'eth0' }), undefined);
      assert.ok((sample(m.body, 'container_processes', l) ?? 0) >= 1);
      assert.ok((sample(m.body, 'container_threads', l) ?? 0) >= 1);
      assert.equal(sample(m.body, 'engine_daemon_container_states_containers', { state: 'running' }), 1);
      assert.ok((sample(m.body, 'engine_daemon_container_actions_seconds_count', { action: 'create' }) ?? 0) >= 1);
      assert.ok((sample(m.body, 'engine_daemon_container_actions_seconds_count', { action: 'start' }) ?? 0) >= 1);
      assert.equal(sample(m.body, 'engine_daemon_container_actions_seconds_count', { action: 'commit' }), 0, 'dockerd lists its actions from the start');
      assert.equal(sample(m.body, 'engine_daemon_engine_info', { os_type: 'linux', graphdriver: 'overlay2' }), 1);
      assert.equal(sample(m.body, 'engine_daemon_engine_cpus_cpus'), os.cpus().length);
      assert.ok((sample(m.body, 'engine_daemon_events_total') ?? 0) >= 2);

      assert.equal((await docker(['stop', '-t', '0', name])).code, 0);
      const after = (await scrape()).body;
      assert.equal(sample(after, 'container_memory_usage_bytes', l), undefined, 'a stopped container leaves the per-container families');
      assert.equal(sample(after, 'engine_daemon_container_states_containers', { state: 'stopped' }), 1);
      assert.equal(sample(after, 'engine_daemon_container_states_containers', { state: 'running' }), 0);
    } finally {
      await docker(['rm', '-f', name]);
    }
  });

  test('docker stats and /metrics read the same numbers', T, async () => {
    const name = uniq('st');
    try {
      const r = await docker(['run', '-d', '--name', name, '-m', '48m', '--pids-limit', '50', 'bb', 'sleep', '1000']);
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout.trim();
      const { body } = await scrape();
      const s = await docker(['stats', '--no-stream', '--format', '{{json .}}', name]);
      assert.equal(s.code, 0, s.stderr);
      const row = JSON.parse(s.stdout) as { MemUsage: string; PIDs: string; NetIO: string };
      const l = { id, name, image: 'bb' };
      assert.match(row.MemUsage, / \/ 48MiB$/);
      assert.equal(sample(body, 'container_spec_memory_limit_bytes', l), 48 * MiB);
      assert.equal(row.PIDs, String(sample(body, 'container_threads', l)));
      assert.equal(sample(body, 'container_threads_max', l), 50);
      // the raw API: the same reader's fields, one-shot
      const api = JSON.parse(await rawStats(id)) as {
        memory_stats: { limit: number }; pids_stats: { current: number; limit: number }; networks: Record<string, { rx_bytes: number }>;
      };
      assert.equal(api.memory_stats.limit, 48 * MiB);
      assert.deepEqual(api.pids_stats, { current: sample(body, 'container_threads', l), limit: 50 });
      assert.ok(api.networks.eth0, 'stats carry the container interface');
    } finally {
      await docker(['rm', '-f', name]);
    }
  });

  test('health checks are counted', T, async () => {
    const name = uniq('hc');
    try {
      const r = await docker(['run', '-d', '--name', name, '--network', 'none', '--health-cmd', 'false', '--health-interval', '200ms', 'bb', 'sleep', '1000']);
      assert.equal(r.code, 0, r.stderr);
      await until('two failed probes', async () => ((sample((await scrape()).body, 'engine_daemon_health_checks_failed_total') ?? 0) >= 2 ? true : undefined));
      const body = (await scrape()).body;
      assert.ok((sample(body, 'engine_daemon_health_checks_total') ?? 0) >= 2);
    } finally {
      await docker(['rm', '-f', name]);
    }
  });

  test('promtool check metrics accepts the exposition', T, async () => {
    const name = uniq('pt');
    try {
      assert.equal((await docker(['run', '-d', '--name', name, 'bb', 'sleep', '1000'])).code, 0);
      const { body } = await scrape();
      const r = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      // exit 1 would be a format error; exit 3 lists lint findings. The one accepted finding is dockerd's own
      // name for a gauge, engine_daemon_events_subscribers_total (kept: it is the name dashboards query).
      const findings = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean);
      const others = findings.filter((f) => !f.startsWith('engine_daemon_events_subscribers_total non-counter metrics should not have "_total" suffix'));
      assert.ok(r.status === 0 || (r.status === 3 && others.length === 0), `promtool exit ${r.status}: ${findings.join('\n')}`);
    } finally {
      await docker(['rm', '-f', name]);
    }
  });

  test('a real Prometheus scrapes per-container memory of a running container', T, async () => {
    const name = uniq('prom');
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-prom-'));
    let prom: ChildProcess | undefined;
    try {
      assert.equal((await docker(['run', '-d', '--name', name, 'bb', 'sh', '-c', 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=4; sleep 1000'])).code, 0);
      const webPort = await freePort();
      await fs.writeFile(path.join(dir, 'prometheus.yml'), [
        'global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: berth', '    static_configs:', `      - targets: ['127.0.0.1:${metricsPort}']`, '',
      ].join('\n'));
      const log = await fs.open(path.join(dir, 'prometheus.log'), 'w');
      prom = spawn('prometheus', [
        `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
      ], { stdio: ['ignore', log.fd, log.fd] });
      await log.close();
      const query = `container_memory_usage_bytes{name="${name}",job="berth"}`;
      const value = await until('Prometheus to hold the sample', async () => {
        if (prom!.exitCode !== null) throw new Error(`prometheus exited: ${await fs.readFile(path.join(dir, 'prometheus.log'), 'utf8')}`);
        const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(query)}`).catch(() => undefined);
        if (!res?.ok) return undefined;
        const j = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
        return j.data.result[0] ? Number(j.data.result[0].value[1]) : undefined;
      }, 60_000);
      assert.ok(value >= 4 * MiB, `Prometheus holds ${value}`);
      // the target is healthy by Prometheus' own account
      const t = (await (await fetch(`http://127.0.0.1:${webPort}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
      assert.deepEqual(t.data.activeTargets.map((x) => [x.health, x.lastError]), [['up', '']]);
    } finally {
      if (prom && prom.exitCode === null) {
        const exited = new Promise((r) => prom!.once('exit', r));
        prom.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (prom.exitCode === null && prom.signalCode === null) prom.kill('SIGKILL');
      }
      await fs.rm(dir, { recursive: true, force: true });
      await docker(['rm', '-f', name]);
    }
  });

  test('other paths are 404; a malformed --metrics-addr stops the daemon before it starts', T, async () => {
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/`)).status, 404);
    const base = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-mbad-'));
    try {
      const r = spawnSync(process.execPath, [BERTHD, '--data-root', path.join(base, 'data'), '--exec-root', path.join(base, 'run'), '-H', `unix://${base}/s.sock`, '--metrics-addr', 'nonsense'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /invalid --metrics-addr nonsense/);
      assert.deepEqual(await fs.readdir(base), [], 'nothing made');
    } finally {
      await fs.rm(base, { recursive: true, force: true });
    }
  });
});

async function rawStats(id: string): Promise<string> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, path: `/containers/${id}/stats?stream=0&one-shot=1` }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    req.end();
  });
}
