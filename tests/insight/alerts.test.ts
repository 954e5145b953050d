/**
 * Alerts against the real store on SQLite and PostgreSQL, with a fixed clock:
 *
 * Rates. District D (330102) with villages V1–V4; wave W1 (closed) and W2 (open), the default
 * questionnaire, safety_overall answered only (so satisfaction is suppressed everywhere):
 *   W1: V1 20/20 positive, V2 8/10, V3 12/12.
 *   W2: V1 10/20, V2 7/10, V3 0/4, V4 0/4 (V3 and V4 below the minimum group of 10: suppressed).
 *   W2 target of safety_overall.rate: 省均 0.60.
 * By hand: V1 0.50 < 0.60 (below target); 0.50 against 1.00, pooled 30/40, z = −3.65, p = 0.00026
 * (drop). V2 0.70 ≥ 0.60; 0.70 against 0.80, z = −0.52, p = 0.61 (no drop). D = 17/38 = 0.447
 * (below target) against 40/42 = 0.952 (drop). V3 fell from 12/12 to 0/4 but is suppressed: nothing.
 * So four alerts: below-target and drop for V1 and D.
 *
 * Coverage: tests/outreach/field-fixture.ts's office in a wave closing 2026-12-01 00:00 office time
 * (Asia/Shanghai): officer A has 10 covered households in 东村 (enough) and 1 in 南村, officer B 9 in
 * 西村. Reminders from 2026-11-24 00:00 office time (= 2026-11-23T16:00Z), not a minute before.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DomainWrite, ResidentRecord, Store, WaveRecord } from "../../core/model/index.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { storeQuestionnaire } from "../../core/survey/default-survey.js";
import { AlertMonitor } from "../../core/insight/alerts-runner.js";
import { OutboxSender, type OutboxTransport, type SendJob } from "../../core/outreach/sender.js";
import { deliveryMessage } from "../../core/outreach/content.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { seedFieldOffice, T0 } from "../outreach/field-fixture.js";

const NOW = new Date("2026-11-20T02:00:00Z");
const D = "330102";
const V = (i: number) => `33010200${i}`;

/** A transport standing in for Telegram: records what each chat got, as the resident would read it. */
function fakeTransport(platform: string): OutboxTransport & { sent: { chatId: string; text: string }[] } {
  const sent: { chatId: string; text: string }[] = [];
  return {
    platform,
    sent,
    async send(job: SendJob) {
      const shown = deliveryMessage(job.content, job.delivery.resident.lang, job.delivery.id, "button");
      sent.push({ chatId: job.identity.chatId, text: shown?.message.text ?? "" });
      return { kind: "sent", messageId: String(sent.length) };
    },
  };
}

/** Runs the real outbox sender over `transport` until no delivery is pending or sending. */
async function deliver(store: Store, transport: OutboxTransport): Promise<void> {
  const sender = new OutboxSender({ store, transports: [transport], pollMs: 20 });
  sender.start();
  try {
    for (let i = 0; i < 3000; i++) {
      const left = await store.nextDeliveries({ now: new Date(Date.now() + 3600_000), limit: 1 });
      if (left.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error("the outbox did not drain");
  } finally {
    await sender.stop();
  }
}

let serial = 0;
async function respond(store: Store, wave: WaveRecord, region: string, positive: boolean, at: Date): Promise<void> {
  const user = `r-${++serial}`;
  const { resident } = await store.resolveIdentity({ platform: "web", platformUserId: user, chatId: user });
  const writes: DomainWrite[] = [
    { type: "response.start", waveId: wave.id, questionnaireId: wave.questionnaireId },
    { type: "answer.put", waveId: wave.id, questionId: "safety_overall", value: { kind: "choice", option: positive ? "very_safe" : "not_very_safe" } },
    { type: "response.region", waveId: wave.id, regionCode: region },
    { type: "response.complete", waveId: wave.id },
  ];
  const outcome = await store.commitTurn({ residentId: resident.id, channel: "web", state: { seeded: true }, expectedRevision: 0, writes, now: at });
  if (outcome !== "committed") throw new Error(`seed turn ${outcome}`);
}

async function seedRates(store: Store): Promise<{ w1: WaveRecord; w2: WaveRecord; admins: ResidentRecord[] }> {
  await store.upsertRegion({ code: D, name: { "zh-CN": "上城区", "zh-TW": "上城區", en: "Shangcheng" } });
  const villages = ["东村", "西村", "南村", "北村"];
  const english = ["East", "West", "South", "North"];
  for (let i = 1; i <= 4; i++) await store.upsertRegion({ code: V(i), name: { "zh-CN": villages[i - 1]!, "zh-TW": villages[i - 1]!, en: `${english[i - 1]} Village` }, parentCode: D });
  const { record } = await storeQuestionnaire(store, loadDefaultQuestionnaire(), "yaml");
  const w1 = await store.createWave({ name: "2026-H1", questionnaireId: record.id, opensAt: new Date("2026-03-01T00:00:00Z"), closesAt: new Date("2026-07-01T00:00:00Z") });
  const w2 = await store.createWave({ name: "2026-H2", questionnaireId: record.id, opensAt: new Date("2026-09-01T00:00:00Z") });
  await store.setWaveTarget(w2.id, "safety_overall.rate", "省均", 0.6);
  const plan: [WaveRecord, string, number, number][] = [
    [w1, V(1), 20, 20],
    [w1, V(2), 8, 10],
    [w1, V(3), 12, 12],
    [w2, V(1), 10, 20],
    [w2, V(2), 7, 10],
    [w2, V(3), 0, 4],
    [w2, V(4), 0, 4],
  ];
  for (const [wave, region, positive, total] of plan) {
    const at = new Date(wave.opensAt.getTime() + 86400_000);
    for (let i = 0; i < total; i++) await respond(store, wave, region, i < positive, at);
  }
  const admin = async (user: string, lang: string) => {
    await store.resolveIdentity({ platform: "telegram", platformUserId: user, chatId: user, lang });
    return store.setRole("telegram", user, "admin");
  };
  return { w1, w2, admins: [await admin("admin-zh", "zh-CN"), await admin("admin-en", "en")] };
}

describe.each(BACKENDS)("alerts on $name", ({ create }) => {
  let opened: TestStore;
  beforeEach(async () => {
    const db: TestDatabase = await create();
    opened = await openTestStore({ db });
  });
  afterEach(async () => {
    await opened.close();
  });

  it("raises below-target and significant-drop alerts once, audited, and the outbox tells each admin in their language", async () => {
    const { store } = opened;
    const { w2 } = await seedRates(store);
    const monitor = new AlertMonitor({ store, platforms: () => ["telegram"], timeZone: "Asia/Shanghai" });
    // Two processes at once: each key is recorded by exactly one of them.
    const [a, b] = await Promise.all([monitor.runOnce(NOW), new AlertMonitor({ store, platforms: () => ["telegram"] }).runOnce(NOW)]);
    expect(a.raised.coverage + b.raised.coverage).toBe(0);
    expect(a.raised["below-target"] + b.raised["below-target"]).toBe(2);
    expect(a.raised.drop + b.raised.drop).toBe(2);
    expect(a.due).toBe(4);
    const open = await store.listOpenAlerts();
    expect(open.map((x) => x.key).sort()).toEqual([`below-target:${w2.id}:${D}:safety_overall.rate`, `below-target:${w2.id}:${V(1)}:safety_overall.rate`, `drop:${w2.id}:${D}:safety_overall.rate`, `drop:${w2.id}:${V(1)}:safety_overall.rate`].sort());

    // Again: all four exist already, nothing new.
    const again = await monitor.runOnce(new Date(NOW.getTime() + 3600_000));
    expect(again).toMatchObject({ due: 4, already: 4, messages: 0, raised: { "below-target": 0, drop: 0, coverage: 0 } });
    expect(await store.listOpenAlerts()).toHaveLength(4);

    const audit = (await store.listAudit(100)).filter((e) => e.action === "alert.raise");
    expect(audit.map((e) => e.target).sort()).toEqual(open.map((x) => x.key).sort());

    // The real sender delivers: one message per alert and admin, each in the admin's language.
    const telegram = fakeTransport("telegram");
    await deliver(store, telegram);
    const zh = telegram.sent.filter((m) => m.chatId === "admin-zh").map((m) => m.text);
    const en = telegram.sent.filter((m) => m.chatId === "admin-en").map((m) => m.text);
    expect(zh).toHaveLength(4);
    expect(en).toHaveLength(4);
    expect(zh.some((t) => t.includes("东村") && t.includes("50.0%") && t.includes("省均 60.0%") && t.includes("共 20 份"))).toBe(true);
    expect(en.some((t) => t.includes("East Village") && t.includes("50.0%") && t.includes("below its target: 省均 60.0%") && t.includes("20 valid answers"))).toBe(true);
    expect(en.some((t) => t.includes("Shangcheng") && t.includes("fell from 95.2%") && t.includes("to 44.7%") && t.includes("p = < 0.001"))).toBe(true);
    // Nothing about the suppressed villages, nor the non-significant change in 西村.
    expect([...zh, ...en].some((t) => /南村|北村|South|North|西村|West/.test(t))).toBe(false);
    // Seeding 80 responses through committed turns takes a while on a busy machine.
  }, 180_000);

  it("does not alert a non-significant drop, and honours a stricter significance level", async () => {
    const { store } = opened;
    await seedRates(store);
    // At alpha 1e-4 the district (p ≈ 6e-7) still drops, V1 (p ≈ 0.00026) no longer does.
    const strict = await new AlertMonitor({ store, platforms: () => ["telegram"], thresholds: { alpha: 1e-4 } }).runOnce(NOW);
    expect(strict.raised.drop).toBe(1);
    const drops = (await store.listOpenAlerts({ kinds: ["drop"] })).map((x) => x.regionCode);
    expect(drops).toEqual([D]);
  }, 180_000);

  it("reminds officers of villages below 10 covered households from a week before the wave closes, once", async () => {
    const { store } = opened;
    const { record } = await storeQuestionnaire(store, loadDefaultQuestionnaire(), "yaml");
    const closesAt = new Date("2026-11-30T16:00:00Z");
    const wave = await store.createWave({ name: "2026-冬", questionnaireId: record.id, opensAt: T0, closesAt });
    const { officerA, officerB } = await seedFieldOffice(store, wave);
    const monitor = new AlertMonitor({ store, platforms: () => ["cli"], timeZone: "Asia/Shanghai" });
    const remindAt = new Date("2026-11-23T16:00:00Z");

    const early = await monitor.runOnce(new Date(remindAt.getTime() - 60_000));
    expect(early.raised.coverage).toBe(0);
    expect(await store.listOpenAlerts({ kinds: ["coverage"] })).toEqual([]);

    const due = await monitor.runOnce(remindAt);
    expect(due.raised.coverage).toBe(2);
    expect(due.messages).toBe(2);
    const reminders = await store.listOpenAlerts({ kinds: ["coverage"] });
    expect(reminders.map((r) => [r.officerId, r.regionCode, (r.details as { covered: number }).covered]).sort()).toEqual(
      [
        [officerA.id, "V3", 1],
        [officerB.id, "V2", 9],
      ].sort(),
    );
    const later = await monitor.runOnce(new Date(remindAt.getTime() + 2 * 86400_000));
    expect(later).toMatchObject({ already: 2, raised: { coverage: 0 }, messages: 0 });
    // After the wave closed there is nothing to remind of.
    expect((await monitor.runOnce(new Date(closesAt.getTime() + 1))).due).toBe(0);

    const cli = fakeTransport("cli");
    await deliver(store, cli);
    const toB = cli.sent.filter((m) => m.chatId === "officer-b").map((m) => m.text);
    const toA = cli.sent.filter((m) => m.chatId === "officer-a").map((m) => m.text);
    expect(toB).toHaveLength(1);
    expect(toB[0]).toContain("西村");
    expect(toB[0]).toContain("9 户");
    expect(toB[0]).toContain("还差 1 户");
    expect(toB[0]).toContain("2026-12-01 00:00");
    expect(toA).toHaveLength(1);
    expect(toA[0]).toContain("南村");
    expect(toA[0]).not.toContain("东村");
    expect((await store.listAudit(100)).filter((e) => e.action === "alert.raise")).toHaveLength(2);
  });

  it("gives no coverage reminder for a wave without an end", async () => {
    const { store } = opened;
    const { record } = await storeQuestionnaire(store, loadDefaultQuestionnaire(), "yaml");
    const wave = await store.createWave({ name: "open-ended", questionnaireId: record.id, opensAt: T0 });
    await seedFieldOffice(store, wave);
    const run = await new AlertMonitor({ store, platforms: () => ["cli"] }).runOnce(new Date("2026-12-31T00:00:00Z"));
    expect(run.raised.coverage).toBe(0);
    expect(await store.listOpenAlerts()).toEqual([]);
  });
});
