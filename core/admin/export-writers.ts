/**
 * Streaming export writers: CSV (UTF-8 with BOM, so that Excel opens Chinese text intact),
 * XLSX (exceljs' streaming WorkbookWriter, one sheet per table) and JSON lines. Rows arrive as
 * async iterables and leave as soon as they are formatted, waiting for the output to drain, so
 * memory stays flat whatever the number of rows.
 */
import { once } from "node:events";
import { PassThrough, type Writable } from "node:stream";
import { collectGarbage as collect, GC_EVERY } from "./memory.js";
import type ExcelJS from "exceljs";
import { DEFAULT_OFFICE_TIME_ZONE, formatIsoInZone, zoneOffsetMinutes } from "../util/time-zone.js";

/**
 * One cell value. Dates are written as ISO 8601 with the office's offset (CSV, JSON:
 * "2026-12-08T09:00:00+08:00") or as Excel date-times showing office time (XLSX).
 */
export type Cell = string | number | boolean | Date | null;

/** A column: a stable key (JSON field name) and a header in the admin's language. */
export interface Column {
  key: string;
  header: string;
}

/** A table to export: rows are arrays in column order. */
export interface ExportTable {
  /** Sheet name (XLSX) and `table` field (JSON lines, when several tables). */
  name: string;
  columns: Column[];
  rows: AsyncIterable<Cell[]> | Iterable<Cell[]>;
}

/** The export formats. */
export type ExportFormat = "csv" | "xlsx" | "json";

/** The export formats, for option validation. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ["csv", "xlsx", "json"];

/** MIME type and file extension of a format. */
export function formatInfo(format: ExportFormat): { contentType: string; extension: string } {
  switch (format) {
    case "csv":
      return { contentType: "text/csv; charset=utf-8", extension: "csv" };
    case "xlsx":
      return { contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", extension: "xlsx" };
    case "json":
      return { contentType: "application/x-ndjson; charset=utf-8", extension: "jsonl" };
  }
}

/** Options of {@link writeExport}. */
export interface WriteOptions {
  /** Called after every row written (progress bars). */
  onRow?: () => void;
  /** The office's time zone (IANA name) dates are written in; default Asia/Shanghai. */
  timeZone?: string;
}

/** The UTF-8 byte order mark that makes Excel read a CSV as UTF-8. */
export const UTF8_BOM = "\uFEFF";

/**
 * Neutralises spreadsheet formulas in text a resident typed ("=HYPERLINK(…)"): a leading
 * =, +, -, @, tab or carriage return gets a leading apostrophe (OWASP's CSV-injection advice).
 */
export function defuse(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function csvCell(cell: Cell, zone: string): string {
  if (cell === null) return "";
  if (cell instanceof Date) return formatIsoInZone(cell, zone);
  if (typeof cell === "number") return Number.isFinite(cell) ? String(cell) : "";
  if (typeof cell === "boolean") return cell ? "true" : "false";
  const text = defuse(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, "drain");
}

const BATCH = 100;

async function writeCsv(tables: readonly ExportTable[], out: Writable, options: WriteOptions): Promise<number> {
  const zone = options.timeZone ?? DEFAULT_OFFICE_TIME_ZONE;
  let rows = 0;
  let buffer = UTF8_BOM;
  let lastHeader: string | undefined;
  for (const table of tables) {
    const header = table.columns.map((c) => csvCell(c.header, zone)).join(",");
    // Tables with the same columns continue one CSV table; others start a new block.
    if (header !== lastHeader) {
      if (lastHeader !== undefined) buffer += "\r\n";
      buffer += `${header}\r\n`;
      lastHeader = header;
    }
    let pending = 0;
    for await (const row of table.rows) {
      buffer += `${row.map((cell) => csvCell(cell, zone)).join(",")}\r\n`;
      rows += 1;
      options.onRow?.();
      if (rows % GC_EVERY === 0) collect();
      if (++pending >= BATCH) {
        await write(out, buffer);
        buffer = "";
        pending = 0;
      }
    }
  }
  if (buffer !== "") await write(out, buffer);
  return rows;
}

function jsonValue(cell: Cell, zone: string): string | number | boolean | null {
  if (cell instanceof Date) return formatIsoInZone(cell, zone);
  if (typeof cell === "number" && !Number.isFinite(cell)) return null;
  return cell;
}

async function writeJsonLines(tables: readonly ExportTable[], out: Writable, options: WriteOptions): Promise<number> {
  const zone = options.timeZone ?? DEFAULT_OFFICE_TIME_ZONE;
  let rows = 0;
  let buffer = "";
  let pending = 0;
  for (const table of tables) {
    for await (const row of table.rows) {
      const object: Record<string, string | number | boolean | null> = tables.length > 1 ? { table: table.name } : {};
      table.columns.forEach((column, i) => {
        object[column.key] = jsonValue(row[i] ?? null, zone);
      });
      buffer += `${JSON.stringify(object)}\n`;
      rows += 1;
      options.onRow?.();
      if (rows % GC_EVERY === 0) collect();
      if (++pending >= BATCH) {
        await write(out, buffer);
        buffer = "";
        pending = 0;
      }
    }
  }
  if (buffer !== "") await write(out, buffer);
  return rows;
}

/** A valid, unique Excel sheet name (≤ 31 characters, none of []:*?/\). */
function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, " ").slice(0, 31).trim() || "Sheet";
  let candidate = base;
  for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${base.slice(0, 28)} ${i}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

/** How XLSX date cells read: office date and time (Excel's own default shows the date only). */
const XLSX_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss";

function xlsxCell(cell: Cell, zone: string): ExcelJS.CellValue {
  if (typeof cell === "string") return defuse(cell);
  // Excel date-times have no zone and exceljs writes a Date's UTC fields: shift it by the office's
  // offset at that instant, so the cell shows the office's wall clock (as the CSV does).
  if (cell instanceof Date) return new Date(cell.getTime() + zoneOffsetMinutes(zone, cell) * 60_000);
  if (typeof cell === "number" && !Number.isFinite(cell)) return null;
  return cell;
}

/**
 * Waits until the zip archiver has taken the committed rows. exceljs' sheet stream (an internal
 * StreamBuf) writes into the archiver's entry stream without looking at backpressure, so without
 * this a large sheet piles up in that stream's write buffer while zlib catches up (measured:
 * +110 MB for 200,000 rows). The entry stream is a readable-stream v2 PassThrough: its buffered
 * length is in `_writableState`, and it emits "drain" once it has room again.
 */
async function settle(sheet: unknown, out: Writable): Promise<void> {
  const buffer = (sheet as { stream?: { pipes?: unknown[] } }).stream;
  for (const destination of buffer?.pipes ?? []) {
    const entry = destination as { _writableState?: { length?: number }; once?: unknown };
    if ((entry._writableState?.length ?? 0) > 1 << 20 && typeof entry.once === "function") await once(destination as Writable, "drain");
  }
  if (out.writableNeedDrain) await once(out, "drain");
}

async function writeXlsx(tables: readonly ExportTable[], out: Writable, options: WriteOptions): Promise<number> {
  const zone = options.timeZone ?? DEFAULT_OFFICE_TIME_ZONE;
  // Only XLSX exports load exceljs, and only its streaming writer (memory: bench/export.ts).
  const { default: WorkbookWriter } = await import("exceljs/lib/stream/xlsx/workbook-writer.js");
  // exceljs pipes its zip into the stream it is given and waits for that stream's "finish".
  // Node's pipe() never ends process.stdout, so handed stdout (redirected to a file or a pipe)
  // the commit would wait forever and the CLI would exit 13 (unsettled top-level await). Hand it
  // a PassThrough of our own instead, which pipe() does end, and forward that to `out` (with
  // backpressure, leaving `out` open): writeExport ends `out` the same way for every format.
  const sink = new PassThrough();
  sink.pipe(out, { end: false });
  const forwarded = once(sink, "end");
  const workbook = new WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
  const taken = new Set<string>();
  let rows = 0;
  for (const table of tables) {
    const sheet = workbook.addWorksheet(sheetName(table.name, taken), { views: [{ state: "frozen", ySplit: 1 }] });
    sheet.columns = table.columns.map((c) => ({ header: c.header, key: c.key, width: Math.min(60, Math.max(10, c.header.length * 2)) }));
    sheet.getRow(1).font = { bold: true };
    sheet.getRow(1).commit();
    let pending = 0;
    for await (const row of table.rows) {
      const added = sheet.addRow(row.map((cell) => xlsxCell(cell, zone)));
      row.forEach((cell, i) => {
        if (cell instanceof Date) added.getCell(i + 1).numFmt = XLSX_DATE_FORMAT;
      });
      added.commit();
      rows += 1;
      options.onRow?.();
      if (rows % GC_EVERY === 0) collect();
      if (++pending >= BATCH) {
        pending = 0;
        // Committed rows go through exceljs' zip stream and zlib (thread pool) before they reach
        // `out`. Rows from SQLite arrive without ever leaving the microtask queue, so give the
        // event loop a turn, or the whole workbook would pile up in memory before any of it is
        // compressed and written.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await settle(sheet, sink);
      }
    }
    sheet.commit();
  }
  await workbook.commit();
  await forwarded;
  return rows;
}

/**
 * Writes tables to `out` in a format, ends `out` and waits until it has finished (a file, a
 * pipe or process.stdout alike). Returns the number of data rows written.
 */
export async function writeExport(tables: readonly ExportTable[], format: ExportFormat, out: Writable, options: WriteOptions = {}): Promise<{ rows: number }> {
  let rows: number;
  switch (format) {
    case "csv":
      rows = await writeCsv(tables, out, options);
      break;
    case "json":
      rows = await writeJsonLines(tables, out, options);
      break;
    case "xlsx":
      rows = await writeXlsx(tables, out, options);
      break;
  }
  out.end();
  await finished(out);
  return { rows };
}

async function finished(out: Writable): Promise<void> {
  if (out.writableFinished) return;
  await once(out, "finish");
}
