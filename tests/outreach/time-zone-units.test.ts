/**
 * Office time where residents and staff read it outside the dashboard: "My cases" dates near
 * midnight, the times of staff replies (broadcast lists, the CLI's --at), and exports (CSV, JSON
 * lines with the office's offset; XLSX cells showing the office's wall clock). Pure: no database.
 */
import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import type { CaseWithLatest } from "../../core/model/index.js";
import { formatDay, myCasesText } from "../../core/outreach/cases.js";
import { formatTime, parseWhen } from "../../core/outreach/broadcast-format.js";
import { writeExport, type ExportTable } from "../../core/admin/export-writers.js";
import { parseSince } from "../../core/admin/staff-commands.js";

/** A case reported at `createdAt` with no update yet. */
function kase(createdAt: string): CaseWithLatest {
  return { id: "c1", code: "A1B2", reporterId: "r1", officerId: null, regionId: null, title: "Street light out", status: "received", rating: null, createdAt: new Date(createdAt), closedAt: null, latest: null };
}

describe("case dates near midnight", () => {
  // 00:30 on 8 December in Shanghai is still 7 December in UTC and in New York.
  const lateNight = "2026-12-07T16:30:00.000Z";

  it("are the office's day", () => {
    expect(formatDay(new Date(lateNight), "Asia/Shanghai")).toBe("2026-12-08");
    expect(formatDay(new Date(lateNight), "America/New_York")).toBe("2026-12-07");
    expect(formatDay(new Date("2026-12-07T15:59:00.000Z"), "Asia/Shanghai")).toBe("2026-12-07");
  });

  it("in My cases, default Asia/Shanghai", () => {
    expect(myCasesText("en", "r1", [kase(lateNight)])).toContain("Status: received (2026-12-08)");
    expect(myCasesText("en", "r1", [kase(lateNight)], "Asia/Shanghai")).toContain("(2026-12-08)");
    expect(myCasesText("en", "r1", [kase(lateNight)], "Europe/Berlin")).toContain("(2026-12-07)");
  });
});

describe("staff times", () => {
  it("the CLI's --at and broadcast lists read and show office time", () => {
    const now = new Date("2026-03-28T20:00:00.000Z");
    expect(parseWhen("2026-03-30 09:00", now, "Asia/Shanghai")?.toISOString()).toBe("2026-03-30T01:00:00.000Z");
    expect(parseWhen("2026-03-30 09:00", now, "Europe/Berlin")?.toISOString()).toBe("2026-03-30T07:00:00.000Z");
    expect(formatTime(new Date("2026-03-30T07:00:00.000Z"), "Europe/Berlin")).toBe("2026-03-30 09:00");
    expect(formatTime(new Date("2026-03-30T01:00:00.000Z"))).toBe("2026-03-30 09:00");
  });

  it("/suggestions since a date means from the office's midnight", () => {
    const now = new Date("2026-12-08T00:00:00.000Z");
    expect(parseSince("2026-12-01", now)?.toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(parseSince("2026-12-01", now, "America/New_York")?.toISOString()).toBe("2026-12-01T05:00:00.000Z");
    expect(parseSince("7d", now)?.toISOString()).toBe("2026-12-01T00:00:00.000Z");
  });
});

describe("exports", () => {
  const nine = new Date("2026-12-08T01:00:00.000Z"); // 09:00 in Shanghai, 02:00 in Berlin
  const table = (): ExportTable => ({ name: "times", columns: [{ key: "at", header: "At" }, { key: "n", header: "N" }], rows: [[nine, 1]] });

  async function written(format: "csv" | "json" | "xlsx", timeZone?: string): Promise<Buffer> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on("data", (chunk: Buffer) => chunks.push(chunk));
    await writeExport([table()], format, out, timeZone ? { timeZone } : {});
    return Buffer.concat(chunks);
  }

  it("CSV and JSON lines write ISO 8601 with the office's offset", async () => {
    expect((await written("csv")).toString("utf8")).toBe("\uFEFFAt,N\r\n2026-12-08T09:00:00+08:00,1\r\n");
    expect((await written("csv", "Europe/Berlin")).toString("utf8")).toContain("2026-12-08T02:00:00+01:00,1");
    expect(JSON.parse((await written("json", "Asia/Shanghai")).toString("utf8"))).toEqual({ at: "2026-12-08T09:00:00+08:00", n: 1 });
    expect(JSON.parse((await written("json", "America/New_York")).toString("utf8"))).toEqual({ at: "2026-12-07T20:00:00-05:00", n: 1 });
  });

  it("XLSX date cells show the office's wall clock as a date and time", async () => {
    for (const [zone, hour] of [["Asia/Shanghai", 9], ["Europe/Berlin", 2]] as const) {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await written("xlsx", zone)) as unknown as Parameters<typeof workbook.xlsx.load>[0]);
      const cell = workbook.worksheets[0]!.getRow(2).getCell(1);
      // Excel has no zones: the cell holds the office's wall clock (exceljs reads it back as UTC fields).
      expect(cell.value).toBeInstanceOf(Date);
      const value = cell.value as Date;
      expect([value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCDate(), value.getUTCHours(), value.getUTCMinutes()], zone).toEqual([2026, 12, 8, hour, 0]);
      expect(cell.numFmt).toBe("yyyy-mm-dd hh:mm:ss");
    }
  });
});
