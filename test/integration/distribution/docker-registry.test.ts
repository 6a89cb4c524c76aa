/**
 * Push and pull against Debian's docker-registry (the reference distribution
 * server), started with its own config on 127.0.0.1:<free port> and a temp
 * storage dir. Skipped, with the reason shown, when the binary is missing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReference } from '../../../src/image/reference';
import { pullImage } from '../../../src/image/distribution/pull';
import { pushImage } from '../../../src/image/distribution/push';
import { DOCKER_REGISTRY_BIN, hasDockerRegistry, importBusybox, openStore, recorder, startDockerRegistry } from './kit';

test('round trip through docker-registry: push, pull by tag and digest, re-push finds the layers', { skip: hasDockerRegistry() ? false : `${DOCKER_REGISTRY_BIN} is not installed` }, async (t) => {
  const { host } = await startDockerRegistry(t);
  const a = await openStore(t);
  const name = `${host}/rt/bb`;
  const id = await importBusybox(a, `${name}:v1`);
  const pushed = await pushImage(a.pushDeps, parseReference(`${name}:v1`), { onProgress: () => undefined });
  const b = await openStore(t);
  const byTag = await pullImage(b.pullDeps, parseReference(`${name}:v1`), { onProgress: () => undefined });
  assert.equal(byTag.id, id);
  assert.equal(byTag.digest, pushed.digest);
  const c = await openStore(t);
  const byDigest = await pullImage(c.pullDeps, parseReference(`${name}@${pushed.digest}`), { onProgress: () => undefined });
  assert.equal(byDigest.id, id);
  const again = recorder();
  await pushImage(a.pushDeps, parseReference(`${name}:v1`), { onProgress: again.sink });
  assert.ok(again.statuses().includes('Layer already exists'));
  await assert.rejects(pullImage(c.pullDeps, parseReference(`${name}:nope`), { onProgress: () => undefined }), {
    message: new RegExp(`^manifest for ${host.replace(/\./g, '\\.')}/rt/bb:nope not found: manifest unknown: manifest unknown`),
  });
});
