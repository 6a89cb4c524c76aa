import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerRecord } from '../container/types';
import type { NetavarkBridge } from './bridge-networking';
import type { PastaNetworking } from './pasta-networking';
import { RootlessNetworking } from './rootless-networking';

/** Just what requestedNetworks reads. */
function rec(networkMode: string, networks: string[] = []): ContainerRecord {
  return { spec: { host: { networkMode }, networks: Object.fromEntries(networks.map((n) => [n, { aliases: [] }])) } } as unknown as ContainerRecord; // a partial record: only the network fields matter here
}

function side(name: string, calls: string[]) {
  return { validate: async () => void calls.push(`${name}.validate`), setup: async () => { calls.push(`${name}.setup`); return { netns: name, hosts: '', resolvConf: '' }; }, teardown: async () => void calls.push(`${name}.teardown`) };
}

test('the default bridge goes to pasta, user-defined networks to the rootless netns; both together are refused; teardown asks both', async () => {
  const calls: string[] = [];
  const n = new RootlessNetworking(side('pasta', calls) as unknown as PastaNetworking, side('user', calls) as unknown as NetavarkBridge); // stubs of the two sides
  await n.validate(rec('default'));
  await n.validate(rec('bridge'));
  await n.validate(rec('mynet'));
  await n.validate(rec('mynet', ['other']));
  assert.equal((await n.setup(rec('mynet'))).netns, 'user');
  assert.deepEqual(calls, ['pasta.validate', 'pasta.validate', 'user.validate', 'user.validate', 'user.setup']);
  await assert.rejects(n.validate(rec('bridge', ['mynet'])), /cannot join both the default bridge network and user-defined networks/);
  calls.length = 0;
  await n.teardown(rec('mynet'));
  assert.deepEqual(calls, ['pasta.teardown', 'user.teardown']);
});
