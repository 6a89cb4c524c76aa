import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateAddress, chooseSubnet, formatSubnet, isAssignable, macForAddress, overlaps, parseProcNetRoute, parseSubnet } from './ipam';

test('parseSubnet rejects host bits and garbage', () => {
  assert.deepEqual(formatSubnet(parseSubnet('10.99.0.0/24')), '10.99.0.0/24');
  assert.throws(() => parseSubnet('10.99.0.1/24'), /invalid subnet/);
  assert.throws(() => parseSubnet('10.99.0.0'), /invalid CIDR address: 10.99.0.0/);
  assert.throws(() => parseSubnet('300.1.1.0/24'), /invalid CIDR/);
});

test('overlaps compares on the shorter prefix', () => {
  assert.equal(overlaps(parseSubnet('10.0.0.0/8'), parseSubnet('10.99.0.0/24')), true);
  assert.equal(overlaps(parseSubnet('10.99.1.0/24'), parseSubnet('10.99.0.0/24')), false);
});

test('allocateAddress skips gateway, used, network and broadcast', () => {
  const s = parseSubnet('10.5.0.0/30');
  assert.equal(allocateAddress(s, '10.5.0.1', []), '10.5.0.2');
  assert.equal(allocateAddress(s, '10.5.0.1', ['10.5.0.2']), undefined);
  assert.equal(allocateAddress(parseSubnet('10.5.0.0/24'), '10.5.0.1', [], parseSubnet('10.5.0.128/25')), '10.5.0.128');
});

test('isAssignable', () => {
  const s = parseSubnet('10.5.0.0/24');
  assert.equal(isAssignable(s, '10.5.0.1', '10.5.0.50'), true);
  assert.equal(isAssignable(s, '10.5.0.1', '10.5.0.1'), false);
  assert.equal(isAssignable(s, '10.5.0.1', '10.5.0.255'), false);
  assert.equal(isAssignable(s, '10.5.0.1', '10.6.0.2'), false);
});

test('chooseSubnet skips taken pools', () => {
  assert.equal(formatSubnet(chooseSubnet([parseSubnet('172.17.0.0/16')])!), '172.18.0.0/16');
  assert.equal(formatSubnet(chooseSubnet([parseSubnet('172.16.0.0/12')])!), '192.168.0.0/20');
});

test('macForAddress follows Docker 02:42 scheme', () => {
  assert.equal(macForAddress('10.99.0.50'), '02:42:0a:63:00:32');
});

test('parseProcNetRoute', () => {
  const text = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n' +
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' +
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n';
  assert.deepEqual(parseProcNetRoute(text).map(formatSubnet), ['192.0.2.0/24']);
});
