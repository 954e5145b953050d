/**
 * The caps on open event streams: a session's newest tab wins, the server as a whole has a
 * ceiling, and a stream that ends (for whatever reason) gives its place back.
 */
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveHub, SUPERSEDED_EVENT } from "../../bots/web/live.js";
import type { WebPush } from "../../bots/web/messages.js";

/** Just enough of a ServerResponse to stream to, remembering what was written. */
class FakeResponse extends EventEmitter {
  written = "";
  status = 0;
  writableEnded = false;
  destroyed = false;
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  write(chunk: string): boolean {
    if (this.writableEnded) throw new Error("write after end");
    this.written += chunk;
    return true;
  }
  end(): this {
    this.writableEnded = true;
    return this;
  }
  /** The client went away. */
  hangUp(): void {
    this.destroyed = true;
    this.emit("close");
  }
  get raw(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

const push = (text: string): WebPush => ({ lang: "zh-CN", messages: [{ kind: "info", text }] });

describe("event streams", () => {
  const hubs: LiveHub[] = [];
  const hubWith = (limits: ConstructorParameters<typeof LiveHub>[0]) => {
    const hub = new LiveHub(limits);
    hubs.push(hub);
    return hub;
  };
  const open = (hub: LiveHub, session: string, earlier: WebPush[] = []) => {
    const response = new FakeResponse();
    hub.stream(session, response.raw, 60_000, earlier);
    return response;
  };
  afterEach(() => {
    for (const hub of hubs.splice(0)) hub.closeAll();
    vi.useRealTimers();
  });

  it("a session holds three at most: a fourth tab takes over from the oldest, which is told so", () => {
    const hub = hubWith({ streamsPerSession: 3 });
    const tabs = [open(hub, "s1"), open(hub, "s1"), open(hub, "s1")];
    expect(hub.listening("s1")).toBe(3);
    const newest = open(hub, "s1");
    expect(hub.listening("s1")).toBe(3);
    expect(hub.openStreams()).toBe(3);
    expect(tabs[0]!.writableEnded).toBe(true);
    expect(tabs[0]!.written).toContain(`event: ${SUPERSEDED_EVENT}\n`);
    expect(tabs[1]!.writableEnded).toBe(false);
    expect(hub.deliver("s1", push("通知"))).toBe(true);
    for (const tab of [tabs[1]!, tabs[2]!, newest]) expect(tab.written).toContain("通知");
    expect(tabs[0]!.written).not.toContain("通知");
    // The superseded tab's own close event, when it comes, changes nothing more.
    tabs[0]!.hangUp();
    expect(hub.openStreams()).toBe(3);
  });

  it("a closed stream is removed at once: the client hung up, or the response failed", () => {
    const hub = hubWith({});
    const a = open(hub, "s1");
    const b = open(hub, "s2");
    a.hangUp();
    expect(hub.listening("s1")).toBe(0);
    expect(hub.openStreams()).toBe(1);
    b.emit("error", new Error("EPIPE"));
    expect(hub.listening("s2")).toBe(0);
    expect(hub.openStreams()).toBe(0);
    expect(hub.deliver("s1", push("x"))).toBe(false);
  });

  it("stops its keep-alive when closed", () => {
    vi.useFakeTimers();
    const hub = hubWith({});
    const response = new FakeResponse();
    hub.stream("s1", response.raw, 1000);
    vi.advanceTimersByTime(2500);
    expect(response.written.match(/: keep-alive/g)).toHaveLength(2);
    response.hangUp();
    vi.advanceTimersByTime(5000);
    expect(response.written.match(/: keep-alive/g)).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("the server holds its cap: a new session is refused, a session with a stream may swap it", () => {
    const hub = hubWith({ streams: 2, streamsPerSession: 3 });
    const first = open(hub, "s1");
    const second = open(hub, "s2");
    expect(hub.hasRoom("s3")).toBe(false);
    expect(() => open(hub, "s3")).toThrow(/no room/);
    expect(hub.openStreams()).toBe(2);
    // s1's second tab fits by taking its first tab's place.
    expect(hub.hasRoom("s1")).toBe(true);
    open(hub, "s1");
    expect(first.written).toContain(SUPERSEDED_EVENT);
    expect(hub.openStreams()).toBe(2);
    // The superseded stream's place went to its successor; a stream that ends gives one back.
    first.hangUp();
    expect(hub.hasRoom("s3")).toBe(false);
    second.hangUp();
    expect(hub.hasRoom("s3")).toBe(true);
    open(hub, "s3");
    expect(hub.openStreams()).toBe(2);
  });

  it("writes the pushes kept while no page was open before anything else", () => {
    const hub = hubWith({});
    const response = open(hub, "s1", [push("一"), push("二")]);
    hub.deliver("s1", push("三"));
    const order = [...response.written.matchAll(/"text":"(.)"/g)].map((m) => m[1]);
    expect(order).toEqual(["一", "二", "三"]);
  });

  it("ends every stream on closeAll, without a superseded event", () => {
    const hub = hubWith({});
    const a = open(hub, "s1");
    hub.closeAll();
    expect(a.writableEnded).toBe(true);
    expect(a.written).not.toContain(SUPERSEDED_EVENT);
    expect(hub.openStreams()).toBe(0);
    expect(hub.listening("s1")).toBe(0);
  });
});
