/**
 * Acceptance for the outreach figures: on the seeded outreach fixture, case-feedback
 * satisfaction (rated share, rate, index, their intervals) and per-tip quiz awareness (first
 * answer per resident, rate, Wilson interval) — and the dashboard's figures built from them, with
 * the region filter, the region breakdown and suppression — match the values computed
 * independently by tools/expected-stats/expected.py (committed in outreach-expected.json):
 * counts and suppression exactly, real numbers to 4 decimal places.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { caseFeedbackSatisfaction, type CaseSatisfaction } from "../../core/outreach/cases.js";
import { awarenessFromQuizzes } from "../../core/outreach/tips.js";
import type { OutreachFiguresReader } from "../../core/model/index.js";
import { computeOutreachFigures, outreachFiguresFrom, type CaseSatisfactionValue } from "../../core/admin/outreach-figures.js";
import { isShown, type Figure } from "../../core/stats/index.js";

/** tests/stats/outreach-fixture.json (tools/expected-stats/make-fixture.py). */
interface OutreachFixture {
  smallGroups: { village: string[]; tenRatings: string[]; nineRatings: string[]; tipTen: string; tipNine: string; tipThree: string };
  tips: string[];
  cases: { id: string; status: string; rating: number | null; regionPath: string[] | null; closedAt: string | null }[];
  answers: { residentId: string; tipId: string; correct: boolean; answeredAt: string; regionPath: string[] | null }[];
}

interface ExpectedProportion {
  n: number;
  numerator: number;
  value: number;
  lower: number;
  upper: number;
}
interface ExpectedIndex {
  n: number;
  mean: number;
  sd: number;
  lower: number;
  upper: number;
}
interface ExpectedSatisfaction {
  closed: number;
  rated: number;
  distribution: { rating: number; count: number }[];
  responseRate: ExpectedProportion | null;
  rate: ExpectedProportion | null;
  index: ExpectedIndex | null;
  meanRating: number | null;
}
type ExpectedGroup = { suppressed: true } | { suppressed: false; n: number; closed: number; responseRate: ExpectedProportion; rate: ExpectedProportion; index: ExpectedIndex; meanRating: number };

/** tests/stats/outreach-expected.json (tools/expected-stats/expected.py). */
interface OutreachExpected {
  fixtureSha256: string;
  satisfaction: { name: string; rateTop: number; value: ExpectedSatisfaction }[];
  awareness: { tipId: string; n: number; correct: number; rate: number | null; lower: number | null; upper: number | null }[];
  figures: {
    name: string;
    minGroupSize: number;
    level: number;
    regionPrefix: string[] | null;
    /** Only cases closed and first answers given in [from, to) (to null: open-ended). */
    period: { from: string; to: string | null } | null;
    awareness: ({ tipId: string; suppressed: true } | { tipId: string; suppressed: false; n: number; numerator: number; value: number; lower: number; upper: number })[];
    satisfaction: { overall: ExpectedGroup; byRegion: { key: string; path: string[]; figure: ExpectedGroup }[] };
  }[];
}

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const raw = readFileSync(here("./outreach-fixture.json"));
const fixture = JSON.parse(raw.toString("utf8")) as OutreachFixture;
const expected = JSON.parse(readFileSync(here("./outreach-expected.json"), "utf8")) as OutreachExpected;

/** A path of codes as the store keeps it (Region.path). */
const regionPath = (codes: readonly string[] | null): string | null => (codes ? `/${codes.join("/")}/` : null);

/** The narrow reader over the fixture, as a database would answer: closed cases only; every answer (the figures keep first ones). */
const reader: OutreachFiguresReader = {
  listClosedCaseRatings: async () =>
    fixture.cases.filter((c) => c.status === "closed").map((c) => ({ rating: c.rating, regionPath: regionPath(c.regionPath), closedAt: c.closedAt === null ? null : new Date(c.closedAt) })),
  listFirstQuizAnswers: async () => fixture.answers.map((a) => ({ residentId: a.residentId, tipId: a.tipId, correct: a.correct, answeredAt: new Date(a.answeredAt), regionPath: regionPath(a.regionPath) })),
};

let maxDiff = 0;
function close(actual: number | null | undefined, wanted: number | null | undefined, what: string): void {
  expect(actual, what).toBeTypeOf("number");
  expect(wanted, what).toBeTypeOf("number");
  const diff = Math.abs((actual as number) - (wanted as number));
  maxDiff = Math.max(maxDiff, diff);
  expect(diff, `${what}: ${actual} vs ${wanted}`).toBeLessThan(5e-5);
}

function compareProportion(actual: { n: number; numerator: number; value: number; ci: { lower: number; upper: number; method: string } } | null, wanted: ExpectedProportion | null, what: string): void {
  if (wanted === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  if (!actual) return;
  expect([actual.n, actual.numerator], what).toEqual([wanted.n, wanted.numerator]);
  close(actual.value, wanted.value, `${what} value`);
  close(actual.ci.lower, wanted.lower, `${what} lower`);
  close(actual.ci.upper, wanted.upper, `${what} upper`);
  expect(actual.ci.method, what).toBe("wilson");
}

function compareIndex(actual: { n: number; mean: number; sd: number; ci: { lower: number; upper: number; method: string } } | null, wanted: ExpectedIndex | null, what: string): void {
  if (wanted === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  if (!actual) return;
  expect(actual.n, what).toBe(wanted.n);
  close(actual.mean, wanted.mean, `${what} mean`);
  close(actual.sd, wanted.sd, `${what} sd`);
  close(actual.ci.lower, wanted.lower, `${what} lower`);
  close(actual.ci.upper, wanted.upper, `${what} upper`);
  expect(actual.ci.method, what).toBe("t");
}

function compareSatisfaction(actual: CaseSatisfaction, wanted: ExpectedSatisfaction, what: string): void {
  expect([actual.closed, actual.rated], what).toEqual([wanted.closed, wanted.rated]);
  expect(actual.distribution, what).toEqual(wanted.distribution);
  compareProportion(actual.responseRate, wanted.responseRate, `${what} rated share`);
  compareProportion(actual.rate, wanted.rate, `${what} rate`);
  compareIndex(actual.index, wanted.index, `${what} index`);
  close(actual.meanRating, wanted.meanRating, `${what} mean rating`);
}

function compareGroup(actual: Figure<CaseSatisfactionValue>, wanted: ExpectedGroup, minGroupSize: number, what: string): void {
  if (wanted.suppressed) {
    // Nothing but the setting: no count, no value, no interval.
    expect(actual, what).toEqual({ suppressed: true, n: undefined, minGroupSize });
    return;
  }
  expect(isShown(actual), what).toBe(true);
  if (!isShown(actual)) return;
  expect([actual.n, actual.closed], what).toEqual([wanted.n, wanted.closed]);
  compareProportion(actual.responseRate, wanted.responseRate, `${what} rated share`);
  compareProportion(actual.rate, wanted.rate, `${what} rate`);
  compareIndex(actual.index, wanted.index, `${what} index`);
  close(actual.meanRating, wanted.meanRating, `${what} mean rating`);
}

describe("outreach expected values (independent Python computation)", () => {
  it("were computed from this exact fixture", () => {
    expect(createHash("sha256").update(raw).digest("hex")).toBe(expected.fixtureSha256);
  });

  it("case-feedback satisfaction agrees (rated share, rate, index, intervals, distribution)", () => {
    for (const c of expected.satisfaction) compareSatisfaction(caseFeedbackSatisfaction(fixture.cases, { rateTop: c.rateTop }), c.value, c.name);
  });

  it("quiz awareness per tip agrees (first answer per resident, Wilson interval)", () => {
    const actual = awarenessFromQuizzes(
      fixture.answers.map((a) => ({ tipId: a.tipId, correct: a.correct, residentId: a.residentId, answeredAt: new Date(a.answeredAt) })),
      fixture.tips.map((id) => ({ id })),
    );
    expect(actual.map((a) => [a.tipId, a.n, a.correct])).toEqual(expected.awareness.map((a) => [a.tipId, a.n, a.correct]));
    actual.forEach((a, i) => {
      const w = expected.awareness[i];
      if (!w) throw new Error(a.tipId);
      if (w.rate === null) {
        expect([a.rate, a.ci], a.tipId).toEqual([null, null]);
        return;
      }
      close(a.rate, w.rate, `${a.tipId} rate`);
      close(a.ci?.lower, w.lower, `${a.tipId} lower`);
      close(a.ci?.upper, w.upper, `${a.tipId} upper`);
    });
    // The fixture repeats answers (out of order, some at the same instant): first answers are fewer.
    expect(actual.reduce((sum, a) => sum + a.n, 0)).toBeLessThan(fixture.answers.length);
  });

  it(`the dashboard's figures agree: region filter, breakdown and suppression (${expected.figures.length} cases)`, async () => {
    let shown = 0;
    let hidden = 0;
    for (const c of expected.figures) {
      const period = c.period ? { from: new Date(c.period.from), to: c.period.to === null ? null : new Date(c.period.to) } : null;
      const options = { minGroupSize: c.minGroupSize, level: c.level, regionPath: regionPath(c.regionPrefix), period, tips: fixture.tips.map((id) => ({ id })) };
      const actual = await computeOutreachFigures(reader, options);
      // The pure function gives the same from the same rows.
      expect(outreachFiguresFrom(await reader.listClosedCaseRatings(), await reader.listFirstQuizAnswers(), options)).toEqual(actual);
      expect(actual.awareness.map((a) => a.tipId), c.name).toEqual(c.awareness.map((a) => a.tipId));
      actual.awareness.forEach((a, i) => {
        const w = c.awareness[i];
        const what = `${c.name} ${a.tipId}`;
        if (!w) throw new Error(what);
        if (w.suppressed) {
          expect(a.figure, what).toEqual({ suppressed: true, n: undefined, minGroupSize: c.minGroupSize });
          hidden += 1;
          return;
        }
        shown += 1;
        compareProportion(isShown(a.figure) ? a.figure : null, { n: w.n, numerator: w.numerator, value: w.value, lower: w.lower, upper: w.upper }, what);
      });
      compareGroup(actual.satisfaction.overall, c.satisfaction.overall, c.minGroupSize, `${c.name} overall`);
      expect(actual.satisfaction.byRegion.map((g) => [g.key, g.path]), c.name).toEqual(c.satisfaction.byRegion.map((g) => [g.key, g.path]));
      actual.satisfaction.byRegion.forEach((g, i) => {
        const w = c.satisfaction.byRegion[i];
        if (!w) throw new Error(`${c.name} ${g.key}`);
        compareGroup(g.figure, w.figure, c.minGroupSize, `${c.name} ${g.key}`);
        if (w.figure.suppressed) hidden += 1;
        else shown += 1;
      });
    }
    expect(shown).toBeGreaterThan(40);
    expect(hidden).toBeGreaterThan(20);
  });

  it("suppresses exactly the fixture's small groups at the default minimum", async () => {
    const small = fixture.smallGroups;
    const figures = await computeOutreachFigures(reader, { minGroupSize: 10, level: 2, tips: fixture.tips.map((id) => ({ id })) });
    const region = (codes: string[]) => figures.satisfaction.byRegion.find((g) => g.key === codes[codes.length - 1])?.figure;
    expect(region(small.village)?.suppressed).toBe(true);
    expect(region(small.nineRatings)?.suppressed).toBe(true);
    expect(region(small.tenRatings)?.suppressed).toBe(false);
    const tip = (id: string) => figures.awareness.find((a) => a.tipId === id)?.figure;
    expect(tip(small.tipTen)?.suppressed).toBe(false);
    expect(tip(small.tipNine)?.suppressed).toBe(true);
    expect(tip(small.tipThree)?.suppressed).toBe(true);
  });

  it("agreement is far tighter than the required 4 decimal places", () => {
    expect(maxDiff).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(1e-9);
  });
});
