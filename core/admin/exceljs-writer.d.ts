// exceljs' streaming workbook writer on its own: importing only it saves ~11 MB of memory over
// the package's index, which loads the whole library (readers, formulas, the browser shims).
declare module "exceljs/lib/stream/xlsx/workbook-writer.js" {
  const WorkbookWriter: typeof import("exceljs").stream.xlsx.WorkbookWriter;
  export default WorkbookWriter;
}
