/**
 * The real docker CLI (28) against berthd: the "Done when" list of the
 * networking issue. Traffic goes only to 127.0.0.0/8 and to the addresses of
 * containers this file started.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, cli, DOCKER, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { freeLowPort } from '../../kit/ports';
import { freeSubnet } from '../../kit/subnets';

let d: TestDaemon;
const docker = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }) => cli(DOCKER, d, args, opts);
const run = randomBytes(3).toString('hex');
const uniq = (what: string): string => `${what}-${run}`;
/**
 * A /24 for a test network. Daemons of parallel test files pick pools on their own and a bridge only
 * appears with its first container, so two of them could take the same default pool (then one
 * aardvark-dns cannot bind its gateway): every network here names a random subnet of its own.
 */
const T = { timeout: 180_000 };

const HTTPD = ['sh', '-c', 'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www'];
/** A client container's shell loop: GET / from `host` with nc (busybox wget crashes in some builds), retried while httpd starts. */
const fetchScript = (host: string): string[] => [
  'sh', '-c',
  `for i in $(seq 1 30); do out=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} 80 2>/dev/null) && [ -n "$out" ] && { echo "$out"; exit 0; }; sleep 0.3; done; exit 1`,
];

/** Host veth names whose master is one of `bridges`. */
function vethsOn(bridges: string[]): string[] {
  const out = execFileSync('ip', ['-o', 'link', 'show', 'type', 'veth']).toString();
  return out.split('\n').filter((l) => bridges.some((b) => l.includes(` master ${b} `))).map((l) => (l.split(': ')[1] ?? '').split('@')[0]!);
}


function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function httpGetRetry(port: number, ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      return await httpGet(port);
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw last;
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, timeout: 2000 });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(true); // nothing answers: closed for our purposes
    });
    s.once('error', () => resolve(true));
  });
}

/** A raw API call over the daemon's socket, for the status codes the CLI hides. */
function api(method: string, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, method, path: p }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function psAll(): Promise<string> {
  const r = await docker(['ps', '-aq', '--no-trunc']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort().join('\n');
}

async function bridgeOf(network: string): Promise<string> {
  const r = await docker(['network', 'inspect', '-f', '{{.Id}} {{index .Options "com.docker.network.bridge.name"}}', network]);
  assert.equal(r.code, 0, r.stderr);
  const [id = '', name = ''] = r.stdout.trim().split(' ');
  return name && name !== '<no value>' ? name : `br-${id.slice(0, 12)}`;
}

/** Bridges and veths this file made, checked at the end. */
const ourBridges = new Set<string>();
const seenVeths = new Set<string>();
function noteVeths(): void {
  for (const v of vethsOn([...ourBridges])) seenVeths.add(v);
}

describe('docker CLI networking against berthd', () => {
  before(async () => {
    d = await startDaemon('net');
    const tar = await makeBusyboxTar(path.join(d.base, 'bb.tar'));
    const r = await docker(['import', tar, 'bb:latest']);
    assert.equal(r.code, 0, r.stderr);
    ourBridges.add(await bridgeOf('bridge'));
  });
  after(async () => {
    await d?.close();
  });

  test('a user network resolves containers by name and by --network-alias', T, async () => {
    const n1 = uniq('n1');
    const c = await docker(['network', 'create', '--subnet', freeSubnet(), n1]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout.trim(), /^[0-9a-f]{64}$/);
    ourBridges.add(await bridgeOf(n1));
    try {
      const ls = await docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']);
      assert.match(ls.stdout, new RegExp(`^${n1} bridge local$`, 'm'));
      const web = await docker(['run', '-d', '--name', 'web', '--network', n1, '--network-alias', 'site', 'bb', ...HTTPD]);
      assert.equal(web.code, 0, web.stderr);
      noteVeths();
      for (const host of ['web', 'site']) {
        const r = await docker(['run', '--rm', '--network', n1, 'bb', ...fetchScript(host)]);
        assert.equal(r.code, 0, `fetch ${host}: ${r.stdout}${r.stderr}`);
        assert.match(r.stdout, /^HTTP\/1\.[01] 200/m);
        assert.match(r.stdout, /hello/);
      }
      const insp = JSON.parse((await docker(['network', 'inspect', n1])).stdout) as Array<{ Containers: Record<string, { Name: string; IPv4Address: string }> }>;
      const entries = Object.values(insp[0]!.Containers);
      assert.equal(entries.length, 1);
      assert.equal(entries[0]!.Name, 'web');
      assert.match(entries[0]!.IPv4Address, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    } finally {
      await docker(['rm', '-f', 'web']);
      await docker(['network', 'rm', n1]);
    }
  });

  test('-p 127.0.0.1:PORT:80 and -p PORT:80 are reachable on 127.0.0.1, docker port shows them, and they close after rm', T, async () => {
    const p1 = freeLowPort();
    const p2 = freeLowPort();
    const r = await docker(['run', '-d', '--name', 'pub', '-p', `127.0.0.1:${p1}:80`, '-p', `${p2}:80`, 'bb', ...HTTPD]);
    assert.equal(r.code, 0, r.stderr);
    try {
      noteVeths();
      assert.match(await httpGetRetry(p1), /hello/);
      assert.match(await httpGetRetry(p2), /hello/);
      const port = await docker(['port', 'pub']);
      assert.equal(port.code, 0, port.stderr);
      assert.match(port.stdout, new RegExp(`^80/tcp -> 127\\.0\\.0\\.1:${p1}$`, 'm'));
      assert.match(port.stdout, new RegExp(`^80/tcp -> 0\\.0\\.0\\.0:${p2}$`, 'm'));
      const one = await docker(['port', 'pub', '80']);
      assert.match(one.stdout, new RegExp(`127\\.0\\.0\\.1:${p1}`));
      const ps = await docker(['ps', '--filter', 'name=pub', '--format', '{{.Ports}}']);
      assert.match(ps.stdout, new RegExp(`127\\.0\\.0\\.1:${p1}->80/tcp`));
    } finally {
      await docker(['rm', '-f', 'pub']);
    }
    assert.equal(await connectRefused(p1), true, `port ${p1} still open after rm`);
    assert.equal(await connectRefused(p2), true, `port ${p2} still open after rm`);
  });

  test('a default-bridge container has an address on eth0 and another default-bridge container reaches it', T, async () => {
    const r = await docker(['run', '-d', '--name', 'dweb', 'bb', ...HTTPD]);
    assert.equal(r.code, 0, r.stderr);
    try {
      noteVeths();
      const ip = (await docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'dweb'])).stdout.trim();
      assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
      const nets = (await docker(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.Gateway}}', 'dweb'])).stdout.trim();
      assert.match(nets, new RegExp(`^${ip.replace(/\./g, '\\.')} \\d+\\.\\d+\\.\\d+\\.\\d+$`));
      const addr = await docker(['exec', 'dweb', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
      assert.equal(addr.code, 0, addr.stderr);
      assert.match(addr.stdout, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/`));
      const f = await docker(['run', '--rm', 'bb', ...fetchScript(ip)]);
      assert.equal(f.code, 0, f.stdout + f.stderr);
      assert.match(f.stdout, /hello/);
    } finally {
      await docker(['rm', '-f', 'dweb']);
    }
  });

  test('--network none has only lo', T, async () => {
    const r = await docker(['run', '--rm', '--network', 'none', 'bb', 'ls', '/sys/class/net']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split(/\s+/).filter(Boolean), ['lo']);
  });

  test("--network host sees the host's interfaces", T, async () => {
    const r = await docker(['run', '--rm', '--network', 'host', 'bb', 'cat', '/proc/net/dev']);
    assert.equal(r.code, 0, r.stderr);
    const names = (text: string) => text.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean);
    const inside = new Set(names(r.stdout));
    const defaultIface = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).map((l) => l.split(/\s+/)).find((f) => f[1] === '00000000')?.[0];
    for (const n of ['lo', ...(defaultIface ? [defaultIface] : []), ...ourBridges]) {
      if (n === 'lo' || readFileSync('/proc/net/dev', 'utf8').includes(`${n}:`)) assert.ok(inside.has(n), `host interface ${n} missing in ${[...inside].join(',')}`);
    }
  });

  test('--add-host NAME:IP and NAME:host-gateway land in /etc/hosts', T, async () => {
    const gw = (await docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', 'bridge'])).stdout.trim();
    const r = await docker(['run', '--rm', '--add-host', 'foo:10.9.8.7', '--add-host', 'x:host-gateway', 'bb', 'cat', '/etc/hosts']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^10\.9\.8\.7\s+foo$/m);
    assert.match(r.stdout, new RegExp(`^${gw.replace(/\./g, '\\.')}\\s+x$`, 'm'), `host-gateway should be the bridge gateway ${gw}:\n${r.stdout}`);
  });

  test('network connect makes a running container resolvable on the new network; disconnect removes it', T, async () => {
    const n2 = uniq('n2');
    assert.equal((await docker(['network', 'create', '--subnet', freeSubnet(), n2])).code, 0);
    ourBridges.add(await bridgeOf(n2));
    const r = await docker(['run', '-d', '--name', 'late', 'bb', ...HTTPD]);
    assert.equal(r.code, 0, r.stderr);
    try {
      const c = await docker(['network', 'connect', '--alias', 'latecomer', n2, 'late']);
      assert.equal(c.code, 0, c.stderr);
      noteVeths();
      const ip = (await docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${n2}").IPAddress}}`, 'late'])).stdout.trim();
      assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
      for (const host of ['late', 'latecomer']) {
        const f = await docker(['run', '--rm', '--network', n2, 'bb', ...fetchScript(host)]);
        assert.equal(f.code, 0, `fetch ${host}: ${f.stdout}${f.stderr}`);
        assert.match(f.stdout, /hello/);
      }
      const dis = await docker(['network', 'disconnect', n2, 'late']);
      assert.equal(dis.code, 0, dis.stderr);
      const nets = (await docker(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'late'])).stdout.trim();
      assert.equal(nets, 'bridge');
    } finally {
      await docker(['rm', '-f', 'late']);
      await docker(['network', 'rm', n2]);
    }
  });

  test('network connect --ip on a network with a user subnet gives that address', T, async () => {
    const n4 = uniq('n4');
    const base = `10.${150 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
    const c = await docker(['network', 'create', '--subnet', `${base}.0/24`, '--gateway', `${base}.254`, n4]);
    assert.equal(c.code, 0, c.stderr);
    ourBridges.add(await bridgeOf(n4));
    const r = await docker(['run', '-d', '--name', 'fixed', 'bb', 'sleep', '60']);
    assert.equal(r.code, 0, r.stderr);
    try {
      const con = await docker(['network', 'connect', '--ip', `${base}.50`, n4, 'fixed']);
      assert.equal(con.code, 0, con.stderr);
      noteVeths();
      const ep = JSON.parse((await docker(['inspect', '-f', `{{json (index .NetworkSettings.Networks "${n4}")}}`, 'fixed'])).stdout) as { IPAddress: string; Gateway: string; IPAMConfig: { IPv4Address: string } | null };
      assert.equal(ep.IPAddress, `${base}.50`);
      assert.equal(ep.Gateway, `${base}.254`);
      assert.deepEqual(ep.IPAMConfig, { IPv4Address: `${base}.50` });
      const insp = JSON.parse((await docker(['network', 'inspect', n4])).stdout) as Array<{ Containers: Record<string, { Name: string; IPv4Address: string }> }>;
      assert.deepEqual(Object.values(insp[0]!.Containers).map((x) => `${x.Name} ${x.IPv4Address}`), [`fixed ${base}.50/24`]);
      const addr = await docker(['exec', 'fixed', 'ip', '-o', '-4', 'addr']);
      assert.match(addr.stdout, new RegExp(`inet ${base.replace(/\./g, '\\.')}\\.50/24`));
    } finally {
      await docker(['rm', '-f', 'fixed']);
      await docker(['network', 'rm', n4]);
    }
  });

  test('network rm of a network in use is refused with 403 and Docker\'s message', T, async () => {
    const n3 = uniq('n3');
    assert.equal((await docker(['network', 'create', '--subnet', freeSubnet(), n3])).code, 0);
    ourBridges.add(await bridgeOf(n3));
    const r = await docker(['run', '-d', '--name', 'holder', '--network', n3, 'bb', 'sleep', '60']);
    assert.equal(r.code, 0, r.stderr);
    try {
      noteVeths();
      const rm = await docker(['network', 'rm', n3]);
      assert.equal(rm.code, 1);
      assert.match(rm.stderr, new RegExp(`Error response from daemon: error while removing network: network ${n3} id [0-9a-f]{64} has active endpoints`));
      const raw = await api('DELETE', `/v1.41/networks/${n3}`);
      assert.equal(raw.status, 403);
      assert.match((JSON.parse(raw.body) as { message: string }).message, /has active endpoints/);
      assert.equal((await docker(['network', 'inspect', n3])).code, 0, 'the network must still exist');
    } finally {
      await docker(['rm', '-f', 'holder']);
    }
    const rm2 = await docker(['network', 'rm', n3]);
    assert.equal(rm2.code, 0, rm2.stderr);
    assert.equal(rm2.stdout.trim(), n3);
    assert.equal((await api('GET', `/v1.41/networks/${n3}`)).status, 404);
  });

  test('overlapping subnets are refused and nothing is created', T, async () => {
    const a = uniq('ova');
    const b = uniq('ovb');
    const subnet = `10.${150 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}.0/24`;
    const ca = await docker(['network', 'create', '--subnet', subnet, a]);
    assert.equal(ca.code, 0, ca.stderr);
    try {
      const cb = await docker(['network', 'create', '--subnet', subnet.replace('.0/24', '.128/25'), b]);
      assert.equal(cb.code, 1);
      assert.match(cb.stderr, /Error response from daemon: .*overlaps/);
      assert.equal((await docker(['network', 'ls', '-q', '--filter', `name=^${b}$`])).stdout.trim(), '');
    } finally {
      await docker(['network', 'rm', a]);
    }
  });

  test('a host port that is taken fails run with 125 and leaves no container', T, async () => {
    const before = await psAll();
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const r = await docker(['run', '--rm', '-p', `127.0.0.1:${port}:80`, 'bb', 'true']);
      assert.equal(r.code, 125, r.stdout + r.stderr);
      // Docker 28's words for a port something outside the daemon holds
      assert.match(r.stderr, new RegExp(`failed to set up container networking: driver failed programming external connectivity on endpoint \\S+ \\(\\w+\\): failed to bind host port for 127\\.0\\.0\\.1:${port}:[\\d.]+:80/tcp: address already in use`));
    } finally {
      await new Promise((r) => holder.close(r));
    }
    assert.equal(await psAll(), before);
  });

  test('a host port published by another container fails run with 125', T, async () => {
    const port = freeLowPort();
    const first = await docker(['run', '-d', '--name', 'owner', '-p', `127.0.0.1:${port}:80`, 'bb', 'sleep', '60']);
    assert.equal(first.code, 0, first.stderr);
    try {
      noteVeths();
      const before = await psAll();
      const r = await docker(['run', '--rm', '-p', `127.0.0.1:${port}:80`, 'bb', 'true']);
      assert.equal(r.code, 125, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`failed to set up container networking: driver failed programming external connectivity on endpoint \\S+ \\(\\w+\\): Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated`));
      assert.equal(await psAll(), before);
    } finally {
      await docker(['rm', '-f', 'owner']);
    }
  });

  test('an unknown network fails run with 125 and Docker\'s message, leaving no container', T, async () => {
    const before = await psAll();
    const r = await docker(['run', '--rm', '--network', uniq('nosuchnet'), 'bb', 'true']);
    assert.equal(r.code, 125, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`network ${uniq('nosuchnet')} not found`));
    assert.equal(await psAll(), before);
  });

  test('a malformed -p fails run with 125 and creates nothing', T, async () => {
    const before = await psAll();
    for (const bad of ['abc:80', '80:80:80:80', '127.0.0.1:99999:80']) {
      const r = await docker(['run', '--rm', '-p', bad, 'bb', 'true']);
      assert.equal(r.code, 125, `${bad}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /invalid|Invalid/);
    }
    assert.equal(await psAll(), before);
  });

  // other test files may add veths meanwhile, so the before/after comparison is over the veths seen on our bridges
  test('after everything is removed no veth of ours is left', T, async () => {
    const rm = await docker(['ps', '-aq']);
    const ids = rm.stdout.split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
    assert.ok(seenVeths.size > 0, 'the earlier tests should have seen veths on our bridges');
    // Names like veth14 are reused by other daemons' containers (parallel test files), so only veths
    // still enslaved to this file's bridges count. The kernel frees a veth shortly after its netns.
    let left = vethsOn([...ourBridges]);
    for (let i = 0; i < 30 && left.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = vethsOn([...ourBridges]);
    }
    assert.deepEqual(left, []);
  });
});
