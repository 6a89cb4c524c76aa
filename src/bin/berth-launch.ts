/**
 * bin/berth's entry. Runs the one-file CLI bundle (scripts/bundle-cli.js) compiled from
 * the V8 code cache made next to it at build time: reading ~30 modules and compiling
 * them on every command costs more than the command's own work. Falls back to tsc's
 * output when there is no bundle or it is older than that output (a `tsc` after the
 * last build), so the CLI always runs the current code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { createRequire, wrap } from 'node:module';

const BUNDLE = path.resolve(__dirname, '../../bundle/berth.js');
export const CODE_CACHE = `${BUNDLE}.cache`;

function mtimeMs(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

/** Written whole or not at all: another berth may be reading it. */
function writeCache(data: Buffer): void {
  const tmp = `${CODE_CACHE}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, CODE_CACHE);
  } catch {
    fs.rmSync(tmp, { force: true }); // read-only install: run without a cache
  }
}

export function launch(): void {
  const bundleTime = mtimeMs(BUNDLE);
  if (bundleTime < 0 || bundleTime < mtimeMs(path.join(__dirname, 'berth.js'))) {
    require('./berth');
    return;
  }
  // a cache older than the bundle belongs to an earlier one (V8 checks little more than the source length)
  const cachedData = mtimeMs(CODE_CACHE) >= bundleTime ? fs.readFileSync(CODE_CACHE) : undefined;
  const script = new vm.Script(wrap(fs.readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
  // none yet, or made by another Node or other V8 flags: make one from this run's compiled functions
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => writeCache(script.createCachedData()));
  const moduleWrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;
  const mod = { exports: {} };
  moduleWrapper.call(mod.exports, mod.exports, createRequire(BUNDLE), mod, BUNDLE, path.dirname(BUNDLE));
}
