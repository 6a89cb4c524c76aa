import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choosePorts, parsePortKey, planPortRequests, toNetavarkPortMappings, toPortMap, type PortChooser } from './ports';

const freeChooser = (busy: number[] = []): PortChooser => ({
  ephemeral: [49153, 49160],
  isAllocated: (_ip, port) => busy.includes(port),
  isFree: async () => true,
});

test('parsePortKey defaults to tcp and expands ranges', () => {
  assert.deepEqual(parsePortKey('80'), [{ port: 80, protocol: 'tcp' }]);
  assert.deepEqual(parsePortKey('53/udp'), [{ port: 53, protocol: 'udp' }]);
  assert.equal(parsePortKey('8000-8002/tcp').length, 3);
});

test('malformed specs use Docker wording', () => {
  assert.throws(() => parsePortKey('abc/tcp'), { message: 'invalid port specification: "abc"' });
  assert.throws(() => parsePortKey('70000'), { message: 'invalid port specification: "70000"' });
  assert.throws(() => planPortRequests({ '80/tcp': [{ hostIp: '', hostPort: 'x' }] }, {}, false), { message: 'invalid port specification: "x"' });
  assert.throws(() => planPortRequests({ '80/tcp': [{ hostIp: 'nope', hostPort: '1' }] }, {}, false), /invalid IP address: nope/);
  assert.throws(() => parsePortKey('80/foo'), /invalid proto: foo/);
});

test('planPortRequests: fixed, random, range, publish-all', () => {
  const r = planPortRequests(
    { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '8080' }], '81/tcp': [{ hostIp: '', hostPort: '' }], '82/tcp': [{ hostIp: '', hostPort: '9000-9010' }] },
    { '80/tcp': {}, '443/tcp': {} },
    true,
  );
  assert.deepEqual(r, [
    { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPortFrom: 8080, hostPortTo: 8080 },
    { containerPort: 81, protocol: 'tcp', hostIp: '', hostPortFrom: 0, hostPortTo: 0 },
    { containerPort: 82, protocol: 'tcp', hostIp: '', hostPortFrom: 9000, hostPortTo: 9010 },
    { containerPort: 443, protocol: 'tcp', hostIp: '', hostPortFrom: 0, hostPortTo: 0 },
  ]);
});

test('choosePorts: fixed busy port gives Docker message', async () => {
  const reqs = planPortRequests({ '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '18080' }] }, {}, false);
  await assert.rejects(choosePorts(reqs, freeChooser([18080]), 'bad (abc)'), {
    message: 'failed to set up container networking: driver failed programming external connectivity on endpoint bad (abc): Bind for 127.0.0.1:18080 failed: port is already allocated',
  });
});

test('choosePorts: a fixed port something outside the daemon holds gives Docker 28\'s bind message', async () => {
  const reqs = planPortRequests({ '80/tcp': [{ hostIp: '', hostPort: '18080' }] }, {}, false);
  const hostHeld: PortChooser = { ephemeral: [49153, 49160], isAllocated: () => false, isFree: async () => false };
  await assert.rejects(choosePorts(reqs, hostHeld, 'web (abc)', Math.random, '10.88.0.2'), {
    message: 'failed to set up container networking: driver failed programming external connectivity on endpoint web (abc): failed to bind host port for 0.0.0.0:18080:10.88.0.2:80/tcp: address already in use',
  });
});

test('choosePorts: random ports are distinct and in range', async () => {
  const reqs = planPortRequests({ '80/tcp': [{ hostIp: '', hostPort: '0' }], '81/tcp': [{ hostIp: '', hostPort: '' }] }, {}, false);
  const got = await choosePorts(reqs, freeChooser([49153]), 'x', () => 0);
  assert.deepEqual(got.map((g) => g.hostPort), [49154, 49155]);
});

test('choosePorts: a range picks the first free port in it', async () => {
  const reqs = planPortRequests({ '80/tcp': [{ hostIp: '', hostPort: '9000-9002' }] }, {}, false);
  const got = await choosePorts(reqs, freeChooser([9000, 9001]), 'x');
  assert.equal(got[0]!.hostPort, 9002);
});

test('toPortMap and netavark mappings', () => {
  const pub = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '', hostPort: 8080 }];
  assert.deepEqual(toPortMap(pub, { '80/tcp': {}, '443/tcp': {} }, {}), { '80/tcp': [{ hostIp: '0.0.0.0', hostPort: '8080' }], '443/tcp': null });
  assert.deepEqual(toNetavarkPortMappings(pub), [{ host_ip: '', container_port: 80, host_port: 8080, range: 1, protocol: 'tcp' }]);
});
