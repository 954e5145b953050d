/**
 * Exports stay flat in memory: 20,000 generated responses exported through the real
 * `anxin export` code in a child process, whose peak RSS (getrusage maxRSS, Node and the TypeScript
 * loader included) must stay under 200 MB. No timing is asserted; bench/export.ts measures the
 * same at 200,000 responses and prints the numbers.
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
});
