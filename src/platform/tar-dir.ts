/** A directory as a tar stream (for `docker export`), via GNU tar which handles every file type and xattr. */
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { InternalError } from '../base/errors';

/**
 * Settles once tar wrote its first bytes or ended, so a tar that cannot start, or fails before
 * writing, is an error the caller can still answer with a status. A later failure errors the
 * stream (a consumer must not take a cut archive for a whole one). `tarBin` is for tests.
 */
export function tarDirectory(dir: string, tarBin = 'tar'): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const child = spawn(tarBin, ['-C', dir, '--numeric-owner', '--xattrs', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new PassThrough();
    let state: 'pending' | 'handed' | 'failed' = 'pending';
    let stderr = '';
    const fail = (e: Error) => {
      // a spawn error is followed by 'close': one failure is enough
      if (state === 'handed') out.destroy(e);
      else if (state === 'pending') reject(e);
      if (state === 'pending') state = 'failed';
    };
    const ready = () => {
      if (state !== 'pending') return;
      state = 'handed';
      resolve(out);
    };
    child.on('error', (e) => fail(new InternalError(`cannot run tar: ${e.message}`, 'TAR_FAILED', { cause: e })));
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString();
    });
    child.stdout.once('data', ready);
    child.stdout.pipe(out, { end: false });
    child.on('close', (code, signal) => {
      // 1 is GNU tar's "some files changed as we read them": a running container's archive is still whole
      if (code === 0 || code === 1) {
        out.end();
        ready();
      } else {
        fail(new InternalError(`tar failed (${code ?? signal}): ${stderr.trim()}`, 'TAR_FAILED'));
      }
    });
    // the consumer went away (a client that hung up): tar need not go on
    out.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    });
  });
}
