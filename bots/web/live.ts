/**
 * Open chat pages, by web session: what `Channel.push` reaches while a page is open. A page
 * listens through server-sent events, or by long polling where EventSource is missing.
 */
import type { ServerResponse } from "node:http";
import type { WebPush } from "./messages.js";

type Listener = (push: WebPush) => boolean;

/** The pages currently listening, and delivery to them. */
export class LiveHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly closers = new Set<() => void>();

  /** How many pages listen for this session (tests and diagnostics). */
  listening(sessionId: string): number {
    return this.listeners.get(sessionId)?.size ?? 0;
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
   * Streams pushes to an open server-sent-events response until the client goes away or the hub
   * closes. A comment line every `heartbeatMs` keeps proxies from timing the stream out.
   */
  stream(sessionId: string, response: ServerResponse, heartbeatMs: number): void {
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // Nginx would otherwise buffer the stream and hold pushes back.
      "x-accel-buffering": "no",
    });
    response.write("retry: 5000\n\n");
    const listener: Listener = (push) => {
      if (response.writableEnded || response.destroyed) return false;
      response.write(`event: push\ndata: ${JSON.stringify(push)}\n\n`);
      return true;
    };
    const heartbeat = setInterval(() => {
      if (!response.writableEnded) response.write(": keep-alive\n\n");
    }, heartbeatMs);
    const close = () => {
      clearInterval(heartbeat);
      this.remove(sessionId, listener);
      this.closers.delete(close);
      if (!response.writableEnded) response.end();
    };
    this.add(sessionId, listener);
    this.closers.add(close);
    response.on("close", close);
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
}
