/**
 * Admin strings (dashboard, exports, staff chat replies) in zh-CN, zh-TW and en, from
 * locales/<lang>/admin.json. Separate from the bot's resident strings so that the admin side can
 * grow without touching the dialogue engine's keys.
 */
import zhCN from "../../locales/zh-CN/admin.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/admin.json" with { type: "json" };
import en from "../../locales/en/admin.json" with { type: "json" };
import { isLang, type Lang } from "../engine/types.js";
import { createTranslator, type Leaves, type TextVars } from "../util/translator.js";

/** A key of locales/zh-CN/admin.json, e.g. "overview.rates". */
export type AdminKey = Leaves<typeof zhCN>;

/** The admin locale resources by language (the locale consistency test reads them). */
export const ADMIN_RESOURCES: Record<Lang, unknown> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const translate = createTranslator<AdminKey>("admin", ADMIN_RESOURCES);

/** The admin string `key` in `lang` (falling back to zh-CN), with {{vars}} filled in. */
export function at(lang: Lang, key: AdminKey, vars: TextVars = {}): string {
  return translate(lang, key, vars);
}

/** An optional admin string: undefined when the key does not exist (e.g. a measure name). */
export function atMaybe(lang: Lang, key: string): string | undefined {
  return isText(ADMIN_RESOURCES[lang], key) || isText(zhCN, key) ? translate(lang, key as AdminKey) : undefined;
}

/** Whether `key` leads to a string (not to a missing entry or a group of entries). */
function isText(resource: unknown, key: string): boolean {
  let node: unknown = resource;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string";
}

/** A supported language from anything (a resident's stored lang, a query parameter), else zh-CN. */
export function adminLang(value: unknown, fallback: Lang = "zh-CN"): Lang {
  return isLang(value) ? value : fallback;
}
