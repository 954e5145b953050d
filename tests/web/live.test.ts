/**
 * Open event streams over HTTP: a resident's tabs share three (the newest wins), the server
 * refuses new ones beyond WEB_MAX_STREAMS with a clear 503, and a closed page gives its place back.
 */
import { get } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WebInbox } from "../../bots/web/inbox.js";
import type { WebPush } from "../../bots/web/messages.js";
import { ApiClient, startWebChat, type WebTestApp } from "./support.js";

/** An open GET /web/api/events, read as text. */
interface OpenStream {
  status: number;
  /** Everything received so far. */
  received: string;
  /** Reads until `pattern` shows up; false when the stream ended first. */
  until(pattern: RegExp): Promise<boolean>;
  close(): void;
}

/**
 * Opens the stream on a connection of its own (node:http, no pool), so that closing it closes the
 * connection, as a browser tab does: a pooled fetch may leave sockets the server waits out on close.
 */
function openStream(app: WebTestApp, client: ApiClient, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = get(`${app.url}/web/api/events`, { headers: { cookie: client.cookie!, ...headers }, agent: false }, (response) => {
      response.setEncoding("utf8");
      let ended = false;
      let wake = () => {};
      response.on("data", (chunk: string) => {
        stream.received += chunk;
        wake();
      });
      response.on("close", () => {
        ended = true;
        wake();
      });
      const stream: OpenStream = {
        status: response.statusCode ?? 0,
        received: "",
        async until(pattern) {
          while (!pattern.test(stream.received)) {
            if (ended) return false;
            await new Promise<void>((woken) => (wake = woken));
          }
          return true;
        },
        close: () => request.destroy(),
      };
      if (stream.status !== 200) return resolve(stream);
      void stream.until(/retry:/).then(() => resolve(stream), reject);
    });
    request.on("error", () => {});
  });
}

const sessionOf = (client: ApiClient) => client.cookie!.split("=")[1]!.split(".")[0]!;

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

describe("a resident's tabs", () => {
  let app: WebTestApp;
  beforeAll(async () => {
    app = await startWebChat({ sessionsPerMinute: 1000 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("share three streams: a fourth tab takes over from the oldest, which is told not to come back", async () => {
    const client = new ApiClient(app.url);
    await client.session({});
    const sid = sessionOf(client);
    const tabs = [await openStream(app, client), await openStream(app, client), await openStream(app, client)];
    expect(app.chat.hub.listening(sid)).toBe(3);
    const fourth = await openStream(app, client);
    expect(fourth.status).toBe(200);
    // The oldest hears why, then its stream ends (the page closes it instead of reconnecting).
    expect(await tabs[0]!.until(/event: superseded\n/)).toBe(true);
    expect(await tabs[0]!.until(/(?!)/)).toBe(false);
    expect(app.chat.hub.listening(sid)).toBe(3);
    expect((await app.chat.push(sid, "zh-CN", [{ kind: "info", text: "防范提示" }])).ok).toBe(true);
    for (const tab of [tabs[1]!, tabs[2]!, fourth]) expect(await tab.until(/防范提示/)).toBe(true);
    expect(tabs[0]!.received).not.toContain("防范提示");
    for (const tab of [...tabs, fourth]) tab.close();
    await until(() => app.chat.hub.openStreams() === 0);
    expect(app.chat.hub.listening(sid)).toBe(0);
  });

  it("gives every place back when pages close, so the count never creeps up", async () => {
    const clients = await Promise.all([0, 1, 2].map(async () => {
      const client = new ApiClient(app.url);
      await client.session({});
      return client;
    }));
    for (let round = 0; round < 3; round++) {
      const streams = await Promise.all(clients.map((client) => openStream(app, client)));
      expect(app.chat.hub.openStreams()).toBe(3);
      for (const stream of streams) stream.close();
      await until(() => app.chat.hub.openStreams() === 0);
    }
  });
});

describe("the server's cap on event streams (WEB_MAX_STREAMS)", () => {
  let app: WebTestApp;
  const kept = new Map<string, WebPush[]>();
  const inbox: WebInbox = {
    async put(sessionId, push) {
      kept.set(sessionId, [...(kept.get(sessionId) ?? []), push]);
    },
    async take(sessionId, limit) {
      const waiting = kept.get(sessionId) ?? [];
      kept.set(sessionId, waiting.slice(limit));
      return waiting.slice(0, limit);
    },
  };
  const open: OpenStream[] = [];
  beforeAll(async () => {
    app = await startWebChat({ sessionsPerMinute: 1000, inbox }, { WEB_MAX_STREAMS: "2" });
  });
  afterEach(async () => {
    for (const stream of open.splice(0)) stream.close();
    await until(() => app.chat.hub.openStreams() === 0);
  });
  afterAll(async () => {
    await app?.close();
  });

  const resident = async (lang = "zh-CN") => {
    const client = new ApiClient(app.url, lang);
    await client.session({});
    return client;
  };

  it("refuses a stream beyond it with a 503 in the visitor's language, keeping its pushes for later", async () => {
    const [a, b, c] = [await resident(), await resident(), await resident("en")];
    open.push(await openStream(app, a!), await openStream(app, b!));
    await app.chat.push(sessionOf(c!), "en", [{ kind: "info", text: "Case update" }]);
    const refused = await fetch(`${app.url}/web/api/events`, { headers: { cookie: c!.cookie!, "x-anxin-lang": "en" } });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: "busy", message: "Too many pages are open right now. Please try again in a minute." });
    expect(kept.get(sessionOf(c!))).toHaveLength(1);
    // Once a page closes, the next one gets its place and the kept push.
    open.shift()!.close();
    await until(() => app.chat.hub.openStreams() === 1);
    const later = await openStream(app, c!);
    open.push(later);
    expect(later.status).toBe(200);
    expect(await later.until(/Case update/)).toBe(true);
  });

  it("lets a resident who already has a stream open another tab in its place", async () => {
    const [a, b] = [await resident(), await resident()];
    const first = await openStream(app, a!);
    open.push(first, await openStream(app, b!));
    const second = await openStream(app, a!);
    open.push(second);
    expect(second.status).toBe(200);
    expect(await first.until(/event: superseded\n/)).toBe(true);
    expect(app.chat.hub.openStreams()).toBe(2);
  });
});
