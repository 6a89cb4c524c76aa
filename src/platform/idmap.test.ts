import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextFreeStart, parseSubIds, procMapText, toContainer, toHost, toMappings } from './idmap';

const SUBUID = 'alice:100000:65536\n# comment\nberthremap:165536:65536\n1001:300000:1000\nberthremap:400000:10\nbroken:x:1\n';

describe('subordinate ID ranges', () => {
  it('finds a user\'s ranges by name or numeric ID, in file order', () => {
    assert.deepEqual(parseSubIds(SUBUID, 'berthremap'), [{ start: 165536, size: 65536 }, { start: 400000, size: 10 }]);
    assert.deepEqual(parseSubIds(SUBUID, 'bob', 1001), [{ start: 300000, size: 1000 }]);
    assert.deepEqual(parseSubIds(SUBUID, 'nobody'), []);
    assert.deepEqual(parseSubIds(SUBUID, 'broken'), []);
  });
  it('stacks ranges from container ID 0, as dockerd does', () => {
    const maps = toMappings(parseSubIds(SUBUID, 'berthremap'));
    assert.deepEqual(maps, [{ containerID: 0, hostID: 165536, size: 65536 }, { containerID: 65536, hostID: 400000, size: 10 }]);
    assert.equal(toHost(maps, 0), 165536);
    assert.equal(toHost(maps, 65537), 400001);
    assert.equal(toHost(maps, 65546), undefined);
    assert.equal(toContainer(maps, 165537), 1);
    assert.equal(toContainer(maps, 0), undefined);
    assert.equal(procMapText(maps), '0 165536 65536\n65536 400000 10');
  });
  it('hands out a new range above every range taken', () => {
    assert.equal(nextFreeStart(''), 100000);
    assert.equal(nextFreeStart(SUBUID), 400010);
  });
});
