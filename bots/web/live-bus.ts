/**
 * Live pushes across app instances. The durable web inbox (WebInboxItem rows) stays the only
 * source of truth: whoever writes a push into a session's inbox — the outbox's web transport, or
 * `Channel.push` for a page not open on its own instance — announces the session id on the bus,
 * and every instance that holds an event stream or a long poll of that session takes the items
 * out of the inbox and shows them. Taking deletes each row with a conditional delete, so when two
 * instances hear the same announcement only one of them gets a given item: exactly once.
 *
 * One instance (the embedded SQLite default) uses {@link LocalLiveBus}; several instances on one
 * Redis use the Redis one (live-bus-redis.ts). A lost announcement loses nothing: the page takes
 * the inbox whenever it (re)connects or polls.
 */
import type { LiveHub } from "./live.js";
import type { WebPush } from "./messages.js";
import type { WebInbox } from "./inbox.js";

/** What a bus subscriber hears. */
export interface LiveBusListener {
  /** A session's inbox has new items (announced by any instance, this one included). */
  inbox(sessionId: string): void;
  /** Announcements may have been lost (the bus reconnected): check every open page. */
  missed?(): void;
}

/** Announces "this session's inbox has something" to every instance. */
export interface LiveBus {
  /** Announces new inbox items of a session; never throws (a failed announcement is logged). */
  publish(sessionId: string): void;
  /** Starts hearing announcements; returns the function that stops it. */
  subscribe(listener: LiveBusListener): () => void;
  /** Stops the bus; announcements after it are dropped. */
  close(): Promise<void>;
}

/** The bus of a single instance: announcements go to this process's subscribers only. */
export class LocalLiveBus implements LiveBus {
  private readonly listeners = new Set<LiveBusListener>();
  private closed = false;

  publish(sessionId: string): void {
    if (this.closed) return;
    // Delivered on a later tick, as Redis would: a publisher never runs a subscriber's work inline.
    queueMicrotask(() => {
      for (const listener of [...this.listeners]) listener.inbox(sessionId);
    });
  }

  subscribe(listener: LiveBusListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }
}

/** Minimal logger (pino's fits). */
export interface RelayLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * Moves a session's inbox into its open pages on this instance whenever asked ({@link relay}),
 * one run per session at a time so that pushes keep their order; a request during a run makes it
 * run once more (the items written meanwhile may have been missed by the take in progress).
 */
export class InboxRelay {
  /** Sessions being relayed; true: run again when done. */
  private readonly running = new Map<string, boolean>();

  constructor(
    private readonly hub: LiveHub,
    private readonly inbox: WebInbox,
    private readonly now: () => Date,
    private readonly logger: RelayLogger,
  ) {}

  /** Shows the session's waiting pushes on its open pages here, if it has any open. */
  relay(sessionId: string): void {
    if (this.running.has(sessionId)) {
      this.running.set(sessionId, true);
      return;
    }
    if (this.hub.listening(sessionId) === 0) return;
    this.running.set(sessionId, false);
    void this.run(sessionId);
  }

  /** Relays every session with an open page here (after announcements may have been lost). */
  relayAll(): void {
    for (const sessionId of this.hub.sessions()) this.relay(sessionId);
  }

  private async run(sessionId: string): Promise<void> {
    try {
      do {
        this.running.set(sessionId, false);
        await this.once(sessionId);
      } while (this.running.get(sessionId) === true);
    } catch (error) {
      // The items stay in the inbox (or were put back): the page gets them when it next connects.
      this.logger.warn({ err: error }, "waiting web pushes could not be shown live");
    } finally {
      this.running.delete(sessionId);
    }
  }

  private async once(sessionId: string): Promise<void> {
    if (this.hub.listening(sessionId) === 0) return;
    const taken = await this.inbox.take(sessionId, 50);
    for (let i = 0; i < taken.length; i++) {
      const push = taken[i] as WebPush;
      if (this.hub.deliver(sessionId, push)) continue;
      // The page went away (or a long poll took its one push): the rest waits for the next one.
      for (const left of taken.slice(i)) await this.inbox.put(sessionId, left, this.now());
      return;
    }
    // A full batch may have left more behind.
    if (taken.length === 50) this.running.set(sessionId, true);
  }
}
