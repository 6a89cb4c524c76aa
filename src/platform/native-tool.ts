/** Paths of the compiled helpers in build/native (scripts/build-native.js). */
import * as path from 'node:path';
import { existsSync } from 'node:fs';

/** dist/src/<dir> → <repo>/build/native, or src/<dir> when run from source. */
export function nativeToolPath(name: string): string {
  for (const up of ['../../..', '../..']) {
    const p = path.resolve(__dirname, up, 'build/native', name);
    if (existsSync(p)) return p;
  }
  return path.resolve(__dirname, '../../../build/native', name);
}
