import { EventEmitter } from 'node:events';

/** A domain event; api/docker serializes these to Docker's /events format. */
export interface EngineEvent {
  type: 'container' | 'image' | 'network' | 'volume' | 'daemon';
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** nanoseconds since the epoch */
  timeNano: bigint;
}

/** The engine's event bus, with a bounded history so `/events?since=` can replay. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly history: EngineEvent[] = [];
  constructor(private readonly keep = 1000) {
    this.emitter.setMaxListeners(0);
  }
  publish(e: Omit<EngineEvent, 'timeNano'> & { timeNano?: bigint }): void {
    const ev: EngineEvent = { ...e, timeNano: e.timeNano ?? nowNano() };
    this.history.push(ev);
    if (this.history.length > this.keep) this.history.shift();
    this.emitter.emit('event', ev);
  }
  since(timeNano: bigint): EngineEvent[] {
    return this.history.filter((e) => e.timeNano >= timeNano);
  }
  subscribe(fn: (e: EngineEvent) => void): () => void {
    // one subscriber's failure must not reach the publisher (an exit handler) nor starve the others
    const safe = (e: EngineEvent) => {
      try {
        fn(e);
      } catch (err) {
        process.emitWarning(`event subscriber failed on ${e.type} ${e.action}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      }
    };
    this.emitter.on('event', safe);
    return () => this.emitter.off('event', safe);
  }
}

export function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}
