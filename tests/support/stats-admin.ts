/**
 * An admin's `/stats` through a channel, without Chromium: a fresh SQLite database seeded with the
 * admin statistics fixture (tests/admin/fixture.ts: 40 completed responses, one speeder and one
 * straight-liner), a runner whose admin commands draw every chart as the same small, real PNG,
 * and helpers to recognise that PNG wherever a channel delivers it.
 */
import type { Store } from "../../core/model/index.js";
import { createAdminStaffCommands, type AdminCommandDeps } from "../../core/admin/staff-commands.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import type { StaffCommand } from "../../core/survey/staff-commands.js";
import { seedFixture, type Fixture } from "../admin/fixture.js";
import type { TestDatabase } from "./databases.js";
import { openTestStore } from "./store-fixture.js";
import { tinyPng } from "./telegram-updates.js";

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A valid 1×1 PNG (Telegram, and the fake Bot API, refuse photos that are not real images). */
export const TINY_PNG = tinyPng();

/** Does `bytes` start with the PNG signature? */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.equals(Buffer.from(bytes.buffer, bytes.byteOffset, PNG_SIGNATURE.length));
}

/** The fixture's clock: inside wave 2026-H2. */
export const STATS_NOW = new Date("2026-11-20T00:00:00Z");

/**
 * An admin command answering with one chart whose caption is far longer than any platform's
 * caption limit (`/longchart`): checks that adapters trim captions instead of losing the image.
 */
export const LONG_CAPTION_COMMAND: StaffCommand = {
  name: "longchart",
  role: "admin",
  description: { "zh-CN": "长标题图表", "zh-TW": "長標題圖表", en: "A chart with a long title" },
  run: async () => ({ messages: [{ kind: "info", text: "long caption ahead" }], images: [{ png: new Uint8Array(TINY_PNG), caption: "安".repeat(1500) }] }),
};

/** The chart titles /stats sends for the fixture in English, in order. */
export const EN_CHART_TITLES = ["Rates against targets", "Trend over waves", "By region — Sense of security rate", "Hot problems"];

/** A seeded database and a runner with the admin chat commands. */
export interface StatsWorld {
  db: TestDatabase;
  store: Store;
  fx: Fixture;
  runner: ConversationRunner;
  /** How many times the charts were drawn (each /stats draws once). */
  rasterized: () => number;
  close(): Promise<void>;
}

/**
 * Creates a {@link StatsWorld}; make someone an admin with `store.setRole(platform, id, "admin")`.
 * Charts are drawn as {@link TINY_PNG} unless `rasterize` is given (e.g. the real Chromium one).
 */
export async function statsWorld(options: { extraCommands?: StaffCommand[]; rasterize?: AdminCommandDeps["rasterize"] } = {}): Promise<StatsWorld> {
  const { db, store, close } = await openTestStore();
  const fx = await seedFixture(store);
  let drawn = 0;
  const staffCommands = createAdminStaffCommands({
    store,
    rasterize: async (svgs) => {
      drawn += 1;
      return options.rasterize ? options.rasterize(svgs) : svgs.map(() => new Uint8Array(TINY_PNG));
    },
  });
  const runner = new ConversationRunner({ store, cacheMs: 0, now: () => STATS_NOW, staffCommands: [...staffCommands, ...(options.extraCommands ?? [])] });
  return {
    db,
    store,
    fx,
    runner,
    rasterized: () => drawn,
    close,
  };
}
