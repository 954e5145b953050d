/**
 * A world for sender tests: a migrated database with an officer and N Telegram households (chat
 * ids 5_000_001 …), the fake Bot API, and helpers to schedule a broadcast, run a sender and wait
 * until the outbox is settled.
 */
import type { DeliveryCounts, ResidentRecord, Store } from "../../core/model/index.js";
import { openStore } from "../../prisma/store.js";
import type { DatabaseTarget } from "../../prisma/database-url.js";
import { OutboxSender, type OutboxSenderOptions, type OutboxTransport } from "../../core/outreach/sender.js";
import { TelegramOutboxTransport, type TelegramOutboxOptions } from "../../bots/telegram/outbox-transport.js";
import type { Audience, BroadcastContent } from "../../core/outreach/content.js";
import { FakeTelegram, type FakeTelegramOptions } from "../support/fake-telegram/index.js";
import type { TestDatabase } from "../support/databases.js";
import { openTestStore } from "../support/store-fixture.js";

/** The first household's Telegram chat id. */
export const FIRST_CHAT = 5_000_001;

/** See the module comment. */
export interface World {
  db: TestDatabase;
  store: Store;
  tg: FakeTelegram;
  officer: ResidentRecord;
  /** Households in chat-id order. */
  households: { resident: ResidentRecord; chatId: number }[];
  /** Schedules a broadcast to the officer's households (or `audience`), due now. */
  schedule(content?: BroadcastContent, audience?: Audience): Promise<string>;
  /** A Telegram transport on the fake. */
  telegram(options?: Partial<TelegramOutboxOptions>): TelegramOutboxTransport;
  /** A sender over `transports` (default: Telegram), not started. */
  sender(options?: Partial<OutboxSenderOptions>): OutboxSender;
  /** Resolves with the broadcast's counts once nothing is pending or sending. */
  settled(broadcastId: string, timeoutMs?: number): Promise<DeliveryCounts>;
  close(): Promise<void>;
}

/** Creates a world with `households` Telegram households. */
export async function createWorld(options: { households: number; db?: TestDatabase; fake?: FakeTelegramOptions; assign?: boolean }): Promise<World> {
  const opened = await openTestStore({ db: options.db });
  const { db, store } = opened;
  const tg = await FakeTelegram.start(options.fake ?? {});
  await store.upsertRegion({ code: "V", name: { "zh-CN": "村" } });
  const region = await store.getRegionByCode("V");
  const officer = await store.setRole("telegram", "4000001", "officer");
  const households = await addHouseholds(store, options.assign === false ? null : officer.id, region?.id ?? null, options.households);
  const world: World = {
    db,
    store,
    tg,
    officer,
    households,
    async schedule(content = { text: { "zh-CN": "夜间请锁好门窗。", en: "Lock your doors at night." } }, audience = { kind: "households", officerId: officer.id }) {
      const broadcast = await store.createBroadcast({ authorId: officer.id, content, audience, now: new Date() });
      await store.scheduleBroadcast(broadcast.id, new Date(), officer.id, new Date());
      return broadcast.id;
    },
    telegram(overrides = {}) {
      return new TelegramOutboxTransport({ token: tg.token, apiRoot: tg.apiRoot, secret: TEST_SECRET, timeoutSeconds: 5, ...overrides });
    },
    sender(overrides = {}) {
      const transports: OutboxTransport[] = overrides.transports ?? [world.telegram()];
      return new OutboxSender({ store, pollMs: 50, leaseMs: 3_000, backoffMs: 300, ...overrides, transports });
    },
    async settled(broadcastId, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const broadcast = await store.getBroadcast(broadcastId);
        const counts = (await store.deliveryCounts([broadcastId])).get(broadcastId);
        if (broadcast && (broadcast.status === "done" || broadcast.status === "cancelled") && counts && counts.pending + counts.sending === 0) return counts;
        if (Date.now() > until) throw new Error(`broadcast ${broadcastId} not settled after ${timeoutMs} ms: ${JSON.stringify(counts)} (${broadcast?.status})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      await tg.stop();
      await opened.close();
    },
  };
  return world;
}

/** The app secret the world signs buttons with. */
export const TEST_SECRET = "outreach-sender-tests-secret-0123456789";

/** Creates `count` Telegram residents (chat ids from {@link FIRST_CHAT}), households of `officerId` when given. */
export async function addHouseholds(store: Store, officerId: string | null, regionId: string | null, count: number, first = FIRST_CHAT): Promise<World["households"]> {
  const out: World["households"] = [];
  for (let i = 0; i < count; i++) {
    const chatId = first + i;
    const { resident } = await store.resolveIdentity({ platform: "telegram", platformUserId: String(chatId), chatId: String(chatId), lang: i % 3 === 2 ? "en" : "zh-CN" });
    if (officerId) await store.assignHousehold({ officerId, householdId: resident.id, regionId });
    out.push({ resident, chatId });
  }
  return out;
}

/** Opens a store on an existing database (child processes). */
export function storeAt(target: DatabaseTarget): Promise<Store> {
  return openStore(target);
}

/** A sender running in a child process (see sender-child.ts). */
/** The most calls arriving in any window [t, t + 1 s): what a per-second limit counts. */
export function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 1_000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

export interface ChildSender {
  child: import("node:child_process").ChildProcess;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), and wait. */
  stop(): Promise<void>;
}

/** Starts sender-child.ts on the world's database against its fake Bot API. */
export async function startChildSender(world: World, options: { rate: number; perChat: number; leaseMs?: number; concurrency?: number; redisUrl?: string; redisPrefix?: string }): Promise<ChildSender> {
  const { spawn } = await import("node:child_process");
  const { createInterface } = await import("node:readline");
  const { fileURLToPath } = await import("node:url");
  const script = fileURLToPath(new URL("./sender-child.ts", import.meta.url));
  const url = world.db.target.provider === "sqlite" ? world.db.target.url : world.db.target.url;
  const child = spawn(process.execPath, ["--import", "tsx", script, url, JSON.stringify({ apiRoot: world.tg.apiRoot, token: world.tg.token, secret: TEST_SECRET, ...options })], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line.includes('"ready":true')) resolve();
    });
    child.once("exit", (code) => reject(new Error(`sender child exited with ${code} before it was ready`)));
    child.once("error", reject);
  });
  const gone = () => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
  return {
    child,
    async kill() {
      child.kill("SIGKILL");
      await gone();
    },
    async stop() {
      child.kill("SIGTERM");
      await gone();
    },
  };
}
