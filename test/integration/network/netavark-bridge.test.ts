/**
 * Real netavark + aardvark-dns as root: two namespaces on a user network talk,
 * resolve each other by name, a published 127.0.0.1 port reaches a listener,
 * and teardown leaves nothing behind. Traffic goes only to 127.0.0.1 and to
 * the namespaces this test creates.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync, existsSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createNetworkService, type NetworkService } from '../../../src/network';
import { EventBus } from '../../../src/base/events';
import { silentLogger } from '../../../src/base/logger';
import { newId } from '../../../src/base/ids';
import { ruleSpec, unmountUnder } from '../../kit/cleanup';
import { freeLowPort } from '../../kit/ports';
import { freeSubnet } from '../../kit/subnets';

const uniq = randomBytes(3).toString('hex');
let root = '';
let svc: NetworkService;
let subnet = '';
const netName = `bt-net-${uniq}`;
const ids = [newId(), newId(), newId()];
const names = [`bt-a-${uniq}`, `bt-b-${uniq}`, `bt-c-${uniq}`];
const netns: string[] = [];
const children: ChildProcess[] = [];
/**
 * Below the kernel's ephemeral range (32768+), where no connection of a parallel test takes a port as
 * its source, and free when checked: a port in that range was taken between pick and bind once.
 */
const hostPort = freeLowPort();


function inNs(ns: string, args: string[]): string {
  return execFileSync('nsenter', [`--net=${ns}`, ...args], { encoding: 'utf8', timeout: 15_000 });
}

async function waitUntil(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP listener on `port` in the namespace. */
const listening = (ns: string, port: number) => inNs(ns, ['ss', '-Hltn', `sport = :${port}`]).trim() !== '';
/** A link whose carrier is up (a veth: both ends up). */
const linkUp = (ifname: string, ns?: string) => / state UP /.test(ns ? inNs(ns, ['ip', '-o', 'link', 'show', ifname]) : execFileSync('ip', ['-o', 'link', 'show', ifname], { encoding: 'utf8' }));

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), `berth-net-${uniq}-`));
  subnet = freeSubnet();
  svc = await createNetworkService({
    dataRoot: path.join(root, 'data'),
    execRoot: path.join(root, 'run'),
    logger: silentLogger,
    events: new EventBus(),
    defaultBridge: { subnet: freeSubnet(), interfaceName: `bt${uniq}` },
  });
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  if (svc) {
    for (const id of ids) await svc.detach(id).catch(() => {});
    for (const ns of netns) await svc.releaseSandbox(ns).catch(() => {});
    await svc.prune().catch(() => {});
  }
  // aardvark-dns normally exits once its last network is gone; make sure of it
  const pidFile = path.join(root, 'run/networks-aardvark/aardvark-dns/aardvark.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  unmountUnder(root); // a spare netns, when a test failed before close()
  await fs.rm(root, { recursive: true, force: true });
});

test('predefined networks are listed as Docker lists them', async () => {
  const names = (await svc.list()).map((n) => n.network.name).sort();
  assert.deepEqual(names, ['bridge', 'host', 'none']);
});

test('two namespaces on a user network get addresses on eth0', async () => {
  await svc.create({ name: netName, subnet, labels: { 'berth.test': uniq } });
  for (let i = 0; i < 2; i++) {
    const ns = await svc.prepareSandbox();
    netns.push(ns);
    const r = await svc.attach({
      containerId: ids[i]!,
      containerName: names[i]!,
      hostname: names[i]!,
      netnsPath: ns,
      networks: { [netName]: { aliases: [`alias${i}`] } },
      portBindings: i === 0 ? { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: String(hostPort) }] } : {},
      exposedPorts: i === 0 ? { '80/tcp': {} } : {},
      publishAll: false,
    });
    assert.doesNotMatch(inNs(ns, ['ip', '-o', 'link']), /eth0/, 'attach only reserves; activate plumbs');
    await svc.activate(ids[i]!);
    const ep = r.networks[netName]!;
    assert.equal(ep.ipPrefixLen, 24);
    assert.match(inNs(ns, ['ip', '-4', '-o', 'addr', 'show', 'eth0']), new RegExp(`inet ${ep.ipAddress.replace(/\./g, '\\.')}/24`));
    if (i === 0) assert.deepEqual(r.ports, { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: String(hostPort) }] });
  }
});

test('the namespaces reach each other by address', async () => {
  const b = svc.sandbox(ids[1]!)!;
  const ipB = Object.values(b.endpoints)[0]!.ipAddress;
  inNs(netns[0]!, ['busybox', 'ping', '-c', '1', '-W', '3', ipB]);
});

test('aardvark-dns resolves a container name and an alias', async () => {
  const a = Object.values(svc.sandbox(ids[0]!)!.endpoints)[0]!;
  const resolv = svc.resolvConf(ids[1]!, { hostResolvConf: 'nameserver 127.0.0.53\n' });
  assert.equal(resolv, `nameserver ${a.gateway}\n`);
  for (const name of [names[0]!, 'alias0']) {
    const out = inNs(netns[1]!, ['busybox', 'nslookup', name, a.gateway]);
    assert.match(out, new RegExp(`Address: ${a.ipAddress.replace(/\./g, '\\.')}`));
  }
});

test('a port published on 127.0.0.1 reaches the listener in the namespace', async () => {
  const child = spawn('nsenter', [`--net=${netns[0]}`, 'busybox', 'sh', '-c', 'echo hello-from-ns | busybox nc -l -p 80'], { stdio: 'ignore' });
  children.push(child);
  await waitUntil('nc listening', () => listening(netns[0]!, 80));
  const got = await new Promise<string>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: hostPort });
    let data = '';
    s.on('data', (d) => (data += d.toString()));
    s.on('end', () => resolve(data));
    s.on('error', reject);
    s.setTimeout(5000, () => { s.destroy(); reject(new Error('timeout')); });
  });
  assert.equal(got.trim(), 'hello-from-ns');
});

test('a port published on 127.0.0.1 is not reachable from a neighbour that sends to 127.0.0.1', async () => {
  // A neighbour netns on a veth of its own plays a machine on the host's LAN; it sends a raw SYN for
  // 127.0.0.1:hostPort to the host. The positive control (guard removed) proves the probe can fail.
  const listener = spawn('nsenter', [`--net=${netns[0]}`, 'busybox', 'httpd', '-f', '-p', '80', '-h', '/'], { stdio: 'ignore' });
  children.push(listener);
  const nb = path.join(root, 'neighbour');
  const [hostIf, nbIf] = [`bn${uniq}`, `bp${uniq}`];
  const lan = freeSubnet().replace(/\.0\/24$/, '');
  const forward = [['FORWARD', '-i', hostIf, '-j', 'ACCEPT'], ['FORWARD', '-o', hostIf, '-j', 'ACCEPT']];
  const probe = (): string => execFileSync('nsenter', [`--net=${nb}`, '/usr/bin/python3', path.resolve(__dirname, '../../../../test/kit/syn-probe.py'),
    nbIf, readFileSync(`/sys/class/net/${hostIf}/address`, 'utf8').trim(), `${lan}.2`, '127.0.0.1', String(hostPort)], { encoding: 'utf8', timeout: 15_000 }).trim();
  await fs.writeFile(nb, '');
  execFileSync('unshare', [`--net=${nb}`, 'true']);
  try {
    execFileSync('nsenter', [`--net=${nb}`, 'ip', 'link', 'add', nbIf, 'type', 'veth', 'peer', 'name', hostIf, 'netns', '1']);
    execFileSync('ip', ['addr', 'add', `${lan}.1/24`, 'dev', hostIf]);
    execFileSync('ip', ['link', 'set', hostIf, 'up']);
    inNs(nb, ['ip', 'addr', 'add', `${lan}.2/24`, 'dev', nbIf]);
    inNs(nb, ['ip', 'link', 'set', nbIf, 'up']);
    // The host would ARP for the neighbour with the reply's source, 127.0.0.1, which no kernel answers;
    // a LAN attacker answers it themselves: a static entry plays that part.
    const nbMac = /link\/ether ([0-9a-f:]+)/.exec(inNs(nb, ['ip', '-o', 'link', 'show', nbIf]))![1]!;
    execFileSync('ip', ['neigh', 'replace', `${lan}.2`, 'lladdr', nbMac, 'dev', hostIf, 'nud', 'permanent']);
    for (const f of forward) execFileSync('iptables', ['-I', ...f]); // whatever the host's FORWARD policy
    await waitUntil('httpd listening, links up', () => listening(netns[0]!, 80) && linkUp(hostIf) && linkUp(nbIf, nb));
    assert.equal(probe(), 'silent', 'the guard drops what did not come in on lo');
    const guard = execFileSync('iptables', ['-t', 'raw', '-S', 'PREROUTING'], { encoding: 'utf8' }).split('\n').find((l) => l.includes(`berth `) && l.includes(` ${ids[0]!.slice(0, 12)}`) && l.includes(`--dport ${hostPort} `));
    assert.ok(guard, 'a raw-table guard exists for the loopback-only port');
    const spec = ruleSpec(guard);
    execFileSync('iptables', ['-t', 'raw', '-D', ...spec]);
    try {
      assert.equal(probe(), 'synack', 'without the guard the neighbour gets through (the hole being closed)');
    } finally {
      execFileSync('iptables', ['-t', 'raw', '-A', ...spec]);
    }
  } finally {
    listener.kill('SIGKILL');
    for (const f of forward) spawnSync('iptables', ['-D', ...f]);
    spawnSync('ip', ['link', 'del', hostIf]);
    spawnSync('umount', [nb]);
    await fs.rm(nb, { force: true });
  }
});

test('the same host port for another container is refused with Docker wording', async () => {
  const ns = await svc.prepareSandbox();
  netns.push(ns);
  await assert.rejects(
    svc.attach({ containerId: ids[2]!, containerName: names[2]!, hostname: 'c', netnsPath: ns, networks: { [netName]: { aliases: [] } }, portBindings: { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: String(hostPort) }] }, exposedPorts: {}, publishAll: false }),
    (e: Error) => /^failed to set up container networking: driver failed programming external connectivity on endpoint bt-c-\w+ \(\w{64}\): Bind for 127\.0\.0\.1:\d+ failed: port is already allocated$/.test(e.message),
  );
  assert.equal(svc.sandbox(ids[2]!), undefined);
});

test('-o com.docker.network.driver.mtu sets the MTU of the endpoints; a bad MTU is refused', async () => {
  const name = `bt-mtu-${uniq}`;
  await assert.rejects(svc.create({ name, options: { 'com.docker.network.driver.mtu': 'big' } }), { message: 'invalid MTU number: big' });
  await svc.create({ name, subnet: freeSubnet(), options: { 'com.docker.network.driver.mtu': '1400' } });
  const id = newId();
  const ns = await svc.prepareSandbox();
  try {
    await svc.attach({ containerId: id, containerName: 'bt-mtu', hostname: 'm', netnsPath: ns, networks: { [name]: { aliases: [] } }, portBindings: {}, exposedPorts: {}, publishAll: false });
    await svc.activate(id);
    assert.match(inNs(ns, ['ip', '-o', 'link', 'show', 'eth0']), / mtu 1400 /);
    // release() returns before netavark runs: the endpoint leaves inspect at once, and the
    // network's removal queues behind the teardown instead of finding it in use
    svc.release(id);
    assert.deepEqual((await svc.inspect(name)).endpoints, []);
    await svc.remove(name);
    assert.equal(svc.sandbox(id), undefined);
    assert.equal(existsSync(ns), false, 'the netns went with the sandbox');
  } finally {
    await svc.detach(id);
    await svc.releaseSandbox(ns);
    await svc.remove(name).catch(() => undefined);
  }
});

test('an overlapping subnet is refused', async () => {
  await assert.rejects(svc.create({ name: `bt-other-${uniq}`, subnet }), { message: 'Pool overlaps with other one on this address space' });
  await assert.rejects(svc.create({ name: netName }), { message: `network with name ${netName} already exists` });
});

test('a network with endpoints cannot be removed', async () => {
  const { network } = await svc.inspect(netName);
  await assert.rejects(svc.remove(netName), { message: `error while removing network: network ${netName} id ${network.id} has active endpoints` });
  await assert.rejects(svc.remove('bridge'), { message: 'bridge is a pre-defined network and cannot be removed' });
});

test('teardown leaves no bridge, veth, firewall rule or netns', async () => {
  const { network } = await svc.inspect(netName);
  for (const id of ids) await svc.detach(id);
  for (const ns of netns) await svc.releaseSandbox(ns);
  // the anchor keeps an empty network's bridge, as docker0 stays, until the network goes
  assert.match(execFileSync('ip', ['-o', 'link', 'show', 'master', network.interfaceName], { encoding: 'utf8' }), /bk-/);
  const jump = new RegExp(`^-A POSTROUTING -s ${subnet.replace(/\./g, '\\.')} -j NETAVARK-([0-9A-F]+)$`, 'm').exec(execFileSync('iptables', ['-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8' }));
  assert.ok(jump, 'the network keeps its nat chain while it exists');
  await svc.remove(netName);
  assert.ok(!execFileSync('iptables', ['-t', 'nat', '-S'], { encoding: 'utf8' }).includes(`NETAVARK-DN-${jump[1]}`), 'no port-forward chain left');
  const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  assert.ok(!links.includes(network.interfaceName), 'bridge removed');
  assert.ok(!links.includes(`bk-${network.id.slice(0, 12)}`), 'anchor removed');
  const rules = execFileSync('iptables-save', { encoding: 'utf8' });
  assert.ok(!rules.includes(subnet), 'no rule mentions the subnet');
  assert.ok(!rules.includes(`--dport ${hostPort}`), 'no port rule left');
  assert.ok(!rules.includes(`berth ${network.id.slice(0, 12)}`), 'no loopback guard left');
  for (const ns of netns) assert.equal(existsSync(ns), false);
  await svc.close(); // and the spare netns made for the next container goes with the service
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  assert.ok(!mounts.includes(root), 'no netns mount left');
});
