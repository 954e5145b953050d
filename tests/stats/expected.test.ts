/**
 * Acceptance: on the seeded fixture, every rate, index, share, confidence interval, target
 * comparison, quality flag and spot-check sample of core/stats matches the values computed
 * independently by tools/expected-stats/expected.py (committed in expected.json) — counts
 * exactly, real numbers to 4 decimal places.
 */

import { describe, expect, it } from "vitest";
import {
  breakdown,
  compareTrendWithTargets,
  consistencyRate,
  drawSpotCheckSample,
  filterResponses,
  flagResponses,
  studentTQuantile,
  Z_95,
  type Figure,
  type GroupBy,
  type StatOptions,
} from "../../core/stats/index.js";
import { fixtureSha256, loadExpected, loadFixture, type ExpectedCase, type ExpectedFigure } from "./load.js";

const fixture = loadFixture();
const expected = loadExpected();

/** 4 decimal places: |actual − expected| < 5e-5. Also records the largest difference seen. */
let maxDiff = 0;
function close(actual: number | undefined, wanted: number | undefined, what: string): void {
  expect(actual, what).toBeTypeOf("number");
  expect(wanted, what).toBeTypeOf("number");
  const diff = Math.abs((actual as number) - (wanted as number));
  maxDiff = Math.max(maxDiff, diff);
  expect(diff, `${what}: ${actual} vs ${wanted}`).toBeLessThan(5e-5);
}

function compareFigure(actual: Figure, wanted: ExpectedFigure, minGroupSize: number, where: string): void {
  if (wanted.suppressed) {
    expect(actual, where).toEqual({ suppressed: true, n: undefined, minGroupSize });
    return;
  }
  expect(actual.suppressed, where).toBe(false);
  if (actual.suppressed) return;
  expect(actual.kind, where).toBe(wanted.kind);
  expect(actual.n, where).toBe(wanted.n);
  expect(actual.excluded, where).toEqual(wanted.excluded);
  switch (actual.kind) {
    case "share":
    case "multi": {
      const options = wanted.options ?? [];
      expect(actual.options.map((o) => o.option), where).toEqual(options.map((o) => o.option));
      actual.options.forEach((o, i) => {
        const w = options[i] as (typeof options)[number];
        const at = `${where} option ${o.option}`;
        expect([o.rank, o.n, o.numerator], at).toEqual([w.rank, w.n, w.numerator]);
        close(o.value, w.value, `${at} value`);
        close(o.ci.lower, w.lower, `${at} lower`);
        close(o.ci.upper, w.upper, `${at} upper`);
      });
      break;
    }
    case "index":
      close(actual.value, wanted.value, `${where} mean`);
      close(actual.sd, wanted.sd, `${where} sd`);
      close(actual.ci.lower, wanted.lower, `${where} lower`);
      close(actual.ci.upper, wanted.upper, `${where} upper`);
      expect(actual.ci.method).toBe("t");
      break;
    default:
      expect(actual.numerator, where).toBe(wanted.numerator);
      close(actual.value, wanted.value, `${where} value`);
      close(actual.ci.lower, wanted.lower, `${where} lower`);
      close(actual.ci.upper, wanted.upper, `${where} upper`);
      expect(actual.ci.method).toBe("wilson");
  }
}

describe("expected values (independent Python computation)", () => {
  it("were computed from this exact fixture", () => {
    expect(fixtureSha256()).toBe(expected.fixtureSha256);
    expect(Z_95).toBe(expected.z);
  });

  it("t quantiles agree with the exact-series computation", () => {
    for (const [df, t] of Object.entries(expected.tQuantiles975)) close(studentTQuantile(0.975, Number(df)), t, `t(0.975; ${df})`);
  });

  it("quality flags agree", () => {
    const flags = flagResponses(fixture.responses, fixture.quality);
    const ids = (pick: "speeder" | "straightLiner"): string[] =>
      [...flags].filter(([, f]) => f[pick]).map(([id]) => id).sort();
    expect(ids("speeder")).toEqual(expected.quality.speeders);
    expect(ids("straightLiner")).toEqual(expected.quality.straightLiners);
    expect(expected.quality.speeders.length).toBeGreaterThan(5);
    expect(expected.quality.straightLiners.length).toBeGreaterThan(5);
  });

  /** Computes one expected case with core/stats and compares every group; returns [groups, shown]. */
  function checkCase(c: ExpectedCase): [number, number] {
    const measure = fixture.measures.find((m) => m.id === c.measureId);
    expect(measure, c.name).toBeDefined();
    if (!measure) return [0, 0];
    const options: StatOptions = { includeInProgress: c.options.includeInProgress, minGroupSize: c.options.minGroupSize };
    if (c.options.excludeFlagged) options.exclude = { speeders: true, straightLiners: true, quality: fixture.quality };
    const pool = c.regionPrefix || c.mode ? filterResponses(fixture.responses, { ...(c.regionPrefix ? { regionPrefix: c.regionPrefix } : {}), ...(c.mode ? { mode: c.mode } : {}) }) : fixture.responses;
    const result = breakdown(pool, measure, c.by as GroupBy, options);
    expect(result.groups.map((g) => g.key), c.name).toEqual(c.groups.map((g) => g.key));
    expect(result.groups.map((g) => g.path), c.name).toEqual(c.groups.map((g) => g.path));
    let groups = 0;
    let shown = 0;
    result.groups.forEach((g, i) => {
      const wanted = c.groups[i];
      if (!wanted) return;
      compareFigure(g.figure, wanted.figure, c.options.minGroupSize, `${c.name} [${g.key}]`);
      groups += 1;
      if (!wanted.figure.suppressed) shown += 1;
    });
    return [groups, shown];
  }

  it(`every breakdown agrees (${expected.cases.length} cases)`, () => {
    let groups = 0;
    let shown = 0;
    for (const c of expected.cases) {
      const [g, s] = checkCase(c);
      groups += g;
      shown += s;
    }
    expect(groups).toBeGreaterThan(1000);
    expect(shown).toBeGreaterThan(1000);
  });

  it("the fixture has both survey modes: interviews are completed, on the field channel", () => {
    const interviews = fixture.responses.filter((r) => r.mode === "interviewer");
    expect(fixture.responses.every((r) => r.mode === "self" || r.mode === "interviewer")).toBe(true);
    expect(interviews.every((r) => r.channel === "field" && r.status === "completed")).toBe(true);
    expect(fixture.responses.filter((r) => r.channel === "field" && r.mode !== "interviewer")).toEqual([]);
    const completed = fixture.responses.filter((r) => r.status === "completed").length;
    expect(interviews.length / completed).toBeGreaterThan(0.15);
    expect(interviews.length / completed).toBeLessThan(0.35);
  });

  it("every by-mode breakdown agrees, both modes listed self first, suppressed like the channels", () => {
    const byMode = expected.cases.filter((c) => c.by.kind === "mode");
    // 15 measures × (4 selections + 6 filtered or stricter views + 1 mode filter).
    expect(byMode.length).toBe(fixture.measures.length * 11);
    let groups = 0;
    let shown = 0;
    const complemented = new Set<string>();
    for (const c of byMode) {
      expect(c.groups.map((g) => g.key), c.name).toEqual(["self", "interviewer"]);
      const [g, s] = checkCase(c);
      groups += g;
      shown += s;
      // Both hidden although self alone would be shown: it would give the interviews away.
      if (c.groups.every((x) => x.figure.suppressed)) complemented.add(c.name.split("|")[2] as string);
    }
    expect(groups).toBe(byMode.length * 2);
    expect(shown).toBeGreaterThan(100);
    expect(complemented).toContain("village-330102001001");
    // The interviews alone, by wave and by channel (a mode filter before grouping).
    const filtered = expected.cases.filter((c) => c.mode === "interviewer");
    expect(filtered.length).toBe(fixture.measures.length * 2);
    for (const c of filtered) checkCase(c);
  });

  it("target comparisons agree (above / below / equal, significance, suppressed)", () => {
    const kinds = new Set<string>();
    for (const t of expected.targets) {
      const measure = fixture.measures.find((m) => m.id === t.measureId);
      if (!measure) throw new Error(t.measureId);
      const pool = filterResponses(fixture.responses, { regionPrefix: t.regionPrefix });
      const row = compareTrendWithTargets(pool, measure, fixture.targets, fixture.waves).find((w) => w.waveId === t.waveId);
      expect(row, `${t.unit} ${t.measureId} ${t.waveId}`).toBeDefined();
      const actual = row?.comparisons ?? [];
      expect(actual.length).toBe(t.comparisons.length);
      actual.forEach((a, i) => {
        const w = t.comparisons[i];
        const at = `${t.unit} ${t.measureId} ${t.waveId} ${a.label}`;
        if (!w) throw new Error(at);
        expect([a.label, a.target, a.suppressed], at).toEqual([w.label, w.target, w.suppressed]);
        if (a.suppressed || w.suppressed) {
          expect(a).toEqual({ label: w.label, target: w.target, suppressed: true });
          kinds.add("suppressed");
          return;
        }
        expect([a.direction, a.significant], at).toEqual([w.direction, w.significant]);
        close(a.value, w.value, `${at} value`);
        close(a.difference, w.difference, `${at} difference`);
        kinds.add(`${a.direction}/${a.significant}`);
      });
    }
    // The fixture's targets exercise every outcome.
    expect([...kinds].sort()).toEqual(["above/false", "above/true", "below/false", "below/true", "equal/false", "suppressed"]);
  });

  it("spot-check samples agree (allocation and the mulberry32 draw)", () => {
    for (const [options, wanted] of [
      [fixture.sampling, expected.sampling],
      [fixture.samplingByVillage, expected.samplingByVillage],
    ] as const) {
      expect(drawSpotCheckSample(fixture.responses, options)).toEqual(wanted);
    }
  });

  it("the consistency rate agrees", () => {
    const actual = consistencyRate(fixture.spotCheckOutcomes);
    const wanted = expected.consistency;
    expect([actual.consistent, actual.inconsistent, actual.unreachable]).toEqual([wanted.consistent, wanted.inconsistent, wanted.unreachable]);
    expect(actual.rate?.n).toBe(wanted.rate?.n);
    expect(actual.rate?.numerator).toBe(wanted.rate?.numerator);
    close(actual.rate?.value, wanted.rate?.value, "consistency value");
    close(actual.rate?.ci.lower, wanted.rate?.lower, "consistency lower");
    close(actual.rate?.ci.upper, wanted.rate?.upper, "consistency upper");
  });

  it("agreement is far tighter than the required 4 decimal places", () => {
    // Two different numerical routes (see tools/expected-stats/README.md) agree to ~1e-12.
    expect(maxDiff).toBeGreaterThanOrEqual(0);
    expect(maxDiff).toBeLessThan(1e-9);
  });
});
