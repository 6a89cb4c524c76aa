#!/usr/bin/env node
// Bundles the CLI (tsc's output under dist/src, commander included) into one file,
// dist/bundle/berth.js, that bin/berth loads with a V8 code cache: one file to read
// and compile instead of ~30 to resolve. `berth daemon` and `berth registry` keep
// requiring the engine from dist/src (kept out of the bundle: big, and never on a
// client's path).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'dist', 'bundle');
const outfile = path.join(outDir, 'berth.js');
const distSrc = path.join(root, 'dist', 'src');

/** The engine's entry points stay outside: required from dist/src at run time. */
const external = {
  name: 'engine-stays-outside',
  setup(build) {
    build.onResolve({ filter: /\/(daemon|registry)\/main$/ }, (args) => {
      const target = path.resolve(args.resolveDir, args.path) + '.js';
      if (!target.startsWith(distSrc + path.sep)) return undefined;
      const rel = path.relative(outDir, target).split(path.sep).join('/');
      return { path: rel.startsWith('.') ? rel : './' + rel, external: true };
    });
  },
};

/**
 * commander requires child_process at load (~2 ms, a sixth of the CLI's own start) only to
 * spawn executable subcommands, which berth has none of: it gets a spawn that loads it on use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'berth' } : undefined,
    );
    build.onLoad({ filter: /^lazy-child-process$/, namespace: 'berth' }, () => ({
      contents: "module.exports = { spawn: (...a) => require('node:child_process').spawn(...a) };",
      loader: 'js',
    }));
  },
};

esbuild
  .build({
    entryPoints: [path.join(distSrc, 'bin', 'berth.js')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [external, lazyChildProcess],
  })
  .then(() => {
    // caches made for an earlier bundle are useless (V8 would reject most, not all)
    fs.rmSync(path.join(outDir, 'cache'), { recursive: true, force: true });
  })
  .catch(() => process.exit(1));
