/**
 * The pure side of alerts: which alerts should exist for given figures, targets, coverage rows and
 * clock (core/insight/alerts.ts), what they say (alerts-text.ts), and the alert strings in every
 * language.
 */
import { describe, expect, it } from "vitest";
import type { FieldCoverageRow } from "../../core/model/index.js";
import { suppressed, type Figure, type RateValue } from "../../core/stats/index.js";
import { coverageReminderAt, evaluateAlerts, isCovered, type MeasureRates } from "../../core/insight/alerts.js";
import { alertBannerLine, alertChatText, alertChatTexts, formatP, parseAlertDetails, type AlertDetails } from "../../core/insight/alerts-text.js";
import { ALERT_RESOURCES } from "../../core/insight/alerts-i18n.js";
import { expectSameKeysAndPlaceholders } from "../support/locale-keys.js";

/** A shown rate figure of x positive out of n (the interval is not what alerts judge, any will do). */
function rate(x: number, n: number): Figure {
  const value: RateValue = { kind: "rate", measureId: "safety.rate", numerator: x, n, value: x / n, ci: { lower: Math.max(0, x / n - 0.1), upper: Math.min(1, x / n + 0.1) }, excluded: { missing: 0, invalid: 0, notApplicable: 0 } } as unknown as RateValue;
  return { ...value, suppressed: false as const };
}

function measure(current: Record<string, Figure>, previous: Record<string, Figure>, targets: { label: string; value: number }[] = []): MeasureRates {
  return { measureId: "safety.rate", role: "security", targets, current: new Map(Object.entries(current)), previous: new Map(Object.entries(previous)) };
}

const NOW = new Date("2026-11-20T00:00:00Z");

describe("rate alerts", () => {
  it("fires below target on the point estimate, naming every target it is below", () => {
    const alerts = evaluateAlerts({
      now: NOW,
      timeZone: "Asia/Shanghai",
      coverage: [],
      rates: [{ waveId: "w2", previousWaveId: null, measures: [measure({ A: rate(82, 100), B: rate(90, 100) }, {}, [{ label: "省均", value: 0.85 }, { label: "市均", value: 0.8 }])] }],
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: "below-target", key: "below-target:w2:A:safety.rate", regionCode: "A", targets: [{ label: "省均", value: 0.85 }], figure: { value: 0.82, n: 100, numerator: 82 } });
  });

  it("fires a drop only when significant at alpha, lower than before, and shown in both waves", () => {
    const rates = [
      {
        waveId: "w2",
        previousWaveId: "w1",
        measures: [
          measure(
            // A: 45/100 against 60/100, p = 0.0337 (two-proportion-units.test.ts); B: 7/10 against 8/10, p = 0.61;
            // C: up; D: suppressed now; E: suppressed before; F: new region.
            { A: rate(45, 100), B: rate(7, 10), C: rate(90, 100), D: suppressed(10), E: rate(10, 40), F: rate(1, 20) },
            { A: rate(60, 100), B: rate(8, 10), C: rate(60, 100), D: rate(40, 40), E: suppressed(10) },
          ),
        ],
      },
    ];
    const at5 = evaluateAlerts({ now: NOW, timeZone: "Asia/Shanghai", coverage: [], rates });
    expect(at5.map((a) => a.key)).toEqual(["drop:w2:A:safety.rate"]);
    const drop = at5[0]!;
    if (drop.kind !== "drop") throw new Error("not a drop");
    expect(drop.z).toBeCloseTo(-2.1239769762143657, 10);
    expect(drop.p).toBeCloseTo(0.033672068856345876, 10);
    expect(evaluateAlerts({ now: NOW, timeZone: "Asia/Shanghai", coverage: [], rates, thresholds: { alpha: 0.01 } })).toEqual([]);
    // Without a previous wave there is nothing to drop from.
    expect(evaluateAlerts({ now: NOW, timeZone: "Asia/Shanghai", coverage: [], rates: [{ ...rates[0]!, previousWaveId: null }] })).toEqual([]);
  });

  it("never alerts on a suppressed figure, even far below target", () => {
    const alerts = evaluateAlerts({ now: NOW, timeZone: "Asia/Shanghai", coverage: [], rates: [{ waveId: "w", previousWaveId: null, measures: [measure({ A: suppressed(10) }, {}, [{ label: "t", value: 0.99 }])] }] });
    expect(alerts).toEqual([]);
  });
});

function row(officerId: string, regionCode: string | null, visited: boolean, surveyed: FieldCoverageRow["surveyed"] = null): FieldCoverageRow {
  return { officerId, officerName: null, householdKey: `${officerId}-${Math.random()}`, regionId: regionCode, regionCode, regionPath: null, regionName: null, dwelling: true, visited, materialDelivered: false, surveyed, reached: false, confirmed: false };
}

describe("coverage reminders", () => {
  const closesAt = new Date("2026-11-30T16:00:00Z"); // 2026-12-01 00:00 in Shanghai
  const rows = [
    ...Array.from({ length: 9 }, () => row("o1", "V1", true)),
    row("o1", "V1", false, "self"), // surveyed without a visit: covered
    row("o1", "V1", false), // neither
    ...Array.from({ length: 3 }, () => row("o1", "V2", true)),
    row("o1", null, false),
    ...Array.from({ length: 9 }, () => row("o2", "V1", true, "interviewer")),
  ];
  const run = (now: Date) => evaluateAlerts({ now, timeZone: "Asia/Shanghai", rates: [], coverage: [{ waveId: "w", closesAt, rows }] });

  it("counts a household covered when visited or surveyed", () => {
    expect(isCovered({ visited: true, surveyed: null })).toBe(true);
    expect(isCovered({ visited: false, surveyed: "self" })).toBe(true);
    expect(isCovered({ visited: false, surveyed: null })).toBe(false);
  });

  it("fires from 7 office-time days before the close until the close, for villages below 10 only", () => {
    const at = coverageReminderAt(closesAt, 7, "Asia/Shanghai");
    expect(at.toISOString()).toBe("2026-11-23T16:00:00.000Z");
    expect(run(new Date(at.getTime() - 1))).toEqual([]);
    const due = run(at);
    expect(due.map((a) => a.key)).toEqual(["coverage:w:o1:V2", "coverage:w:o2:V1"]);
    expect(due[0]).toMatchObject({ covered: 3, assigned: 3, minimum: 10, closesAt: closesAt.toISOString() });
    expect(due[1]).toMatchObject({ covered: 9, assigned: 9 });
    expect(run(closesAt)).toEqual([]);
  });

  it("counts the week in calendar days of the office's zone across a daylight-saving change", () => {
    // Berlin leaves summer time on 2026-10-25: a week before 2026-10-30 09:00 (UTC+1) is 2026-10-23 09:00 (UTC+2).
    const close = new Date("2026-10-30T08:00:00Z");
    expect(coverageReminderAt(close, 7, "Europe/Berlin").toISOString()).toBe("2026-10-23T07:00:00.000Z");
    // Across a month's start.
    expect(coverageReminderAt(new Date("2026-03-03T00:00:00Z"), 7, "UTC").toISOString()).toBe("2026-02-24T00:00:00.000Z");
  });
});

const names = { region: { "zh-CN": "东村", "zh-TW": "東村", en: "East Village" }, measure: { "zh-CN": "总体安全感满意率", "zh-TW": "總體安全感滿意率", en: "overall safety rate" }, wave: "2026-H2", previousWave: "2026-H1" };

describe("what alerts say", () => {
  const below: AlertDetails = { kind: "below-target", key: "k", waveId: "w", regionCode: "V1", measureId: "safety.rate", role: "security", figure: { value: 0.5, numerator: 10, n: 20, lower: 0.2993, upper: 0.7007 }, targets: [{ label: "省均", value: 0.6 }, { label: "市均", value: 0.55 }], names };

  it("gives the rate, its interval, n and the targets, in each language", () => {
    const texts = alertChatTexts(below, "Asia/Shanghai");
    expect(texts["zh-CN"]).toContain("东村的总体安全感满意率为 50.0%（95% 置信区间 29.9%–70.1%，共 20 份有效回答），低于目标：省均 60.0%、市均 55.0%");
    expect(texts["zh-TW"]).toContain("東村");
    expect(texts.en).toContain("the overall safety rate of East Village is 50.0% (95% interval 29.9%–70.1%, 20 valid answers), below its target: 省均 60.0%, 市均 55.0%");
    expect(alertBannerLine(below as Extract<AlertDetails, { kind: "below-target" }>, "en")).toBe("East Village: overall safety rate 50.0% (95% interval 29.9%–70.1%, n = 20) is below 省均 60.0%, 市均 55.0%");
  });

  it("gives a drop's change in points and its p-value", () => {
    const drop: AlertDetails = { kind: "drop", key: "k", waveId: "w", previousWaveId: "w0", regionCode: "V1", measureId: "safety.rate", role: "security", figure: { value: 0.45, numerator: 45, n: 100, lower: 0.35, upper: 0.55 }, previous: { value: 0.6, numerator: 60, n: 100, lower: 0.5, upper: 0.7 }, z: -2.124, p: 0.0337, alpha: 0.05, names };
    expect(alertChatText(drop, "en", "Asia/Shanghai")).toContain("fell from 60.0% (100 answers) in the previous wave (2026-H1) to 45.0% (100 answers), 15.0 percentage points less");
    expect(alertChatText(drop, "zh-CN", "Asia/Shanghai")).toContain("p = 0.034");
    expect(formatP(0.00026)).toBe("< 0.001");
  });

  it("gives an officer the village, the count, what is missing and the close in office time", () => {
    const coverage: AlertDetails = { kind: "coverage", key: "k", waveId: "w", officerId: "o", regionCode: "V1", covered: 3, assigned: 12, minimum: 10, closesAt: "2026-11-30T16:00:00.000Z", names: { ...names, measure: null, previousWave: null } };
    expect(alertChatText(coverage, "zh-CN", "Asia/Shanghai")).toBe("提醒：调查轮次“2026-H2”将于 2026-12-01 00:00 结束。您在东村已走访或完成调查的住户为 3 户，少于每村 10 户的要求，还差 7 户。");
    expect(alertChatText(coverage, "en", "Europe/Berlin")).toContain("closes on 2026-11-30 17:00");
  });

  it("reads stored details back, and refuses what is not an alert's", () => {
    expect(parseAlertDetails(JSON.parse(JSON.stringify(below)))).toEqual(below);
    expect(parseAlertDetails({ kind: "below-target" })).toBeUndefined();
    expect(parseAlertDetails("nonsense")).toBeUndefined();
  });

  it("has every string in zh-CN, zh-TW and en with the same placeholders", () => {
    expectSameKeysAndPlaceholders(ALERT_RESOURCES["zh-TW"], ALERT_RESOURCES["zh-CN"]);
    expectSameKeysAndPlaceholders(ALERT_RESOURCES.en, ALERT_RESOURCES["zh-CN"]);
  });
});
