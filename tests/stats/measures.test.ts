/** Measures, intervals, targets and quality flags on small hand-made inputs and edge cases. */

import { describe, expect, it } from "vitest";
import {
  compareValue,
  compareWithTargets,
  computeFigure,
  flagResponses,
  formatFigure,
  isShown,
  measureValue,
  meanWithInterval,
  parseTimestamp,
  proportion,
  qualityFlags,
  qualityFlagsOf,
  scaleQuestionsFromMeasures,
  selectResponses,
  StatsConfigError,
  studentTCdf,
  studentTQuantile,
  validateMeasure,
  wilsonInterval,
  type BinaryMeasureSpec,
  type MeasureSpec,
  type MultiChoiceMeasureSpec,
  type QualityConfig,
  type ScaleMeasureSpec,
  type StatAnswer,
  type StatResponse,
  type Target,
} from "../../core/stats/index.js";

const LEVELS = ["very_safe", "safe", "basically_safe", "not_very_safe", "unsafe"];
const RATE: ScaleMeasureSpec = { id: "safety_rate", kind: "rate", questionId: "q", levels: LEVELS, positive: LEVELS.slice(0, 3), invalid: ["dont_know"] };
const INDEX: ScaleMeasureSpec = { ...RATE, id: "safety_index", kind: "index", scores: { very_safe: 100, safe: 80, basically_safe: 60, not_very_safe: 40, unsafe: 20 } };

let seq = 0;
function resp(answers: Record<string, StatAnswer>, extra: Partial<StatResponse> = {}): StatResponse {
  seq += 1;
  return {
    id: `t${String(seq).padStart(4, "0")}`,
    waveId: "w1",
    regionPath: ["d", "t", "v"],
    channel: "web",
    mode: "self",
    status: "completed",
    startedAt: "2026-03-01T10:00:00Z",
    completedAt: "2026-03-01T10:05:00Z",
    answers,
    ...extra,
  };
}
const choice = (option: string): StatAnswer => ({ kind: "choice", option });
const many = (options: string[]): StatResponse[] => options.map((o) => resp({ q: choice(o) }));

describe("Wilson interval and proportions", () => {
  it("matches published values", () => {
    // 0/10 and 10/10: the closed forms z²/(n+z²) and n/(n+z²).
    const z2 = 1.959963984540054 ** 2;
    expect(wilsonInterval(0, 10)).toEqual({ lower: 0, upper: expect.closeTo(z2 / (10 + z2), 12), method: "wilson" });
    expect(wilsonInterval(10, 10).lower).toBeCloseTo(10 / (10 + z2), 12);
    expect(wilsonInterval(10, 10).upper).toBe(1);
    // 81/263: 0.255289 – 0.366210 (as R's prop.test(81, 263, correct = FALSE)).
    const ci = wilsonInterval(81, 263);
    expect(ci.lower).toBeCloseTo(0.255289, 6);
    expect(ci.upper).toBeCloseTo(0.366210, 6);
  });

  it("rejects n = 0 and impossible numerators; proportion(0, 0) is null", () => {
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 10)).toThrow(RangeError);
    expect(proportion(0, 0)).toBeNull();
    expect(proportion(3, 4)).toMatchObject({ n: 4, numerator: 3, value: 0.75 });
  });
});

describe("Student t", () => {
  it("quantiles match tables", () => {
    const table: [number, number][] = [[1, 12.7062047362], [2, 4.3026527297], [5, 2.5705818356], [9, 2.2621571628], [29, 2.0452296421], [120, 1.9799304050]];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 9);
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-2.2621571628, 9);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959966, 5);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 14);
  });

  it("mean interval: n < 2 has none; constant scores give a zero-width interval", () => {
    expect(meanWithInterval([])).toBeNull();
    expect(meanWithInterval([80])).toBeNull();
    expect(meanWithInterval([60, 60, 60])).toEqual({ n: 3, mean: 60, sd: 0, ci: { lower: 60, upper: 60, method: "t" } });
    const e = meanWithInterval([100, 80, 60, 40, 20]);
    expect(e?.mean).toBe(60);
    expect(e?.sd).toBeCloseTo(Math.sqrt(1000), 12);
    expect(e?.ci.upper).toBeCloseTo(60 + (2.7764451052 * Math.sqrt(1000)) / Math.sqrt(5), 8);
  });
});

describe("rates and indices: edge cases", () => {
  it("n = 0: no value, and the figure is suppressed", () => {
    expect(measureValue([], RATE)).toBeNull();
    expect(measureValue([], INDEX)).toBeNull();
    expect(computeFigure([], RATE)).toEqual({ suppressed: true, n: undefined, minGroupSize: 10 });
  });

  it("only invalid answers: n = 0, suppressed, exclusions not leaked", () => {
    const rs = many(Array(20).fill("dont_know"));
    expect(measureValue(rs, RATE)).toBeNull();
    expect(computeFigure(rs, RATE).suppressed).toBe(true);
    expect(computeFigure(rs, INDEX).suppressed).toBe(true);
  });

  it("all positive: rate 1, Wilson upper bound exactly 1", () => {
    const rs = many([...Array(8).fill("very_safe"), ...Array(4).fill("basically_safe")]);
    const f = computeFigure(rs, RATE);
    if (!isShown(f) || f.kind !== "rate") throw new Error("expected a shown rate");
    expect([f.n, f.numerator, f.value, f.ci.upper]).toEqual([12, 12, 1, 1]);
    expect(f.ci.lower).toBeCloseTo(12 / (12 + 1.959963984540054 ** 2), 12);
  });

  it("all negative: rate 0, Wilson lower bound exactly 0; index of all 'unsafe' is 20 ± 0", () => {
    const rs = many(Array(15).fill("unsafe"));
    const f = computeFigure(rs, RATE);
    if (!isShown(f) || f.kind !== "rate") throw new Error("expected a shown rate");
    expect([f.numerator, f.value, f.ci.lower]).toEqual([0, 0, 0]);
    const i = computeFigure(rs, INDEX);
    if (!isShown(i) || i.kind !== "index") throw new Error("expected a shown index");
    expect([i.value, i.sd, i.ci.lower, i.ci.upper]).toEqual([20, 0, 20, 20]);
  });

  it("invalid, unknown, missing and wrong-kind answers leave the denominator and are counted", () => {
    const rs = [
      ...many([...Array(6).fill("very_safe"), ...Array(4).fill("unsafe"), "dont_know", "dont_know", "safe_ish"]),
      resp({ q: { kind: "text", value: "safe" } }),
      resp({}),
    ];
    const v = measureValue(rs, RATE);
    expect(v).toMatchObject({ n: 10, numerator: 6, value: 0.6, excluded: { notApplicable: 0, missing: 1, invalid: 2, unknown: 2 } });
    const idx = measureValue(rs, INDEX);
    expect(idx).toMatchObject({ kind: "index", n: 10, value: 68 });
  });

  it("share: every level in scale order, shares sum to 1", () => {
    const spec: ScaleMeasureSpec = { ...RATE, id: "share", kind: "share" };
    const v = measureValue(many(["safe", "safe", "unsafe", "dont_know"]), spec);
    if (v?.kind !== "share") throw new Error("share");
    expect(v.options.map((o) => [o.option, o.numerator, o.rank])).toEqual([
      ["very_safe", 0, 3],
      ["safe", 2, 1],
      ["basically_safe", 0, 3],
      ["not_very_safe", 0, 3],
      ["unsafe", 1, 2],
    ]);
    expect(v.options.reduce((s, o) => s + o.value, 0)).toBeCloseTo(1, 15);
  });

  it("yes/no measures accept bool and choice answers; reporting counts victims only", () => {
    const aware: BinaryMeasureSpec = { id: "aware", kind: "awareness", questionId: "a", invalid: ["dont_know"] };
    const rs = [
      resp({ a: { kind: "bool", value: true } }),
      resp({ a: { kind: "bool", value: false } }),
      resp({ a: choice("yes") }),
      resp({ a: choice("dont_know") }),
      resp({ a: choice("perhaps") }),
    ];
    expect(measureValue(rs, aware)).toMatchObject({ kind: "awareness", n: 3, numerator: 2, excluded: { invalid: 1, unknown: 1 } });

    const reporting: BinaryMeasureSpec = { id: "rep", kind: "reporting", questionId: "reported", among: { questionId: "victim", anyOf: ["yes"] } };
    const victims = [
      resp({ victim: choice("yes"), reported: { kind: "bool", value: true } }),
      resp({ victim: choice("yes"), reported: { kind: "bool", value: false } }),
      resp({ victim: choice("yes") }),
      resp({ victim: choice("no") }),
      resp({}),
    ];
    expect(measureValue(victims, reporting)).toMatchObject({ n: 2, numerator: 1, excluded: { notApplicable: 2, missing: 1 } });
    // Case feedback "among those who reported": bool answers read as "yes"/"no" in conditions.
    const feedback: ScaleMeasureSpec = { ...RATE, id: "fb", questionId: "fb", among: { questionId: "reported", anyOf: ["yes"] } };
    const fb = [resp({ reported: { kind: "bool", value: true }, fb: choice("safe") }), resp({ reported: { kind: "bool", value: false }, fb: choice("unsafe") })];
    expect(measureValue(fb, feedback)).toMatchObject({ n: 1, numerator: 1, excluded: { notApplicable: 1 } });
  });

  it("multiple choice: share of respondents, ranked with ties in option order", () => {
    const hot: MultiChoiceMeasureSpec = { id: "hot", kind: "multi", questionId: "h", options: ["theft", "fraud", "drugs", "none"], invalid: ["dont_know"] };
    const rs = [
      resp({ h: { kind: "choices", options: ["theft", "fraud"] } }),
      resp({ h: { kind: "choices", options: ["fraud", "fraud"] } }),
      resp({ h: { kind: "choices", options: ["theft", "dont_know"] } }),
      resp({ h: { kind: "choices", options: ["dont_know"] } }),
      resp({ h: { kind: "choices", options: [] } }),
      resp({ h: choice("none") }),
    ];
    const v = measureValue(rs, hot);
    if (v?.kind !== "multi") throw new Error("multi");
    expect(v.n).toBe(4);
    expect(v.excluded).toEqual({ notApplicable: 0, missing: 1, invalid: 1, unknown: 0 });
    expect(v.options.map((o) => [o.option, o.numerator, o.value, o.rank])).toEqual([
      ["theft", 2, 0.5, 1],
      ["fraud", 2, 0.5, 1],
      ["none", 1, 0.25, 3],
      ["drugs", 0, 0, 4],
    ]);
  });

  it("invalid specifications are refused", () => {
    const bad: MeasureSpec[] = [
      { ...RATE, positive: [] },
      { ...RATE, positive: ["great"] },
      { ...RATE, invalid: ["safe"] },
      { ...RATE, levels: ["a", "a"], positive: ["a"] },
      { ...INDEX, scores: { very_safe: 100 } },
      { id: "r", kind: "reporting", questionId: "x" },
      { id: "a", kind: "awareness", questionId: "x", yes: ["y"], no: ["y"] },
      { id: "m", kind: "multi", questionId: "x", options: [] },
    ];
    for (const spec of bad) {
      expect(validateMeasure(spec).length, JSON.stringify(spec)).toBeGreaterThan(0);
      expect(() => measureValue([], spec)).toThrow(StatsConfigError);
    }
    expect(validateMeasure(RATE)).toEqual([]);
    expect(validateMeasure(INDEX)).toEqual([]);
  });
});

describe("targets", () => {
  const rs = many([...Array(30).fill("safe"), ...Array(10).fill("unsafe")]); // 0.75, Wilson ≈ 0.5980–0.8581
  const figure = computeFigure(rs, RATE);

  it("above / below / equal and significance from the interval", () => {
    if (!isShown(figure) || figure.kind !== "rate") throw new Error("shown");
    expect(compareValue(figure, "x", 0.7)).toMatchObject({ direction: "above", significant: false });
    expect(compareValue(figure, "x", 0.5)).toMatchObject({ direction: "above", significant: true, difference: 0.25 });
    expect(compareValue(figure, "x", 0.8)).toMatchObject({ direction: "below", significant: false });
    expect(compareValue(figure, "x", 0.9)).toMatchObject({ direction: "below", significant: true });
    expect(compareValue(figure, "x", 0.75)).toMatchObject({ direction: "equal", significant: false, difference: 0 });
    // A target exactly on a bound is not significant (p = 0.05 is not < 0.05).
    expect(compareValue(figure, "x", figure.ci.lower)).toMatchObject({ direction: "above", significant: false });
    expect(compareValue(figure, "x", figure.ci.upper)).toMatchObject({ direction: "below", significant: false });
  });

  it("compareWithTargets picks the measure and wave, keeps target order, and ignores distributions", () => {
    const targets: Target[] = [
      { waveId: "w1", measureId: "safety_rate", label: "provincial average", value: 0.9 },
      { waveId: "w2", measureId: "safety_rate", label: "provincial average", value: 0.1 },
      { waveId: "w1", measureId: "other", label: "provincial average", value: 0.1 },
      { waveId: "w1", measureId: "safety_rate", label: "municipal average", value: 0.6 },
    ];
    const res = compareWithTargets(figure, targets, "safety_rate", "w1");
    expect(res.map((r) => [r.label, r.suppressed ? null : r.direction])).toEqual([
      ["provincial average", "below"],
      ["municipal average", "above"],
    ]);
    const share = computeFigure(rs, { ...RATE, id: "share", kind: "share" });
    expect(compareWithTargets(share, [{ waveId: "w1", measureId: "share", label: "p", value: 0.5 }], "share", "w1")).toEqual([]);
  });

  it("formatFigure renders percentages and index points", () => {
    expect(formatFigure(figure)).toEqual([{ option: "", n: "40", value: "75.0%", ci: "59.8–85.8%" }]);
    expect(formatFigure(computeFigure(rs, INDEX), { decimals: 2 })[0]?.value).toBe("65.00");
  });
});

describe("quality flags", () => {
  const quality: QualityConfig = {
    speeder: { minSecondsPerAnswer: 3 },
    straightLine: { minQuestions: 3, scales: [{ questionId: "a", levels: LEVELS }, { questionId: "b", levels: LEVELS }, { questionId: "c", levels: LEVELS }] },
  };

  it("parses strict ISO timestamps only, independent of the time zone", () => {
    expect(parseTimestamp("2026-03-01T10:00:00Z")).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseTimestamp("2026-03-01T18:00:00+08:00")).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseTimestamp("2026-03-01T10:00:00.250Z")).toBe(Date.UTC(2026, 2, 1, 10) + 250);
    expect(parseTimestamp("2026-03-01 10:00:00")).toBeNull();
    expect(parseTimestamp("2026-03-01T10:00:00")).toBeNull();
    expect(parseTimestamp("2026-02-30T10:00:00Z")).toBeNull();
  });

  it("speeders: seconds per answered question below the threshold", () => {
    const three = { a: choice("safe"), b: choice("unsafe"), c: choice("safe") };
    const fast = resp(three, { completedAt: "2026-03-01T10:00:08Z" }); // 8 s / 3 answers
    const ok = resp(three, { completedAt: "2026-03-01T10:00:09Z" }); // exactly 3 s: not below
    const noZone = resp(three, { startedAt: "2026-03-01 10:00:00", completedAt: "2026-03-01T10:00:01Z" });
    const inProgress = resp(three, { status: "in_progress", completedAt: undefined });
    expect(qualityFlags(fast, quality)).toMatchObject({ speeder: true, secondsPerAnswer: 8 / 3 });
    expect(qualityFlags(ok, quality).speeder).toBe(false);
    expect(qualityFlags(noZone, quality)).toEqual({ speeder: false, straightLiner: false });
    expect(qualityFlags(inProgress, quality).speeder).toBe(false);
    // The form an export uses, with instants instead of timestamps to parse, says the same.
    const at = (text: string) => Date.parse(text);
    expect(qualityFlagsOf(fast.answers, { startedMs: at(fast.startedAt), completedMs: at(fast.completedAt as string) }, quality)).toEqual(qualityFlags(fast, quality));
    expect(qualityFlagsOf(ok.answers, { startedMs: at(ok.startedAt), completedMs: at(ok.completedAt as string) }, quality)).toEqual(qualityFlags(ok, quality));
    expect(qualityFlagsOf(noZone.answers, { startedMs: null, completedMs: at(noZone.completedAt as string) }, quality)).toEqual(qualityFlags(noZone, quality));
    expect(qualityFlagsOf(inProgress.answers, null, quality)).toEqual(qualityFlags(inProgress, quality));
  });

  it("straight-liners: same position on at least N scale questions; 'don't know' neither counts nor breaks", () => {
    const same = resp({ a: choice("safe"), b: choice("safe"), c: choice("safe") });
    const withDk = resp({ a: choice("safe"), b: choice("safe"), c: choice("dont_know") });
    const mixed = resp({ a: choice("safe"), b: choice("safe"), c: choice("unsafe") });
    expect(qualityFlags(same, quality).straightLiner).toBe(true);
    expect(qualityFlags(withDk, quality).straightLiner).toBe(false); // only 2 levels answered
    expect(qualityFlags(mixed, quality).straightLiner).toBe(false);
    expect(qualityFlags(withDk, { ...quality, straightLine: { ...quality.straightLine, minQuestions: 2 } }).straightLiner).toBe(true);
  });

  it("figures can be computed with and without flagged responses", () => {
    const base = { a: choice("safe"), b: choice("safe"), c: choice("safe"), q: choice("safe") };
    const rs = [
      ...Array.from({ length: 12 }, () => resp({ ...base, c: choice("unsafe"), q: choice("unsafe") })),
      ...Array.from({ length: 3 }, () => resp(base)), // straight-liners
      ...Array.from({ length: 2 }, () => resp({ ...base, c: choice("unsafe") }, { completedAt: "2026-03-01T10:00:02Z" })), // speeders
    ];
    const flags = flagResponses(rs, quality);
    expect([...flags.values()].filter((f) => f.straightLiner)).toHaveLength(3);
    expect([...flags.values()].filter((f) => f.speeder)).toHaveLength(2);
    const all = computeFigure(rs, RATE);
    const clean = computeFigure(rs, RATE, { exclude: { speeders: true, straightLiners: true, quality } });
    const noSpeeders = computeFigure(rs, RATE, { exclude: { speeders: true, straightLiners: false, quality } });
    expect(isShown(all) && all.n).toBe(17);
    expect(isShown(clean) && clean.n).toBe(12);
    expect(isShown(noSpeeders) && noSpeeders.n).toBe(15);
    expect(selectResponses(rs, { exclude: { speeders: false, straightLiners: true, quality } })).toHaveLength(14);
  });

  it("derives scale questions from measures", () => {
    expect(scaleQuestionsFromMeasures([RATE, INDEX, { id: "aw", kind: "awareness", questionId: "z" }])).toEqual([{ questionId: "q", levels: LEVELS }]);
  });

  it("abandoned responses never count; in-progress only on request", () => {
    const rs = [
      ...many(Array(10).fill("safe")),
      resp({ q: choice("unsafe") }, { status: "in_progress", completedAt: undefined }),
      resp({ q: choice("unsafe") }, { status: "abandoned", completedAt: undefined }),
    ];
    expect(measureValue(selectResponses(rs), RATE)).toMatchObject({ n: 10, numerator: 10 });
    expect(measureValue(selectResponses(rs, { includeInProgress: true }), RATE)).toMatchObject({ n: 11, numerator: 10 });
  });
});
