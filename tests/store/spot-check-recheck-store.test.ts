/**
 * The store side of re-checks in chat, on SQLite and PostgreSQL: queueing a wave's open `chat`
 * spot checks (audited), what the re-check service reads, the writes a resident's turn makes
 * (only on their own open spot check, never on the survey's answers), delivery bookkeeping,
 * expiry and skipping, and a verifier's outcome winning over a late chat answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BulkReader } from "../../prisma/bulk-reader.js";
import { migrate } from "../../prisma/migrate.js";
import type { SpotCheckRecord, Store, WaveRecord } from "../../core/model/index.js";
import { openStore } from "../../prisma/store.js";
import { ensureDefaultSurvey } from "../../core/survey/default-survey.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";

const ANSWERS = {
  safety_overall: { kind: "choice", option: "safe" },
  victim: { kind: "bool", value: false },
  suggestion: { kind: "text", value: "多装路灯" },
} as const;

describe.each(BACKENDS)("re-check store operations on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  let wave: WaveRecord;
  const residents: string[] = [];
  const t0 = new Date("2026-11-02T08:00:00Z");
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
    const seeded = await ensureDefaultSurvey(store, t0);
    wave = seeded.wave as WaveRecord;
    for (let i = 0; i < 4; i++) {
      const { resident } = await store.resolveIdentity({ platform: "telegram", platformUserId: `70${i}`, chatId: `70${i}` });
      residents.push(resident.id);
      await store.commitTurn({
        residentId: resident.id,
        channel: "telegram",
        state: { v: 1, mode: "menu" },
        expectedRevision: 0,
        now: at(i),
        writes: [
          { type: "response.start", waveId: wave.id, questionnaireId: seeded.questionnaire.id },
          ...Object.entries(ANSWERS).map(([questionId, value]) => ({ type: "answer.put" as const, waveId: wave.id, questionId, value })),
          { type: "response.complete", waveId: wave.id },
        ],
      });
    }
    const responses = await store.listResponses(wave.id, "completed");
    const byResident = new Map(responses.map((r) => [r.residentId, r.id]));
    await store.createSpotChecks({ waveId: wave.id, seed: "s", method: "chat", responseIds: residents.slice(0, 3).map((id) => byResident.get(id) as string), now: at(10) });
    await store.createSpotChecks({ waveId: wave.id, seed: "s", method: "phone", responseIds: [byResident.get(residents[3] as string) as string], now: at(10) });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const checkOf = async (residentIndex: number): Promise<SpotCheckRecord> => {
    const response = await store.getResponse(residents[residentIndex] as string, wave.id);
    const found = (await store.listSpotChecks(wave.id)).find((c) => c.responseId === response?.id);
    if (!found) throw new Error("no spot check");
    return found;
  };

  it("queues open chat spot checks only, up to the limit, once each, audited", async () => {
    expect(await store.queueSpotCheckRechecks({ waveId: wave.id, limit: 2, actorId: residents[3] ?? null, now: at(20) })).toEqual({ queued: 2, remaining: 1 });
    expect(await store.queueSpotCheckRechecks({ waveId: wave.id, now: at(21) })).toEqual({ queued: 1, remaining: 0 });
    expect(await store.queueSpotCheckRechecks({ waveId: wave.id, now: at(22) })).toEqual({ queued: 0, remaining: 0 });
    const open = await store.listOpenRechecks();
    expect(open).toHaveLength(3);
    expect(open[0]?.recheck).toEqual({ status: "queued", queuedAt: at(20).toISOString(), queuedBy: residents[3], attempts: 0 });
    expect((await checkOf(3)).recheck).toBeUndefined();
    const audit = (await store.listAudit()).filter((a) => a.action === "spotcheck.reask");
    expect(audit.map((a) => a.details)).toEqual([
      { queued: 0, limit: null },
      { queued: 1, limit: null },
      { queued: 2, limit: 2 },
    ]);
  });

  it("gives the re-check service the resident, accounts, parsed answers and questionnaire", async () => {
    const check = await checkOf(0);
    const target = await store.getRecheckTarget(check.id);
    expect(target?.response).toMatchObject({ residentId: residents[0], channel: "telegram", status: "completed", questionnaireKey: "public-safety" });
    expect(target?.answers).toEqual(ANSWERS);
    expect(target?.identities.map((i) => [i.platform, i.platformUserId, i.reachable])).toEqual([["telegram", "700", true]]);
    expect(target?.resident.id).toBe(residents[0]);
    expect(target?.conversationMode).toBe("menu");
    expect(target?.conversationUpdatedAt).toBeInstanceOf(Date);
    expect(await store.getRecheckTarget((await checkOf(3)).id)).toBeNull();
    expect(await store.getRecheckTarget("nope")).toBeNull();
  });

  it("records the asking, delivery and answers in the resident's own turn, leaving the survey's answers alone", async () => {
    const check = await checkOf(0);
    const questions = [
      { id: "safety_overall", original: ANSWERS.safety_overall },
      { id: "victim", original: ANSWERS.victim },
    ];
    const expiresAt = at(60 * 24 * 7).toISOString();
    const turn = async (residentIndex: number, revision: number, writes: Parameters<Store["commitTurn"]>[0]["writes"], minutes: number) =>
      store.commitTurn({ residentId: residents[residentIndex] as string, channel: "telegram", state: { v: 1, mode: "recheck" }, expectedRevision: revision, now: at(minutes), writes });

    // Another resident cannot touch it.
    await turn(1, 1, [{ type: "spotCheck.recheckStart", spotCheckId: check.id, questions, expiresAt, notes: "x" }], 30);
    expect((await checkOf(0)).recheck?.status).toBe("queued");

    await turn(0, 1, [{ type: "spotCheck.recheckStart", spotCheckId: check.id, questions, expiresAt, notes: "asked" }], 31);
    expect((await checkOf(0)).recheck).toMatchObject({ status: "asked", platform: "telegram", askedAt: at(31).toISOString(), expiresAt, questions });
    expect((await checkOf(0)).notes).toBe("asked");
    expect(await store.updateSpotCheckRecheck(check.id, ["asked"], { deliveredAt: at(32).toISOString() })).toBe(true);
    expect(await store.updateSpotCheckRecheck(check.id, ["queued"], { attempts: 9 })).toBe(false);

    // Answers to other questions than were asked are not taken.
    await turn(0, 2, [{ type: "spotCheck.recheckAnswer", spotCheckId: check.id, questions: [{ id: "suggestion", original: {}, answer: {}, same: true }], consistent: true, notes: "x" }], 33);
    expect((await checkOf(0)).outcome).toBeNull();

    const answered = questions.map((q, i) => ({ ...q, answer: i === 0 ? { kind: "choice", option: "unsafe" } : q.original, same: i !== 0 }));
    await turn(0, 3, [{ type: "spotCheck.recheckAnswer", spotCheckId: check.id, questions: answered, consistent: false, notes: "inconsistent!" }], 34);
    const done = await checkOf(0);
    expect(done).toMatchObject({ outcome: "inconsistent", verifier: "chat", notes: "inconsistent!", checkedAt: at(34) });
    expect(done.recheck).toMatchObject({ status: "answered", deliveredAt: at(32).toISOString(), finishedAt: at(34).toISOString(), questions: answered });
    // A second answer (another message) changes nothing.
    await turn(0, 4, [{ type: "spotCheck.recheckDecline", spotCheckId: check.id, reason: "declined", notes: "x" }], 35);
    expect((await checkOf(0)).outcome).toBe("inconsistent");

    const response = await store.getResponse(residents[0] as string, wave.id);
    expect(response?.answers).toEqual(ANSWERS);
    const records = (await store.listAudit()).filter((a) => a.target === check.id);
    expect(records.map((a) => [a.action, a.actorId])).toEqual([
      ["spotcheck.record", null],
      ["spotcheck.recheck.ask", null],
    ]);
    expect(records[0]?.details).toEqual({ outcome: "inconsistent", verifier: "chat" });
    expect(await store.listOpenRechecks()).toHaveLength(2);
  });

  it("declines as unreachable; expires and skips from outside a turn; a verifier's outcome wins", async () => {
    const declined = await checkOf(1);
    const q = [{ id: "victim", original: ANSWERS.victim }];
    await store.commitTurn({ residentId: residents[1] as string, channel: "web", state: {}, expectedRevision: 2, now: at(40), writes: [{ type: "spotCheck.recheckStart", spotCheckId: declined.id, questions: q, expiresAt: at(100).toISOString(), notes: "asked" }] });
    await store.commitTurn({ residentId: residents[1] as string, channel: "web", state: {}, expectedRevision: 3, now: at(41), writes: [{ type: "spotCheck.recheckDecline", spotCheckId: declined.id, reason: "declined", notes: "不愿参加" }] });
    expect(await checkOf(1)).toMatchObject({ outcome: "unreachable", verifier: "chat", notes: "不愿参加", recheck: { status: "declined", reason: "declined", platform: "web" } });

    const third = await checkOf(2);
    // A verifier calls first: the spot check is theirs, and the re-check is no longer open.
    await store.recordSpotCheck(third.id, { outcome: "consistent", verifier: "张警官", now: at(50) });
    expect(await store.closeSpotCheckRecheck(third.id, { status: "expired", reason: "no-reply", notes: "x", now: at(51) })).toBe(false);
    await store.commitTurn({ residentId: residents[2] as string, channel: "web", state: {}, expectedRevision: 1, now: at(52), writes: [{ type: "spotCheck.recheckSkip", spotCheckId: third.id, reason: "invalid", notes: "x" }] });
    expect(await checkOf(2)).toMatchObject({ outcome: "consistent", verifier: "张警官" });
    expect(await store.listOpenRechecks()).toEqual([]);
  });

  it("expires an open re-check as unreachable, or skips it without an outcome", async () => {
    const response = await store.getResponse(residents[3] as string, wave.id);
    await store.createSpotChecks({ waveId: wave.id, seed: "t", method: "chat", responseIds: [response?.id as string], now: at(60) });
    // The phone spot check of this response was drawn first and keeps its method.
    expect(await store.queueSpotCheckRechecks({ waveId: wave.id, now: at(61) })).toEqual({ queued: 0, remaining: 0 });

    const { resident } = await store.resolveIdentity({ platform: "web", platformUserId: "w5", chatId: "w5" });
    const seeded = await store.listQuestionnaires();
    await store.commitTurn({
      residentId: resident.id,
      channel: "web",
      state: {},
      expectedRevision: 0,
      now: at(62),
      writes: [
        { type: "response.start", waveId: wave.id, questionnaireId: seeded[0]?.id as string },
        { type: "answer.put", waveId: wave.id, questionId: "victim", value: ANSWERS.victim },
        { type: "response.complete", waveId: wave.id },
      ],
    });
    const own = await store.getResponse(resident.id, wave.id);
    const { resident: other } = await store.resolveIdentity({ platform: "web", platformUserId: "w6", chatId: "w6" });
    await store.commitTurn({
      residentId: other.id,
      channel: "web",
      state: {},
      expectedRevision: 0,
      now: at(62),
      writes: [{ type: "response.start", waveId: wave.id, questionnaireId: seeded[0]?.id as string }, { type: "response.complete", waveId: wave.id }],
    });
    const otherResponse = await store.getResponse(other.id, wave.id);
    await store.createSpotChecks({ waveId: wave.id, seed: "u", method: "chat", responseIds: [own?.id as string, otherResponse?.id as string], now: at(63) });
    expect(await store.queueSpotCheckRechecks({ waveId: wave.id, now: at(64) })).toEqual({ queued: 2, remaining: 0 });
    const [first, second] = await store.listOpenRechecks();
    expect(await store.closeSpotCheckRecheck(first?.id as string, { status: "expired", reason: "not-delivered", notes: "7 天内未能送达", now: at(65) })).toBe(true);
    expect(await store.closeSpotCheckRecheck(second?.id as string, { status: "skipped", reason: "opted_out", notes: "已退订", now: at(65) })).toBe(true);
    const checks = await store.listSpotChecks(wave.id);
    expect(checks.find((c) => c.id === first?.id)).toMatchObject({ outcome: "unreachable", verifier: "chat", notes: "7 天内未能送达", recheck: { status: "expired", reason: "not-delivered" } });
    expect(checks.find((c) => c.id === second?.id)).toMatchObject({ outcome: null, verifier: null, notes: "已退订", recheck: { status: "skipped", reason: "opted_out" } });
    expect(await store.closeSpotCheckRecheck(second?.id as string, { status: "expired", reason: "x", notes: "x", now: at(66) })).toBe(false);
    const actions = (await store.listAudit()).filter((a) => a.target === first?.id || a.target === second?.id).map((a) => a.action);
    expect(actions.sort()).toEqual(["spotcheck.recheck.skip", "spotcheck.record"]);
  });

  it("lists the same spot checks, re-checks included, through the plain-SQL reader of CLI exports", async () => {
    const listed = await store.listSpotChecks(wave.id);
    expect(listed.some((c) => c.recheck !== undefined)).toBe(true);
    const reader = await BulkReader.open(db.target);
    try {
      expect(await reader.listSpotChecks(wave.id)).toEqual(listed);
    } finally {
      await reader.close();
    }
  });
});
