/** Strings of case feedback outside the dialogue engine (locales/<lang>/cases.json), through i18next. */
import zhCN from "../../locales/zh-CN/cases.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/cases.json" with { type: "json" };
import en from "../../locales/en/cases.json" with { type: "json" };
import type { Lang } from "../engine/types.js";
import { createTranslator, type TextVars } from "../util/translator.js";

/** A key of locales/zh-CN/cases.json. */
export type CaseKey = keyof typeof zhCN;

/** The locale resources, by language (for the locale consistency test). */
export const CASE_RESOURCES: Record<Lang, Record<string, string>> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const translate = createTranslator<CaseKey>("cases", CASE_RESOURCES);

/** The case string `key` in `lang`, with {{vars}} filled in. */
export function caseText(lang: Lang, key: CaseKey, vars?: TextVars): string {
  return translate(lang, key, vars);
}
