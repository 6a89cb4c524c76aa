import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveHealthcheck, healthArgv } from './health';
import { defaultContainerSpec } from './spec';
import type { ContainerRecord } from './types';

const rec = (healthcheck?: ContainerRecord['spec']['healthcheck']): ContainerRecord => ({ spec: { ...defaultContainerSpec('img'), healthcheck } }) as ContainerRecord;

test('the container\'s healthcheck fields override the image\'s, zero fields fall back, then Docker\'s defaults', () => {
  const img = { Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 5e9, Retries: 7 };
  assert.deepEqual(effectiveHealthcheck(rec(), img), { test: img.Test, interval: 5e9, timeout: 30e9, startPeriod: 0, retries: 7 });
  assert.deepEqual(effectiveHealthcheck(rec({ test: [], interval: 1e9 }), img), { test: img.Test, interval: 1e9, timeout: 30e9, startPeriod: 0, retries: 7 });
  assert.deepEqual(effectiveHealthcheck(rec({ test: ['CMD', 'true'] }), undefined), { test: ['CMD', 'true'], interval: 30e9, timeout: 30e9, startPeriod: 0, retries: 3 });
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
