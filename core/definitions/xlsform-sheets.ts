/**
 * Reads an .xlsx workbook (with exceljs) into plain sheets of text cells, keeping the sheet row
 * numbers and column letters so that the import report can point at cells.
 */
import ExcelJS from "exceljs";
import type { CellValue } from "exceljs";

/** A column of a sheet, from its header row. */
export interface SheetColumn {
  /** 1-based column number. */
  index: number;
  /** `A`, `B`, … `AA`. */
  letter: string;
  /** The header text, trimmed. */
  header: string;
}

/** A row below the header. */
export interface SheetRow {
  /** 1-based sheet row number. */
  number: number;
  /** Cell text by column number; empty cells are absent. */
  cells: Map<number, string>;
}

/** A worksheet as text. */
export interface TextSheet {
  /** The sheet name as written. */
  name: string;
  /** Row number of the header (the first row with content; normally 1). */
  headerRow: number;
  columns: SheetColumn[];
  /** Rows with at least one non-empty cell, in order. */
  rows: SheetRow[];
}

/** Column letters of a 1-based column number. */
export function columnLetter(index: number): string {
  let n = index;
  let out = "";
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** The text of a cell value, whatever kind it is (a formula gives its cached result). */
export function cellText(value: CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return value.toISOString();
  if ("richText" in value) return value.richText.map((part) => part.text).join("");
  if ("hyperlink" in value) return value.text;
  if ("formula" in value || "sharedFormula" in value) {
    const result = value.result;
    if (result === undefined) return "";
    if (typeof result === "object" && !(result instanceof Date)) return result.error;
    return cellText(result);
  }
  if ("error" in value) return value.error;
  return "";
}

/** Reads every worksheet of an .xlsx file's bytes. Throws on anything that is not .xlsx. */
export async function readWorkbook(bytes: Uint8Array): Promise<TextSheet[]> {
  const workbook = new ExcelJS.Workbook();
  // exceljs declares its own Buffer type; it hands the bytes to JSZip, which takes a Node Buffer.
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as Parameters<ExcelJS.Xlsx["load"]>[0];
  await workbook.xlsx.load(data);
  const sheets: TextSheet[] = [];
  workbook.eachSheet((worksheet) => {
    const rows: SheetRow[] = [];
    worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const cells = new Map<number, string>();
      row.eachCell({ includeEmpty: false }, (cell, colNumber) => {
        const text = cellText(cell.value);
        if (text.trim() !== "") cells.set(colNumber, text);
      });
      if (cells.size > 0) rows.push({ number: rowNumber, cells });
    });
    const header = rows.shift();
    const columns: SheetColumn[] = [];
    if (header) {
      for (const [index, text] of [...header.cells.entries()].sort((a, b) => a[0] - b[0])) {
        columns.push({ index, letter: columnLetter(index), header: text.trim() });
      }
    }
    sheets.push({ name: worksheet.name, headerRow: header?.number ?? 1, columns, rows });
  });
  return sheets;
}
