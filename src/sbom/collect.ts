/**
 * The files an SBOM reads, taken from an image's layer tars (oldest first) with whiteouts applied, so the
 * result is what the image's merged filesystem shows. Streaming the tars keeps this free of mounts (nothing to
 * leak if the daemon dies mid-way) and of overlay xattr reading; only files a cataloger wants are kept.
 */
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';

/** A kept file: its bytes, or where it links to. */
export type ImageFile = { kind: 'file'; data: Buffer; layer: number } | { kind: 'symlink'; target: string; layer: number };

export class ImageFiles {
  readonly files = new Map<string, ImageFile>();

  /** A file's bytes, following symlinks (absolute or relative, a few hops) as the image would. */
  read(p: string): Buffer | undefined {
    let cur = normalize(p);
    for (let hop = 0; hop < 8; hop++) {
      const f = this.files.get(cur);
      if (!f) return undefined;
      if (f.kind === 'file') return f.data;
      cur = normalize(f.target.startsWith('/') ? f.target : `${dirname(cur)}/${f.target}`);
    }
    return undefined;
  }

  /** Kept regular files whose path matches, sorted by path. */
  matching(re: RegExp): Array<[string, Buffer]> {
    return [...this.files]
      .filter((e): e is [string, ImageFile & { kind: 'file' }] => e[1].kind === 'file' && re.test(e[0]))
      .map(([p, f]): [string, Buffer] => [p, f.data])
      .sort((a, b) => a[0].localeCompare(b[0]));
  }
}

/** Files bigger than this are not package databases (a dpkg status of a full desktop is ~5 MB). */
const MAX_FILE = 64 * 1024 * 1024;

/** Reads each layer tar in order; `wanted` says which paths (no leading slash) to keep. */
export async function collectImageFiles(layers: AsyncIterable<Readable> | Iterable<Promise<Readable>>, wanted: (p: string) => boolean): Promise<ImageFiles> {
  const out = new ImageFiles();
  let index = 0;
  for await (const stream of layers as AsyncIterable<Readable>) {
    await readLayer(stream, index++, out, wanted);
  }
  return out;
}

async function readLayer(stream: Readable, layer: number, out: ImageFiles, wanted: (p: string) => boolean): Promise<void> {
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.on('error', reject);
  });
  extract.on('entry', (header, body, next) => {
    const p = normalize(header.name);
    const base = p.slice(p.lastIndexOf('/') + 1);
    const dir = dirname(p);
    const drain = () => {
      body.on('end', () => next());
      body.resume();
    };
    if (base === '.wh..wh..opq') {
      // an opaque directory hides what lower layers had under it
      for (const [k, f] of out.files) if (f.layer < layer && k.startsWith(`${dir}/`)) out.files.delete(k);
      return drain();
    }
    if (base.startsWith('.wh.')) {
      const gone = `${dir ? `${dir}/` : ''}${base.slice(4)}`;
      for (const k of [...out.files.keys()]) if (k === gone || k.startsWith(`${gone}/`)) out.files.delete(k);
      return drain();
    }
    // a later layer's entry replaces the path, whatever it is (a directory over a file hides the file too)
    out.files.delete(p);
    if (!wanted(p)) return drain();
    if (header.type === 'symlink' && header.linkname) {
      out.files.set(p, { kind: 'symlink', target: header.linkname, layer });
      return drain();
    }
    if (header.type === 'link' && header.linkname) {
      const target = out.files.get(normalize(header.linkname));
      if (target) out.files.set(p, { ...target, layer });
      return drain();
    }
    if (header.type !== 'file' || (header.size ?? 0) > MAX_FILE) return drain();
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => chunks.push(c));
    body.on('end', () => {
      out.files.set(p, { kind: 'file', data: Buffer.concat(chunks), layer });
      next();
    });
  });
  stream.pipe(extract);
  await done;
}

/** "./usr//lib/x/" → "usr/lib/x" (tar names and link targets, never above the root). */
export function normalize(p: string): string {
  const parts: string[] = [];
  for (const s of p.split('/')) {
    if (!s || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return parts.join('/');
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
