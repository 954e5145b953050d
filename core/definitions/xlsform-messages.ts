/**
 * The explanations of the XLSForm import report as locale keys with parameters (the `msg.*` keys
 * of locales/<lang>/xlsform.json), so that a report reads wholly in the admin's language. The
 * importer builds {@link ReportMessage}s; they are rendered when the report is printed. A
 * parameter may itself be a message (a reason inside an explanation), or a list of messages
 * joined with the language's list separator, rendered in the same language.
 */
import zhCN from "../../locales/zh-CN/xlsform.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/xlsform.json" with { type: "json" };
import en from "../../locales/en/xlsform.json" with { type: "json" };
import type { Lang } from "../engine/types.js";
import { createTranslator, type Leaves } from "../util/translator.js";

/** A key of locales/zh-CN/xlsform.json. */
export type XlsFormReportKey = Leaves<typeof zhCN>;

/** A key of an explanation (`msg.*`). */
export type XlsFormMessageKey = Extract<XlsFormReportKey, `msg.${string}`>;

/** The report's locale resources by language (the locale test reads them). */
export const XLSFORM_REPORT_RESOURCES: Record<Lang, unknown> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

/** A value for a placeholder: plain text or a number, a message, or a list of messages. */
export type MessageParam = string | number | ReportMessage | { list: readonly ReportMessage[] };

/** One explanation: a key and its placeholders' values. */
export interface ReportMessage {
  key: XlsFormMessageKey;
  params?: Readonly<Record<string, MessageParam>>;
}

/** Looks up a key of the xlsform namespace (frame and explanations). */
export const reportText = createTranslator<XlsFormReportKey>("xlsform", XLSFORM_REPORT_RESOURCES);

/** A message: `msg("msg.sheet_other", { sheet })`. */
export function msg(key: XlsFormMessageKey, params?: Readonly<Record<string, MessageParam>>): ReportMessage {
  return params ? { key, params } : { key };
}

/** Is this parameter a message (rather than text, a number or a list)? */
function isMessage(value: MessageParam): value is ReportMessage {
  return typeof value === "object" && "key" in value;
}

/** The message in `lang`, its nested messages rendered in the same language. */
export function renderMessage(message: ReportMessage, lang: Lang): string {
  const vars: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(message.params ?? {})) {
    if (typeof value === "string" || typeof value === "number") vars[name] = value;
    else if (isMessage(value)) vars[name] = renderMessage(value, lang);
    else vars[name] = value.list.map((m) => renderMessage(m, lang)).join(reportText(lang, "list_separator"));
  }
  return reportText(lang, message.key, vars);
}
