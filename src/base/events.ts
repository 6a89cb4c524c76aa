import { EventEmitter } from 'node:events';

/** A domain event; api/docker serializes these to Docker's /events format. */
export interface EngineEvent {
  type: 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'builder';
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** nanoseconds since the epoch */
  timeNano: bigint;
}

/** dockerd keeps its last 256 events for `since`/`until` replays. */
export const EVENTS_KEPT = 256;

/** The engine's event bus, with a bounded history so `/events?since=` can replay. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly history: EngineEvent[] = [];
  private total = 0;
  private clients = 0;
  constructor(private readonly keep = EVENTS_KEPT) {
    this.emitter.setMaxListeners(0);
  }
  publish(e: Omit<EngineEvent, 'timeNano'> & { timeNano?: bigint }): void {
    const ev: EngineEvent = { ...e, timeNano: e.timeNano ?? nowNano() };
    this.total++;
    this.history.push(ev);
    if (this.history.length > this.keep) this.history.shift();
    this.emitter.emit('event', ev);
  }
  /** Kept events from `since` to `until` (ns, both inclusive, either open), oldest first. */
  replay(since: bigint | undefined, until: bigint | undefined): EngineEvent[] {
    return this.history.filter((e) => (since === undefined || e.timeNano >= since) && (until === undefined || e.timeNano <= until));
  }
  /** Events published since the engine started (engine_daemon_events_total). */
  get published(): number {
    return this.total;
  }
  /** Clients watching events (/events streams): /info's EventsListeners, engine_daemon_events_subscribers_total. */
  get clientSubscribers(): number {
    return this.clients;
  }
  /** As subscribe(), for a client's event stream: counted in clientSubscribers until unsubscribed. */
  subscribeClient(fn: (e: EngineEvent) => void): () => void {
    const off = this.subscribe(fn);
    this.clients++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.clients--;
      off();
    };
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
