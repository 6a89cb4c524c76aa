/**
 * After a daemon restart the service re-learns used addresses from its records,
 * and recover() releases the endpoints of containers that are gone. Also covers
 * connect/disconnect on a live sandbox. Only namespaces made here are touched.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createNetworkService, type NetworkService } from '../../../src/network';
import { EventBus } from '../../../src/base/events';
import { silentLogger } from '../../../src/base/logger';
import { newId } from '../../../src/base/ids';
import { unmountUnder } from '../../kit/cleanup';
import { freeSubnet } from '../../kit/subnets';

const uniq = randomBytes(3).toString('hex');
let root = '';
const services: NetworkService[] = [];
const ids = [newId(), newId()];
const netns: string[] = [];

const bridgeSubnet = freeSubnet();
const userSubnet = freeSubnet();

function open(): Promise<NetworkService> {
  return createNetworkService({
    dataRoot: path.join(root, 'data'),
    execRoot: path.join(root, 'run'),
    logger: silentLogger,
    events: new EventBus(),
    defaultBridge: { subnet: bridgeSubnet, interfaceName: `br${uniq}` },
  }).then((s) => (services.push(s), s));
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), `berth-netr-${uniq}-`));
});

after(async () => {
  const svc = services.at(-1);
  if (svc) {
    await svc.recover(new Set()).catch(() => {});
    await svc.prune().catch(() => {});
  }
  for (const ns of netns) execFileSync('sh', ['-c', `umount ${ns} 2>/dev/null; rm -f ${ns}`]);
  const pidFile = path.join(root, 'run/networks-aardvark/aardvark-dns/aardvark.pid');
  if (existsSync(pidFile)) {
    try { process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL'); } catch { /* already gone */ }
  }
  unmountUnder(root); // the services' spare netns
  await fs.rm(root, { recursive: true, force: true });
});

test('addresses are re-learnt after a restart and recover releases the gone', async () => {
  const a = await open();
  const nsA = await a.prepareSandbox();
  netns.push(nsA);
  const r1 = await a.attach({ containerId: ids[0]!, containerName: 'a', hostname: 'a', netnsPath: nsA, networks: {}, portBindings: {}, exposedPorts: {}, publishAll: false });
  await a.activate(ids[0]!);
  const ipA = r1.networks['bridge']!.ipAddress;

  const b = await open(); // the "restarted" daemon
  const nsB = await b.prepareSandbox();
  netns.push(nsB);
  const r2 = await b.attach({ containerId: ids[1]!, containerName: 'b', hostname: 'b', netnsPath: nsB, networks: { default: { aliases: [] } }, portBindings: {}, exposedPorts: {}, publishAll: false });
  assert.notEqual(r2.networks['bridge']!.ipAddress, ipA);
  await b.activate(ids[1]!);

  // a killed daemon's spare netns, which no sandbox names
  const stray = path.join(path.dirname(nsA), 'ns-stray');
  execFileSync('sh', ['-c', `touch ${stray} && unshare --net=${stray} true`]);
  await b.recover(new Set([ids[1]!]));
  assert.equal(b.sandbox(ids[0]!), undefined);
  assert.equal(existsSync(nsA), false);
  assert.equal(existsSync(stray), false);
  assert.ok(existsSync(nsB));
  assert.ok(b.sandbox(ids[1]!));
});

test('connect and disconnect a live sandbox', async () => {
  const svc = services.at(-1)!;
  await svc.create({ name: `bt-r-${uniq}`, subnet: userSubnet });
  const ip = userSubnet.replace(/0\/24$/, '50');
  const ep = await svc.connect(`bt-r-${uniq}`, { containerId: ids[1]!, containerName: 'b', aliases: ['extra'], ipv4Address: ip });
  assert.equal(ep?.ipAddress, ip);
  assert.equal(ep?.interfaceName, 'eth1');
  assert.match(execFileSync('nsenter', [`--net=${netns[1]}`, 'ip', '-4', '-o', 'addr'], { encoding: 'utf8' }), new RegExp(`eth1\\s+inet ${ip.replace(/\./g, '\\.')}/24`));
  await assert.rejects(svc.connect(`bt-r-${uniq}`, { containerId: ids[1]!, containerName: 'b', aliases: [] }), /endpoint with name b already exists in network/);
  await svc.disconnect(`bt-r-${uniq}`, ids[1]!);
  assert.doesNotMatch(execFileSync('nsenter', [`--net=${netns[1]}`, 'ip', '-o', 'link'], { encoding: 'utf8' }), /eth1/);
  assert.deepEqual(await svc.prune(), [`bt-r-${uniq}`]);
  await svc.detach(ids[1]!);
  await svc.releaseSandbox(netns[1]!);
  const bridgeId = (await svc.inspect('bridge')).network.id;
  await svc.close(); // a closing service releases the bridges no container uses
  assert.ok(!execFileSync('iptables-save', { encoding: 'utf8' }).includes(bridgeSubnet));
  assert.doesNotMatch(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), new RegExp(`br${uniq}|bk-${bridgeId.slice(0, 12)}`));
});
