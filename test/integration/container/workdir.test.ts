/**
 * The working directory is made at start inside the container's rootfs: an image whose
 * WORKDIR passes through a symlink to "/" must not make the daemon create host directories.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEngine, defaultContainerSpec, type Engine } from '../../../src/index';
import { makeBusyboxRootfs } from '../../kit/busybox';
import { cleanupRoots } from '../../kit/cleanup';
import { freeSubnet } from '../../kit/subnets';

let base: string;
let engine: Engine;
const roots = () => ({ dataRoot: path.join(base, 'data'), execRoot: path.join(base, 'run') });
const unique = `berth-wd-${process.pid}-${Date.now()}`;

describe('WORKDIR through an image symlink', () => {
  before(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-wd-'));
    const tag = path.basename(base).slice(-5).replace(/[^a-zA-Z0-9]/g, 'x');
    engine = await createEngine({ ...roots(), defaultBridge: { subnet: freeSubnet(), interfaceName: `bw${tag}` } });
    const rootfs = await makeBusyboxRootfs(path.join(base, 'rootfs'));
    await fs.symlink('/', path.join(rootfs, 'evil'));
    const tar = path.join(base, 'evil.tar');
    execFileSync('tar', ['-C', rootfs, '--numeric-owner', '-cf', tar, '.']);
    await engine.images.importRootfs(createReadStream(tar), { repo: 'evilwd', tag: 'latest', changes: [`WORKDIR /evil/tmp/${unique}`] });
  });
  after(async () => {
    await fs.rm(path.join('/tmp', unique), { recursive: true, force: true });
    await engine?.close();
    const r = roots();
    await cleanupRoots(r.dataRoot, r.execRoot);
    await fs.rm(base, { recursive: true, force: true });
  });

  test('the directory is made in the rootfs, none on the host, and the container starts in it', async () => {
    const { id } = await engine.containers.create({ ...defaultContainerSpec('evilwd'), cmd: ['sh', '-c', `test -d /tmp/${unique} && touch here`] });
    assert.equal((await engine.containers.inspect(id)).workingDir, `/evil/tmp/${unique}`);
    const waited = engine.containers.wait(id, { condition: 'next-exit' });
    await engine.containers.start(id);
    assert.deepEqual(await waited, { statusCode: 0 });
    assert.equal(existsSync(path.join('/tmp', unique)), false, 'a directory was created on the host');
    const upper = path.join(roots().dataRoot, 'containers', id, 'rw', 'upper');
    assert.ok(existsSync(path.join(upper, 'tmp', unique, 'here')), 'the working directory is not in the container');
    await engine.containers.remove(id);
  });
});
