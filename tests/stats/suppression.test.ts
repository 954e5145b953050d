/**
 * Small-group suppression: the fixture's village 330102002099 and channel "phone" each have
 * exactly 9 completed responses. They must show no figure anywhere.
 */

import { describe, expect, it } from "vitest";
import {
  applySuppression,
  breakdown,
  complementSuppression,
  breakdownAll,
  compareWithTargets,
  computeFigure,
  computeFigures,
  figureRows,
  filterResponses,
  formatFigure,
  isShown,
  matchFigure,
  StatsConfigError,
  suppressed,
  trend,
  type Breakdown,
  type Figure,
  type GroupBy,
  type StatOptions,
} from "../../core/stats/index.js";
import { loadFixture } from "./load.js";

const fixture = loadFixture();
const village = fixture.smallGroups.village;
const villageCode = village[2] as string;
const channel = fixture.smallGroups.channel;

/** Asserts a figure is the bare suppressed value and leaks nothing through any helper. */
function expectSuppressed(figure: Figure, where: string): void {
  expect(figure, where).toEqual({ suppressed: true, n: undefined, minGroupSize: 10 });
  expect(Object.keys(figure).sort(), where).toEqual(["minGroupSize", "n", "suppressed"]);
  expect(Object.isFrozen(figure), where).toBe(true);
  expect(isShown(figure)).toBe(false);
  expect(figureRows(figure), where).toEqual([
    { kind: null, option: null, rank: null, suppressed: true, n: null, numerator: null, value: null, lower: null, upper: null },
  ]);
  expect(formatFigure(figure), where).toEqual([{ option: "", n: "—", value: "—", ci: "—" }]);
  // The serialised figure contains no digits except the configured minimum.
  expect(JSON.stringify(figure).replace('"minGroupSize":10', ""), where).not.toMatch(/\d/);
}

function groupsOf(b: Breakdown, key: string): Figure[] {
  return b.groups.filter((g) => g.key === key).map((g) => g.figure);
}

describe("small-group suppression", () => {
  it("the fixture really has 9 completed responses in the small village and channel", () => {
    const completed = fixture.responses.filter((r) => r.status === "completed");
    expect(completed.filter((r) => r.regionPath[2] === villageCode)).toHaveLength(9);
    expect(completed.filter((r) => r.channel === channel)).toHaveLength(9);
  });

  it("a village of 9 shows no figure in any measure's village breakdown, with or without flagged responses", () => {
    const variants: StatOptions[] = [{}, { exclude: { speeders: true, straightLiners: true, quality: fixture.quality } }];
    for (const options of variants) {
      for (const b of breakdownAll(fixture.responses, fixture.measures, { kind: "region", level: 2 }, options)) {
        const figures = groupsOf(b, villageCode);
        expect(figures, b.measureId).toHaveLength(1);
        expectSuppressed(figures[0] as Figure, `${b.measureId} village`);
        // ...while other villages are shown for the main measures.
        if (b.measureId === "safety_rate") expect(b.groups.filter((g) => isShown(g.figure)).length).toBeGreaterThan(5);
      }
    }
  });

  it("a channel of 9 shows no figure in any channel breakdown", () => {
    for (const b of breakdownAll(fixture.responses, fixture.measures, { kind: "channel" })) {
      const figures = groupsOf(b, channel);
      expect(figures, b.measureId).toHaveLength(1);
      expectSuppressed(figures[0] as Figure, `${b.measureId} channel`);
    }
  });

  it("the small village's trend, overall figure and target comparisons show nothing", () => {
    const pool = filterResponses(fixture.responses, { regionPrefix: village });
    for (const m of fixture.measures) {
      const t = trend(pool, m, fixture.waves);
      expect(t.groups.map((g) => g.key)).toEqual(fixture.waves);
      for (const g of t.groups) expectSuppressed(g.figure, `${m.id} trend ${g.key}`);
      const overall = computeFigure(pool, m);
      expectSuppressed(overall, `${m.id} overall`);
      for (const cmp of compareWithTargets(overall, fixture.targets, m.id, "2026-H1")) {
        expect(cmp).toEqual({ label: cmp.label, target: cmp.target, suppressed: true });
      }
    }
    for (const f of Object.values(computeFigures(pool, fixture.measures))) expectSuppressed(f, "computeFigures");
  });

  it("the phone channel's trend by wave shows nothing either", () => {
    const pool = filterResponses(fixture.responses, { channel });
    for (const m of fixture.measures) {
      for (const g of trend(pool, m, fixture.waves).groups) expectSuppressed(g.figure, `${m.id} ${g.key}`);
    }
  });

  it("including in-progress responses lifts both groups over the minimum (12 and 11 responses)", () => {
    const localRate = fixture.measures.find((m) => m.id === "local_rate");
    if (!localRate) throw new Error("measure");
    const byVillage = breakdown(fixture.responses, localRate, { kind: "region", level: 2 }, { includeInProgress: true });
    const v = groupsOf(byVillage, villageCode)[0] as Figure;
    expect(isShown(v)).toBe(true);
    const byChannel = breakdown(fixture.responses, localRate, { kind: "channel" }, { includeInProgress: true });
    expect(isShown(groupsOf(byChannel, channel)[0] as Figure)).toBe(true);
  });

  it("a figure whose base is below the minimum is suppressed even in a large group", () => {
    const reporting = fixture.measures.find((m) => m.id === "reporting");
    if (!reporting) throw new Error("measure");
    const byVillage = breakdown(fixture.responses, reporting, { kind: "region", level: 2 });
    // Every village has at least 14 responses but fewer than 10 victims.
    for (const g of byVillage.groups) expect(g.figure.suppressed).toBe(true);
    expect(isShown(computeFigure(fixture.responses, reporting))).toBe(true);
  });

  it("the minimum is configurable and validated", () => {
    const m = fixture.measures.find((x) => x.id === "safety_rate");
    if (!m) throw new Error("measure");
    const shownAt = (min: number): number =>
      breakdown(fixture.responses, m, { kind: "region", level: 2 }, { minGroupSize: min }).groups.filter((g) => isShown(g.figure)).length;
    expect(shownAt(2)).toBeGreaterThan(shownAt(10));
    expect(shownAt(10)).toBeGreaterThan(shownAt(30));
    expect(shownAt(1000)).toBe(0);
    for (const bad of [0, 1, 2.5, Number.NaN]) {
      expect(() => computeFigure(fixture.responses, m, { minGroupSize: bad })).toThrow(StatsConfigError);
    }
  });

  it("empty groups listed in advance appear suppressed (waves, channels, regions)", () => {
    const m = fixture.measures.find((x) => x.id === "safety_rate");
    if (!m) throw new Error("measure");
    const cases: [GroupBy, string][] = [
      [{ kind: "wave", order: ["2025-H2", "2026-H1", "2026-H2"] }, "2025-H2"],
      [{ kind: "channel", order: ["sms", "telegram"] }, "sms"],
      [{ kind: "region", level: 1, paths: [["330104", "330104001"]] }, "330104001"],
    ];
    for (const [by, key] of cases) {
      const b = breakdown(fixture.responses, m, by);
      expectSuppressed(groupsOf(b, key)[0] as Figure, key);
    }
  });

  it("by mode: both modes always listed, self first; an empty one is suppressed and hides nobody", () => {
    const m = fixture.measures.find((x) => x.id === "safety_rate");
    if (!m) throw new Error("measure");
    // Only self responses: the interviewer group is there, empty and suppressed; self is shown.
    const selfOnly = breakdown(filterResponses(fixture.responses, { mode: "self" }), m, { kind: "mode" });
    expect(selfOnly.groups.map((g) => g.key)).toEqual(["self", "interviewer"]);
    expect(isShown(groupsOf(selfOnly, "self")[0] as Figure)).toBe(true);
    expectSuppressed(groupsOf(selfOnly, "interviewer")[0] as Figure, "no interviews");
    // No response at all: both listed, both suppressed.
    const none = breakdown([], m, { kind: "mode" });
    expect(none.groups.map((g) => g.key)).toEqual(["self", "interviewer"]);
    for (const g of none.groups) expectSuppressed(g.figure, `empty ${g.key}`);
    // A village with 9 interviews: they are suppressed, and self with them (else overall − self).
    const village = filterResponses(fixture.responses, { regionPrefix: ["330102", "330102001", "330102001001"] });
    expect(village.filter((r) => r.status === "completed" && r.mode === "interviewer")).toHaveLength(9);
    expect(isShown(computeFigure(village, m))).toBe(true);
    for (const g of breakdown(village, m, { kind: "mode" }).groups) expectSuppressed(g.figure, `village ${g.key}`);
  });

  it("applySuppression never copies a value into a suppressed result", () => {
    const value = { n: 50, value: 0.42, secret: 7 };
    expect(applySuppression(value, 9, 10)).toEqual(suppressed(10));
    expect(applySuppression(value, 50, 51)).toEqual(suppressed(51));
    expect(applySuppression(null, 50, 10)).toEqual(suppressed(10));
    expect(applySuppression(value, 50, 10)).toEqual({ ...value, suppressed: false });
    const f = applySuppression(value, 9, 10);
    expect(matchFigure(f, (v) => String(v.value), () => "hidden")).toBe("hidden");
    expect(matchFigure(applySuppression(value, 50, 10), (v) => String(v.value), () => "hidden")).toBe("0.42");
  });
  it("a lone suppressed sibling takes the smallest shown sibling with it, so no subtraction reveals it", () => {
    const shown = (n: number) => applySuppression({ n }, n, 10);
    const hidden = suppressed(10);
    const result = complementSuppression(
      [
        { figure: shown(40), size: 40, parent: "A" },
        { figure: hidden, size: 9, parent: "A" },
        { figure: shown(12), size: 30, parent: "A" },
        { figure: shown(12), size: 12, parent: "A" },
        // Two hidden already: their sum is all a subtraction gives.
        { figure: hidden, size: 3, parent: "B" },
        { figure: hidden, size: 4, parent: "B" },
        { figure: shown(50), size: 50, parent: "B" },
        // An empty group hides nobody: it does not count.
        { figure: hidden, size: 0, parent: "C" },
        { figure: shown(20), size: 20, parent: "C" },
        { figure: shown(30), size: 30, parent: "C" },
        // Nothing shown beside it: nothing to take.
        { figure: hidden, size: 5, parent: "D" },
      ],
      10,
    );
    expect(result.map((f) => (f.suppressed ? "-" : f.n))).toEqual([40, "-", "-", 12, "-", "-", 50, "-", 20, 30, "-"]);
  });

  it("in every region, channel and mode breakdown of the fixture, no family has exactly one suppressed member", () => {
    const options: StatOptions[] = [{}, { includeInProgress: true }, { exclude: { speeders: true, straightLiners: true, quality: fixture.quality } }];
    const bys: GroupBy[] = [{ kind: "region", level: 0 }, { kind: "region", level: 1 }, { kind: "region", level: 2 }, { kind: "channel" }, { kind: "mode" }];
    let families = 0;
    for (const by of bys) {
      for (const o of options) {
        for (const b of breakdownAll(fixture.responses, fixture.measures, by, o)) {
          const byParent = new Map<string, Figure[]>();
          for (const g of b.groups) {
            const parent = JSON.stringify(g.path.slice(0, -1));
            byParent.set(parent, [...(byParent.get(parent) ?? []), g.figure]);
          }
          for (const [parent, figures] of byParent) {
            families++;
            const hidden = figures.filter((f) => f.suppressed).length;
            expect(hidden === 1 && figures.length > 1, `${b.measureId} ${JSON.stringify(by)} ${parent}`).toBe(false);
          }
        }
      }
    }
    expect(families).toBeGreaterThan(100);
  });

  it("the small village's town shows at most all but two of its villages", () => {
    const m = fixture.measures.find((x) => x.id === "safety_rate");
    if (!m) throw new Error("measure");
    const town = village.slice(0, 2);
    const villages = breakdown(filterResponses(fixture.responses, { regionPrefix: town }), m, { kind: "region", level: 2 });
    expect(villages.groups.length).toBeGreaterThan(2);
    expect(villages.groups.filter((g) => g.figure.suppressed).length).toBeGreaterThanOrEqual(2);
  });
});
