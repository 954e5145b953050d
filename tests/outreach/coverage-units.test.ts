/**
 * The coverage sums (core/field/coverage.ts) on hand-made rows, the visits export's row
 * (core/field/visits-table.ts) and the export's period bounds: no database. Expected figures are
 * literals counted by hand from the rows below.
 */
import { describe, expect, it } from "vitest";
import type { FieldCoverageRow, VisitWithHousehold } from "../../core/model/index.js";
import { coverageShare, summarizeCoverage } from "../../core/field/coverage.js";
import { visitCells, VISIT_EXPORT_KEYS } from "../../core/field/visits-table.js";
import { periodBound } from "../../app/visits-export-command.js";

type Flags = Partial<Pick<FieldCoverageRow, "visited" | "materialDelivered" | "surveyed" | "reached" | "confirmed" | "dwelling">>;

function row(officerId: string, regionCode: string | null, flags: Flags = {}): FieldCoverageRow {
  return {
    officerId,
    officerName: officerId === "a" ? "王警官" : null,
    householdKey: `${officerId}-${regionCode}-${Math.random()}`,
    regionId: regionCode ? `id-${regionCode}` : null,
    regionCode,
    regionPath: regionCode ? `/${regionCode}/` : null,
    regionName: regionCode ? { "zh-CN": `${regionCode}村` } : null,
    dwelling: true,
    visited: false,
    materialDelivered: false,
    surveyed: null,
    reached: false,
    confirmed: false,
    ...flags,
  };
}

const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

describe("summarizeCoverage", () => {
  // Officer a: village V2 listed first in the rows, V1 second (villages come out sorted by code).
  //   V2: 12 households, 9 visited (one short), 4 given material, 1 interviewed, 2 self, 3 reached, 1 confirmed.
  //   V1: 10 households, all 10 visited, 10 material, none surveyed, none reached.
  // Officer b: 3 chat-only households without a village, 2 reached, both confirmed, 1 self.
  const rows: FieldCoverageRow[] = [
    ...times(12, (i) =>
      row("a", "V2", {
        visited: i < 9,
        materialDelivered: i < 4,
        surveyed: i === 0 ? "interviewer" : i === 1 || i === 11 ? "self" : null,
        reached: i >= 9,
        confirmed: i === 9,
      }),
    ),
    ...times(10, () => row("a", "V1", { visited: true, materialDelivered: true })),
    ...times(3, (i) => row("b", null, { dwelling: false, reached: i > 0, confirmed: i > 0, surveyed: i === 2 ? "self" : null })),
  ];

  it("sums per officer and village, with the minimum of 10 for households and for visits", () => {
    const summary = summarizeCoverage(rows);
    expect(summary.minimumPerVillage).toBe(10);
    expect(summary.officers.map((o) => o.officerId)).toEqual(["a", "b"]);
    const [a, b] = summary.officers;
    expect(a!.villages.map((v) => [v.regionCode, v.assigned, v.visited, v.materialDelivered, v.surveyedSelf, v.surveyedInterviewer, v.surveyed, v.reached, v.confirmed, v.missing, v.meetsMinimum, v.visitsMeetMinimum, v.complete])).toEqual([
      ["V1", 10, 10, 10, 0, 0, 0, 0, 0, 10, true, true, false],
      ["V2", 12, 9, 4, 2, 1, 3, 3, 1, 9, true, false, false],
    ]);
    expect(a!.totals).toEqual({ assigned: 22, visited: 19, materialDelivered: 14, surveyedSelf: 2, surveyedInterviewer: 1, surveyed: 3, reached: 3, confirmed: 1, missing: 19, villages: 2, villagesBelowMinimum: 0, villagesBelowVisitMinimum: 1, villagesComplete: 0 });
    expect(b!.villages).toEqual([
      { regionId: null, regionCode: null, regionName: null, assigned: 3, visited: 0, materialDelivered: 0, surveyedSelf: 1, surveyedInterviewer: 0, surveyed: 1, reached: 2, confirmed: 2, missing: 1, meetsMinimum: false, visitsMeetMinimum: false, complete: false },
    ]);
    expect(summary.totals).toEqual({ assigned: 25, visited: 19, materialDelivered: 14, surveyedSelf: 3, surveyedInterviewer: 1, surveyed: 4, reached: 5, confirmed: 3, missing: 20, villages: 3, villagesBelowMinimum: 1, villagesBelowVisitMinimum: 2, villagesComplete: 0 });
  });

  it("takes another minimum, and marks a village complete when every household was reached", () => {
    const summary = summarizeCoverage([...times(9, () => row("c", "V9", { visited: true, reached: true }))], 9);
    expect(summary.officers[0]!.villages[0]).toMatchObject({ assigned: 9, visited: 9, meetsMinimum: true, visitsMeetMinimum: true, complete: true, missing: 0 });
    expect(summary.totals).toMatchObject({ villagesBelowMinimum: 0, villagesBelowVisitMinimum: 0, villagesComplete: 1 });
    expect(summarizeCoverage([])).toEqual({ officers: [], totals: { assigned: 0, visited: 0, materialDelivered: 0, surveyedSelf: 0, surveyedInterviewer: 0, surveyed: 0, reached: 0, confirmed: 0, missing: 0, villages: 0, villagesBelowMinimum: 0, villagesBelowVisitMinimum: 0, villagesComplete: 0 }, minimumPerVillage: 10 });
  });

  it("writes shares with one decimal, and a dash without households", () => {
    expect(coverageShare(9, 11)).toBe("81.8%");
    expect(coverageShare(0, 0)).toBe("—");
  });
});

describe("the visits export's row", () => {
  const visit: VisitWithHousehold = {
    id: "v1",
    clientId: "c1",
    householdId: "h1",
    officerId: "o1",
    officerName: "王警官",
    visitedAt: new Date("2026-11-02T01:30:00Z"),
    handedOver: { leaflet: false, tips: ["telecom-fraud", "night-locks"] },
    survey: "nobody_home",
    notes: "=HYPERLINK(\"x\")",
    responseId: null,
    createdAt: new Date("2026-11-02T02:00:00Z"),
    updatedAt: new Date("2026-11-02T03:00:00Z"),
    household: { address: "幸福路 1号", headName: null, regionId: "r1", regionCode: "V1", regionPath: "/V1/", regionName: { "zh-CN": "东村", en: "East Village" }, officerId: "o1" },
  };

  it("has the documented columns in order, labels in the language, and no phone number", () => {
    expect(VISIT_EXPORT_KEYS).toEqual(["visit_id", "visited_at", "officer_id", "officer", "village_code", "village", "address", "head", "leaflet", "tips", "survey", "response_id", "notes", "recorded_at", "edited_at"]);
    expect(visitCells(visit, "en")).toEqual(["v1", visit.visitedAt, "o1", "王警官", "V1", "East Village", "幸福路 1号", null, "no", "telecom-fraud, night-locks", "Nobody home", null, "=HYPERLINK(\"x\")", visit.createdAt, visit.updatedAt]);
    expect(visitCells({ ...visit, handedOver: { leaflet: true, tips: [] }, survey: "interview" }, "zh-TW").slice(5, 11)).toEqual(["东村", "幸福路 1号", null, "是", "", "當場代填問卷"]);
  });
});

describe("the export's period", () => {
  it("reads a date as the office day: --since from its midnight, --until to the next midnight", () => {
    expect(periodBound("2026-11-02", "Asia/Shanghai", false, "--since").toISOString()).toBe("2026-11-01T16:00:00.000Z");
    expect(periodBound("2026-11-02", "Asia/Shanghai", true, "--until").toISOString()).toBe("2026-11-02T16:00:00.000Z");
    // Across the month's end, and across Berlin's change from summer time (25 October 2026).
    expect(periodBound("2026-11-30", "Asia/Shanghai", true, "--until").toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(periodBound("2026-10-25", "Europe/Berlin", true, "--until").toISOString()).toBe("2026-10-25T23:00:00.000Z");
    // A time is taken as written.
    expect(periodBound("2026-11-02T08:00+08:00", "Asia/Shanghai", true, "--until").toISOString()).toBe("2026-11-02T00:00:00.000Z");
    expect(() => periodBound("soon", "Asia/Shanghai", false, "--since")).toThrow(/--since: not a date: soon/);
  });
});
