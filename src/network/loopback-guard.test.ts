import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardRules, restoreInput } from './loopback-guard';

test('only ports bound to a loopback address get a guard', () => {
  const rules = guardRules([
    { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
    { containerPort: 53, protocol: 'udp', hostIp: '127.0.0.53', hostPort: 5353 },
    { containerPort: 81, protocol: 'tcp', hostIp: '', hostPort: 8081 },
    { containerPort: 82, protocol: 'tcp', hostIp: '192.168.1.5', hostPort: 8082 },
  ], 'berth abc def');
  assert.deepEqual(rules, [
    'PREROUTING -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 8080 -m comment --comment "berth abc def" -j DROP',
    'PREROUTING -d 127.0.0.53/32 ! -i lo -p udp -m udp --dport 5353 -m comment --comment "berth abc def" -j DROP',
  ]);
});

test('iptables-restore input targets the raw table and commits', () => {
  assert.equal(restoreInput('-D', ['PREROUTING -d 127.0.0.1/32 -j DROP']), '*raw\n-D PREROUTING -d 127.0.0.1/32 -j DROP\nCOMMIT\n');
});
