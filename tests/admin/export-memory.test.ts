/**
 * Exports stay flat in memory: 20,000 generated responses exported by `anxin export` run as a user
 * runs it, in a child process, whose peak RSS (getrusage maxRSS, Node and the TypeScript loader
 * included) must stay under RSS_LIMIT_MB (200 MB; see bench/export.ts). No timing is asserted;
 * bench/export.ts measures the same at 200,000 responses and prints the numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { generateSurveyDb, RSS_LIMIT_MB, runChildExport } from "../../bench/export.js";

const COUNT = 20_000;
let dir: string;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "anxin-export-memory-"));
  file = join(dir, "survey.db");
  await generateSurveyDb(file, COUNT);
}, 180_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe(`exports of ${COUNT.toLocaleString("en")} responses`, () => {
  it("write a CSV with a BOM and one row per response, under the RSS limit", async () => {
    const out = join(dir, "responses.csv");
    const run = await runChildExport(file, "responses", "csv", out);
    expect(run.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
    const text = readFileSync(out);
    expect([...text.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = text.toString("utf8").split("\r\n").filter((l) => l !== "");
    // Suggestions contain no line breaks, so lines = header + responses.
    expect(lines).toHaveLength(1 + COUNT);
  }, 120_000);

  it("write an XLSX that reads back with every row, under the RSS limit", async () => {
    const out = join(dir, "responses.xlsx");
    const run = await runChildExport(file, "responses", "xlsx", out);
    expect(run.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    const sheet = workbook.worksheets[0];
    expect(sheet?.actualRowCount).toBe(1 + COUNT);
    expect((sheet?.getRow(1).values as unknown[]).slice(1, 3)).toEqual(["问卷编号", "轮次"]);
  }, 180_000);

  it("write JSON lines under the RSS limit", async () => {
    const run = await runChildExport(file, "responses", "json", join(dir, "responses.jsonl"));
    expect(run.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
  }, 120_000);

  it("write the statistics workbook under the RSS limit: one sheet per table, every town", async () => {
    const out = join(dir, "stats.xlsx");
    const run = await runChildExport(file, "stats", "xlsx", out);
    expect(run.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(expect.arrayContaining(["总体", "分地区", "分渠道"]));
    const rowsOf = (name: string, measureId: string): Record<string, unknown>[] => {
      const sheet = workbook.getWorksheet(name);
      const header = Array.from((sheet?.getRow(1).values as unknown[]) ?? []);
      const rows: Record<string, unknown>[] = [];
      sheet?.eachRow((row, i) => {
        if (i === 1) return;
        const values = Array.from(row.values as unknown[]);
        const record = Object.fromEntries(header.map((h, k) => [String(h), values[k]]));
        if (record["指标编号"] === measureId) rows.push(record);
      });
      return rows;
    };
    // Every response of the generated wave counts: the base of the security rate is the completed
    // responses minus "don't know" (about 92 % × 5/6 of them), and the five towns add up to it.
    const [overall] = rowsOf("总体", "safety_overall.rate");
    const n = Number(overall?.["有效样本"]);
    expect(n).toBeGreaterThan(COUNT * 0.92 * 0.8);
    expect(n).toBeLessThan(COUNT * 0.92 * 0.86);
    const towns = rowsOf("分地区", "safety_overall.rate");
    expect(towns).toHaveLength(5);
    expect(towns.reduce((sum, t) => sum + Number(t["有效样本"]), 0)).toBe(n);
  }, 180_000);
});
