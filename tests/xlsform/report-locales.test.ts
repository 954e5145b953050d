/**
 * The import report in the admin's language: the locale tables agree, every explanation is a
 * locale key translated in zh-CN and zh-TW, and a report (refused or imported) reads in zh-CN and
 * zh-TW with one line per item, grouped in workbook order, and a summary line, with no English
 * explanation; in English it is formatReport's text.
 */
import { describe, expect, it } from "vitest";
import { formatReport, formatReportIn, importXlsForm, XlsFormImportError } from "../../core/definitions/xlsform.js";
import type { ImportReport, ReportItem } from "../../core/definitions/xlsform.js";
import { XLSFORM_REPORT_RESOURCES } from "../../core/definitions/xlsform-report-text.js";
import { msg, renderMessage, type MessageParam, type ReportMessage } from "../../core/definitions/xlsform-messages.js";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import { expectSameKeysAndPlaceholders, localeLeaves } from "../support/locale-keys.js";
import { harmlessUnsupportedForm, refusedForm } from "./forms.js";
import { buildXlsx, type FormSheets } from "./workbook.js";

const item = (fields: Omit<ReportItem, "message">): ReportItem => ({ ...fields, message: renderMessage(fields.text, "en") });

const refused: ImportReport = {
  source: "form.xlsx",
  ok: false,
  items: [
    item({ outcome: "refused", sheet: "survey", row: 3, column: "required", cell: "D3", name: "home", text: msg("msg.skip_required_at", { type: "geopoint", why: msg("msg.type_location"), cell: "A3" }) }),
    item({ outcome: "warning", sheet: "choices", column: "label::zh-TW", rows: [2, 3], text: msg("msg.translation_empty", { column: "label", lang: "zh-TW", fallback: "zh-CN" }) }),
    item({ outcome: "ignored", sheet: "workbook", text: msg("msg.sheet_other", { sheet: "notes" }) }),
  ],
  counts: { refused: 1, skipped: 0, ignored: 1, warning: 1, converted: 0 },
};

/**
 * English prose: three words in a row. A translated text names columns, keywords and values one
 * at a time ("把 required 设为 no"), never in a sentence.
 */
const ENGLISH = /\b[A-Za-z]+ [a-z]+ [a-z]+\b/;

/** Parameters that quote another program's words (exceljs, the CSV reader, the regex matcher, the engine's validation). */
const QUOTED = new Set(["reason", "why", "issue"]);

/** The message with quoted text parameters blanked, nested messages included. */
function withoutQuotedText(message: ReportMessage): ReportMessage {
  const params: Record<string, MessageParam> = {};
  for (const [name, value] of Object.entries(message.params ?? {})) {
    if (typeof value === "string" && QUOTED.has(name)) params[name] = "…";
    else if (typeof value === "object" && "key" in value) params[name] = withoutQuotedText(value);
    else params[name] = value;
  }
  return { key: message.key, params };
}

async function reportOf(form: FormSheets): Promise<ImportReport> {
  try {
    return (await importXlsForm(await buildXlsx(form), { sourceName: "form.xlsx" })).report;
  } catch (error) {
    if (error instanceof XlsFormImportError) return error.report;
    throw error;
  }
}

describe("xlsform report locales", () => {
  it.each(SUPPORTED_LANGS)("%s has the same keys and placeholders as zh-CN, none empty", (lang) => {
    expectSameKeysAndPlaceholders(XLSFORM_REPORT_RESOURCES[lang], XLSFORM_REPORT_RESOURCES["zh-CN"]);
  });

  it("translates every explanation: no zh-CN or zh-TW message is English", () => {
    const en = localeLeaves(XLSFORM_REPORT_RESOURCES.en);
    for (const lang of ["zh-CN", "zh-TW"] as const) {
      for (const [key, text] of localeLeaves(XLSFORM_REPORT_RESOURCES[lang])) {
        if (!key.startsWith("msg.")) continue;
        // Only a message that is nothing but a quoted value (a reader's own error text) may match.
        const placeholdersOnly = text.replace(/\{\{\w+\}\}/g, "").trim() === "";
        if (!placeholdersOnly) expect(text, `${lang} ${key}`).not.toBe(en.get(key));
        expect(text, `${lang} ${key}`).not.toMatch(ENGLISH);
      }
    }
  });

  it("reads in zh-CN: one line per item, a summary line", () => {
    expect(formatReportIn(refused, "zh-CN").split("\n")).toEqual([
      "拒绝  survey 表第3行，required (D3) 'home'：geopoint：聊天中不收集位置，而表单要求每个人都回答；请把 required 设为 no（或给这一行加 relevant），或者把 A3 的题型改成聊天中能问的",
      "提醒  choices 表的“label::zh-TW”列（第2，3行）：空白：缺少 zh-TW 的 label，使用 zh-TW 的居民会看到 zh-CN 的 label",
      "忽略  工作簿：工作表“notes”不属于 XLSForm；已忽略",
      "form.xlsx：拒绝导入（拒绝 1项，忽略 1项，提醒 1项）；请修改标为“拒绝”的各项后重新导入",
    ]);
  });

  it("reads in zh-TW, and in English exactly as formatReport", () => {
    const imported: ImportReport = { ...refused, ok: true, items: refused.items.slice(1), counts: { ...refused.counts, refused: 0 }, form: { id: "f", version: 2, languages: ["zh-TW", "en"], questions: 4, sections: 1 } };
    expect(formatReportIn(imported, "zh-TW").split("\n")).toEqual([
      "提醒  choices 表的「label::zh-TW」欄（第2，3列）：空白：缺少 zh-TW 的 label，使用 zh-TW 的居民會看到 zh-CN 的 label",
      "忽略  活頁簿：工作表「notes」不屬於 XLSForm；已忽略",
      "form.xlsx：已匯入 f 第2版：4道題，1個部分，語言 zh-TW, en（忽略 1項，提醒 1項）",
    ]);
    expect(formatReportIn(imported, "en")).toBe(formatReport(imported));
    expect(formatReport(imported).split("\n")[0]).toBe(
      "warning    choices column 'label::zh-TW' (rows 2, 3): empty: the label is missing in zh-TW, so residents who read zh-TW see the zh-CN label",
    );
  });

  it.each([
    ["a form with harmless unsupported constructs", harmlessUnsupportedForm()],
    ["a refused form", refusedForm()],
  ])("%s: the zh-CN report has no English explanation line, and stays grouped", async (_, form) => {
    const report = await reportOf(form);
    for (const lang of ["zh-CN", "zh-TW"] as const) {
      const lines = formatReportIn(report, lang).split("\n");
      expect(lines).toHaveLength(report.items.length + 1);
      report.items.forEach((it, i) => {
        const explanation = renderMessage(it.text, lang);
        // What is left once the form's own words (names, headers, expressions, quoted values)
        // and other programs' words (a reader's error, the regex matcher's reason) are taken out.
        const own = renderMessage(withoutQuotedText(it.text), lang).replace(/'[^']*'|“[^”]*”|「[^」]*」|\$\{[^}]*\}/g, "");
        expect(own, `${lang}: ${lines[i]}`).not.toMatch(ENGLISH);
        expect(explanation, `${lang}: ${lines[i]}`).toMatch(/[\u4e00-\u9fff]/);
        expect(lines[i]).toContain(explanation.replace(/\s*[\r\n]+\s*/g, " "));
      });
    }
    // Grouped: workbook, then settings, survey and choices items, in that order.
    const order = { workbook: 0, settings: 1, survey: 2, choices: 3 };
    const sheets = report.items.map((i) => order[i.sheet]);
    expect(sheets).toEqual([...sheets].sort((a, b) => a - b));
  });
});
