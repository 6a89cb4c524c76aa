/** Builds small tarballs entry by entry (evil ones included) for the image tests. */
import { pack, type Headers } from 'tar-stream';

export type FixtureEntry = Headers & { pax?: Record<string, string>; body?: string | Buffer };

export async function makeTar(entries: FixtureEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((res, rej) => {
    p.on('end', res);
    p.on('error', rej);
  });
  for (const { body, ...h } of entries) {
    await new Promise<void>((res, rej) => p.entry({ mtime: new Date(1_600_000_000_000), ...h }, body ?? '', (e) => (e ? rej(e) : res())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
