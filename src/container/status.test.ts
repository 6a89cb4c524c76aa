import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canStart, canKill, canRemove, canExec, canPause, canUnpause } from './status';

test('a created or exited container can start, a running one cannot', () => {
  assert.equal(canStart('created'), true);
  assert.equal(canStart('exited'), true);
  assert.equal(canStart('running'), false);
  assert.equal(canStart('paused'), false);
});

test('only running or paused containers can be killed', () => {
  assert.equal(canKill('running'), true);
  assert.equal(canKill('paused'), true);
  assert.equal(canKill('exited'), false);
  assert.equal(canKill('created'), false);
});

test('rm without force refuses running, paused and restarting containers', () => {
  assert.equal(canRemove('running'), false);
  assert.equal(canRemove('paused'), false);
  assert.equal(canRemove('restarting'), false);
  assert.equal(canRemove('exited'), true);
  assert.equal(canRemove('created'), true);
});

test('exec needs a running (not paused) container; pause and unpause are inverse', () => {
  assert.equal(canExec('running'), true);
  assert.equal(canExec('paused'), false);
  assert.equal(canPause('running'), true);
  assert.equal(canPause('paused'), false);
  assert.equal(canUnpause('paused'), true);
  assert.equal(canUnpause('running'), false);
});
