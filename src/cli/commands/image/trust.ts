/**
 * `berth trust sign|verify IMAGE --key FILE`: cosign-style signatures at the image's registry, through
 * POST /images/{name}/sign|verify (Berth's own). The daemon talks to the registry, with the CLI's credentials.
 */
import * as fs from 'node:fs';
import type { CommandModule } from '../../command-module';
import { CliExit } from '../../exit-codes';
import { encodeRegistryAuth, readCredentials, registryOfRepository } from '../../auth/credential-file';
import { normalizeReference } from '../../requests/image-reference';

function readKey(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliExit(125, `cannot read key ${file}: ${(e as Error).message}`);
  }
}

async function authFor(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  return encodeRegistryAuth(await readCredentials(env, registryOfRepository(normalizeReference(name).repository)));
}

export const sign: CommandModule<{ key?: string }> = {
  usage: '[OPTIONS] IMAGE',
  description: "Sign an image's manifest at its registry (cosign simple signing, a sha256-<digest>.sig tag)",
  flags: [{ flags: '--key', key: 'key', kind: 'string', description: 'PEM private key file (ECDSA P-256, RSA or Ed25519; unencrypted)' }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    if (!f.key) throw new CliExit(125, 'sign needs a private key: --key FILE');
    const client = await ctx.client();
    const r = await client.images.sign(name!, readKey(f.key), await authFor(ctx.env, name!));
    ctx.out.write(`Signed ${name}@${r.Digest} (${r.SignatureTag})\n`);
    return 0;
  },
};

export const verify: CommandModule<{ key: string[] }> = {
  usage: '[OPTIONS] IMAGE',
  description: 'Verify that an image at its registry carries a signature by one of the keys',
  flags: [{ flags: '--key', key: 'key', kind: 'list', description: 'PEM public key file (repeatable: any one may verify)' }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    if (!f.key.length) throw new CliExit(125, 'verify needs a public key: --key FILE');
    const client = await ctx.client();
    const r = await client.images.verify(name!, f.key.map(readKey), await authFor(ctx.env, name!));
    ctx.out.write(`Verified ${name}@${r.Digest} with ${f.key[r.KeyIndex]}\n`);
    return 0;
  },
};
