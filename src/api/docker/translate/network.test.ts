import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInfo, NetworkRecord } from '../../../network/types';
import { networkListFilter, networkPruneFilter, toNetworkWire, translateNetworkConnect, translateNetworkCreate } from './network';
import { parseUntil } from '../../../base/until';

function rec(over: Partial<NetworkRecord> = {}): NetworkRecord {
  return {
    id: 'f95b103f0c1186b0fbf0c50d3fd7d5f5de4e743a1dfcd0325c6ca1e6e357dc98', name: 'recnet2', driver: 'bridge', subnet: '10.99.0.0/24', gateway: '10.99.0.1',
    ipRange: '', userSubnet: true, internal: false, attachable: false, labels: { rec: '1' }, options: {}, created: '2026-11-28T04:10:50.753Z',
    interfaceName: 'br-f95b103f0c11', dnsEnabled: true, predefined: false, ...over,
  };
}

const endpoint = {
  networkId: 'f95b', networkName: 'recnet2', endpointId: '10349d88', ipAddress: '10.99.0.50', ipPrefixLen: 24, gateway: '10.99.0.1', macAddress: '02:42:0a:63:00:32',
  aliases: ['extra'], interfaceName: 'eth1', active: true, ports: [], containerId: 'b9a7fbe8dd3c', containerName: 'n2',
};

test('inspect shape matches the recorded dockerd answer for a user network with one container', () => {
  const w = toNetworkWire({ network: rec(), endpoints: [endpoint] });
  // recorded: GET /v1.41/networks/recnet2 (c-cli-volumes-networks.txt #118)
  assert.deepEqual(Object.keys(w), ['Name', 'Id', 'Created', 'Scope', 'Driver', 'EnableIPv6', 'IPAM', 'Internal', 'Attachable', 'Ingress', 'ConfigFrom', 'ConfigOnly', 'Containers', 'Options', 'Labels']);
  assert.deepEqual(w.IPAM, { Driver: 'default', Options: {}, Config: [{ Subnet: '10.99.0.0/24', Gateway: '10.99.0.1' }] });
  assert.deepEqual(w.Containers, { b9a7fbe8dd3c: { Name: 'n2', EndpointID: '10349d88', MacAddress: '02:42:0a:63:00:32', IPv4Address: '10.99.0.50/24', IPv6Address: '' } });
  assert.equal(w.Scope, 'local');
  assert.deepEqual(w.ConfigFrom, { Network: '' });
});

test('host and none have an empty IPAM config and null IPAM options', () => {
  const w = toNetworkWire({ network: rec({ name: 'none', driver: 'null', subnet: '', gateway: '', predefined: true, labels: {} }), endpoints: [] });
  assert.deepEqual(w.IPAM, { Driver: 'default', Options: null, Config: [] });
  assert.equal(w.Driver, 'null');
});

test('an ip range shows as IPRange', () => {
  assert.equal(toNetworkWire({ network: rec({ ipRange: '10.99.0.128/25' }), endpoints: [] }).IPAM.Config[0]!.IPRange, '10.99.0.128/25');
});

test('the CLI create body (recorded) becomes core options', () => {
  const body = JSON.parse('{"Driver":"bridge","Scope":"","IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.99.0.0/24","Gateway":"10.99.0.1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{},"Labels":{"rec":"1"},"Name":"recnet2","CheckDuplicate":true}');
  assert.deepEqual(translateNetworkCreate(body), { name: 'recnet2', driver: 'bridge', subnet: '10.99.0.0/24', gateway: '10.99.0.1', labels: { rec: '1' }, options: {} });
});

test('create without a name, with IPv6 or two pools is a 400', () => {
  assert.throws(() => translateNetworkCreate({}), { kind: 'InvalidArgument' });
  assert.throws(() => translateNetworkCreate({ Name: 'x', EnableIPv6: true }), { kind: 'InvalidArgument' });
  assert.throws(() => translateNetworkCreate({ Name: 'x', IPAM: { Config: [{ Subnet: '10.1.0.0/24' }, { Subnet: '10.2.0.0/24' }] } }), { kind: 'InvalidArgument' });
});

test('the CLI connect body (recorded) becomes aliases and a static address', () => {
  const body = JSON.parse('{"Container":"n2","EndpointConfig":{"IPAMConfig":{"IPv4Address":"10.99.0.50"},"Links":null,"Aliases":["extra"],"MacAddress":"","DriverOpts":{},"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}');
  assert.deepEqual(translateNetworkConnect(body), { container: 'n2', aliases: ['extra'], ipv4Address: '10.99.0.50' });
  assert.deepEqual(translateNetworkConnect({ Container: 'n1', EndpointConfig: { IPAMConfig: {}, Aliases: [] } }), { container: 'n1', aliases: [] });
  assert.throws(() => translateNetworkConnect({}), { kind: 'InvalidArgument' });
});

const infos: NetworkInfo[] = [
  { network: rec({ name: 'bridge', labels: {}, predefined: true }), endpoints: [] },
  { network: rec({ name: 'mynet', id: 'b86dbb11', labels: {} }), endpoints: [endpoint] },
  { network: rec(), endpoints: [] },
];
const names = (f: Record<string, string[]>) => infos.filter(networkListFilter(f)).map((i) => i.network.name);

test('list filters: name as regexp, label, type, dangling, driver', () => {
  assert.deepEqual(names({ name: ['net'] }), ['mynet', 'recnet2']);
  assert.deepEqual(names({ name: ['^mynet$'] }), ['mynet']);
  assert.deepEqual(names({ label: ['rec=1'] }), ['recnet2']);
  assert.deepEqual(names({ label: ['rec'] }), ['recnet2']);
  assert.deepEqual(names({ type: ['builtin'] }), ['bridge']);
  assert.deepEqual(names({ type: ['custom'] }), ['mynet', 'recnet2']);
  assert.deepEqual(names({ dangling: ['true'] }), ['recnet2']);
  assert.deepEqual(names({ dangling: ['false'] }), ['bridge', 'mynet']);
  assert.deepEqual(names({ id: ['b86d'] }), ['mynet']);
  assert.deepEqual(names({ driver: ['host'] }), []);
});

test('unknown list filters and bad type values are 400s', () => {
  assert.throws(() => networkListFilter({ color: ['red'] }), { message: "invalid filter 'color'" });
  assert.throws(() => networkListFilter({ type: ['weird'] }), { kind: 'InvalidArgument' });
});

test('prune filters: label, label!, until', () => {
  const now = Date.parse('2026-11-28T06:00:00Z');
  const n = rec();
  assert.equal(networkPruneFilter({ label: ['rec=1'] }, now)(n), true);
  assert.equal(networkPruneFilter({ label: ['rec=2'] }, now)(n), false);
  assert.equal(networkPruneFilter({ 'label!': ['rec'] }, now)(n), false);
  assert.equal(networkPruneFilter({ until: ['1h'] }, now)(n), true);
  assert.equal(networkPruneFilter({ until: ['3h'] }, now)(n), false);
  assert.throws(() => networkPruneFilter({ dangling: ['true'] }), { kind: 'InvalidArgument' });
});

test('until parses unix seconds, RFC 3339 and Go durations', () => {
  assert.equal(parseUntil('1700000000'), 1_700_000_000_000);
  assert.equal(parseUntil('2026-11-28T04:00:00Z'), Date.parse('2026-11-28T04:00:00Z'));
  assert.equal(parseUntil('1h30m', 10_000_000), 10_000_000 - 5_400_000);
  assert.throws(() => parseUntil('yesterday'), { kind: 'InvalidArgument' });
});
