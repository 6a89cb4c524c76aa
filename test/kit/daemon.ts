/**
 * startDaemon(): a real berthd in its own process with its own data root,
 * exec root and socket, plus a docker CLI environment pointing at it.
 */
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import { cleanupRoots } from './cleanup';
import { DAEMON_NODE_FLAGS } from '../../src/daemon/options';
import { freeSubnet } from './subnets';

export const REPO = path.resolve(__dirname, '../../..');
export const BERTHD = path.join(REPO, 'dist/src/bin/berthd.js');
export const BERTH = path.join(REPO, 'bin/berth');
export const DOCKER = process.env.DOCKER_CLI ?? '/usr/local/bin/docker';

export interface TestDaemon {
  base: string;
  dataRoot: string;
  execRoot: string;
  socket: string;
  host: string;
  env: NodeJS.ProcessEnv;
  proc: ChildProcess;
  log: () => Promise<string>;
  /** SIGKILL the daemon (containers keep running) */
  kill9(): Promise<void>;
  /** start the daemon again on the same roots */
  restart(): Promise<void>;
  /** stop the daemon and remove everything it made */
  close(): Promise<void>;
}

async function waitForSocket(sock: string, proc: ChildProcess, logFile: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`berthd exited ${proc.exitCode}: ${await fs.readFile(logFile, 'utf8').catch(() => '')}`);
    try {
      await fs.stat(sock);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`berthd did not listen on ${sock}: ${await fs.readFile(logFile, 'utf8').catch(() => '')}`);
}

/** `opts.args`: more berthd flags (e.g. `--metrics-addr`), kept across restart(). */
export async function startDaemon(name = 't', opts: { args?: string[] } = {}): Promise<TestDaemon> {
  // Short paths: unix socket paths are limited to 107 bytes.
  const base = await fs.mkdtemp(path.join(os.tmpdir(), `bt-${name}-`));
  // a remapped root must reach the data root (berthd refuses to start otherwise, as dockerd does)
  // the remapped root must reach the data root through it, as dockerd checks
  if (opts.args?.includes('--userns-remap')) await fs.chmod(base, 0o711);
  const dataRoot = path.join(base, 'data');
  const execRoot = path.join(base, 'run');
  const socket = path.join(base, 'd.sock');
  const logFile = path.join(base, 'daemon.log');
  const host = `unix://${socket}`;
  // Each test daemon gets its own default bridge, so parallel runs never share one.
  const tag = path.basename(base).slice(-6).replace(/[^a-zA-Z0-9]/g, 'x');
  const bip = freeSubnet().replace(/0\/24$/, '1/24');
  const spawnIt = async () => {
    const out = await fs.open(logFile, 'a');
    const p = spawn(process.execPath, [...DAEMON_NODE_FLAGS, BERTHD, '--data-root', dataRoot, '--exec-root', execRoot, '-H', host, '--bip', bip, '--bridge', `bt${tag}`, '--log-level', 'debug', ...(opts.args ?? [])], {
      stdio: ['ignore', out.fd, out.fd],
    });
    await out.close();
    // a daemon that dies by itself fails the tests after it; its last words make the report readable
    p.once('exit', (code, signal) => {
      if (expectedExit.has(p)) return;
      void fs.readFile(logFile, 'utf8').then((text) => {
        const tail = text.split('\n').filter((l) => !l.includes('"level":"debug"')).slice(-30).join('\n');
        process.stderr.write(`\n# berthd (${base}) exited on its own: code ${code}, signal ${signal}\n${tail}\n`);
      }, () => undefined);
    });
    return p;
  };
  const d: TestDaemon = {
    base,
    dataRoot,
    execRoot,
    socket,
    host,
    env: { ...process.env, DOCKER_HOST: host, BERTH_HOST: host, DOCKER_CONFIG: path.join(base, 'docker-config') },
    proc: await spawnIt(),
    log: () => fs.readFile(logFile, 'utf8').catch(() => ''),
    async kill9() {
      expectedExit.add(d.proc);
      d.proc.kill('SIGKILL');
      await new Promise((r) => (d.proc.exitCode !== null || d.proc.signalCode !== null ? r(null) : d.proc.once('exit', r)));
    },
    async restart() {
      await fs.rm(socket, { force: true });
      d.proc = await spawnIt();
      await waitForSocket(socket, d.proc, logFile);
    },
    async close() {
      // bugs the daemon survived (it logs them at error level) still show in the test report
      const bugs = (await d.log()).split('\n').filter((l) => l.includes('unhandled promise rejection') || l.includes('event subscriber failed'));
      if (bugs.length) process.stderr.write(`\n# berthd (${base}) logged:\n${bugs.slice(0, 10).join('\n')}\n`);
      // Let the daemon release what it made (endpoints, firewall rules, bridges) before it goes.
      if (d.proc.exitCode === null && d.proc.signalCode === null) await releaseAll(socket).catch(() => undefined);
      expectedExit.add(d.proc);
      if (d.proc.exitCode === null && d.proc.signalCode === null) {
        d.proc.kill('SIGTERM');
        await Promise.race([new Promise((r) => d.proc.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
        if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
      }
      await cleanupRoots(dataRoot, execRoot);
      await fs.rm(base, { recursive: true, force: true });
    },
  };
  await waitForSocket(socket, d.proc, logFile);
  return d;
}

/** Daemons a test stopped on purpose (kill9, close): their exit is not news. */
const expectedExit = new WeakSet<ChildProcess>();

function api(socket: string, method: string, p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: p, timeout: 30_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Force-removes every container and every user-defined network through the daemon's own API. */
async function releaseAll(socket: string): Promise<void> {
  const containers = JSON.parse(await api(socket, 'GET', '/containers/json?all=1')) as Array<{ Id: string }>;
  await Promise.all(containers.map((c) => api(socket, 'DELETE', `/containers/${c.Id}?force=1`)));
  const networks = JSON.parse(await api(socket, 'GET', '/networks')) as Array<{ Id: string; Name: string }>;
  for (const n of networks) if (!['bridge', 'host', 'none'].includes(n.Name)) await api(socket, 'DELETE', `/networks/${n.Id}`);
}

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a client binary (docker CLI or berth) against the daemon. */
export function cli(bin: string, d: TestDaemon, args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<CmdResult> {
  return new Promise((resolve) => {
    const child = execFile(bin, args, { env: d.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 << 20, encoding: 'buffer' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : child.exitCode ?? 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}
