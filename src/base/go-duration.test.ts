import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goDurationString } from './go-duration';

test('durations read as Go prints them', () => {
  assert.equal(goDurationString(0), '0s');
  assert.equal(goDurationString(50e6), '50ms');
  assert.equal(goDurationString(1.5e9), '1.5s');
  assert.equal(goDurationString(30e9), '30s');
  assert.equal(goDurationString(90e9), '1m30s');
  assert.equal(goDurationString(3600e9), '1h0m0s');
  assert.equal(goDurationString(1500), '1.5µs');
  assert.equal(goDurationString(100), '100ns');
  assert.equal(goDurationString(1_000_500_000), '1.0005s');
});
