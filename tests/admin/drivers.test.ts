/**
 * Drivers end to end on SQLite and PostgreSQL: responses seeded through the store (the runner's
 * commit path) give the same models as core/stats' computeDrivers on the same answers written out
 * here as plain data; only the wave's completed responses in the region filter count; and the
 * export (CSV, XLSX, JSON lines) and the `/stats drivers` chat reply show suppressed levels by
 * name only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import type { ResidentRecord, Store, WaveRecord } from "../../core/model/index.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { storeQuestionnaire } from "../../core/survey/default-survey.js";
import { computeDriversReport, driversForestPlot, driversSpecs, driversTable, driversText, forestRows } from "../../core/admin/drivers.js";
import { measuresFromDefinition } from "../../core/admin/measures.js";
import { createAdminStaffCommands, driversArgs } from "../../core/admin/staff-commands.js";
import { computeDrivers, type StatAnswer, type StatResponse } from "../../core/stats/index.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { runAnxin } from "./cli.js";
import { REGIONS, seedRegions, seedResponse } from "./fixture.js";

const SAFE = ["very_safe", "safe", "basically_safe"];
const SATISFIED = ["very_satisfied", "satisfied", "basically_satisfied"];
const PATROLS = ["often", "sometimes", "sometimes", "rarely", "never"];
const AGES = ["18-29", "30-44", "45-59", "60-69", "70_plus"];
const VILLAGES = [REGIONS.a1, REGIONS.a2, REGIONS.b1, REGIONS.aSmall];
const PATHS: Record<string, string[]> = {
  [REGIONS.a1]: [REGIONS.district, REGIONS.townA, REGIONS.a1],
  [REGIONS.a2]: [REGIONS.district, REGIONS.townA, REGIONS.a2],
  [REGIONS.b1]: [REGIONS.district, REGIONS.townB, REGIONS.b1],
  [REGIONS.aSmall]: [REGIONS.district, REGIONS.townA, REGIONS.aSmall],
};

/** A deterministic uniform number for response k (a fixed hash: the data must not change between runs). */
const uniform = (k: number, salt: number): number => {
  // mulberry32's output step on (k, salt): draws that are independent for every k and salt.
  let t = (k * 1000 + salt + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const logistic = (x: number): number => 1 / (1 + Math.exp(-x));

/** The answers of completed response k of the main wave. */
function answersOf(k: number): Record<string, StatAnswer> {
  // Every answer from its own draw: answers made of k's remainders would be collinear with each other.
  const theft = uniform(k, 3) < 0.35;
  const fraud = uniform(k, 4) < 0.3;
  const victim = uniform(k, 5) < 0.25;
  const patrol = PATROLS[Math.floor(uniform(k, 6) * 5)]!;
  const bad = patrol === "rarely" || patrol === "never";
  const unsafe = uniform(k, 1) < logistic(-1.6 + 1.3 * Number(theft) + 1.1 * Number(victim) + 0.9 * Number(bad));
  const dissatisfied = uniform(k, 2) < logistic(-1.4 + 0.9 * Number(victim) + 1.0 * Number(bad) - 0.4 * Number(fraud));
  const hot = [...(theft ? ["theft"] : []), ...(fraud ? ["fraud"] : [])];
  const answers: Record<string, StatAnswer> = {
    safety_overall: { kind: "choice", option: unsafe ? (k % 2 === 0 ? "unsafe" : "not_very_safe") : SAFE[k % 3]! },
    sat_police: { kind: "choice", option: dissatisfied ? "dissatisfied" : SATISFIED[k % 3]! },
    hot_issues: { kind: "choices", options: hot.length > 0 ? hot : ["none"] },
    victim: { kind: "bool", value: victim },
    patrols: { kind: "choice", option: patrol },
    seen_publicity: { kind: "bool", value: uniform(k, 7) < 0.6 },
  };
  if (victim) answers.reported = { kind: "bool", value: uniform(k, 8) < 0.5 };
  if (uniform(k, 9) < 0.85) answers.age_group = { kind: "choice", option: AGES[Math.floor(uniform(k, 10) * 5)]! };
  return answers;
}

const COUNT = 160;
const village = (k: number): string => (k % 40 === 39 ? REGIONS.aSmall : VILLAGES[k % 3]!);
const channel = (k: number): string => ["telegram", "wechat", "web"][Math.floor(k / 2) % 3]!;

/** The main wave's completed responses as plain statistics data. */
function expectedResponses(waveId: string): StatResponse[] {
  return Array.from({ length: COUNT }, (_, k) => ({
    id: `k${k}`,
    waveId,
    regionPath: PATHS[village(k)]!,
    channel: channel(k),
    mode: "self" as const,
    status: "completed" as const,
    startedAt: "2026-11-10T08:00:00Z",
    answers: answersOf(k),
  }));
}

describe.each(BACKENDS)("drivers on $name", ({ create }) => {
  let opened: TestStore;
  let db: TestDatabase;
  let store: Store;
  let wave: WaveRecord;
  let dir: string;

  beforeAll(async () => {
    opened = await openTestStore({ db: await create() });
    ({ db, store } = opened);
    await seedRegions(store);
    const { record } = await storeQuestionnaire(store, loadDefaultQuestionnaire(), "yaml");
    const earlier = await store.createWave({ name: "2026-H1", questionnaireId: record.id, opensAt: new Date("2026-03-01T00:00:00Z"), closesAt: new Date("2026-07-01T00:00:00Z") });
    wave = await store.createWave({ name: "2026-H2", questionnaireId: record.id, opensAt: new Date("2026-09-01T00:00:00Z") });
    const base = Date.parse("2026-11-10T08:00:00Z");
    for (let k = 0; k < COUNT; k++) {
      await seedResponse(store, { user: `d-${k}`, wave, questionnaireId: record.id, region: village(k), channel: channel(k), status: "completed", answers: answersOf(k), startedAt: new Date(base + k * 60_000), seconds: 300 });
    }
    // Neither in-progress answers nor another wave may enter: all of them unsafe, naming theft.
    const unsafeTheft = { ...answersOf(0), safety_overall: { kind: "choice", option: "unsafe" }, hot_issues: { kind: "choices", options: ["theft"] } };
    for (let i = 0; i < 12; i++) {
      await seedResponse(store, { user: `open-${i}`, wave, questionnaireId: record.id, region: REGIONS.a1, channel: "web", status: "in_progress", answers: unsafeTheft, startedAt: new Date(base), seconds: 0 });
      await seedResponse(store, { user: `old-${i}`, wave: earlier, questionnaireId: record.id, region: REGIONS.b1, channel: "web", status: "completed", answers: unsafeTheft, startedAt: new Date("2026-04-01T08:00:00Z"), seconds: 300 });
    }
    dir = mkdtempSync(join(tmpdir(), "anxin-drivers-"));
  });
  afterAll(async () => {
    await opened?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("fits the wave's completed responses exactly as computeDrivers does on the same answers", async () => {
    const report = await computeDriversReport(store, { waveId: wave.id, now: new Date("2026-11-20T00:00:00Z") });
    expect(report.level).toBe(1);
    expect(report.models.map((m) => m.outcome)).toEqual(["unsafe", "dissatisfied"]);
    const questionnaire = loadDefaultQuestionnaire();
    const specs = driversSpecs(questionnaire, measuresFromDefinition(questionnaire), 1);
    expect(specs[0]!.spec).toEqual({ id: "unsafe", questionId: "safety_overall", levels: ["very_safe", "safe", "basically_safe", "not_very_safe", "unsafe"], bad: ["not_very_safe", "unsafe"] });
    expect(specs[1]!.spec.questionId).toBe("sat_police");
    expect(specs[0]!.factors.map((f) => f.id)).toEqual(["hot", "victim", "reported", "patrols", "publicity", "age", "region", "channel"]);
    const plain = expectedResponses(wave.id);
    report.models.forEach((model, i) => {
      const wanted = computeDrivers(plain, { outcome: specs[i]!.spec, factors: specs[i]!.factors }, 10);
      expect(model.result.status).toBe("ok");
      expect(JSON.parse(JSON.stringify(model.result))).toEqual(JSON.parse(JSON.stringify(wanted)));
    });
    const unsafe = report.models[0]!.result;
    if (unsafe.status !== "ok") throw new Error(unsafe.status);
    expect(unsafe.n).toBe(COUNT);
    // The small village (4 residents) is below the minimum of 10 … but it is a village: the
    // region factor is by town here, and the towns are large. Theft (named by a third) is a driver.
    expect(unsafe.estimates.find((e) => e.factorId === "hot" && e.level === "theft")!.oddsRatio).toBeGreaterThan(1);
    expect(unsafe.suppressed).toContainEqual({ factorId: "hot", level: "robbery" });
  });

  it("filters by region, with the region factor one level down (villages), the small village suppressed", async () => {
    const report = await computeDriversReport(store, { waveId: wave.id, regionCode: REGIONS.townA });
    expect(report.level).toBe(2);
    const model = report.models[0]!.result;
    if (model.status === "suppressed") throw new Error("should fit");
    expect(model.n).toBe(expectedResponses(wave.id).filter((r) => r.regionPath[1] === REGIONS.townA).length);
    expect(model.suppressed).toContainEqual({ factorId: "region", level: REGIONS.aSmall });
    await expect(computeDriversReport(store, { regionCode: "999" })).rejects.toThrow(/no region 999/);
  });

  it("exports drivers as JSON lines, CSV and XLSX in the admin's language; suppressed levels carry no number", async () => {
    const json = join(dir, "d.jsonl");
    await runAnxin(db.target.url, "export", "drivers", "--wave", "2026-H2", "--format", "json", "--lang", "en", "--out", json);
    const rows = readFileSync(json, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[0]).toMatchObject({ outcome_id: "unsafe", status: "estimated", n: COUNT, odds_ratio: null });
    expect(String(rows[0]!.outcome)).toBe("Feels unsafe (Not very safe, Unsafe)");
    const theft = rows.find((r) => r.outcome_id === "unsafe" && r.level_id === "theft");
    expect(theft).toMatchObject({ factor: "Names as a worry", level: "Theft and burglary", reference: "not named", rank: expect.any(Number) });
    expect(theft!.odds_ratio as number).toBeGreaterThan(1);
    const suppressed = rows.filter((r) => String(r.status).startsWith("suppressed"));
    expect(suppressed.length).toBeGreaterThan(0);
    for (const r of suppressed) for (const key of ["n", "events", "odds_ratio", "ci_lower", "ci_upper", "p", "rank"]) expect(r[key], `${String(r.level_id)} ${key}`).toBeNull();

    const csv = join(dir, "d.csv");
    await runAnxin(db.target.url, "export", "drivers", "--wave", "2026-H2", "--region", REGIONS.townA, "--out", csv);
    const text = readFileSync(csv, "utf8");
    expect(text.split("\r\n")[0]).toContain("比值比（OR）");
    expect(text).toContain("小河村");

    const xlsx = join(dir, "d.xlsx");
    await runAnxin(db.target.url, "export", "drivers", "--wave", "2026-H2", "--format", "xlsx", "--lang", "zh-TW", "--out", xlsx);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    expect(workbook.worksheets[0]?.name).toBe("影響因素");
    expect((workbook.worksheets[0]?.getRow(1).values as unknown[]).includes("勝算比（OR）")).toBe(true);

    await expect(runAnxin(db.target.url, "export", "drivers", "--wave", "nope")).rejects.toThrow(/no wave nope/);
  });

  it("/stats drivers answers admins in their language and refuses others", async () => {
    const now = new Date("2026-11-20T00:00:00Z");
    const person = (role: ResidentRecord["role"]): ResidentRecord => ({ id: `x-${role}`, displayName: null, lang: "zh-CN", role, regionId: null, optedOut: false, consentAt: null, consentDeclinedAt: null, deletedAt: null, createdAt: now, sessionEpoch: 0 });
    const stats = createAdminStaffCommands({ store }).find((c) => c.name === "stats")!;
    const en = await stats.run({ staff: person("admin"), args: "drivers", lang: "en", now });
    const enText = (en.messages[0] as { text: string }).text;
    expect(enText).toContain("Drivers, wave 2026-H2");
    expect(enText).toContain("Feels unsafe (Not very safe, Unsafe)");
    expect(enText).toMatch(/1\. .+ \(vs .+\): OR \d+\.\d+ \(\d+\.\d+–\d+\.\d+\), p[<=]\d/);
    expect(enText).toContain("Suppressed (fewer than 10 residents with or without it):");
    const cn = await stats.run({ staff: person("admin"), args: "影响因素 清波街道", lang: "zh-CN", now });
    const cnText = (cn.messages[0] as { text: string }).text;
    expect(cnText).toContain("影响因素（清波街道）");
    expect(cnText).toContain("小河村");
    expect(cnText).not.toMatch(/小河村[^；\n]*OR/);
    const tw = await stats.run({ staff: person("admin"), args: "drivers", lang: "zh-TW", now });
    expect((tw.messages[0] as { text: string }).text).toContain("勝算比");
    const unknown = await stats.run({ staff: person("admin"), args: "drivers 火星", lang: "en", now });
    expect(unknown.messages[0]).toEqual({ kind: "error", text: 'Not understood: "火星" is not a region. Use: /stats drivers [region]' });
    const officer = await stats.run({ staff: person("officer"), args: "drivers", lang: "en", now });
    expect(officer.messages[0]).toMatchObject({ kind: "error" });
    expect(driversArgs("drivers 清波街道")).toBe("清波街道");
    expect(driversArgs("清波街道")).toBeUndefined();
  });

  it("gives the forest plot its rows in rank order, labelled", async () => {
    const report = await computeDriversReport(store, { waveId: wave.id });
    const model = report.models[0]!;
    const rows = forestRows(report, model, "zh-CN");
    if (model.result.status !== "ok") throw new Error("should fit");
    expect(rows).toHaveLength(model.result.estimates.length);
    expect(rows[0]!.label).toContain("：");
    const plot = driversForestPlot(report, model, "zh-CN");
    expect(plot.svg).toContain("感到不安全（不太安全、不安全）");
    expect(plot.svg.match(/class="whisker"/g)).toHaveLength(rows.length);
    const small = await computeDriversReport(store, { waveId: wave.id, regionCode: REGIONS.aSmall });
    expect(small.models[0]!.result.status).toBe("suppressed");
    const empty = driversForestPlot(small, small.models[0]!, "en");
    expect(empty.svg).toContain("No odds ratio to show");
    expect(empty.svg).not.toContain("class=\"whisker\"");
    expect(driversText(report, "en")).toContain("Associations, not causes.");
    const table = driversTable(report, "en");
    expect(table.columns.map((c) => c.key)).toContain("odds_ratio");
  });
});
