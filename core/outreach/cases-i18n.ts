/** Strings of case feedback outside the dialogue engine (locales/<lang>/cases.json), through i18next. */
import i18next from "i18next";
import zhCN from "../../locales/zh-CN/cases.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/cases.json" with { type: "json" };
import en from "../../locales/en/cases.json" with { type: "json" };
import type { Lang } from "../engine/types.js";

/** A key of locales/zh-CN/cases.json. */
export type CaseKey = keyof typeof zhCN;

/** The locale resources, by language (for the locale consistency test). */
export const CASE_RESOURCES: Record<Lang, Record<string, string>> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const instance = i18next.createInstance();
void instance.init({
  resources: { "zh-CN": { cases: zhCN }, "zh-TW": { cases: zhTW }, en: { cases: en } },
  lng: "zh-CN",
  fallbackLng: "zh-CN",
  ns: ["cases"],
  defaultNS: "cases",
  initAsync: false,
  // Channels escape for their platform; these are plain texts.
  interpolation: { escapeValue: false },
});

/** The case string `key` in `lang`, with {{vars}} filled in. */
export function caseText(lang: Lang, key: CaseKey, vars?: Record<string, string | number>): string {
  return instance.t(key, { lng: lang, ...vars });
}
