/**
 * The store operations of outreach on both backends: invitations (one use, revocable, expiring,
 * audited), staff revocation, broadcasts and their outbox (atomic fan-out, claims one at a time
 * per resident, settlements, read confirmations), the web inbox, audiences and coverage rows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../prisma/migrate.js";
import type { ResidentRecord, Store, WaveRecord } from "../../core/model/index.js";
import { openStore } from "../../prisma/store.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";

describe.each(BACKENDS)("outreach store operations on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  let wave: WaveRecord;
  let admin: ResidentRecord;
  let officer: ResidentRecord;
  const households: ResidentRecord[] = [];
  const t0 = new Date("2026-11-01T08:00:00Z");
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
    await store.upsertRegion({ code: "D", name: { "zh-CN": "区" } });
    await store.upsertRegion({ code: "T1", name: { "zh-CN": "镇一" }, parentCode: "D" });
    await store.upsertRegion({ code: "V1", name: { "zh-CN": "村一", en: "Village 1" }, parentCode: "T1" });
    await store.upsertRegion({ code: "V2", name: { "zh-CN": "村二" }, parentCode: "T1" });
    await store.upsertRegion({ code: "T10", name: { "zh-CN": "镇十" }, parentCode: "D" });
    admin = await store.setRole("telegram", "900", "admin");
    officer = (await store.resolveIdentity({ platform: "telegram", platformUserId: "901", chatId: "901" })).resident;
    for (let i = 0; i < 6; i++) households.push((await store.resolveIdentity({ platform: i === 5 ? "web" : "telegram", platformUserId: `h${i}`, chatId: `${1000 + i}` })).resident);
    const q = await store.saveQuestionnaire({ key: "q", version: 1, title: "Q", definition: {}, checksum: "c" });
    wave = await store.createWave({ name: "W", questionnaireId: q.record.id, opensAt: t0 });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  describe("invitations", () => {
    it("make the redeemer an officer of the region, once, and audit both steps", async () => {
      const v1 = await store.getRegionByCode("V1");
      const invitation = await store.createInvitation({ code: "AAAABBBBCCCC", role: "officer", regionId: v1!.id, createdById: admin.id, expiresAt: at(60 * 24), now: t0 });
      expect(invitation).toMatchObject({ code: "AAAABBBBCCCC", role: "officer", regionCode: "V1", usedAt: null });
      const redeemed = await store.redeemInvitation("AAAABBBBCCCC", officer.id, at(1));
      expect(redeemed.ok && redeemed.resident).toMatchObject({ id: officer.id, role: "officer", regionId: v1!.id });
      // The same person again (a redelivered message): reported, nothing changes.
      expect(await store.redeemInvitation("AAAABBBBCCCC", officer.id, at(2))).toMatchObject({ ok: true, already: true });
      // Anyone else: it is used up.
      expect(await store.redeemInvitation("AAAABBBBCCCC", households[0]!.id, at(2))).toEqual({ ok: false, reason: "used" });
      expect((await store.getResident(households[0]!.id))?.role).toBe("resident");
      const audit = await store.listAudit(20);
      expect(audit.map((entry) => entry.action)).toEqual(expect.arrayContaining(["invitation.create", "invitation.redeem"]));
      officer = (await store.getResident(officer.id))!;
    });

    it("grant nothing once revoked or expired, and never an unknown code", async () => {
      await store.createInvitation({ code: "REVOKEDCODE2", role: "officer", regionId: null, createdById: admin.id, expiresAt: at(100), now: t0 });
      expect(await store.revokeInvitation("REVOKEDCODE2", admin.id, at(3))).toMatchObject({ revokedAt: at(3) });
      expect(await store.revokeInvitation("REVOKEDCODE2", admin.id, at(4))).toBeNull();
      expect(await store.redeemInvitation("REVOKEDCODE2", households[1]!.id, at(5))).toEqual({ ok: false, reason: "revoked" });
      await store.createInvitation({ code: "EXPIREDCODE2", role: "admin", regionId: null, createdById: admin.id, expiresAt: at(10), now: t0 });
      expect(await store.redeemInvitation("EXPIREDCODE2", households[1]!.id, at(10))).toEqual({ ok: false, reason: "expired" });
      expect(await store.redeemInvitation("NOSUCHCODE22", households[1]!.id, at(5))).toEqual({ ok: false, reason: "unknown" });
      expect((await store.getResident(households[1]!.id))?.role).toBe("resident");
      expect((await store.listInvitations({ open: true, now: at(5) })).map((i) => i.code)).not.toContain("REVOKEDCODE2");
    });

    it("let only one of two residents racing for a code win", async () => {
      await store.createInvitation({ code: "RACECODE2345", role: "officer", regionId: null, createdById: admin.id, expiresAt: at(100), now: t0 });
      const results = await Promise.all([store.redeemInvitation("RACECODE2345", households[2]!.id, at(6)), store.redeemInvitation("RACECODE2345", households[3]!.id, at(6))]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const roles = await Promise.all([households[2]!, households[3]!].map(async (h) => (await store.getResident(h.id))?.role));
      expect(roles.filter((role) => role === "officer")).toHaveLength(1);
      // Put them back for the tests below.
      for (const h of [households[2]!, households[3]!]) {
        const identity = (await store.identitiesOf(h.id))[0]!;
        await store.revokeStaff(identity.platform, identity.platformUserId, admin.id, at(7));
      }
    });

    it("list staff with accounts, and revoke staff (audited)", async () => {
      const staff = await store.listStaff();
      expect(staff.map((s) => s.id)).toEqual(expect.arrayContaining([admin.id, officer.id]));
      expect(staff.find((s) => s.id === officer.id)).toMatchObject({ regionCode: "V1", accounts: ["telegram:901"] });
      expect(await store.staffIds()).toEqual(expect.arrayContaining([admin.id, officer.id]));
      expect(await store.revokeStaff("telegram", "h0", admin.id, at(8))).toBeNull();
      expect((await store.listAudit(50)).some((entry) => entry.action === "staff.revoke")).toBe(true);
    });
  });

  describe("broadcasts and the outbox", () => {
    let broadcastId: string;

    it("assign households, and resolve audiences", async () => {
      const v1 = await store.getRegionByCode("V1");
      const v2 = await store.getRegionByCode("V2");
      for (const [i, h] of households.entries()) await store.assignHousehold({ officerId: officer.id, householdId: h.id, regionId: i < 4 ? v1!.id : v2!.id });
      expect((await store.audienceMembers({ officerId: officer.id })).map((m) => m.residentId).sort()).toEqual(households.map((h) => h.id).sort());
      const t1 = await store.getRegionByCode("T1");
      expect(await store.audienceMembers({ officerId: officer.id, regionPath: v2!.path })).toHaveLength(2);
      expect(await store.audienceMembers({ regionPath: t1!.path })).toHaveLength(6);
      expect(await store.audienceMembers({ regionPath: (await store.getRegionByCode("T10"))!.path })).toHaveLength(0);
      // Staff are never in an audience.
      expect((await store.audienceMembers({})).map((m) => m.residentId)).not.toContain(officer.id);
      // "Not finished the survey": one household completes.
      await store.commitTurn({
        residentId: households[0]!.id,
        channel: "telegram",
        state: {},
        expectedRevision: 0,
        now: t0,
        writes: [
          { type: "response.start", waveId: wave.id, questionnaireId: wave.questionnaireId },
          { type: "response.complete", waveId: wave.id },
        ],
      });
      expect((await store.audienceMembers({ officerId: officer.id, unfinishedWaveId: wave.id })).map((m) => m.residentId)).not.toContain(households[0]!.id);
      expect(await store.audienceMembers({ officerId: officer.id, unfinishedWaveId: wave.id })).toHaveLength(5);
    });

    it("fan out atomically, once", async () => {
      const draft = await store.createBroadcast({ authorId: officer.id, content: { text: { "zh-CN": "防诈骗" } }, audience: { kind: "households", officerId: officer.id }, now: t0 });
      expect(draft.status).toBe("draft");
      expect(await store.findDraft(officer.id, t0)).toMatchObject({ id: draft.id });
      expect(await store.dueBroadcasts(at(1))).toEqual([]);
      const scheduled = await store.scheduleBroadcast(draft.id, at(1), officer.id, at(0));
      expect(scheduled?.status).toBe("scheduled");
      expect(await store.scheduleBroadcast(draft.id, at(1), officer.id, at(0))).toBeNull();
      expect((await store.dueBroadcasts(at(1))).map((b) => b.id)).toEqual([draft.id]);
      broadcastId = draft.id;
      const identities = await Promise.all(households.map(async (h) => (await store.identitiesOf(h.id))[0]!));
      const plans = households.map((h, i) => ({ residentId: h.id, identityId: identities[i]!.id, status: i === 4 ? ("skipped" as const) : ("pending" as const), ...(i === 4 ? { lastError: "opted out" } : {}) }));
      expect(await store.fanOutBroadcast(broadcastId, [...plans, plans[0]!], at(1))).toBe(true);
      expect(await store.fanOutBroadcast(broadcastId, plans, at(1))).toBe(false);
      const counts = (await store.deliveryCounts([broadcastId])).get(broadcastId);
      expect(counts).toMatchObject({ total: 6, pending: 5, skipped: 1 });
      expect((await store.getBroadcast(broadcastId))?.status).toBe("sending");
    });

    it("hand out work oldest first, by platform, leaving residents out", async () => {
      const all = await store.nextDeliveries({ now: at(2), limit: 100 });
      expect(all).toHaveLength(5);
      expect(await store.nextDeliveries({ now: at(2), limit: 100, platform: "web" })).toHaveLength(1);
      const telegram = await store.nextDeliveries({ now: at(2), limit: 100, platform: "telegram", excludeResidentIds: [households[0]!.id] });
      expect(telegram.map((job) => job.residentId)).not.toContain(households[0]!.id);
      expect(telegram[0]).toMatchObject({ status: "pending", broadcastStatus: "sending", resident: { optedOut: false, deleted: false }, identity: { platform: "telegram" } });
    });

    it("reserve work for one of several senders: each row to one, until it lapses or is given back", async () => {
      const ask = (owner: string) => store.reserveDeliveries({ now: at(2), limit: 100, owner, until: at(3) });
      const [a, b] = await Promise.all([ask("sender-a"), ask("sender-b")]);
      const ids = (jobs: { id: string }[]) => jobs.map((job) => job.id);
      // Between them they hold all five pending rows, none twice.
      expect(new Set([...ids(a!), ...ids(b!)]).size).toBe(a!.length + b!.length);
      expect(a!.length + b!.length).toBe(5);
      // Nobody else sees them while reserved; once the reservation lapses, everyone does.
      expect(await store.nextDeliveries({ now: at(2), limit: 100 })).toEqual([]);
      expect(await store.reserveDeliveries({ now: at(2), limit: 100, owner: "sender-c", until: at(3) })).toEqual([]);
      expect(await store.nextDeliveries({ now: at(3), limit: 100 })).toHaveLength(5);
      // The heartbeat renews them; a stopping sender gives its own back at once.
      const holder = a!.length > 0 ? "sender-a" : "sender-b";
      expect(await store.renewDeliveryLeases(holder, at(6))).toBe((holder === "sender-a" ? a! : b!).length);
      expect(await store.releaseDeliveryReservations("sender-a")).toBe(a!.length);
      expect(await store.releaseDeliveryReservations("sender-b")).toBe(b!.length);
      expect(await store.nextDeliveries({ now: at(2), limit: 100 })).toHaveLength(5);
    });

    it("claim one delivery at a time per resident, and settle only what is claimed", async () => {
      const [first] = await store.nextDeliveries({ now: at(2), limit: 1 });
      expect(await store.claimDelivery(first!.id, { leaseUntil: at(3), owner: "test-owner" })).toBe(true);
      expect(await store.claimDelivery(first!.id, { leaseUntil: at(3) })).toBe(false);
      // A second broadcast to the same resident waits while the first is being sent.
      const second = await store.createBroadcast({ authorId: officer.id, content: { text: { en: "second" } }, audience: { kind: "households", officerId: officer.id }, status: "scheduled", scheduledAt: at(0), now: t0 });
      await store.fanOutBroadcast(second.id, [{ residentId: first!.residentId, identityId: first!.identityId, status: "pending" }], at(2));
      const [other] = (await store.nextDeliveries({ now: at(2), limit: 100 })).filter((job) => job.broadcastId === second.id);
      expect(await store.claimDelivery(other!.id, { leaseUntil: at(3) })).toBe(false);
      // A claimed row with its lease running is nobody's work; once it runs out, it is.
      expect((await store.nextDeliveries({ now: at(2), limit: 100 })).map((job) => job.id)).not.toContain(first!.id);
      // Its owner's heartbeat renews the lease; nobody else's does.
      expect(await store.renewDeliveryLeases("someone-else", at(9))).toBe(0);
      expect(await store.renewDeliveryLeases("test-owner", at(4))).toBe(1);
      expect((await store.nextDeliveries({ now: at(3), limit: 100 })).map((job) => job.id)).not.toContain(first!.id);
      const expired = (await store.nextDeliveries({ now: at(4), limit: 100 })).find((job) => job.id === first!.id);
      expect(expired).toMatchObject({ status: "sending", attempts: 1, platformMessageId: null, possiblyDuplicated: false });
      expect(await store.settleDelivery(first!.id, { status: "sent", platformMessageId: "42", lastError: null }, at(4))).toBe(true);
      expect(await store.settleDelivery(first!.id, { status: "failed" }, at(4))).toBe(false);
      expect(await store.sentMessageIds(first!.identityId!)).toEqual(["42"]);
      expect(await store.claimDelivery(other!.id, { leaseUntil: at(5) })).toBe(true);
      // Its sender died: once the lease has run out it goes back to pending, possibly duplicated.
      expect(await store.recoverDelivery(other!.id, at(4))).toBe(false);
      expect(await store.recoverDelivery(other!.id, at(5))).toBe(true);
      expect((await store.nextDeliveries({ now: at(5), limit: 100 })).find((job) => job.id === other!.id)).toMatchObject({ status: "pending", possiblyDuplicated: true });
      expect(await store.claimDelivery(other!.id, { leaseUntil: at(6) })).toBe(true);
      expect(await store.settleDelivery(other!.id, { status: "pending", nextAttemptAt: at(10) }, at(4))).toBe(true);
      expect(await store.deferDelivery(other!.id, at(11))).toBe(true);
      expect((await store.nextDeliveries({ now: at(10), limit: 100 })).map((job) => job.id)).not.toContain(other!.id);
      expect((await store.nextDeliveries({ now: at(11), limit: 100 })).map((job) => job.id)).toContain(other!.id);
    });

    it("mark a blocked account unreachable with its delivery", async () => {
      const job = (await store.nextDeliveries({ now: at(12), limit: 100 })).find((j) => j.residentId === households[1]!.id && j.broadcastId === broadcastId)!;
      await store.claimDelivery(job.id, { leaseUntil: at(13) });
      await store.settleDelivery(job.id, { status: "blocked", lastError: "403 blocked" }, at(12));
      const identity = (await store.identitiesOf(households[1]!.id))[0]!;
      expect(identity.reachable).toBe(false);
    });

    it("deliver to the web inbox in the same transaction as the outbox, once", async () => {
      const job = (await store.nextDeliveries({ now: at(12), limit: 100, platform: "web" }))[0]!;
      const item = { sessionId: job.identity!.chatId, residentId: job.residentId, lang: "zh-CN", messages: [{ kind: "info", text: "防诈骗" }] };
      expect(await store.deliverToWebInbox(job.id, item, at(12))).toBe(true);
      expect(await store.deliverToWebInbox(job.id, item, at(12))).toBe(false);
      await store.putWebInbox({ sessionId: job.identity!.chatId, lang: "en", messages: [{ kind: "info", text: "later" }], now: at(13) });
      const taken = await store.takeWebInbox(job.identity!.chatId, 10);
      expect(taken.map((i) => i.messages)).toEqual([[{ kind: "info", text: "防诈骗" }], [{ kind: "info", text: "later" }]]);
      expect(await store.takeWebInbox(job.identity!.chatId, 10)).toEqual([]);
    });

    it("record read confirmations, by button (only the resident's own) and by keyword", async () => {
      const delivered = (await store.nextDeliveries({ now: at(12), limit: 100, platform: "telegram" })).find((j) => j.residentId === households[2]!.id)!;
      await store.claimDelivery(delivered.id, { leaseUntil: at(13) });
      expect(await store.markDeliveryRead(delivered.id, households[3]!.id, at(12))).toEqual({ outcome: "unknown", broadcastId: null });
      // A press proves the message arrived, even before the sender recorded it.
      expect(await store.markDeliveryRead(delivered.id, households[2]!.id, at(12))).toEqual({ outcome: "read", broadcastId });
      expect(await store.markDeliveryRead(delivered.id, households[2]!.id, at(12))).toMatchObject({ outcome: "already" });
      const job3 = (await store.nextDeliveries({ now: at(12), limit: 100, platform: "telegram" })).find((j) => j.residentId === households[3]!.id)!;
      await store.claimDelivery(job3.id, { leaseUntil: at(13) });
      await store.settleDelivery(job3.id, { status: "sent", platformMessageId: "7" }, at(12));
      expect(await store.markLatestDeliveryRead(households[3]!.id, t0, at(14))).toBe(job3.id);
      expect(await store.markLatestDeliveryRead(households[3]!.id, t0, at(15))).toBeNull();
      const counts = (await store.deliveryCounts([broadcastId])).get(broadcastId)!;
      expect(counts).toMatchObject({ sent: 4, read: 2, blocked: 1, skipped: 1, pending: 0, possiblyDuplicated: 0 });
    });

    it("report coverage rows per assignment", async () => {
      const rows = await store.coverageRows({ officerId: officer.id });
      expect(rows).toHaveLength(6);
      const byHousehold = new Map(rows.map((row) => [row.householdId, row]));
      expect(byHousehold.get(households[2]!.id)).toMatchObject({ reached: true, confirmed: true, regionCode: "V1", regionName: { "zh-CN": "村一", en: "Village 1" } });
      expect(byHousehold.get(households[1]!.id)).toMatchObject({ reached: false, confirmed: false });
      expect((await store.coverageRows({ regionPath: (await store.getRegionByCode("V2"))!.path })).map((r) => r.householdId).sort()).toEqual([households[4]!.id, households[5]!.id].sort());
      expect((await store.coverageRows({ officerId: officer.id, since: at(60) })).filter((r) => r.reached)).toHaveLength(0);
    });

    it("finish broadcasts with nothing left to send, and cancel the rest", async () => {
      // Every household of the first broadcast is settled now (sent, blocked, skipped).
      expect(await store.finishBroadcasts(at(20))).toContain(broadcastId);
      expect((await store.getBroadcast(broadcastId))?.status).toBe("done");
      expect(await store.cancelBroadcast(broadcastId, officer.id, at(20))).toBeNull();
      const third = await store.createBroadcast({ authorId: officer.id, content: { text: { en: "third" } }, audience: { kind: "households", officerId: officer.id }, status: "scheduled", scheduledAt: at(0), now: t0 });
      await store.fanOutBroadcast(third.id, households.map((h) => ({ residentId: h.id, identityId: null, status: "pending" as const })), at(20));
      const cancelled = await store.cancelBroadcast(third.id, officer.id, at(20));
      expect(cancelled?.status).toBe("cancelled");
      expect(await store.cancelBroadcast(third.id, officer.id, at(21))).toBeNull();
      expect((await store.deliveryCounts([third.id])).get(third.id)).toMatchObject({ skipped: 6, pending: 0 });
      const list = await store.listBroadcasts({ authorId: officer.id });
      expect(list.find((b) => b.id === broadcastId)?.counts).toMatchObject({ total: 6, pending: 0 });
      expect((await store.listAudit(100)).map((entry) => entry.action)).toEqual(expect.arrayContaining(["broadcast.schedule", "broadcast.cancel"]));
      await store.deleteDrafts(officer.id);
    });
  });
});
