/**
 * Coverage figures against a hand count: two officers, three villages, two broadcasts, some
 * households reached, some confirmed, some blocked or opted out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResidentRecord, Store } from "../../core/model/index.js";
import { coverageReport, CoverageRequestError } from "../../core/outreach/coverage.js";
import { adminCoverageText, officerCoverageText } from "../../core/outreach/commands.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

let opened: TestStore;
let store: Store;
let officerA: ResidentRecord;
let officerB: ResidentRecord;
let broadcastA: string;
const t0 = new Date("2026-06-01T08:00:00Z");
const at = (hours: number) => new Date(t0.getTime() + hours * 3600_000);

/** Sends a broadcast to `targets`: each gets "sent", "sent+read", "blocked" or "skipped". */
async function broadcast(authorId: string, targets: readonly (readonly [ResidentRecord, "sent" | "read" | "blocked" | "skipped"])[], when: Date): Promise<string> {
  const b = await store.createBroadcast({ authorId, content: { text: { "zh-CN": "提示" } }, audience: { kind: "everyone" }, status: "scheduled", scheduledAt: when, now: when });
  const identities = await Promise.all(targets.map(async ([r]) => (await store.identitiesOf(r.id))[0]!));
  await store.fanOutBroadcast(b.id, targets.map(([r, outcome], i) => ({ residentId: r.id, identityId: identities[i]!.id, status: outcome === "skipped" ? "skipped" : "pending" })), when);
  for (const job of await store.nextDeliveries({ now: when, limit: 1000 })) {
    if (job.broadcastId !== b.id) continue;
    const outcome = targets.find(([r]) => r.id === job.residentId)![1];
    await store.claimDelivery(job.id, { leaseUntil: at(100) });
    await store.settleDelivery(job.id, outcome === "blocked" ? { status: "blocked", lastError: "403" } : { status: "sent", platformMessageId: "1" }, when);
    if (outcome === "read") await store.markDeliveryRead(job.id, job.residentId, when);
  }
  return b.id;
}

beforeAll(async () => {
  opened = await openTestStore();
  store = opened.store;
  await store.upsertRegion({ code: "T", name: { "zh-CN": "镇" } });
  await store.upsertRegion({ code: "V1", name: { "zh-CN": "一村", en: "Village One" }, parentCode: "T" });
  await store.upsertRegion({ code: "V2", name: { "zh-CN": "二村" }, parentCode: "T" });
  const v1 = (await store.getRegionByCode("V1"))!.id;
  const v2 = (await store.getRegionByCode("V2"))!.id;
  officerA = await store.setRole("test", "A", "officer");
  officerB = await store.setRole("test", "B", "officer");
  const gone = await store.setRole("test", "gone", "officer");
  const households: ResidentRecord[] = [];
  for (let i = 0; i < 26; i++) households.push((await store.resolveIdentity({ platform: "test", platformUserId: `h${i}`, chatId: `h${i}` })).resident);
  // A: twelve households in V1 (h0–h11), four in V2 (h12–h15). B: ten in V1 (h16–h25).
  for (const h of households.slice(0, 12)) await store.assignHousehold({ officerId: officerA.id, householdId: h.id, regionId: v1 });
  for (const h of households.slice(12, 16)) await store.assignHousehold({ officerId: officerA.id, householdId: h.id, regionId: v2 });
  for (const h of households.slice(16, 26)) await store.assignHousehold({ officerId: officerB.id, householdId: h.id, regionId: v1 });
  // An officer who left: their households do not count.
  await store.assignHousehold({ officerId: gone.id, householdId: households[0]!.id, regionId: v1 });
  await store.revokeStaff("test", "gone", null, t0);

  // A's broadcast: V1 — 6 read, 4 sent, 2 blocked; V2 — 1 read, 1 sent, 2 opted out.
  broadcastA = await broadcast(
    officerA.id,
    [
      ...households.slice(0, 6).map((h) => [h, "read"] as const),
      ...households.slice(6, 10).map((h) => [h, "sent"] as const),
      ...households.slice(10, 12).map((h) => [h, "blocked"] as const),
      [households[12]!, "read"],
      [households[13]!, "sent"],
      [households[14]!, "skipped"],
      [households[15]!, "skipped"],
    ],
    at(1),
  );
  // A later broadcast (an admin's) reached three of B's households, one of which confirmed.
  await broadcast(officerA.id, [[households[16]!, "read"], [households[17]!, "sent"], [households[18]!, "sent"]], at(48));
});
afterAll(async () => {
  await opened?.close();
});

describe("coverage", () => {
  it("equals the hand count per officer and village", async () => {
    const report = await coverageReport(store);
    const figures = report.officers.map((o) => ({
      officer: o.officerId === officerA.id ? "A" : o.officerId === officerB.id ? "B" : "?",
      villages: o.villages.map((v) => [v.regionCode, v.assigned, v.reached, v.confirmed, v.missing, v.meetsMinimum, v.complete]),
    }));
    expect(figures.sort((a, b) => a.officer.localeCompare(b.officer))).toEqual([
      { officer: "A", villages: [["V1", 12, 10, 6, 2, true, false], ["V2", 4, 2, 1, 2, false, false]] },
      { officer: "B", villages: [["V1", 10, 3, 1, 7, true, false]] },
    ]);
    // Chat-only assignments: nobody visited, nothing handed over, no wave open so nobody surveyed.
    expect(report.totals).toEqual({
      assigned: 26,
      visited: 0,
      materialDelivered: 0,
      surveyedSelf: 0,
      surveyedInterviewer: 0,
      surveyed: 0,
      reached: 15,
      confirmed: 8,
      missing: 11,
      villages: 3,
      villagesBelowMinimum: 1,
      villagesBelowVisitMinimum: 3,
      villagesComplete: 0,
    });
    expect(report.wave).toBeNull();
    expect(report.minimumPerVillage).toBe(10);
  });

  it("counts one broadcast, or a period, when asked", async () => {
    const one = await coverageReport(store, { broadcastId: broadcastA });
    expect(one.totals).toMatchObject({ assigned: 26, reached: 12, confirmed: 7 });
    const later = await coverageReport(store, { since: at(24) });
    expect(later.totals).toMatchObject({ reached: 3, confirmed: 1 });
    const mine = await coverageReport(store, { officerId: officerB.id });
    expect(mine.officers).toHaveLength(1);
    expect(mine.totals).toMatchObject({ assigned: 10, reached: 3 });
    const v2 = await coverageReport(store, { regionCode: "V2" });
    expect(v2.totals).toMatchObject({ assigned: 4, reached: 2, confirmed: 1, villages: 1 });
    await expect(coverageReport(store, { regionCode: "nowhere" })).rejects.toThrow(CoverageRequestError);
  });

  it("reads in chat", async () => {
    const text = officerCoverageText(await coverageReport(store, { officerId: officerA.id }), "en");
    expect(text).toContain("Village One: 12 / 10 / 6 2 not reached");
    expect(text).toContain("二村: 4 / 2 / 1 ⚠ fewer than 10 households 2 not reached");
    expect(text).toContain("Total: 16 households, 12 reached, 7 confirmed, 4 not reached");
    const admin = adminCoverageText(await coverageReport(store), "zh-CN");
    expect(admin).toMatch(/各民警入户宣传覆盖（2 人）/);
    expect(admin).toContain("合计：联系户 26，已送达 15，已确认 8，未送达 11");
  });
});
