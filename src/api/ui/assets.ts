/**
 * The dashboard's files as `npm run build` made them (dist/ui: index.html and content-hashed
 * assets/, each with .br and .gz twins), read into memory once: the whole page is a few tens of KB.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UnavailableError } from '../../base/errors';

/** dist/src/api/ui → dist/ui */
export const DEFAULT_UI_ASSETS = path.resolve(__dirname, '../../../ui');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  type: string;
  body: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  /** content-hashed names never change: cache for good; index.html is revalidated */
  immutable: boolean;
}

export type AssetTable = ReadonlyMap<string, Asset>;

export async function loadAssets(dir: string): Promise<AssetTable> {
  const files = await fs.readdir(dir, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
    throw new UnavailableError(`the web UI is not built (${e.code ?? e.message} at ${dir}): run npm run build`);
  });
  const table = new Map<string, Asset>();
  for (const rel of files) {
    const type = TYPES[path.extname(rel)];
    if (!type) continue; // .br/.gz twins are read with their file
    const file = path.join(dir, rel);
    const twin = (ext: string) => fs.readFile(file + ext).catch(() => undefined);
    const [body, br, gzip] = await Promise.all([fs.readFile(file), twin('.br'), twin('.gz')]);
    const url = '/' + rel.split(path.sep).join('/');
    table.set(url === '/index.html' ? '/' : url, { type, body, ...(br ? { br } : {}), ...(gzip ? { gzip } : {}), immutable: url.startsWith('/assets/') });
  }
  if (!table.has('/')) throw new UnavailableError(`the web UI is not built (no index.html in ${dir}): run npm run build`);
  return table;
}

/** false when there is no such asset */
export function sendAsset(table: AssetTable, urlPath: string, req: IncomingMessage, res: ServerResponse): boolean {
  const a = table.get(urlPath);
  if (!a) return false;
  const accept = String(req.headers['accept-encoding'] ?? '');
  const [body, encoding] = a.br && /\bbr\b/.test(accept) ? [a.br, 'br'] : a.gzip && /\bgzip\b/.test(accept) ? [a.gzip, 'gzip'] : [a.body, undefined];
  res.statusCode = 200;
  res.setHeader('Content-Type', a.type);
  res.setHeader('Content-Length', body.length);
  res.setHeader('Cache-Control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  res.setHeader('Vary', 'Accept-Encoding');
  if (encoding) res.setHeader('Content-Encoding', encoding);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
