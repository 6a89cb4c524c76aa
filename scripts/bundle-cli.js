#!/usr/bin/env node
// Bundles the CLI (tsc's output under dist/src, commander included) into one file,
// dist/bundle/berth.js, and makes the V8 code cache that bin/berth
// (src/bin/berth-launch.ts) compiles it from: one file to read and little to compile
// instead of ~30 modules. `berth daemon` and `berth registry` keep requiring the
// engine from dist/src (big, and never on a client's path).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
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

/**
 * Makes the V8 code cache bin/berth compiles the bundle from: one `berth run --rm` against a
 * scripted daemon (create, attach, wait, start), so the cache holds the functions of the
 * common path, not only the top level (V8 compiles the rest lazily, after the cache is made).
 */
async function makeCodeCache() {
  const { CODE_CACHE } = require(path.join(distSrc, 'bin', 'berth-launch.js'));
  fs.rmSync(CODE_CACHE, { force: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-warm-'));
  const socket = path.join(dir, 'd.sock');
  const id = 'c0ffee'.padEnd(64, '0');
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url.endsWith('/containers/create')) {
      res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Id: id, Warnings: [] }));
    } else if (req.url.includes('/wait')) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ StatusCode: 0, Error: null }));
    } else {
      res.writeHead(204).end(); // start
    }
  });
  server.on('upgrade', (req, sock) => {
    const frame = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('ok\n')]);
    sock.end(Buffer.concat([Buffer.from('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n'), frame]));
  });
  await new Promise((r) => server.listen(socket, r));
  try {
    const bin = path.join(root, 'bin', 'berth');
    const child = spawn(process.execPath, [bin, '-H', `unix://${socket}`, 'run', '--rm', 'warm', 'true'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise((r) => child.on('exit', r));
    // not fatal: without a cache bin/berth still works, and makes one on its first run
    if (code !== 0 || !fs.existsSync(CODE_CACHE)) console.warn(`bundle-cli: no code cache (warm-up run exited ${code})`);
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

esbuild
  .build({
    entryPoints: [path.join(distSrc, 'bin', 'berth.js')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // whitespace and syntax only (names stay, for stacks): a third less source to read and scan
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [external, lazyChildProcess],
  })
  .then(makeCodeCache)
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
