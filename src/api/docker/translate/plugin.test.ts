import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pluginNotFound, validatePluginListFilters } from './plugin';

test('plugin list filters: only enabled and capability, enabled a boolean', () => {
  assert.doesNotThrow(() => validatePluginListFilters({ enabled: ['true'], capability: ['volumedriver'] }));
  assert.throws(() => validatePluginListFilters({ foo: ['x'] }), /invalid filter 'foo'/);
  assert.throws(() => validatePluginListFilters({ enabled: ['maybe'] }), /invalid filter 'enabled=maybe'/);
  assert.equal(pluginNotFound('x').message, 'plugin "x" not found');
});
