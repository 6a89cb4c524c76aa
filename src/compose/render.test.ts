import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadProject } from './loader';
import type { ComposeProject } from './loader/model';
import { goDuration, renderProject } from './render';

test('durations print as Go does', () => {
  assert.equal(goDuration(90e9), '1m30s');
  assert.equal(goDuration(3600e9), '1h');
  assert.equal(goDuration(5e8), '500ms');
  assert.equal(goDuration(0), '0s');
});

/** What a re-load must give back: everything but the env files already applied. */
const model = (p: ComposeProject) => Object.fromEntries(Object.entries(p.services).map(([k, s]) => [k, { ...s, envFiles: [] }]));

test('every awesome-compose sample renders to a file that loads back to the same services, networks and volumes', async () => {
  const root = path.resolve(__dirname, '../../../test/conformance/data/compose/awesome-compose');
  const samples = readdirSync(root).filter((d) => existsSync(path.join(root, d, 'compose.yaml')) || existsSync(path.join(root, d, 'compose.yml')));
  assert.ok(samples.length >= 39);
  for (const sample of samples) {
    const dir = path.join(root, sample);
    const p = await loadProject({ workingDir: dir, env: { HOME: '/home/sample' } });
    const rendered = path.join(dir, '.berth-rendered.yaml');
    await fs.writeFile(rendered, renderProject(p));
    try {
      // `$` in values was already interpolated: the rendered file escapes nothing, so load it without an env that could expand
      const again = await loadProject({ workingDir: dir, files: [rendered], env: { HOME: '/home/sample' } });
      assert.deepEqual(model(again), model(p), sample);
      assert.deepEqual(again.networks, p.networks, sample);
      assert.deepEqual(again.volumes, p.volumes, sample);
      assert.deepEqual(again.secrets, p.secrets, sample);
      assert.deepEqual(again.configs, p.configs, sample);
    } finally {
      await fs.rm(rendered, { force: true });
    }
  }
});
