/** Strings of the staff-command layer (locales/<lang>/staff.json), through i18next. */
import zhCN from "../../locales/zh-CN/staff.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/staff.json" with { type: "json" };
import en from "../../locales/en/staff.json" with { type: "json" };
import type { Lang } from "../engine/types.js";
import { createTranslator, type TextVars } from "../util/translator.js";

/** A key of locales/zh-CN/staff.json. */
export type StaffKey = keyof typeof zhCN;

const translate = createTranslator<StaffKey>("staff", { "zh-CN": zhCN, "zh-TW": zhTW, en });

/** The staff string `key` in `lang`. */
export function staffText(lang: Lang, key: StaffKey, vars?: TextVars): string {
  return translate(lang, key, vars);
}
