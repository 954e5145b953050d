/**
 * Reminders to residents who started the survey and did not finish (core/outreach/reminders.ts),
 * against the real store on SQLite and PostgreSQL, with a fixed clock: after the delay and not
 * before, office hours, opt-out, WeChat's 48-hour window, once only (twice run, and two processes
 * at once), delivered by the real outbox sender in the resident's language, finished after the
 * reminder counted, and idle responses abandoned and resumed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AutoResident } from "../support/auto-resident.js";
import { BACKENDS } from "../support/databases.js";
import { openTestStore } from "../support/store-fixture.js";
import { TEST_REGIONS } from "../support/auto-resident.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { askedRegionTree, buildRegionTree } from "../../core/survey/region-tree.js";
import { ConversationRunner, type RunnerReply } from "../../core/survey/runner.js";
import { ReminderService, type ReminderRunSummary } from "../../core/outreach/reminders.js";
import { OutboxSender } from "../../core/outreach/sender.js";
import { WebOutboxTransport } from "../../core/outreach/transports/web.js";
import { PushOutboxTransport } from "../../core/outreach/transports/push.js";
import { openStore } from "../../prisma/store.js";
import type { Input, Lang, OutMessage, RegionNode } from "../../core/engine/types.js";
import type { ReminderStore, Store, WaveRecord } from "../../core/model/index.js";
import { freshSqlite, type TestDatabase } from "../support/databases.js";
import { pino } from "pino";
import { AdminService } from "../../core/admin/service.js";
import { buildServer } from "../../app/server.js";
import { issueStaffToken } from "../../app/staff-auth.js";
import { mountAdmin } from "../../bots/dashboard/mount.js";

const HOUR = 3_600_000;
/** The wave opens on 1 March 2026; the office is in Shanghai (UTC+8). */
const WAVE_OPENS = new Date("2026-03-01T00:00:00Z");
/** 09:00 in Shanghai on 2 March. */
const MORNING = new Date("2026-03-02T01:00:00Z");
const PLATFORMS = new Set(["web", "wechat", "telegram"]);
const ADMIN_SECRET = "reminders-dashboard-secret-0123456789abc";

interface World {
  db: TestDatabase;
  store: Store;
  wave: WaveRecord;
  runner: ConversationRunner;
  regions: RegionNode[];
  /** The runner's clock. */
  clock: { now: Date };
  reminders(store?: ReminderStore & Pick<Store, "currentWave">): ReminderService;
  /** Starts the survey as `user` on `platform` and records `answers` answers (then stops). */
  begin(user: string, platform: string, lang: Lang, answers: number): Promise<AutoResident>;
  send(user: string, platform: string, input: Input, lang?: Lang): Promise<RunnerReply>;
  /** Answers the rest of the survey, from `reply` on. */
  finish(bot: AutoResident, user: string, platform: string, reply: RunnerReply, lang: Lang): Promise<void>;
  status(user: string, platform: string): Promise<string | undefined>;
  close(): Promise<void>;
}

let counter = 0;

async function createWorld(db: TestDatabase): Promise<World> {
  const opened = await openTestStore({ db, regions: TEST_REGIONS, defaultSurvey: WAVE_OPENS });
  const { store, wave } = opened;
  const clock = { now: MORNING };
  const runner = new ConversationRunner({ store, now: () => clock.now, cacheMs: 0 });
  const regions = askedRegionTree(buildRegionTree(await store.listRegions()));
  const questionnaire = loadDefaultQuestionnaire();
  const send = (user: string, platform: string, input: Input, lang: Lang = "zh-CN") =>
    runner.handle({ platform, platformUserId: user, chatId: user, messageId: `m${++counter}`, langCode: lang, input });
  const others: Store[] = [];
  const world: World = {
    db,
    store,
    wave,
    runner,
    regions,
    clock,
    reminders: (on = store) => new ReminderService({ store: on, platforms: () => PLATFORMS, timeZone: "Asia/Shanghai" }),
    send,
    async begin(user, platform, lang, answers) {
      const bot = new AutoResident(questionnaire, regions, ++counter, "tap", user);
      let reply = await send(user, platform, { kind: "start" }, lang);
      let recorded = 0;
      while (recorded < answers) {
        const planned = bot.plan(reply.messages);
        if (!planned) throw new Error(`${user}: nothing to answer in ${JSON.stringify(reply.messages.map((m) => m.text))}`);
        reply = await send(user, platform, planned.input, lang);
        if (planned.answer) recorded++;
      }
      return bot;
    },
    async finish(bot, user, platform, reply, lang) {
      for (let i = 0; i < 200; i++) {
        const planned = bot.plan(reply.messages);
        if (!planned) return;
        reply = await send(user, platform, planned.input, lang);
      }
      throw new Error(`${user}: the survey did not end`);
    },
    async status(user, platform) {
      const identity = await store.findIdentity(platform, user);
      if (!identity) return undefined;
      const page = await store.pageResponses({ waveIds: [wave.id] }, null, 500);
      return page.find((r) => r.residentId === identity.residentId)?.status;
    },
    async close() {
      for (const other of others) await other.close();
      await opened.close();
    },
  };
  return world;
}

/** The outbox rows waiting to be sent, per resident. */
async function outboxOf(store: Store, now: Date): Promise<Map<string, number>> {
  const jobs = await store.nextDeliveries({ now, limit: 1000 });
  const out = new Map<string, number>();
  for (const job of jobs) out.set(job.residentId, (out.get(job.residentId) ?? 0) + 1);
  return out;
}

async function residentId(store: Store, platform: string, user: string): Promise<string> {
  const identity = await store.findIdentity(platform, user);
  if (!identity) throw new Error(`no ${platform} account ${user}`);
  return identity.residentId;
}

const none: Partial<ReminderRunSummary> = { reminded: 0 };

/** Resolves every caller once `n` have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async () => {
    if (++arrived >= n) open();
    await opened;
  };
}

describe.each(BACKENDS)("reminders to residents on $name", ({ create }) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("reminds once after the delay, never before, and never twice", async () => {
    const w = (world = await createWorld(await create()));
    await w.begin("ann", "web", "zh-CN", 2);
    const service = w.reminders();
    expect(await service.runOnce(new Date(MORNING.getTime() + 24 * HOUR - 60_000))).toMatchObject({ ...none, due: 0 });
    expect((await outboxOf(w.store, MORNING)).size).toBe(0);
    expect(await service.runOnce(new Date(MORNING.getTime() + 24 * HOUR))).toMatchObject({ due: 1, reminded: 1 });
    const ann = await residentId(w.store, "web", "ann");
    expect(await outboxOf(w.store, new Date(MORNING.getTime() + 24 * HOUR))).toEqual(new Map([[ann, 1]]));
    // Run again, later: the response has its reminder; nothing more is queued.
    expect(await service.runOnce(new Date(MORNING.getTime() + 30 * HOUR))).toMatchObject({ ...none, due: 0 });
    expect(await outboxOf(w.store, new Date(MORNING.getTime() + 30 * HOUR))).toEqual(new Map([[ann, 1]]));
    // A reminder is no notice: not in the notice lists.
    expect(await w.store.listBroadcasts({ limit: 10 })).toEqual([]);
    expect(await w.store.reminderFigures({ waveId: w.wave.id })).toEqual({ reminded: 0, finishedAfterReminder: 0, pending: 1, undelivered: 0, outsideWindow: 0 });
  });

  it("reminds only for the wave running now", async () => {
    const w = (world = await createWorld(await create()));
    await w.begin("abe", "web", "zh-CN", 1);
    // The wave closes that evening: the survey can no longer be continued.
    await w.store.closeWave(w.wave.id, new Date(MORNING.getTime() + 10 * HOUR));
    expect(await w.reminders().runOnce(new Date(MORNING.getTime() + 24 * HOUR))).toMatchObject({ ...none, due: 0 });
    expect((await outboxOf(w.store, new Date(MORNING.getTime() + 24 * HOUR))).size).toBe(0);
  });

  it("measures the delay from the last answer", async () => {
    const w = (world = await createWorld(await create()));
    const bot = await w.begin("ben", "web", "zh-CN", 1);
    // Ben answers again 26 hours later (11:00): his reminder is due 24 hours after that answer.
    w.clock.now = new Date(MORNING.getTime() + 26 * HOUR);
    const planned = bot.plan((await w.send("ben", "web", { kind: "text", text: "问卷" })).messages);
    if (!planned) throw new Error("no question after resuming");
    await w.send("ben", "web", planned.input);
    const service = w.reminders();
    expect(await service.runOnce(new Date(MORNING.getTime() + 49 * HOUR))).toMatchObject({ ...none, due: 0 });
    expect(await service.runOnce(new Date(MORNING.getTime() + 50 * HOUR))).toMatchObject({ due: 1, reminded: 1 });
  });

  it("waits for office hours: due at 22:30 is reminded at 08:00 the next day, not before", async () => {
    const w = (world = await createWorld(await create()));
    // 22:30 in Shanghai on 2 March.
    w.clock.now = new Date("2026-03-02T14:30:00Z");
    await w.begin("cai", "web", "zh-CN", 1);
    const service = w.reminders();
    const due = new Date("2026-03-03T14:30:00Z");
    expect(await service.runOnce(due)).toMatchObject({ ...none, due: 1, skippedQuietHours: 1 });
    expect(await service.runOnce(new Date("2026-03-03T23:59:00Z"))).toMatchObject({ ...none, skippedQuietHours: 1 });
    expect(await service.runOnce(new Date("2026-03-03T16:00:00Z"))).toMatchObject({ ...none, skippedQuietHours: 1 });
    expect((await outboxOf(w.store, due)).size).toBe(0);
    // 08:00 in Shanghai on 4 March.
    expect(await service.runOnce(new Date("2026-03-04T00:00:00Z"))).toMatchObject({ reminded: 1, skippedQuietHours: 0 });
    expect((await outboxOf(w.store, new Date("2026-03-04T00:00:00Z"))).size).toBe(1);
  });

  it("never reminds a resident who opted out", async () => {
    const w = (world = await createWorld(await create()));
    await w.begin("dai", "web", "zh-CN", 1);
    await w.send("dai", "web", { kind: "text", text: "退订" });
    expect((await w.store.getResident(await residentId(w.store, "web", "dai")))?.optedOut).toBe(true);
    const service = w.reminders();
    expect(await service.runOnce(new Date(MORNING.getTime() + 24 * HOUR))).toMatchObject({ ...none, skippedOptedOut: 1 });
    expect(await service.runOnce(new Date(MORNING.getTime() + 48 * HOUR))).toMatchObject({ ...none, skippedOptedOut: 1 });
    expect((await outboxOf(w.store, new Date(MORNING.getTime() + 48 * HOUR))).size).toBe(0);
    expect(await w.store.reminderFigures({ waveId: w.wave.id })).toMatchObject({ pending: 0, outsideWindow: 0 });
  });

  it("keeps to WeChat's 48 hours since the resident's last message", async () => {
    const w = (world = await createWorld(await create()));
    await w.begin("eve", "wechat", "zh-CN", 1);
    await w.begin("fay", "wechat", "zh-CN", 1);
    await w.store.recordInbound("wechat", "eve", MORNING);
    // Fay wrote again a day later, then stopped answering the survey.
    await w.store.recordInbound("wechat", "fay", new Date(MORNING.getTime() + 24 * HOUR));
    const service = w.reminders();
    // 49 hours after Eve's last message (10:00 in Shanghai): too late for her, in time for Fay.
    const at = new Date(MORNING.getTime() + 49 * HOUR);
    expect(await service.runOnce(at)).toMatchObject({ due: 2, reminded: 1, skippedWindow: 1 });
    const fay = await residentId(w.store, "wechat", "fay");
    expect(await outboxOf(w.store, at)).toEqual(new Map([[fay, 1]]));
    expect(await w.store.reminderFigures({ waveId: w.wave.id })).toMatchObject({ pending: 1, outsideWindow: 1 });
    // Recorded: Eve is not tried again.
    expect(await service.runOnce(new Date(at.getTime() + HOUR))).toMatchObject({ ...none, due: 0, skippedWindow: 0 });
  });

  it("queues a reminder past the window where the account can be reached another way", async () => {
    const w = (world = await createWorld(await create()));
    await w.begin("gil", "wechat", "zh-CN", 1);
    await w.begin("hua", "wechat", "zh-CN", 1);
    await w.store.recordInbound("wechat", "gil", MORNING);
    await w.store.recordInbound("wechat", "hua", MORNING);
    // Gil consented to reminders as template messages (the WeChat channel's own business).
    const service = new ReminderService({ store: w.store, platforms: () => PLATFORMS, reachableOutsideWindow: async (identity) => identity.platformUserId === "gil" });
    const at = new Date(MORNING.getTime() + 49 * HOUR);
    expect(await service.runOnce(at)).toMatchObject({ due: 2, reminded: 1, skippedWindow: 1 });
    expect(await outboxOf(w.store, at)).toEqual(new Map([[await residentId(w.store, "wechat", "gil"), 1]]));
  });

  it("queues one reminder per response when runs overlap, on one store and (PostgreSQL) on two", async () => {
    const w = (world = await createWorld(await create()));
    const users = ["gus", "hal", "ivy", "jon", "kim"];
    for (const user of users) await w.begin(user, "web", "zh-CN", 1);
    // On PostgreSQL a second store on the same database stands for a second app instance. (Two
    // SQLite connections in one thread would wait on each other's lock synchronously.)
    const second = w.db.target.provider === "postgresql" ? await openStore(w.db.target) : w.store;
    try {
      const at = new Date(MORNING.getTime() + 25 * HOUR);
      // Every run reads the same five candidates before any writes (a barrier after the read):
      // only the database can keep them from queueing a reminder each.
      const gate = barrier(4);
      const gated = (store: Store): ReminderStore & Pick<Store, "currentWave"> => ({
        currentWave: (now) => store.currentWave(now),
        reminderCandidates: async (input) => {
          const rows = await store.reminderCandidates(input);
          await gate();
          return rows;
        },
        recordReminder: (input) => store.recordReminder(input),
        abandonIdleResponses: (idleSince) => store.abandonIdleResponses(idleSince),
        reminderFigures: (query) => store.reminderFigures(query),
      });
      const runs = await Promise.all([w.store, second, second, w.store].map((store) => w.reminders(gated(store)).runOnce(at)));
      expect(runs.map((run) => run.due)).toEqual([5, 5, 5, 5]);
      expect(runs.reduce((sum, run) => sum + run.reminded, 0)).toBe(users.length);
      expect(runs.reduce((sum, run) => sum + run.alreadyRecorded, 0)).toBe(3 * users.length);
      const outbox = await outboxOf(w.store, at);
      expect(outbox.size).toBe(users.length);
      expect([...outbox.values()].every((n) => n === 1)).toBe(true);
      expect(await w.reminders().runOnce(at)).toMatchObject({ ...none, due: 0 });
    } finally {
      if (second !== w.store) await second.close();
    }
  });

  it("is delivered by the outbox sender in the resident's language, and finishing afterwards counts", async () => {
    const w = (world = await createWorld(await create()));
    await w.begin("lou", "web", "en", 2);
    await w.begin("may", "wechat", "zh-TW", 1);
    await w.store.recordInbound("wechat", "may", MORNING);
    const at = new Date(MORNING.getTime() + 24 * HOUR);
    expect(await w.reminders().runOnce(at)).toMatchObject({ reminded: 2 });

    const pushed: { chatId: string; lang: Lang; messages: OutMessage[] }[] = [];
    const wechat = { platform: "wechat", push: async (chatId: string, lang: Lang, messages: OutMessage[]) => (pushed.push({ chatId, lang, messages }), { ok: true as const }) };
    const sender = new OutboxSender({ store: w.store, transports: [new WebOutboxTransport(w.store, undefined, () => at), new PushOutboxTransport(wechat)], now: () => at, pollMs: 20 });
    sender.start();
    try {
      for (let i = 0; i < 500 && (await w.store.reminderFigures({ waveId: w.wave.id })).reminded < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await sender.stop();
    }
    expect(await w.store.reminderFigures({ waveId: w.wave.id })).toEqual({ reminded: 2, finishedAfterReminder: 0, pending: 0, undelivered: 0, outsideWindow: 0 });

    // Lou's web chat gets it in English with a button that continues the survey.
    const [item] = await w.store.takeWebInbox("lou", 10);
    expect(item?.lang).toBe("en");
    const message = (item?.messages as OutMessage[])[0]!;
    expect(message.text).toContain("You started the survey but have not finished it yet.");
    expect(message.options?.map((o) => [o.label, o.payload])).toEqual([["Continue the survey", "m:survey"]]);
    // May's WeChat gets it in Traditional Chinese, with the keyword to type.
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toMatchObject({ chatId: "may", lang: "zh-TW" });
    expect(pushed[0]!.messages[0]!.text).toContain("您之前開始填寫的問卷還沒有填完");
    expect(pushed[0]!.messages[0]!.text).toContain("回覆「問卷」");

    // Lou taps the button: the survey goes on where he stopped, and he finishes it.
    w.clock.now = new Date(at.getTime() + HOUR);
    const bot = new AutoResident(loadDefaultQuestionnaire(), w.regions, 99, "tap", "lou");
    const resumed = await w.send("lou", "web", { kind: "button", payload: "m:survey" }, "en");
    expect(resumed.messages.map((m) => m.text).join("\n")).toContain("Welcome back");
    await w.finish(bot, "lou", "web", resumed, "en");
    expect(await w.status("lou", "web")).toBe("completed");
    expect(await w.store.reminderFigures({ waveId: w.wave.id })).toMatchObject({ reminded: 2, finishedAfterReminder: 1 });
  });

  it("marks long-idle responses abandoned; they stay resumable and count again when finished", async () => {
    const w = (world = await createWorld(await create()));
    await w.begin("ned", "web", "zh-CN", 2);
    await w.begin("ola", "web", "zh-CN", 1);
    const service = new ReminderService({ store: w.store, platforms: () => PLATFORMS, settings: { delayMs: 24 * HOUR, abandonMs: 7 * 24 * HOUR } });
    // Ola answered again on day 5: only Ned is idle for 7 days on day 8.
    w.clock.now = new Date(MORNING.getTime() + 5 * 24 * HOUR);
    const olaBot = new AutoResident(loadDefaultQuestionnaire(), w.regions, 7, "tap", "ola");
    const planned = olaBot.plan((await w.send("ola", "web", { kind: "text", text: "问卷" })).messages);
    if (!planned?.answer) throw new Error("no question to answer");
    await w.send("ola", "web", planned.input);
    const day8 = new Date(MORNING.getTime() + 7 * 24 * HOUR);
    expect(await service.runOnce(day8)).toMatchObject({ abandoned: 1 });
    expect(await w.status("ned", "web")).toBe("abandoned");
    expect(await w.status("ola", "web")).toBe("in_progress");
    const counts = async () => ({
      completed: await w.store.countResponses({ waveIds: [w.wave.id], statuses: ["completed"] }),
      inProgress: await w.store.countResponses({ waveIds: [w.wave.id], statuses: ["in_progress"] }),
      abandoned: await w.store.countResponses({ waveIds: [w.wave.id], statuses: ["abandoned"] }),
    });
    expect(await counts()).toEqual({ completed: 0, inProgress: 1, abandoned: 1 });
    // Abandoned responses are reminded no more, and marking again changes nothing.
    expect(await service.runOnce(new Date(day8.getTime() + HOUR))).toMatchObject({ abandoned: 0, reminded: 0 });

    // Ned comes back: he continues at the question he stopped at, and his response is in progress again.
    w.clock.now = new Date(day8.getTime() + 2 * HOUR);
    const nedBot = new AutoResident(loadDefaultQuestionnaire(), w.regions, 8, "tap", "ned");
    const back = await w.send("ned", "web", { kind: "text", text: "问卷" });
    expect(back.messages.map((m) => m.text).join("\n")).toContain("欢迎回来");
    const ned = await residentId(w.store, "web", "ned");
    const answered = (await w.store.pageResponses({ waveIds: [w.wave.id] }, null, 10)).find((r) => r.residentId === ned)!;
    const question = back.messages.find((m) => m.kind === "question")?.questionId;
    expect(question).toBeDefined();
    expect(Object.keys(answered.answers)).not.toContain(question);
    const next = nedBot.plan(back.messages);
    if (!next) throw new Error("no question after coming back");
    const after = await w.send("ned", "web", next.input);
    expect(await w.status("ned", "web")).toBe("in_progress");
    expect(await counts()).toEqual({ completed: 0, inProgress: 2, abandoned: 0 });
    await w.finish(nedBot, "ned", "web", after, "zh-CN");
    expect(await counts()).toEqual({ completed: 1, inProgress: 1, abandoned: 0 });
  });
});

describe("reminders on the dashboard", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("counts residents reminded and finished after the reminder, small counts hidden", async () => {
    const w = (world = await createWorld(freshSqlite()));
    const bots = new Map<string, AutoResident>();
    for (const user of ["pam", "quinn", "rui"]) bots.set(user, await w.begin(user, "web", "en", 1));
    await w.begin("sol", "wechat", "en", 1);
    const at = new Date(MORNING.getTime() + 49 * HOUR);
    expect(await w.reminders().runOnce(at)).toMatchObject({ reminded: 3, skippedWindow: 1 });
    const sender = new OutboxSender({ store: w.store, transports: [new WebOutboxTransport(w.store, undefined, () => at)], now: () => at, pollMs: 20 });
    sender.start();
    try {
      for (let i = 0; i < 500 && (await w.store.reminderFigures({ waveId: w.wave.id })).reminded < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await sender.stop();
    }
    // Two of the three finish after their reminder.
    w.clock.now = new Date(at.getTime() + HOUR);
    for (const user of ["pam", "quinn"]) await w.finish(bots.get(user)!, user, "web", await w.send(user, "web", { kind: "button", payload: "m:survey" }, "en"), "en");

    const admin = await w.store.setRole("telegram", "admin-r", "admin");
    const service = new AdminService(w.store, { settings: { minGroupSize: 2 }, now: () => w.clock.now, timeZone: "Asia/Shanghai" });
    const app = await buildServer({ store: w.store, logger: pino({ level: "silent" }), mounts: [mountAdmin({ service, secret: ADMIN_SECRET, logger: pino({ level: "silent" }) })] });
    try {
      await app.ready();
      const headers = { authorization: `Bearer ${issueStaffToken(ADMIN_SECRET, admin, w.clock.now)}` };
      const page = await app.inject({ url: `/admin?wave=${w.wave.id}&lang=en`, headers });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<div id="reminded"><dt>Reminded</dt><dd>3</dd></div>');
      expect(page.body).toContain('<div id="finished-after-reminder"><dt>Finished after reminder</dt><dd>2</dd></div>');
      // One resident past WeChat's 48 hours: fewer than the minimum of 2, not shown as a number.
      expect(page.body).toMatch(/<div id="reminder-outside-window"><dt>[^<]+<\/dt><dd>&lt;2<\/dd><\/div>/);
      const api = await app.inject({ url: `/admin/api/outreach?wave=${w.wave.id}&lang=en`, headers });
      expect(api.json<{ reminders: unknown }>().reminders).toEqual({ minGroupSize: 2, reminded: 3, finishedAfterReminder: 2, pending: null, undelivered: null, outsideWindow: null });
    } finally {
      await app.close();
    }
  });
});
