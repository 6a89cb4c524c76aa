/**
 * Signatures, cosign's way (simple signing, `sha256-<digest>.sig` tags), against Berth's registry: `berth trust
 * sign` and `verify` with keys made in the test, and a daemon whose signature policy pulls and runs only images
 * signed by a trusted key under the scope it names.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { startDaemon, cli, BERTH, type TestDaemon } from '../../kit/daemon';
import { makeBusyboxTar } from '../../kit/busybox';
import { startBerthRegistry, type LocalRegistry } from '../docker-cli/local-registries';

let reg: LocalRegistry;
let signer: TestDaemon;
let guarded: TestDaemon;
const run = (d: TestDaemon, args: string[]) => cli(BERTH, d, args, { timeoutMs: 120_000 });

function keyPair(type: 'ec' | 'ed25519'): { priv: string; pub: string } {
  const k = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { priv: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pub: k.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

describe('berth trust and the signature policy', () => {
  const files: Record<string, string> = {};
  before(async () => {
    reg = await startBerthRegistry();
    signer = await startDaemon('tsig');
    const trusted = keyPair('ec');
    const other = keyPair('ed25519');
    for (const [name, text] of Object.entries({ 'trusted.key': trusted.priv, 'trusted.pub': trusted.pub, 'other.key': other.priv, 'other.pub': other.pub })) {
      files[name] = path.join(signer.base, name);
      await fs.writeFile(files[name]!, text, { mode: 0o600 });
    }
    assert.equal((await run(signer, ['import', await makeBusyboxTar(path.join(signer.base, 'bb.tar')), 'bb:latest'])).code, 0);
    for (const name of ['signed/app:1', 'signed/unsigned:1', 'signed/wrongkey:1', 'open/free:1']) {
      assert.equal((await run(signer, ['tag', 'bb', `${reg.host}/${name}`])).code, 0);
      const p = await run(signer, ['push', `${reg.host}/${name}`]);
      assert.equal(p.code, 0, p.stderr);
    }
    const policy = path.join(signer.base, 'policy.json');
    await fs.writeFile(policy, JSON.stringify({ registries: { [`${reg.host}/signed`]: { keys: [files['trusted.pub']] } } }));
    guarded = await startDaemon('tpol', { args: ['--signature-policy', policy] });
  });
  after(async () => {
    await guarded?.close();
    await signer?.close();
    await reg?.close();
  });

  test('sign, then verify with the right key; an unsigned image and one signed by another key fail in words', async () => {
    const s = await run(signer, ['trust', 'sign', '--key', files['trusted.key']!, `${reg.host}/signed/app:1`]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /^Signed .*signed\/app:1@sha256:[0-9a-f]{64} \(sha256-[0-9a-f]{64}\.sig\)\n$/);
    assert.equal((await run(signer, ['trust', 'sign', '--key', files['other.key']!, `${reg.host}/signed/wrongkey:1`])).code, 0);

    const ok = await run(signer, ['trust', 'verify', '--key', files['other.pub']!, '--key', files['trusted.pub']!, `${reg.host}/signed/app:1`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Verified .* with .*trusted\.pub/);
    const unsigned = await run(signer, ['trust', 'verify', '--key', files['trusted.pub']!, `${reg.host}/signed/unsigned:1`]);
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.stderr, /is not signed: no signatures found/);
    const wrong = await run(signer, ['trust', 'verify', '--key', files['trusted.pub']!, `${reg.host}/signed/wrongkey:1`]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /is not signed by a trusted key/);
    // a second signature by another key is added beside the first, and either key verifies
    assert.equal((await run(signer, ['trust', 'sign', '--key', files['other.key']!, `${reg.host}/signed/app:1`])).code, 0);
    assert.equal((await run(signer, ['trust', 'verify', '--key', files['other.pub']!, `${reg.host}/signed/app:1`])).code, 0);
    assert.equal((await run(signer, ['trust', 'verify', '--key', files['trusted.pub']!, `${reg.host}/signed/app:1`])).code, 0);
  });

  test('under the policy: a signed image pulls and runs; unsigned or wrongly signed ones are refused, and nothing is stored', async () => {
    const pull = await run(guarded, ['pull', `${reg.host}/signed/app:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    const r = await run(guarded, ['run', '--rm', '--network', 'none', `${reg.host}/signed/app:1`, 'echo', 'trusted']);
    assert.deepEqual([r.code, r.stdout], [0, 'trusted\n']);
    for (const [name, words] of [['signed/unsigned:1', /is not signed: no signatures found/], ['signed/wrongkey:1', /is not signed by a trusted key/]] as const) {
      const p = await run(guarded, ['pull', `${reg.host}/${name}`]);
      assert.equal(p.code, 1, `${name}: ${p.stdout}`);
      assert.match(p.stderr, words);
    }
    const images = await run(guarded, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.deepEqual(images.stdout.trim().split('\n'), [`${reg.host}/signed/app:1`]);
    // outside the scope the policy says nothing
    assert.equal((await run(guarded, ['pull', `${reg.host}/open/free:1`])).code, 0);
  });

  test('under the policy: a local image tagged into the scope does not run, it was never verified', async () => {
    // an image of its own (an import makes a new config, so a new id that no pull verified)
    const imp = await run(guarded, ['import', '--message', 'local', await makeBusyboxTar(path.join(guarded.base, 'bb.tar')), `${reg.host}/signed/local:1`]);
    assert.equal(imp.code, 0, imp.stderr);
    const r = await run(guarded, ['run', '--rm', '--network', 'none', `${reg.host}/signed/local:1`, 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /is not verified: the signature policy requires images under .*\/signed to be pulled with a signature by a trusted key/);
    assert.equal((await run(guarded, ['ps', '-aq'])).stdout, '', 'no container was made');
  });
});
