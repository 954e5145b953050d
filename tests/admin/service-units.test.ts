/**
 * The admin service (core/admin/service.ts) on a small in-memory fake of its ports: what moved
 * there from the dashboard's routes — checking targets and auditing them, suggestion changes,
 * suggestion filters, and the audit entries of closing and cancelling waves.
 */
import { describe, expect, it } from "vitest";
import { AdminService, type AdminStore } from "../../core/admin/service.js";
import { TargetError } from "../../core/admin/targets.js";
import { WaveError } from "../../core/admin/waves.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import type { AdminSuggestionRecord, QuestionnaireRecord, RegionRecord, SuggestionStatus, WaveRecord } from "../../core/model/index.js";

const NOW = new Date("2026-12-01T08:00:00Z");
const HOUR = 3600_000;

const QUESTIONNAIRE: QuestionnaireRecord = {
  id: "q1",
  key: "public-safety",
  version: 1,
  title: "Public safety",
  definition: loadDefaultQuestionnaire(),
  checksum: "x",
  source: null,
  createdAt: new Date(NOW.getTime() - 100 * HOUR),
};

const wave = (id: string, opensAt: Date, closesAt: Date | null = null): WaveRecord => ({
  id,
  name: `wave ${id}`,
  questionnaireId: QUESTIONNAIRE.id,
  questionnaireKey: QUESTIONNAIRE.key,
  questionnaireVersion: QUESTIONNAIRE.version,
  opensAt,
  closesAt,
});

const REGION: RegionRecord = { code: "330102", path: "/330102/" } as RegionRecord;

type AuditEntry = { actorId: string | null; action: string; target: string | null; details: Record<string, unknown> | undefined };

/** A fake of the ports the tested operations touch, recording targets, audit entries and suggestion changes. */
function fakeStore(waves: WaveRecord[]) {
  const targets = new Map<string, { measureId: string; label: string; value: number }>();
  const audit: AuditEntry[] = [];
  const suggestionChanges: { id: string; change: unknown; actorId: string | null }[] = [];
  const fake = {
    listWaves: async () => [...waves],
    currentWave: async (now: Date) => waves.find((w) => w.opensAt <= now && (!w.closesAt || w.closesAt > now)) ?? null,
    getQuestionnaireById: async (id: string) => (id === QUESTIONNAIRE.id ? QUESTIONNAIRE : null),
    setWaveTarget: async (waveId: string, measureId: string, label: string, value: number) => void targets.set(`${waveId}|${measureId}|${label}`, { measureId, label, value }),
    deleteWaveTarget: async (waveId: string, measureId: string, label: string) => targets.delete(`${waveId}|${measureId}|${label}`),
    waveTargets: async (waveId: string) => [...targets.entries()].filter(([key]) => key.startsWith(`${waveId}|`)).map(([, t]) => t),
    closeWave: async (id: string, at: Date) => {
      const w = waves.find((x) => x.id === id);
      if (w) w.closesAt = at;
      return w ?? null;
    },
    responseCountsByWave: async () => [],
    deleteWave: async (id: string) => {
      const i = waves.findIndex((w) => w.id === id);
      if (i >= 0) waves.splice(i, 1);
      return i >= 0;
    },
    setWaveEnd: async (id: string, closesAt: Date | null) => {
      const w = waves.find((x) => x.id === id);
      if (w) w.closesAt = closesAt;
      return w ?? null;
    },
    getRegionByCode: async (code: string) => (code === REGION.code ? REGION : null),
    updateSuggestion: async (id: string, change: { status?: SuggestionStatus; tags?: readonly string[] }, actorId: string | null) => {
      if (change.tags?.some((t) => t.includes('"'))) throw new Error(`invalid tag ${JSON.stringify(change.tags)}`);
      if (id !== "s1") return null;
      suggestionChanges.push({ id, change, actorId });
      return { id, status: change.status ?? "new" } as AdminSuggestionRecord;
    },
    audit: async (actorId: string | null, action: string, target: string | null, details?: Record<string, unknown>) => void audit.push({ actorId, action, target, details }),
  };
  // Only what these operations read is faked; anything else would fail loudly as "not a function".
  return { store: fake as unknown as AdminStore, targets, audit, suggestionChanges };
}

const ADMIN = { id: "admin-1", via: "dashboard" as const };

describe("targets", () => {
  it("are checked against the wave's measures, stored and audited with who and where", async () => {
    const w = wave("w1", new Date(NOW.getTime() - HOUR));
    const fake = fakeStore([w]);
    const service = new AdminService(fake.store, { now: () => NOW });

    const typed = await service.targets.set(w, { measure: "safety_overall.rate", label: " 区均 ", value: 95.3 }, "typed", ADMIN);
    expect(typed).toMatchObject({ label: "区均", value: 0.953 });
    expect(typed.measure.spec.id).toBe("safety_overall.rate");
    await service.targets.set(w, { measure: "safety_overall.rate", label: "省均", value: 0.85 }, "stored", { id: null, via: "cli" });

    expect(await service.targets.list(w.id)).toEqual([
      { measureId: "safety_overall.rate", label: "区均", value: 0.953 },
      { measureId: "safety_overall.rate", label: "省均", value: 0.85 },
    ]);
    expect(fake.audit).toEqual([
      { actorId: "admin-1", action: "target.set", target: "w1", details: { measure: "safety_overall.rate", label: "区均", value: 0.953, via: "dashboard" } },
      { actorId: null, action: "target.set", target: "w1", details: { measure: "safety_overall.rate", label: "省均", value: 0.85, via: "cli" } },
    ]);
  });

  it("refused by the checks store and audit nothing", async () => {
    const w = wave("w1", new Date(NOW.getTime() - HOUR));
    const fake = fakeStore([w]);
    const service = new AdminService(fake.store, { now: () => NOW });
    const refusals: [Parameters<typeof service.targets.set>[1], "typed" | "stored"][] = [
      [{ measure: "safety_overall.rate", label: "区均", value: 95.3 }, "stored"],
      [{ measure: "safety_overall.rate", label: "区均", value: 120 }, "typed"],
      [{ measure: "safety_overall.index", label: "区均", value: 10 }, "typed"],
      [{ measure: "safety_overall.rate", label: "  ", value: 90 }, "typed"],
      [{ measure: "safety_overall.share", label: "区均", value: 0.5 }, "stored"],
    ];
    for (const [input, kind] of refusals) {
      await expect(service.targets.set(w, input, kind, ADMIN), JSON.stringify(input)).rejects.toBeInstanceOf(TargetError);
    }
    expect(fake.targets.size).toBe(0);
    expect(fake.audit).toEqual([]);
  });

  it("are removed and audited; a missing one is reported and not audited", async () => {
    const w = wave("w1", new Date(NOW.getTime() - HOUR));
    const fake = fakeStore([w]);
    const service = new AdminService(fake.store, { now: () => NOW });
    await fake.store.setWaveTarget(w.id, "safety_overall.rate", "区均", 0.9);

    expect(await service.targets.remove(w, { measure: "safety_overall.rate", label: "区均" }, { id: "admin-1", via: "api" })).toBe(true);
    expect(await service.targets.remove(w, { measure: "safety_overall.rate", label: "区均" }, { id: "admin-1", via: "api" })).toBe(false);
    expect(fake.audit).toEqual([{ actorId: "admin-1", action: "target.delete", target: "w1", details: { measure: "safety_overall.rate", label: "区均", via: "api" } }]);
  });
});

describe("suggestions", () => {
  it("take tags as a list or as typed text (ASCII or CJK commas), under the acting admin", async () => {
    const fake = fakeStore([]);
    const service = new AdminService(fake.store);
    await service.suggestions.update("s1", { status: "read", tags: " 交通, 噪音，夜间、 ,  " }, "admin-1");
    await service.suggestions.update("s1", { tags: ["a ", " b"] }, "admin-1");
    await service.suggestions.update("s1", {}, "admin-1");
    expect(fake.suggestionChanges).toEqual([
      { id: "s1", change: { status: "read", tags: ["交通", "噪音", "夜间"] }, actorId: "admin-1" },
      { id: "s1", change: { tags: ["a", "b"] }, actorId: "admin-1" },
      { id: "s1", change: {}, actorId: "admin-1" },
    ]);
  });

  it("answer null for an unknown suggestion and \"invalid\" for a tag the store refuses", async () => {
    const service = new AdminService(fakeStore([]).store);
    expect(await service.suggestions.update("nope", { status: "read" }, "admin-1")).toBeNull();
    expect(await service.suggestions.update("s1", { tags: 'a"b' }, "admin-1")).toBe("invalid");
  });

  it("are filtered by region path and statuses; an unknown region or status says what is wrong", async () => {
    const service = new AdminService(fakeStore([]).store);
    expect(await service.suggestions.filter({ wave: "w1", region: "330102", status: "new,read,bogus", tag: "交通", q: "灯", since: "2026-11-01" })).toEqual({
      waveId: "w1",
      regionPath: "/330102/",
      status: ["new", "read"],
      tag: "交通",
      search: "灯",
      // Midnight office time (Asia/Shanghai by default), not UTC's.
      since: new Date("2026-10-31T16:00:00.000Z"),
    });
    const berlin = new AdminService(fakeStore([]).store, { timeZone: "Europe/Berlin" });
    expect(await berlin.suggestions.filter({ since: "2026-11-01", until: "2026-11-02T12:00Z" })).toEqual({ since: new Date("2026-10-31T23:00:00.000Z"), until: new Date("2026-11-02T12:00:00.000Z") });
    expect(await service.suggestions.filter({ region: "999" })).toBe('There is no region with the code "999".');
    expect(await service.suggestions.filter({ status: "bogus" })).toBe('Unknown status "bogus": use new, read, forwarded, answered.');
    expect(await service.suggestions.filter({ status: "bogus" }, "zh-CN")).toBe("未知的状态“bogus”：可用 new, read, forwarded, answered。");
    expect(await service.suggestions.filter({ since: "2026-13-45" }, "zh-CN")).toBe("参数“since”有误：不是有效的日期（例如 2026-11-01 或 2026-11-01T08:00）。");
  });
});

describe("waves", () => {
  it("closing is audited with the close time, where it came from and who", async () => {
    const w = wave("w1", new Date(NOW.getTime() - HOUR));
    const fake = fakeStore([w]);
    const service = new AdminService(fake.store, { now: () => NOW });
    const closed = await service.waves.close({ wave: "w1" }, ADMIN);
    expect(closed).toMatchObject({ closedNow: true, wasCurrent: true, current: null });
    expect(fake.audit).toEqual([{ actorId: "admin-1", action: "wave.close", target: "w1", details: { name: "wave w1", closesAt: NOW.toISOString(), via: "dashboard" } }]);
  });

  it("cancelling is audited with the waves that got their end back; a refusal audits nothing", async () => {
    const opensLater = new Date(NOW.getTime() + 24 * HOUR);
    const fake = fakeStore([wave("w2", opensLater), wave("w1", new Date(NOW.getTime() - HOUR), opensLater)]);
    const service = new AdminService(fake.store, { now: () => NOW });
    await expect(service.waves.cancel({ wave: "w1" }, ADMIN)).rejects.toBeInstanceOf(WaveError);
    expect(fake.audit).toEqual([]);
    const cancelled = await service.waves.cancel({ wave: "w2" }, { id: "admin-1", via: "api" });
    expect(cancelled.restored.map((r) => [r.id, r.closesAt])).toEqual([["w1", null]]);
    expect(fake.audit).toEqual([{ actorId: "admin-1", action: "wave.cancel", target: "w2", details: { name: "wave w2", restored: ["w1"], via: "api" } }]);
  });

  it("are found by exact id only with byId, by id or name (else the current one) with resolve", async () => {
    const w = wave("w1", new Date(NOW.getTime() - HOUR));
    const service = new AdminService(fakeStore([w]).store, { now: () => NOW });
    expect(await service.waves.byId("w1")).toBe(w);
    expect(await service.waves.byId("wave w1")).toBeUndefined();
    expect(await service.waves.resolve("wave w1")).toBe(w);
    expect(await service.waves.resolve(undefined)).toBe(w);
  });
});
