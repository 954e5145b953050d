import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../prisma/migrate.js";
import { QuestionnaireConflictError, type Store } from "../../core/model/index.js";
import { openStore } from "../../prisma/store.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";

describe.each(BACKENDS)("store on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  const now = new Date("2026-11-01T08:00:00Z");

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("answers the health check", async () => {
    await expect(store.health()).resolves.toBeUndefined();
  });

  it("creates a resident on first contact and finds it again", async () => {
    const first = await store.resolveIdentity({ platform: "telegram", platformUserId: "42", chatId: "42", displayName: "王阿姨", lang: "zh-CN" });
    expect(first.created).toBe(true);
    expect(first.resident.role).toBe("resident");
    const again = await store.resolveIdentity({ platform: "telegram", platformUserId: "42", chatId: "42" });
    expect(again.created).toBe(false);
    expect(again.resident.id).toBe(first.resident.id);
    expect(again.resident.displayName).toBe("王阿姨");
  });

  it("creates exactly one resident when first messages race", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => store.resolveIdentity({ platform: "web", platformUserId: "race-1", chatId: "race-1" })),
    );
    expect(new Set(results.map((r) => r.resident.id)).size).toBe(1);
  });

  it("sets roles and writes the audit log", async () => {
    const admin = await store.setRole("telegram", "1001", "admin");
    expect(admin.role).toBe("admin");
    expect((await store.listByRole("admin")).map((r) => r.id)).toContain(admin.id);
    const audit = await store.listAudit();
    expect(audit.some((entry) => entry.action === "staff.role" && entry.target === "telegram:1001")).toBe(true);
  });

  it("keeps a region tree with prefix paths", async () => {
    await store.upsertRegion({ code: "330102", name: { "zh-CN": "上城区", en: "Shangcheng" } });
    await store.upsertRegion({ code: "330102001", name: { "zh-CN": "清波街道" }, parentCode: "330102" });
    const village = await store.upsertRegion({ code: "330102001001", name: { "zh-CN": "柳翠井社区" }, parentCode: "330102001" });
    expect(village.level).toBe(2);
    expect(village.path).toBe("/330102/330102001/330102001001/");
    await expect(store.upsertRegion({ code: "x1", name: { "zh-CN": "?" }, parentCode: "missing" })).rejects.toThrow(/parent missing/);
    const regions = await store.listRegions();
    expect(regions.map((r) => r.code).slice(0, 3)).toEqual(["330102", "330102001", "330102001001"]);
  });

  it("stores questionnaire versions idempotently and refuses changed content", async () => {
    const input = { key: "demo", version: 1, title: "Demo", definition: { id: "demo", questions: [] }, checksum: "abc" };
    const first = await store.saveQuestionnaire(input);
    const second = await store.saveQuestionnaire(input);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.record.definition).toEqual(input.definition);
    await expect(store.saveQuestionnaire({ ...input, checksum: "def" })).rejects.toBeInstanceOf(QuestionnaireConflictError);
  });

  it("finds the wave open at a moment", async () => {
    const q = await store.saveQuestionnaire({ key: "wave-q", version: 1, title: "W", definition: {}, checksum: "w1" });
    const old = await store.createWave({ name: "2025", questionnaireId: q.record.id, opensAt: new Date("2025-01-01"), closesAt: new Date("2026-01-01") });
    const current = await store.createWave({ name: "2026", questionnaireId: q.record.id, opensAt: new Date("2026-06-01") });
    expect((await store.currentWave(now))?.id).toBe(current.id);
    expect((await store.currentWave(new Date("2025-06-01")))?.id).toBe(old.id);
    expect(await store.currentWave(new Date("2024-01-01"))).toBeNull();
    await store.setWaveTarget(current.id, "security_rate", "provincial average", 0.95);
    await store.setWaveTarget(current.id, "security_rate", "provincial average", 0.96);
    expect(await store.waveTargets(current.id)).toEqual([{ measureId: "security_rate", label: "provincial average", value: 0.96 }]);
  });

  describe("turns", () => {
    let residentId: string;
    let waveId: string;
    let questionnaireId: string;

    beforeAll(async () => {
      residentId = (await store.resolveIdentity({ platform: "telegram", platformUserId: "turns", chatId: "turns" })).resident.id;
      const q = await store.saveQuestionnaire({ key: "turn-q", version: 1, title: "T", definition: {}, checksum: "t1" });
      questionnaireId = q.record.id;
      waveId = (await store.createWave({ name: "turns", questionnaireId, opensAt: new Date("2026-01-01") })).id;
    });

    it("commits state, answers and the message id atomically", async () => {
      const outcome = await store.commitTurn({
        residentId,
        channel: "telegram",
        inbound: { platform: "telegram", messageId: "m1" },
        state: { step: 1 },
        expectedRevision: 0,
        now,
        writes: [
          { type: "resident.update", consentAt: now, lang: "en" },
          { type: "response.start", waveId, questionnaireId },
          { type: "answer.put", waveId, questionId: "q1", value: { kind: "choice", option: "safe" } },
          { type: "response.region", waveId, regionCode: "330102001001" },
        ],
      });
      expect(outcome).toBe("committed");
      expect(await store.loadConversation(residentId)).toEqual({ state: { step: 1 }, revision: 1 });
      const response = await store.getResponse(residentId, waveId);
      expect(response?.answers).toEqual({ q1: { kind: "choice", option: "safe" } });
      expect(response?.status).toBe("in_progress");
      expect(response?.regionId).not.toBeNull();
      expect((await store.getResident(residentId))?.lang).toBe("en");
    });

    it("recognises a redelivered message and writes nothing", async () => {
      const outcome = await store.commitTurn({
        residentId,
        channel: "telegram",
        inbound: { platform: "telegram", messageId: "m1" },
        state: { step: 99 },
        expectedRevision: 1,
        now,
        writes: [{ type: "answer.put", waveId, questionId: "q1", value: { kind: "choice", option: "unsafe" } }],
      });
      expect(outcome).toBe("duplicate");
      expect((await store.loadConversation(residentId))?.revision).toBe(1);
      expect((await store.getResponse(residentId, waveId))?.answers.q1).toEqual({ kind: "choice", option: "safe" });
    });

    it("refuses a turn computed from a stale state", async () => {
      const outcome = await store.commitTurn({
        residentId,
        channel: "telegram",
        inbound: { platform: "telegram", messageId: "m-stale" },
        state: { step: 2 },
        expectedRevision: 0,
        now,
        writes: [{ type: "answer.put", waveId, questionId: "q2", value: { kind: "bool", value: true } }],
      });
      expect(outcome).toBe("conflict");
      expect(await store.isProcessed("telegram", "m-stale")).toBe(false);
      expect((await store.getResponse(residentId, waveId))?.answers.q2).toBeUndefined();
    });

    it("changes, retracts and completes answers, and stores suggestions", async () => {
      const outcome = await store.commitTurn({
        residentId,
        channel: "telegram",
        inbound: { platform: "telegram", messageId: "m2" },
        state: { step: 3 },
        expectedRevision: 1,
        now,
        writes: [
          { type: "answer.put", waveId, questionId: "q1", value: { kind: "choice", option: "very_safe" } },
          { type: "answer.put", waveId, questionId: "q2", value: { kind: "text", value: "多巡逻" } },
          { type: "answer.delete", waveId, questionId: "q2" },
          { type: "suggestion.add", waveId, text: "晚上多巡逻", lang: "zh-CN" },
          { type: "response.complete", waveId },
        ],
      });
      expect(outcome).toBe("committed");
      const response = await store.getResponse(residentId, waveId);
      expect(response?.answers).toEqual({ q1: { kind: "choice", option: "very_safe" } });
      expect(response?.status).toBe("completed");
      expect(response?.completedAt?.toISOString()).toBe(now.toISOString());
      const suggestions = await store.listSuggestions({ waveId });
      expect(suggestions.map((s) => [s.text, s.status, s.regionId !== null])).toEqual([["晚上多巡逻", "new", true]]);
      expect((await store.listResponses(waveId, "completed")).length).toBe(1);
    });

    it("starts an abandoned response afresh when the same wave's survey starts again", async () => {
      const other = (await store.resolveIdentity({ platform: "telegram", platformUserId: "turns-again", chatId: "turns-again" })).resident.id;
      const later = new Date(now.getTime() + 60_000);
      const turn = (revision: number, at: Date, writes: Parameters<typeof store.commitTurn>[0]["writes"]) =>
        store.commitTurn({ residentId: other, channel: "web", state: { revision }, expectedRevision: revision, now: at, writes });
      expect(await turn(0, now, [{ type: "response.start", waveId, questionnaireId }, { type: "answer.put", waveId, questionId: "q1", value: { kind: "choice", option: "safe" } }])).toBe("committed");
      expect(await turn(1, now, [{ type: "response.abandon", waveId }])).toBe("committed");
      expect((await store.getResponse(other, waveId))?.status).toBe("abandoned");
      expect(await turn(2, later, [{ type: "response.start", waveId, questionnaireId }, { type: "answer.put", waveId, questionId: "q2", value: { kind: "bool", value: true } }])).toBe("committed");
      const response = await store.getResponse(other, waveId);
      expect(response).toMatchObject({ status: "in_progress", answers: { q2: { kind: "bool", value: true } } });
      expect(response?.answers.q1).toBeUndefined();
      expect(response?.startedAt.toISOString()).toBe(later.toISOString());
      // An in-progress response is left as it is by a repeated start.
      expect(await turn(3, later, [{ type: "response.start", waveId, questionnaireId }])).toBe("committed");
      expect((await store.getResponse(other, waveId))?.answers).toEqual({ q2: { kind: "bool", value: true } });
    });

    it("erases a resident's data on request", async () => {
      const outcome = await store.commitTurn({
        residentId,
        channel: "telegram",
        inbound: { platform: "telegram", messageId: "m3" },
        state: { step: 4 },
        expectedRevision: 2,
        now,
        writes: [{ type: "resident.erase" }],
      });
      expect(outcome).toBe("committed");
      expect(await store.getResponse(residentId, waveId)).toBeNull();
      expect(await store.listSuggestions({ waveId })).toEqual([]);
      expect(await store.identitiesOf(residentId)).toEqual([]);
      // The emptied row stays under a fresh id, which the erasure's audit entry names.
      expect(await store.getResident(residentId)).toBeNull();
      const erased = (await store.listAudit(5)).find((e) => e.action === "resident.erase");
      expect((await store.getResident(erased?.target ?? ""))?.deletedAt).not.toBeNull();
      const again = await store.resolveIdentity({ platform: "telegram", platformUserId: "turns", chatId: "turns" });
      expect(again.created).toBe(true);
      expect(again.resident.id).not.toBe(residentId);
    });
  });
});
