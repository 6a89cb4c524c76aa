/** `berth sbom IMAGE`: GET /images/{name}/sbom (Berth's own), the document to stdout or a file. */
import * as fs from 'node:fs';
import type { CommandModule } from '../../command-module';

export const command: CommandModule<{ format?: string; output?: string }> = {
  usage: '[OPTIONS] IMAGE',
  description: "List an image's packages (dpkg, apk, npm, PyPI, Cargo and Go lock files) as an SBOM",
  flags: [
    { flags: '--format', key: 'format', kind: 'string', description: 'Document format: "spdx-json" (SPDX 2.3) or "cyclonedx-json" (CycloneDX 1.5)', default: 'spdx-json' },
    { flags: '-o, --output', key: 'output', kind: 'string', description: 'Write to a file instead of STDOUT' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, [name], f) {
    const client = await ctx.client();
    const doc = await client.images.sbom(name!, f.format ?? 'spdx-json');
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    if (f.output) fs.writeFileSync(f.output, text);
    else ctx.out.write(text);
    return 0;
  },
};
