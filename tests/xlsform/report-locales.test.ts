/**
 * The import report in the admin's language: the locale tables agree, and a report (refused or
 * imported) reads in zh-CN and zh-TW with one line per item and a summary line.
 */
import { describe, expect, it } from "vitest";
import { formatReport, formatReportIn } from "../../core/definitions/xlsform.js";
import type { ImportReport } from "../../core/definitions/xlsform.js";
import { XLSFORM_REPORT_RESOURCES } from "../../core/definitions/xlsform-report-text.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import { expectSameKeysAndPlaceholders } from "../support/locale-keys.js";

const refused: ImportReport = {
  source: "form.xlsx",
  ok: false,
  items: [
    { outcome: "refused", sheet: "survey", row: 3, column: "required", cell: "D3", name: "home", message: "geopoint: locations are not collected in chat" },
    { outcome: "warning", sheet: "choices", column: "label::zh-TW", rows: [2, 3], message: "empty: the label is missing in zh-TW" },
    { outcome: "ignored", sheet: "workbook", message: "sheet 'notes' is not part of an XLSForm; ignored" },
  ],
  counts: { refused: 1, skipped: 0, ignored: 1, warning: 1, converted: 0 },
};

describe("xlsform report locales", () => {
  it.each(SUPPORTED_LANGS)("%s has the same keys and placeholders as zh-CN, none empty", (lang) => {
    expectSameKeysAndPlaceholders(XLSFORM_REPORT_RESOURCES[lang], XLSFORM_REPORT_RESOURCES["zh-CN"]);
  });

  it("reads in zh-CN: one line per item, a summary line", () => {
    expect(formatReportIn(refused, "zh-CN").split("\n")).toEqual([
      "以下各行的说明为英文原文。",
      "拒绝  survey 表第3行，required (D3) 'home': geopoint: locations are not collected in chat",
      "提醒  choices 表的“label::zh-TW”列（第2，3行）: empty: the label is missing in zh-TW",
      "忽略  工作簿: sheet 'notes' is not part of an XLSForm; ignored",
      "form.xlsx：拒绝导入（拒绝 1项，忽略 1项，提醒 1项）；请修改标为“拒绝”的各项后重新导入",
    ]);
  });

  it("reads in zh-TW, and in English exactly as formatReport", () => {
    const imported: ImportReport = { ...refused, ok: true, items: refused.items.slice(1), counts: { ...refused.counts, refused: 0 }, form: { id: "f", version: 2, languages: ["zh-TW", "en"], questions: 4, sections: 1 } };
    expect(formatReportIn(imported, "zh-TW").split("\n").at(-1)).toBe("form.xlsx：已匯入 f 第2版：4道題，1個部分，語言 zh-TW, en（忽略 1項，提醒 1項）");
    expect(formatReportIn(imported, "en")).toBe(formatReport(imported));
  });
});
