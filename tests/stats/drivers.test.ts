/**
 * Acceptance: on the seeded drivers fixture, every drivers model of core/stats matches the models
 * fitted independently by statsmodels (tools/expected-stats/drivers-expected.py, committed in
 * drivers-expected.json) — design, references, suppression and separation exactly; odds ratios,
 * intervals and p-values to 4 decimal places — and no suppressed level carries a number.
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { computeDrivers, filterResponses, type DriverFactorSpec, type DriverOutcomeSpec, type DriversResult, type StatResponse } from "../../core/stats/index.js";

interface DriversFixture {
  outcomes: Record<string, DriverOutcomeSpec>;
  factors: DriverFactorSpec[];
  cases: { name: string; outcome: string; waveId: string; regionPrefix: string[]; regionLevel: number; minGroupSize: number }[];
  responses: StatResponse[];
}

interface ExpectedEstimate {
  factorId: string;
  level: string;
  n: number;
  events: number;
  coefficient: number;
  standardError: number;
  oddsRatio: number;
  lower: number;
  upper: number;
  p: number;
  rank: number;
}

interface ExpectedCase {
  name: string;
  status: "ok" | "suppressed";
  n?: number;
  events?: number;
  suppressed: [string, string][];
  references: [string, string][];
  separated?: [string, string, "all" | "none"][];
  estimates?: ExpectedEstimate[];
  intercept?: { coefficient: number; standardError: number };
}

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const fixtureBytes = readFileSync(here("./drivers-fixture.json"));
const fixture = JSON.parse(fixtureBytes.toString("utf8")) as DriversFixture;
const expected = JSON.parse(readFileSync(here("./drivers-expected.json"), "utf8")) as { fixtureSha256: string; cases: ExpectedCase[] };

function close(actual: number, wanted: number, what: string): void {
  expect(Math.abs(actual - wanted), `${what}: ${actual} vs ${wanted}`).toBeLessThan(5e-5);
}

function run(caseIndex: number): DriversResult {
  const c = fixture.cases[caseIndex]!;
  const selected = filterResponses(fixture.responses, { waveId: c.waveId, regionPrefix: c.regionPrefix });
  const factors = fixture.factors.map((f) => (f.kind === "region" ? { ...f, level: c.regionLevel } : f));
  return computeDrivers(selected, { outcome: fixture.outcomes[c.outcome]!, factors }, c.minGroupSize);
}

describe("drivers: expected values (statsmodels)", () => {
  it("were computed from this exact fixture", () => {
    expect(createHash("sha256").update(fixtureBytes).digest("hex")).toBe(expected.fixtureSha256);
    expect(expected.cases.map((c) => c.name)).toEqual(fixture.cases.map((c) => c.name));
  });

  fixture.cases.forEach((c, index) => {
    it(c.name, () => {
      const wanted = expected.cases[index]!;
      const actual = run(index);
      expect(actual.status).toBe(wanted.status);
      expect(actual.suppressed.map((s) => [s.factorId, s.level])).toEqual(wanted.suppressed);
      if (actual.status === "suppressed") {
        expect(Object.keys(actual).sort()).toEqual(["minGroupSize", "outcomeId", "references", "status", "suppressed"]);
        return;
      }
      expect(actual.references.map((s) => [s.factorId, s.level])).toEqual(wanted.references);
      expect([actual.n, actual.events]).toEqual([wanted.n, wanted.events]);
      expect(actual.separated.map((s) => [s.factorId, s.level, s.outcome])).toEqual(wanted.separated);
      if (actual.status !== "ok") throw new Error(`model failed: ${actual.status}`);
      const estimates = wanted.estimates ?? [];
      expect(actual.estimates.map((e) => `${e.factorId}=${e.level}`)).toEqual(estimates.map((e) => `${e.factorId}=${e.level}`));
      actual.estimates.forEach((e, i) => {
        const w = estimates[i]!;
        const at = `${c.name}: ${e.factorId}=${e.level}`;
        expect([e.rank, e.n, e.events]).toEqual([w.rank, w.n, w.events]);
        close(e.coefficient, w.coefficient, `${at} coefficient`);
        close(e.standardError, w.standardError, `${at} SE`);
        close(e.oddsRatio, w.oddsRatio, `${at} odds ratio`);
        close(e.lower, w.lower, `${at} lower`);
        close(e.upper, w.upper, `${at} upper`);
        close(e.p, w.p, `${at} p`);
        // Far tighter than 4 decimals: the two fits reach the same maximum.
        expect(Math.abs(e.oddsRatio - w.oddsRatio) / w.oddsRatio, at).toBeLessThan(1e-7);
      });
      close(actual.intercept.coefficient, wanted.intercept!.coefficient, "intercept");
      close(actual.intercept.standardError, wanted.intercept!.standardError, "intercept SE");
    });
  });

  it("the fixture exercises suppression, separation, a suppressed model and significant and non-significant levels", () => {
    const all = expected.cases;
    expect(all.some((c) => c.status === "suppressed")).toBe(true);
    expect(all.some((c) => (c.separated ?? []).length > 0)).toBe(true);
    const estimates = all.flatMap((c) => c.estimates ?? []);
    expect(estimates.some((e) => e.p < 0.05 && e.oddsRatio > 1)).toBe(true);
    expect(estimates.some((e) => e.p < 0.05 && e.oddsRatio < 1)).toBe(true);
    expect(estimates.some((e) => e.p >= 0.05)).toBe(true);
    expect(all[0]!.suppressed).toContainEqual(["hot_issues", "drugs"]);
    expect(all[0]!.suppressed).toContainEqual(["region", "330106009"]);
    expect(all[0]!.suppressed).toContainEqual(["channel", "telegram"]);
  });
});

describe("drivers: suppression holds", () => {
  it("no suppressed or separated level has an estimate, and every estimated level has at least the minimum with and without it", () => {
    fixture.cases.forEach((c, index) => {
      const result = run(index);
      if (result.status !== "ok") return;
      const hidden = new Set([...result.suppressed, ...result.separated].map((s) => `${s.factorId}=${s.level}`));
      for (const e of result.estimates) {
        expect(hidden.has(`${e.factorId}=${e.level}`), c.name).toBe(false);
        expect(e.n, c.name).toBeGreaterThanOrEqual(c.minGroupSize);
        expect(result.n - e.n, c.name).toBeGreaterThanOrEqual(c.minGroupSize);
      }
      for (const s of result.suppressed) expect(Object.keys(s).sort()).toEqual(["factorId", "level"]);
    });
  });

  it("a larger minimum suppresses more and keeps nothing below it", () => {
    const c = fixture.cases[1]!;
    const selected = filterResponses(fixture.responses, { waveId: c.waveId });
    const spec = { outcome: fixture.outcomes.dissatisfied!, factors: fixture.factors };
    const at10 = computeDrivers(selected, spec, 10);
    const at60 = computeDrivers(selected, spec, 60);
    if (at10.status !== "ok" || at60.status !== "ok") throw new Error("both should fit");
    expect(at60.suppressed.length).toBeGreaterThan(at10.suppressed.length);
    for (const e of at60.estimates) expect(Math.min(e.n, at60.n - e.n)).toBeGreaterThanOrEqual(60);
  });

  it("a model with fewer residents, events or non-events than the minimum is suppressed with no count", () => {
    const c = fixture.cases[0]!;
    const selected = filterResponses(fixture.responses, { waveId: c.waveId });
    const result = computeDrivers(selected, { outcome: fixture.outcomes.unsafe!, factors: fixture.factors }, 500);
    expect(result.status).toBe("suppressed");
    expect("n" in result).toBe(false);
    expect("events" in result).toBe(false);
  });

  it("reports a singular design (two factors marking the same residents) with no estimate", () => {
    // Everyone in a town answered on one channel: the channel and town columns coincide.
    const selected = filterResponses(fixture.responses, { waveId: "2026-H2" }).map((r) => ({ ...r, mode: "self" as const, channel: `via-${r.regionPath[1]}` }));
    const result = computeDrivers(selected, { outcome: fixture.outcomes.unsafe!, factors: fixture.factors }, 10);
    expect(result.status).toBe("singular");
    if (result.status !== "singular") return;
    expect("estimates" in result).toBe(false);
    expect(result.columns.map((c) => c.factorId)).toEqual(["channel"]);
  });

  it("only completed responses enter", () => {
    const selected = filterResponses(fixture.responses, { waveId: "2026-H2" });
    const spec = { outcome: fixture.outcomes.unsafe!, factors: fixture.factors };
    const inProgressAsCompleted = selected.map((r) => (r.status === "in_progress" ? { ...r, status: "completed" as const } : r));
    const a = computeDrivers(selected, spec, 10);
    const b = computeDrivers(inProgressAsCompleted, spec, 10);
    if (a.status !== "ok" || b.status !== "ok") throw new Error("both should fit");
    expect(b.n).toBeGreaterThan(a.n);
  });
});
