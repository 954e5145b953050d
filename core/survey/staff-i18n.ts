/** Strings of the staff-command layer (locales/<lang>/staff.json), through i18next. */
import i18next from "i18next";
import zhCN from "../../locales/zh-CN/staff.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/staff.json" with { type: "json" };
import en from "../../locales/en/staff.json" with { type: "json" };
import type { Lang } from "../engine/types.js";

/** A key of locales/zh-CN/staff.json. */
export type StaffKey = keyof typeof zhCN;

const instance = i18next.createInstance();
void instance.init({
  resources: { "zh-CN": { staff: zhCN }, "zh-TW": { staff: zhTW }, en: { staff: en } },
  lng: "zh-CN",
  fallbackLng: "zh-CN",
  ns: ["staff"],
  defaultNS: "staff",
  initAsync: false,
  interpolation: { escapeValue: false },
});

/** The staff string `key` in `lang`. */
export function staffText(lang: Lang, key: StaffKey, vars?: Record<string, string | number>): string {
  return instance.t(key, { lng: lang, ...vars });
}
