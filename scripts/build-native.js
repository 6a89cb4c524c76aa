#!/usr/bin/env node
// Compiles each native/<name>.c into build/native/<name>. These are the small
// pieces Node cannot do itself (SOCK_SEQPACKET, SCM_RIGHTS, mknod, xattrs).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const src = path.join(root, 'native');
const out = path.join(root, 'build', 'native');
fs.mkdirSync(out, { recursive: true });
// a header (the helpers' shared bits) counts for every program
const headersMtime = Math.max(0, ...fs.readdirSync(src).filter((f) => f.endsWith('.h')).map((f) => fs.statSync(path.join(src, f)).mtimeMs));
for (const f of fs.readdirSync(src)) {
  if (!f.endsWith('.c')) continue;
  const name = f.slice(0, -2);
  const target = path.join(out, name);
  const srcFile = path.join(src, f);
  if (fs.existsSync(target) && fs.statSync(target).mtimeMs >= Math.max(fs.statSync(srcFile).mtimeMs, headersMtime)) continue;
  execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', target, srcFile], { stdio: 'inherit' });
}
