/**
 * The web chat on several app instances sharing one PostgreSQL database and one Redis (issue 16):
 * a push written on one instance reaches the page open on another, exactly once; a broadcast sent
 * by instance A's outbox reaches a long poll on instance B; a client's request limit counts across
 * instances; and with Redis gone the chat still answers, and pages get what was written meanwhile
 * once it is back.
 *
 * Three in-process `startApp`s: A sends the outbox, B and C do not (OUTREACH_SENDER=off). C reaches
 * Redis through a small TCP relay the test can cut, to take Redis away from C alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { get } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { startApp, type RunningApp } from "../../app/start.js";
import type { WebChat } from "../../bots/web/channel.js";
import { limitsNameSpace } from "../../bots/shared/rate-limits.js";
import { freshPostgres, type TestDatabase } from "../support/databases.js";
import { freshRedis, TEST_REDIS_URL, type TestRedis } from "../support/redis.js";
import { freePort } from "../support/free-port.js";
import { ApiClient, texts } from "./support.js";

const SECRET = "scale-out-test-secret-0123456789abcdef";

/** An open GET /web/api/events, read as text. */
interface OpenStream {
  received: string;
  /** Reads until `pattern` shows up; false when the stream ended first. */
  until(pattern: RegExp): Promise<boolean>;
  close(): void;
}

/** Opens the event stream of `cookie`'s session on `base`, on a connection of its own (as a tab does). */
function openStream(base: string, cookie: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = get(`${base}/web/api/events`, { headers: { cookie }, agent: false }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`event stream refused: ${response.statusCode}`));
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
      void stream.until(/retry:/).then(() => resolve(stream), reject);
    });
    request.on("error", () => {});
  });
}

/** A TCP relay to the test Redis that can be cut (every connection dropped) and restored on the same port. */
class RedisRelay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly target = new URL(TEST_REDIS_URL);

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 6379), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", resolve);
    });
    this.server = server;
  }

  /** Redis is gone for whoever uses the relay: open connections drop and new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const sessionOf = (client: ApiClient) => client.cookie!.split("=")[1]!.split(".")[0]!;

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(await condition()).toBe(true);
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe("the web chat on three instances (one PostgreSQL database, one Redis)", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let relay: RedisRelay;
  const dirs: string[] = [];
  let a: RunningApp;
  let b: RunningApp;
  let c: RunningApp;
  const web = (app: RunningApp) => app.channels.find((channel) => channel.platform === "web") as WebChat;

  beforeAll(async () => {
    db = await freshPostgres();
    redis = freshRedis();
    relay = new RedisRelay(await freePort());
    await relay.open();
    const start = async (redisUrl: string, sender: boolean): Promise<RunningApp> => {
      const dir = mkdtempSync(join(tmpdir(), "anxin-scale-out-"));
      dirs.push(dir);
      const config = loadConfig({ DATABASE_URL: db.target.url, DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", APP_SECRET: SECRET, REDIS_URL: redisUrl, REDIS_PREFIX: redis.prefix });
      // The outbox settings are read from the environment when the app starts.
      const before = process.env.OUTREACH_SENDER;
      process.env.OUTREACH_SENDER = sender ? "on" : "off";
      try {
        return await startApp(config);
      } finally {
        if (before === undefined) delete process.env.OUTREACH_SENDER;
        else process.env.OUTREACH_SENDER = before;
      }
    };
    // One after the other: the first applies the migrations.
    a = await start(redis.url, true);
    b = await start(redis.url, false);
    c = await start(relay.url, false);
  });

  afterAll(async () => {
    for (const app of [c, b, a]) await app?.close();
    await relay?.cut();
    await db?.drop();
    await redis?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A resident who opened the chat on `app` (their session works on every instance: one secret). */
  async function resident(app: RunningApp): Promise<{ client: ApiClient; sid: string }> {
    const client = new ApiClient(app.url, "zh-CN");
    expect((await client.session({})).status).toBe(200);
    expect((await client.send({ kind: "open" })).status).toBe(200);
    return { client, sid: sessionOf(client) };
  }

  it("a push written on A reaches the page open on B at once, and only there", async () => {
    const { client, sid } = await resident(a);
    const page = await openStream(b.url, client.cookie!);
    expect(web(b).hub.listening(sid)).toBe(1);
    expect(web(a).hub.listening(sid)).toBe(0);

    expect(await web(a).push(sid, "zh-CN", [{ kind: "info", text: "第一条：来自实例A" }])).toEqual({ ok: true });
    expect(await page.until(/第一条：来自实例A/)).toBe(true);
    expect(await web(a).push(sid, "zh-CN", [{ kind: "info", text: "第二条：来自实例A" }])).toEqual({ ok: true });
    expect(await page.until(/第二条：来自实例A/)).toBe(true);

    expect(occurrences(page.received, "第一条：来自实例A")).toBe(1);
    expect(page.received.indexOf("第一条")).toBeLessThan(page.received.indexOf("第二条"));
    // Shown live means taken out of the inbox: nothing waits to be shown a second time.
    expect(await a.store.takeWebInbox(sid, 50)).toEqual([]);
    page.close();
  });

  it("with tabs of one session on B and C, each push is shown once, on one of them", async () => {
    const { client, sid } = await resident(a);
    const onB = await openStream(b.url, client.cookie!);
    const onC = await openStream(c.url, client.cookie!);
    const marks = ["提示1", "提示2", "提示3", "提示4", "提示5"];
    for (const text of marks) expect((await web(a).push(sid, "zh-CN", [{ kind: "info", text }])).ok).toBe(true);
    const both = () => onB.received + onC.received;
    await until(() => marks.every((mark) => both().includes(mark)));

    // Anything still on its way to C now goes to B; B's own runs are in order, so once B shows a
    // last push, every earlier one has been shown wherever it went.
    onC.close();
    await until(() => web(c).hub.listening(sid) === 0);
    expect((await web(a).push(sid, "zh-CN", [{ kind: "info", text: "最后一条" }])).ok).toBe(true);
    expect(await onB.until(/最后一条/)).toBe(true);
    for (const mark of marks) expect(occurrences(both(), mark)).toBe(1);
    onB.close();
  });

  it("a broadcast sent by A's outbox reaches a long poll on B, once", async () => {
    const { client, sid } = await resident(b);
    const polled = fetch(`${b.url}/web/api/poll`, { headers: { cookie: client.cookie! } });
    await until(() => web(b).hub.listening(sid) === 1);

    const now = new Date();
    const broadcast = await a.store.createBroadcast({ authorId: null, content: { text: { "zh-CN": "今晚请锁好门窗。" } }, audience: { kind: "everyone" }, status: "scheduled", scheduledAt: now, now });
    const response = await polled;
    expect(response.status).toBe(200);
    const { pushes } = (await response.json()) as { pushes: { lang: string; messages: { text: string }[] }[] };
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.messages[0]?.text).toContain("今晚请锁好门窗。");

    expect(await a.store.takeWebInbox(sid, 50)).toEqual([]);
    // B and C send nothing (OUTREACH_SENDER=off): A's outbox wrote it, and only once.
    await until(async () => (await a.store.deliveryCounts([broadcast.id])).get(broadcast.id)?.pending === 0);
  });

  it("a client's request limit counts on every instance", async () => {
    const remaining = async (app: RunningApp): Promise<{ status: number; left: number }> => {
      const response = await fetch(`${app.url}/`, { headers: { "accept-language": "zh-CN" } });
      await response.arrayBuffer();
      return { status: response.status, left: Number(response.headers.get("x-ratelimit-remaining")) };
    };
    const first = await remaining(a);
    expect(first.status).toBe(200);
    expect(await remaining(b)).toEqual({ status: 200, left: first.left - 1 });
    expect(await remaining(c)).toEqual({ status: 200, left: first.left - 2 });
    for (let left = first.left - 2; left > 0; left--) expect((await remaining(a)).status).toBe(200);
    // A used the rest of this address's minute: B refuses, in the page's language.
    const refused = await fetch(`${b.url}/`, { headers: { "accept-language": "zh-CN" } });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("您操作得太快了");

    // The counters are under the deployment's prefix.
    const { Redis } = await import("ioredis");
    const direct = new Redis(redis.url);
    try {
      expect((await direct.keys(`${limitsNameSpace(redis.prefix)}*`)).length).toBeGreaterThan(0);
    } finally {
      direct.disconnect();
    }
  });

  it("without Redis C still answers, keeps pushes, and shows them once Redis is back", async () => {
    const onC = await resident(c);
    const closed = await resident(a);
    const page = await openStream(c.url, onC.client.cookie!);

    await relay.cut();
    // Requests go unlimited rather than failing (the address used up its minute in the test above).
    const home = await fetch(`${c.url}/`);
    await home.arrayBuffer();
    expect(home.status).toBe(200);
    const reply = await onC.client.send({ kind: "text", text: "菜单" });
    expect(reply.status).toBe(200);
    expect(texts(reply.body).length).toBeGreaterThan(0);

    // A push from C to a closed page is kept; one from A to the page on C cannot be announced to C.
    expect(await web(c).push(closed.sid, "zh-CN", [{ kind: "info", text: "断线时写入" }])).toEqual({ ok: true });
    expect(await web(a).push(onC.sid, "zh-CN", [{ kind: "info", text: "断线时的推送" }])).toEqual({ ok: true });

    await relay.open();
    // Back on Redis, C re-checks the pages it holds and finds the push in the inbox.
    expect(await page.until(/断线时的推送/)).toBe(true);
    expect(occurrences(page.received, "断线时的推送")).toBe(1);
    page.close();
    const kept = await fetch(`${a.url}/web/api/poll`, { headers: { cookie: closed.client.cookie! } });
    expect(((await kept.json()) as { pushes: { messages: { text: string }[] }[] }).pushes.map((push) => push.messages[0]?.text)).toEqual(["断线时写入"]);
  });
});
