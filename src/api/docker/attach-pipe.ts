/**
 * Joins a hijacked client connection to a container or exec stream with
 * Docker's half-close rules: the client's end of input is passed on (the
 * stream decides whether that ends the attach, see container/attach.ts);
 * when the process' output ends the connection is closed.
 */
import type { Duplex } from 'node:stream';
import { encodeStdcopyFrame, STDERR, STDOUT, StdcopyStreamFilter, type StdStreamId } from '../http/stdcopy';

export interface PipeOptions {
  /** forward client input to the process */
  stdin: boolean;
  /**
   * a TTY process's raw output goes out as stdout frames: dockerd frames by the start request's Tty, not the
   * exec's, so an exec created with Tty and started without it is read with stdcopy
   */
  frameAsStdout?: boolean;
  /** multiplexed output: only these streams' frames go to the client (attach ?stdout=1 without stderr) */
  streams?: { stdout: boolean; stderr: boolean };
}

export function pipeAttach(client: Duplex, inner: Duplex, opts: PipeOptions): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (!client.writableEnded) client.end();
      resolve();
    };
    inner.on('error', finish);
    client.on('error', () => {
      inner.destroy();
      finish();
    });
    let filter: StdcopyStreamFilter | undefined;
    if (opts.streams && !(opts.streams.stdout && opts.streams.stderr)) {
      const keep = new Set<StdStreamId>();
      if (opts.streams.stdout) keep.add(STDOUT);
      if (opts.streams.stderr) keep.add(STDERR);
      filter = new StdcopyStreamFilter(keep);
    }
    inner.on('data', (chunk: Buffer) => {
      if (opts.streams && !opts.streams.stdout && !opts.streams.stderr) return; // asked for no output at all
      const b = filter ? filter.push(chunk) : chunk;
      if (!b.length) return;
      if (!client.write(opts.frameAsStdout ? encodeStdcopyFrame(STDOUT, b) : b)) {
        inner.pause();
        client.once('drain', () => inner.resume());
      }
    });
    inner.on('end', finish);
    inner.on('close', finish);
    client.on('close', () => {
      if (!inner.destroyed) inner.destroy();
      finish();
    });
    if (opts.stdin) {
      client.on('data', (b: Buffer) => {
        if (!inner.writableEnded) inner.write(b);
      });
      const onInputEnd = () => {
        if (!inner.writableEnded) inner.end();
      };
      // the client may have half-closed before we got here (its 'end' is gone by then)
      if (client.readableEnded) onInputEnd();
      else client.on('end', onInputEnd);
    } else {
      client.on('data', () => undefined); // drain: without stdin, client bytes are ignored
    }
  });
}
