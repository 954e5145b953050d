/**
 * Turns the bytes of an uploaded or given region file into rows: an Excel workbook (.xlsx, read
 * with exceljs as the XLSForm import does) is told from CSV by its first bytes, not by its name,
 * so a renamed file still reads; anything else must be UTF-8 text (a byte order mark is fine).
 * Never throws on bad input: an empty file, binary garbage, an old .xls or a broken workbook
 * each come back as an issue.
 */
import type { TextSheet } from "../definitions/xlsform-sheets.js";
import { parseCsv } from "./csv.js";
import { issue, type RegionIssue } from "./issues.js";
import { regionRows, type RawTable, type RegionRow } from "./rows.js";

/** The rows of a file, or what keeps it from being read. */
export interface ReadRegions {
  rows: RegionRow[];
  issues: RegionIssue[];
}

const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => bytes[i] === b);

/** A zip archive (what .xlsx is). */
const ZIP = [0x50, 0x4b, 0x03, 0x04];
/** An OLE compound file (what the old .xls is). */
const OLE = [0xd0, 0xcf, 0x11, 0xe0];

/** Reads a region file's bytes (CSV or XLSX). */
export async function readRegionFile(bytes: Uint8Array): Promise<ReadRegions> {
  if (bytes.length === 0) return { rows: [], issues: [issue(null, "file_empty")] };
  if (startsWith(bytes, ZIP)) return fromTable(await xlsxTable(bytes));
  if (startsWith(bytes, OLE)) return { rows: [], issues: [issue(null, "file_xls")] };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { rows: [], issues: [issue(null, "file_not_text")] };
  }
  return readRegionCsv(text);
}

/** Reads CSV text (the BOM, if any, is dropped). */
export function readRegionCsv(text: string): ReadRegions {
  // NUL never occurs in text: this is a binary file that happens to be valid UTF-8.
  if (text.includes("\u0000")) return { rows: [], issues: [issue(null, "file_not_text")] };
  const parsed = parseCsv(text);
  if (!parsed.ok) return { rows: [], issues: [issue(parsed.unclosedQuoteLine, "csv_unclosed_quote")] };
  const [header, ...rest] = parsed.records.filter((r) => r.fields.some((f) => f.trim() !== ""));
  if (!header) return { rows: [], issues: [issue(null, "file_empty")] };
  return fromTable({ headerLine: header.line, header: header.fields, rows: rest.map((r) => ({ line: r.line, cells: r.fields })) });
}

function fromTable(table: RawTable | RegionIssue): ReadRegions {
  if ("key" in table) return { rows: [], issues: [table] };
  return regionRows(table);
}

/** The sheet to import: the first whose header names a `code` column, else the first with anything in it. */
function pickSheet(sheets: readonly TextSheet[]): TextSheet | undefined {
  const used = sheets.filter((s) => s.columns.length > 0);
  return used.find((s) => s.columns.some((c) => c.header.toLowerCase() === "code")) ?? used[0];
}

async function xlsxTable(bytes: Uint8Array): Promise<RawTable | RegionIssue> {
  let sheets: TextSheet[];
  try {
    // Loaded only for a workbook: exceljs costs ~20 MB in every process that merely could import one.
    const { readWorkbook } = await import("../definitions/xlsform-sheets.js");
    sheets = await readWorkbook(bytes);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0]?.slice(0, 200) ?? "";
    return issue(null, "xlsx_unreadable", { reason });
  }
  const sheet = pickSheet(sheets);
  if (!sheet) return issue(null, "xlsx_no_sheet");
  const width = Math.max(0, ...sheet.columns.map((c) => c.index));
  const header = Array.from({ length: width }, () => "");
  for (const c of sheet.columns) header[c.index - 1] = c.header;
  return {
    headerLine: sheet.headerRow,
    header,
    rows: sheet.rows.map((r) => ({ line: r.number, cells: Array.from({ length: width }, (_, i) => r.cells.get(i + 1) ?? "") })),
  };
}
