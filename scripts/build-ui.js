#!/usr/bin/env node
// Builds the web dashboard (ui/) into dist/ui: type-checks it with its own tsconfig (DOM types, kept
// out of the backend's), bundles ui/src/main.tsx with esbuild (Preact, minified, content-hashed
// names), writes index.html naming those files, and a .br and .gz twin of each file for the daemon to
// serve as they are (src/api/ui/assets.ts).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'ui');
const out = path.join(root, 'dist', 'ui');

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(src, 'tsconfig.json')], { stdio: 'inherit' });

fs.rmSync(out, { recursive: true, force: true });
const result = esbuild.buildSync({
  entryPoints: [path.join(src, 'src', 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: path.join(out, 'assets'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((f) => path.resolve(root, f));
const url = (ext) => {
  const f = outputs.find((o) => o.endsWith(ext));
  if (!f) throw new Error(`build-ui: esbuild wrote no ${ext} file`);
  return '/' + path.relative(out, f).split(path.sep).join('/');
};
const html = fs.readFileSync(path.join(src, 'index.html'), 'utf8').replace('%CSS%', url('.css')).replace('%JS%', url('.js'));
fs.writeFileSync(path.join(out, 'index.html'), html);

let raw = 0;
let br = 0;
for (const f of [path.join(out, 'index.html'), ...outputs]) {
  const body = fs.readFileSync(f);
  const b = zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  fs.writeFileSync(f + '.br', b);
  fs.writeFileSync(f + '.gz', zlib.gzipSync(body, { level: 9 }));
  raw += body.length;
  br += b.length;
}
console.log(`build-ui: dist/ui ${raw} bytes, ${br} brotli`);
