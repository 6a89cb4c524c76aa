import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveHealthcheck, healthArgv, nextInterval } from './health';
import { defaultContainerSpec } from './spec';
import type { ContainerRecord } from './types';

const rec = (healthcheck?: ContainerRecord['spec']['healthcheck']): ContainerRecord => ({ spec: { ...defaultContainerSpec('img'), healthcheck } }) as ContainerRecord;

test('the container\'s healthcheck fields override the image\'s, zero fields fall back, then Docker\'s defaults', () => {
  const img = { Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 5e9, Retries: 7 };
  assert.deepEqual(effectiveHealthcheck(rec(), img), { test: img.Test, interval: 5e9, timeout: 30e9, startPeriod: 0, startInterval: 5e9, retries: 7 });
  assert.deepEqual(effectiveHealthcheck(rec({ test: [], interval: 1e9 }), img), { test: img.Test, interval: 1e9, timeout: 30e9, startPeriod: 0, startInterval: 5e9, retries: 7 });
  assert.deepEqual(effectiveHealthcheck(rec({ test: ['CMD', 'true'] }), undefined), { test: ['CMD', 'true'], interval: 30e9, timeout: 30e9, startPeriod: 0, startInterval: 5e9, retries: 3 });
});

test('NONE, or no test at all, means no healthcheck', () => {
  assert.equal(effectiveHealthcheck(rec({ test: ['NONE'] }), { Test: ['CMD', 'true'] }), undefined);
  assert.equal(effectiveHealthcheck(rec(), undefined), undefined);
  assert.equal(effectiveHealthcheck(rec(), { Test: ['NONE'] }), undefined);
});

test('CMD runs its argv; CMD-SHELL runs its script under /bin/sh -c', () => {
  assert.deepEqual(healthArgv(['CMD', 'cat', '/tmp/ok']), ['cat', '/tmp/ok']);
  assert.deepEqual(healthArgv(['CMD-SHELL', 'test -f /x || exit 1']), ['/bin/sh', '-c', 'test -f /x || exit 1']);
});

test('StartInterval (API 1.44) paces the checks while starting inside the start period, then Interval', () => {
  const cfg = effectiveHealthcheck(rec({ test: ['CMD', 'true'], interval: 30e9, startPeriod: 60e9, startInterval: 1e9 }), undefined)!;
  assert.equal(cfg.startInterval, 1e9);
  assert.equal(nextInterval(cfg, 0, 'starting'), 1e9);
  assert.equal(nextInterval(cfg, 59_000, 'starting'), 1e9);
  assert.equal(nextInterval(cfg, 60_000, 'starting'), 30e9, 'after the start period');
  assert.equal(nextInterval(cfg, 1_000, 'healthy'), 30e9, 'once healthy');
  // dockerd's default start interval is 5s; without a start period it never applies
  assert.equal(nextInterval(effectiveHealthcheck(rec({ test: ['CMD', 'true'], startPeriod: 10e9 }), undefined)!, 0, 'starting'), 5e9);
  assert.equal(nextInterval(effectiveHealthcheck(rec({ test: ['CMD', 'true'] }), undefined)!, 0, 'starting'), 30e9);
});
