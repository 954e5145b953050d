/**
 * Builds XLSForm workbooks in memory with exceljs, so tests carry their forms as readable tables.
 */
import ExcelJS from "exceljs";

/** A sheet as rows of cells; the first row holds the column names. */
export type SheetRows = (string | number | boolean | null)[][];

/** The sheets of a test form (any extra sheet name is written as given). */
export interface FormSheets {
  survey: SheetRows;
  choices?: SheetRows;
  settings?: SheetRows;
  [sheet: string]: SheetRows | undefined;
}

/** The .xlsx bytes of a workbook with the given sheets, in the order given. */
export async function buildXlsx(sheets: FormSheets): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    if (!rows) continue;
    const sheet = workbook.addWorksheet(name);
    for (const row of rows) sheet.addRow(row.map((v) => (v === null ? undefined : v)));
  }
  const buffer = await workbook.xlsx.writeBuffer();
  return new Uint8Array(buffer as ArrayBuffer);
}
