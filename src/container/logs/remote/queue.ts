/**
 * The sending side of a remote driver: a bounded queue in front of one connection. The pump enqueues
 * and goes on (the container never waits for the network); a sender loop drains the queue over the
 * transport, reconnecting with a growing delay. When the queue holds more than `limitBytes` (the sink is
 * slower than the container, or unreachable), the OLDEST queued messages are dropped to make room: the
 * newest output is the most useful, and the daemon's memory stays bounded. Drops are counted and logged
 * once per burst. A message the transport failed to send is retried after reconnecting, not dropped.
 */
import type { Logger } from '../../../base/logger';
import type { Transport } from './transport';

export const DEFAULT_QUEUE_BYTES = 1024 * 1024;
const MAX_BACKOFF_MS = 5000;

export class SendQueue {
  private q: Buffer[] = [];
  private head = 0;
  private bytes = 0;
  private wake: (() => void) | undefined;
  private closing = false;
  dropped = 0;
  private readonly loop: Promise<void>;

  constructor(private readonly transport: Transport, private readonly limitBytes: number, private readonly logger: Logger) {
    this.loop = this.run();
  }

  push(msg: Buffer): void {
    if (this.closing) return;
    this.q.push(msg);
    this.bytes += msg.length;
    let droppedNow = 0;
    while (this.bytes > this.limitBytes && this.q.length - this.head > 1) {
      this.bytes -= this.q[this.head]!.length;
      this.q[this.head++] = EMPTY;
      droppedNow++;
    }
    if (droppedNow) {
      if (this.dropped === 0 || this.dropped % 10000 < droppedNow) this.logger.warn({ dropped: this.dropped + droppedNow }, 'log sink is slower than the container: oldest queued messages dropped');
      this.dropped += droppedNow;
    }
    if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
    this.wake?.();
  }

  /** Gives the queue up to `graceMs` to empty, then closes the connection (what is left is dropped). */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    const t = setTimeout(() => this.transport.close(), graceMs);
    this.wake?.();
    await this.loop;
    clearTimeout(t);
    this.transport.close();
  }

  private async run(): Promise<void> {
    let backoff = 100;
    for (;;) {
      if (this.head >= this.q.length) {
        if (this.closing) return;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      // everything queued goes out in one write where the transport allows it
      const batch = this.q.slice(this.head);
      try {
        await this.transport.send(batch);
        for (const m of batch) this.bytes -= m.length;
        this.head += batch.length;
        backoff = 100;
      } catch (e) {
        if (this.transport.closed) return;
        this.logger.debug({ err: String(e) }, 'log sink unreachable; retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}

const EMPTY = Buffer.alloc(0);
