import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pastaArgs, pastaPortSpecs } from './pasta';

test('published ports as pasta forward specs, per protocol, loopback-only ones bound to their address', () => {
  const ports = [
    { containerPort: 80, protocol: 'tcp' as const, hostIp: '127.0.0.1', hostPort: 8080 },
    { containerPort: 443, protocol: 'tcp' as const, hostIp: '', hostPort: 8443 },
    { containerPort: 53, protocol: 'udp' as const, hostIp: '', hostPort: 5353 },
  ];
  assert.equal(pastaPortSpecs(ports, 'tcp'), '127.0.0.1/8080:80,8443:443');
  assert.equal(pastaPortSpecs(ports, 'udp'), '5353:53');
  assert.equal(pastaPortSpecs([], 'tcp'), 'none');
});

test('pasta joins the netns file, writes a pidfile, forwards nothing back to the host', () => {
  const a = pastaArgs('/run/user/1000/berth/netns/ns-1', '/run/user/1000/berth/pasta/x.pid', []);
  assert.deepEqual(a.slice(a.indexOf('--netns'), a.indexOf('--netns') + 2), ['--netns', '/run/user/1000/berth/netns/ns-1']);
  assert.deepEqual(a.slice(a.indexOf('--pid'), a.indexOf('--pid') + 2), ['--pid', '/run/user/1000/berth/pasta/x.pid']);
  for (const f of ['-t', '-u', '-T', '-U']) assert.equal(a[a.indexOf(f) + 1], 'none', f);
});
