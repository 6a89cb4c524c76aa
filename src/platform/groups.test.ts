import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lookupGroupId } from './groups';

test('lookupGroupId reads names from the group file and takes numbers as they are', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-groups-'));
  try {
    const file = path.join(dir, 'group');
    await fs.writeFile(file, 'root:x:0:\nberth:x:995:alice,bob\nbroken-line\n');
    assert.equal(await lookupGroupId('berth', file), 995);
    assert.equal(await lookupGroupId('root', file), 0);
    assert.equal(await lookupGroupId('1234', file), 1234);
    assert.equal(await lookupGroupId('docker', file), undefined);
    assert.equal(await lookupGroupId('berth', path.join(dir, 'missing')), undefined);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
