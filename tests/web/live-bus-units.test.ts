/**
 * The in-process live-push bus and the relay that moves a session's inbox into its open pages
 * (bots/web/live-bus.ts), with an in-memory inbox: order kept, nothing lost when a page takes
 * less than was waiting, nothing taken for a session without a page here.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { InboxRelay, LocalLiveBus } from "../../bots/web/live-bus.js";
import { LiveHub } from "../../bots/web/live.js";
import type { WebInbox } from "../../bots/web/inbox.js";
import type { WebPush } from "../../bots/web/messages.js";

/** An inbox in memory; `onTake` runs inside a take (to write "meanwhile"). */
class MemoryInbox implements WebInbox {
  readonly items = new Map<string, WebPush[]>();
  takes = 0;
  onTake: (() => Promise<void>) | undefined;

  async put(sessionId: string, push: WebPush): Promise<void> {
    this.items.set(sessionId, [...(this.items.get(sessionId) ?? []), push]);
  }

  async take(sessionId: string, limit: number): Promise<WebPush[]> {
    this.takes++;
    const waiting = this.items.get(sessionId) ?? [];
    const taken = waiting.slice(0, limit);
    this.items.set(sessionId, waiting.slice(limit));
    const during = this.onTake;
    this.onTake = undefined;
    await during?.();
    return taken;
  }

  texts(sessionId: string): string[] {
    return (this.items.get(sessionId) ?? []).map((push) => push.messages[0]?.text ?? "");
  }
}

const push = (text: string): WebPush => ({ lang: "zh-CN", messages: [{ kind: "info", text }] });
const quietLogger = { warn: () => {} };
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A page that listens by long poll: it takes one push, then is gone. */
function longPoll(hub: LiveHub, sessionId: string): Promise<WebPush | null> {
  return hub.poll(sessionId, 60_000, new EventEmitter() as EventEmitter & { once(event: "close", fn: () => void): unknown });
}

/** A page that listens by event stream: a fake response that records what it was sent. */
function stream(hub: LiveHub, sessionId: string): { written: string[]; end(): void } {
  const response = new EventEmitter() as EventEmitter & { writableEnded: boolean; destroyed: boolean; written: string[]; writeHead(): void; write(chunk: string): boolean; end(): void };
  Object.assign(response, {
    writableEnded: false,
    destroyed: false,
    written: [] as string[],
    writeHead() {},
    write(chunk: string) {
      response.written.push(chunk);
      return true;
    },
    end() {
      response.writableEnded = true;
      response.emit("close");
    },
  });
  hub.stream(sessionId, response as never, 60_000);
  return response;
}

const shown = (written: string[]) => written.filter((chunk) => chunk.startsWith("event: push")).map((chunk) => (JSON.parse(chunk.split("data: ")[1] ?? "{}") as WebPush).messages[0]?.text);

describe("InboxRelay", () => {
  it("shows a session's waiting pushes on its open page, in order, and leaves none behind", async () => {
    const hub = new LiveHub();
    const inbox = new MemoryInbox();
    const relay = new InboxRelay(hub, inbox, () => new Date(), quietLogger);
    for (const text of ["一", "二", "三"]) await inbox.put("s1", push(text));
    const page = stream(hub, "s1");
    relay.relay("s1");
    await settle();
    expect(shown(page.written)).toEqual(["一", "二", "三"]);
    expect(inbox.texts("s1")).toEqual([]);
    page.end();
  });

  it("takes nothing for a session with no page open here (another instance may hold it)", async () => {
    const hub = new LiveHub();
    const inbox = new MemoryInbox();
    const relay = new InboxRelay(hub, inbox, () => new Date(), quietLogger);
    await inbox.put("s1", push("留着"));
    relay.relay("s1");
    relay.relayAll();
    await settle();
    expect(inbox.takes).toBe(0);
    expect(inbox.texts("s1")).toEqual(["留着"]);
  });

  it("puts back, in order, what a long poll did not take", async () => {
    const hub = new LiveHub();
    const inbox = new MemoryInbox();
    const relay = new InboxRelay(hub, inbox, () => new Date(), quietLogger);
    for (const text of ["一", "二", "三"]) await inbox.put("s1", push(text));
    const polled = longPoll(hub, "s1");
    relay.relay("s1");
    expect((await polled)?.messages[0]?.text).toBe("一");
    await settle();
    expect(inbox.texts("s1")).toEqual(["二", "三"]);
  });

  it("runs again when asked during a run, so a push written meanwhile is shown too", async () => {
    const hub = new LiveHub();
    const inbox = new MemoryInbox();
    const relay = new InboxRelay(hub, inbox, () => new Date(), quietLogger);
    await inbox.put("s1", push("先"));
    const page = stream(hub, "s1");
    inbox.onTake = async () => {
      await inbox.put("s1", push("后"));
      relay.relay("s1");
    };
    relay.relay("s1");
    await settle();
    expect(shown(page.written)).toEqual(["先", "后"]);
    expect(inbox.texts("s1")).toEqual([]);
    page.end();
  });

  it("relays every session with an open page after announcements may have been lost", async () => {
    const hub = new LiveHub();
    const inbox = new MemoryInbox();
    const relay = new InboxRelay(hub, inbox, () => new Date(), quietLogger);
    await inbox.put("s1", push("甲"));
    await inbox.put("s2", push("乙"));
    await inbox.put("s3", push("丙"));
    const one = stream(hub, "s1");
    const two = stream(hub, "s2");
    relay.relayAll();
    await settle();
    expect(shown(one.written)).toEqual(["甲"]);
    expect(shown(two.written)).toEqual(["乙"]);
    expect(inbox.texts("s3")).toEqual(["丙"]);
    one.end();
    two.end();
  });
});

describe("LocalLiveBus", () => {
  it("announces on a later tick to its subscribers, and to none after unsubscribing or closing", async () => {
    const bus = new LocalLiveBus();
    const heard: string[] = [];
    const stop = bus.subscribe({ inbox: (sessionId) => heard.push(`a:${sessionId}`) });
    bus.subscribe({ inbox: (sessionId) => heard.push(`b:${sessionId}`) });
    bus.publish("s1");
    expect(heard).toEqual([]);
    await settle();
    expect(heard).toEqual(["a:s1", "b:s1"]);
    stop();
    bus.publish("s2");
    await settle();
    expect(heard).toEqual(["a:s1", "b:s1", "b:s2"]);
    await bus.close();
    bus.publish("s3");
    await settle();
    expect(heard).toEqual(["a:s1", "b:s1", "b:s2"]);
  });
});
