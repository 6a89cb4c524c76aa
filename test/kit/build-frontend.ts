/**
 * The Dockerfile of the frontend-1.x end-to-end tests (a here-document, a cache mount,
 * a secret and two stages that do not depend on each other), and a check that a
 * value appears nowhere in an image as `docker save` writes it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { Readable } from 'node:stream';

/** A build context dir under `parent` from a map of relative path → content. */
export async function writeContext(parent: string, files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(parent, 'ctx-'));
  for (const [rel, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), content);
  }
  return dir;
}

export const SECRET_VALUE = 'not-in-any-layer-7f3a9c';

export const FRONTEND_DOCKERFILE = [
  '# syntax=docker/dockerfile:1.7',
  'FROM bb AS left',
  'ARG SYNC',
  // the two stages meet through a shared cache mount: neither step ends unless both run at once
  'RUN --mount=type=cache,target=/sync,id=sync-$SYNC touch /sync/left && i=0 && while [ ! -f /sync/right ]; do i=$((i+1)); [ $i -lt 600 ] || exit 9; sleep 0.1; done',
  'RUN <<EOF',
  'mkdir /out',
  'echo left > /out/left',
  'EOF',
  '',
  'FROM bb AS right',
  'ARG WHO=nobody',
  'ARG SYNC',
  'RUN --mount=type=cache,target=/sync,id=sync-$SYNC touch /sync/right && i=0 && while [ ! -f /sync/left ]; do i=$((i+1)); [ $i -lt 600 ] || exit 9; sleep 0.1; done',
  "RUN --mount=type=cache,target=/cache,id=fe-cache <<'EOF'",
  'touch /cache/build-$(cat /proc/sys/kernel/random/uuid)',
  'ls /cache | wc -l > /count',
  'EOF',
  'COPY <<EOF /greeting',
  'hello ${WHO}',
  'EOF',
  '',
  'FROM bb',
  'COPY --from=left /out/left /left',
  'COPY --from=right /count /greeting /',
  'RUN --mount=type=secret,id=token <<EOF',
  'if [ -f /run/secrets/token ]; then wc -c < /run/secrets/token; else echo none; fi > /token-info',
  'EOF',
  'CMD ["sh", "-c", "cat /left /count /greeting /token-info"]',
].join('\n');

/** Whether `needle` occurs in any file of a `docker save` tar, layers unpacked (gzip too). */
export async function saveContains(saved: Buffer, needle: string): Promise<boolean> {
  if (saved.includes(needle)) return true;
  const found: boolean[] = [];
  const scan = async (buf: Buffer): Promise<void> => {
    const ex = tar.extract();
    const done = new Promise<void>((resolve, reject) => {
      ex.on('entry', (_h, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          let body = Buffer.concat(chunks);
          if (body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
          found.push(body.includes(needle));
          if (body.length >= 512 && body.subarray(257, 262).toString('latin1') === 'ustar') scan(body).then(() => next(), reject);
          else next();
        });
      });
      ex.on('finish', resolve);
      ex.on('error', reject);
    });
    Readable.from([buf]).pipe(ex);
    await done;
  };
  await scan(saved);
  return found.includes(true);
}
