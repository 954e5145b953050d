/**
 * Open chat pages, by web session: what `Channel.push` reaches while a page is open. A page
 * listens through server-sent events, or by long polling where EventSource is missing.
 *
 * Each event stream holds a connection for as long as the page is open, so their number is
 * capped: per session (a resident's tabs; the newest wins, as the tab just opened is the one being
 * looked at) and overall (beyond it a new page is refused, and retries later).
 */
import type { ServerResponse } from "node:http";
import type { WebPush } from "./messages.js";

type Listener = (push: WebPush) => boolean;

/** Caps on open event streams. */
export interface LiveLimits {
  /** Streams one session may hold; opening one more closes its oldest. Default 3. */
  streamsPerSession?: number;
  /** Streams of all sessions together; beyond it {@link LiveHub.hasRoom} is false. Default 2000. */
  streams?: number;
}

/**
 * The event a stream gets before it is closed for a newer one of its session. The page stops
 * listening instead of reconnecting (which would close the next oldest tab, and so on in turn).
 */
export const SUPERSEDED_EVENT = "superseded";

/** One open event stream. */
interface OpenStream {
  listener: Listener;
  /** Ends the stream; `superseded`: tell the page first that a newer one took over. */
  close(superseded: boolean): void;
}

/** The pages currently listening, and delivery to them. */
export class LiveHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closers = new Set<() => void>();
  /** Open streams by session, oldest first. */
  private readonly streams = new Map<string, OpenStream[]>();
  private streamCount = 0;
  private readonly perSession: number;
  private readonly total: number;

  constructor(limits: LiveLimits = {}) {
    this.perSession = Math.max(1, limits.streamsPerSession ?? 3);
    this.total = Math.max(1, limits.streams ?? 2000);
  }

  /** How many pages listen for this session (tests and diagnostics). */
  listening(sessionId: string): number {
    return this.listeners.get(sessionId)?.size ?? 0;
  }

  /** The sessions with a page listening (an event stream or a long poll). */
  sessions(): string[] {
    return [...this.listeners.keys()];
  }

  /** How many event streams are open, of all sessions (tests and diagnostics). */
  openStreams(): number {
    return this.streamCount;
  }

  /**
   * May a stream open for this session now? Yes below the overall cap; at it, only for a session
   * that already holds a stream, since its new one takes over from its oldest (no more in total).
   */
  hasRoom(sessionId: string): boolean {
    return this.streamCount < this.total || (this.streams.get(sessionId)?.length ?? 0) > 0;
  }

  /** Delivers to every page of the session; false when none is listening (nothing was sent). */
  deliver(sessionId: string, push: WebPush): boolean {
    const set = this.listeners.get(sessionId);
    if (!set || set.size === 0) return false;
    let delivered = false;
    for (const listener of [...set]) if (listener(push)) delivered = true;
    return delivered;
  }

  /**
   * Streams pushes to an open server-sent-events response until the client goes away, a newer
   * stream of the session takes its place or the hub closes. `earlier` (pushes kept while no page
   * was open) go first. A comment line every `heartbeatMs` keeps proxies from timing the stream
   * out. The caller checks {@link hasRoom} first, with nothing awaited in between.
   */
  stream(sessionId: string, response: ServerResponse, heartbeatMs: number, earlier: WebPush[] = []): void {
    if (!this.hasRoom(sessionId)) throw new Error("no room for another event stream (check hasRoom first)");
    const open = this.streams.get(sessionId) ?? [];
    // Make room before opening, so that the session never holds more than its share.
    while (open.length >= this.perSession || (open.length > 0 && this.streamCount >= this.total)) open[0]?.close(true);

    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // Nginx would otherwise buffer the stream and hold pushes back.
      "x-accel-buffering": "no",
    });
    response.write("retry: 5000\n\n");
    const alive = () => !response.writableEnded && !response.destroyed;
    const listener: Listener = (push) => {
      if (!alive()) return false;
      response.write(`event: push\ndata: ${JSON.stringify(push)}\n\n`);
      return true;
    };
    const heartbeat = setInterval(() => {
      if (alive()) response.write(": keep-alive\n\n");
    }, heartbeatMs);
    let closed = false;
    const stream: OpenStream = {
      listener,
      close: (superseded) => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        this.remove(sessionId, listener);
        this.closers.delete(closeQuietly);
        this.forget(sessionId, stream);
        if (superseded && alive()) response.write(`event: ${SUPERSEDED_EVENT}\ndata: {}\n\n`);
        if (!response.writableEnded) response.end();
      },
    };
    const closeQuietly = () => stream.close(false);
    this.add(sessionId, listener);
    this.closers.add(closeQuietly);
    const list = this.streams.get(sessionId) ?? [];
    list.push(stream);
    this.streams.set(sessionId, list);
    this.streamCount++;
    // Either event may be the only one a dropped connection gives; close() runs once.
    response.on("close", closeQuietly);
    response.on("error", closeQuietly);
    for (const push of earlier) listener(push);
  }

  /** Waits up to `timeoutMs` for one push to the session; null when none came. */
  poll(sessionId: string, timeoutMs: number, gone: { once(event: "close", fn: () => void): unknown }): Promise<WebPush | null> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (push: WebPush | null) => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        this.remove(sessionId, listener);
        this.closers.delete(cancel);
        resolve(push);
        return true;
      };
      const listener: Listener = (push) => finish(push);
      const cancel = () => void finish(null);
      const timer = setTimeout(cancel, timeoutMs);
      this.add(sessionId, listener);
      this.closers.add(cancel);
      // A poll whose client hung up must not swallow a push meant for the next one.
      gone.once("close", cancel);
    });
  }

  /** Ends every stream and poll (the channel is stopping). */
  closeAll(): void {
    for (const close of [...this.closers]) close();
    this.listeners.clear();
    this.streams.clear();
    this.streamCount = 0;
  }

  private add(sessionId: string, listener: Listener): void {
    let set = this.listeners.get(sessionId);
    if (!set) {
      set = new Set();
      this.listeners.set(sessionId, set);
    }
    set.add(listener);
  }

  private remove(sessionId: string, listener: Listener): void {
    const set = this.listeners.get(sessionId);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) this.listeners.delete(sessionId);
  }

  private forget(sessionId: string, stream: OpenStream): void {
    const list = this.streams.get(sessionId);
    const at = list?.indexOf(stream) ?? -1;
    if (!list || at < 0) return;
    list.splice(at, 1);
    this.streamCount--;
    if (list.length === 0) this.streams.delete(sessionId);
  }
}
