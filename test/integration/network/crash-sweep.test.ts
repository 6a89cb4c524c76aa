/**
 * The test kit's safety net (cleanupNetworks) against a daemon that died with a container
 * publishing a port: nothing netavark made for the network may stay in the firewall — the
 * per-network nat chains, the DNAT to the container's address, the hostport rule naming the
 * network — nor the bridge. A sweep that misses them leaks rules into every later run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createNetworkService } from '../../../src/network';
import { EventBus } from '../../../src/base/events';
import { silentLogger } from '../../../src/base/logger';
import { newId } from '../../../src/base/ids';
import { cleanupNetworks, cleanupRoots } from '../../kit/cleanup';
import { freeSubnet } from '../../kit/subnets';
import { freeLowPort } from '../../kit/ports';

test('cleanupNetworks removes every rule and chain of a network whose daemon died with a published port', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-sweep-'));
  const uniq = randomBytes(3).toString('hex');
  const dataRoot = path.join(root, 'data');
  let svc: Awaited<ReturnType<typeof createNetworkService>> | undefined;
  try {
    svc = await createNetworkService({ dataRoot, execRoot: path.join(root, 'run'), logger: silentLogger, events: new EventBus(), defaultBridge: { subnet: freeSubnet(), interfaceName: `bs${uniq}` } });
    const subnet = freeSubnet();
    const name = `sweep-${uniq}`;
    const { id: netId } = await svc.create({ name, subnet });
    const cid = newId();
    const port = freeLowPort();
    await svc.attach({ containerId: cid, containerName: 'c', hostname: 'c', netnsPath: await svc.prepareSandbox(), networks: { [name]: { aliases: [] } }, portBindings: { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: String(port) }] }, exposedPorts: {}, publishAll: false });
    await svc.activate(cid);
    const before = execFileSync('iptables-save', { encoding: 'utf8' });
    const chain = new RegExp(`^-A POSTROUTING -s ${subnet.replace(/\./g, '\\.')} -j (NETAVARK-[0-9A-F]+)$`, 'm').exec(before)?.[1];
    assert.ok(chain, 'netavark made the network its chain');
    assert.match(before, new RegExp(`--dport ${port} .*--to-destination ${subnet.slice(0, -'0/24'.length).replace(/\./g, '\\.')}`));
    // the daemon "dies" here: no detach, no close
    cleanupNetworks(dataRoot);
    const after = execFileSync('iptables-save', { encoding: 'utf8' });
    for (const needle of [subnet, subnet.slice(0, -'0/24'.length), netId, chain, `--dport ${port} `]) assert.ok(!after.includes(needle), `left behind: ${needle}`);
    assert.doesNotMatch(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }), new RegExp(`br-${netId.slice(0, 12)}`));
  } finally {
    await svc?.close().catch(() => undefined); // stops its spare-netns timer; what it releases was swept already
    await cleanupRoots(dataRoot, path.join(root, 'run')); // aardvark-dns of the "dead" daemon, netns mounts
    await fs.rm(root, { recursive: true, force: true });
  }
});
