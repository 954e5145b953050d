/**
 * Strings of the survey re-check (locales/<lang>/recheck.json): what the resident is asked
 * (`dialogue.*`) and the notes the spot-check list shows staff (`notes.*`). A namespace of its
 * own, so the re-check grows without touching the bot's keys. Created synchronously at import
 * from the JSON files (no I/O), falling back to zh-CN.
 */
import i18next from "i18next";
import zhCN from "../../locales/zh-CN/recheck.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/recheck.json" with { type: "json" };
import en from "../../locales/en/recheck.json" with { type: "json" };
import type { Lang } from "./types.js";

/** Dotted paths to the string leaves of a nested object type. */
type Leaves<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** A key of locales/zh-CN/recheck.json, e.g. "dialogue.intro". */
export type RecheckKey = Leaves<typeof zhCN>;

/** The locale resources, by language (for the locale consistency test). */
export const RECHECK_RESOURCES: Record<Lang, unknown> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const instance = i18next.createInstance();
void instance.init({
  resources: { "zh-CN": { recheck: zhCN }, "zh-TW": { recheck: zhTW }, en: { recheck: en } },
  lng: "zh-CN",
  fallbackLng: "zh-CN",
  ns: ["recheck"],
  defaultNS: "recheck",
  initAsync: false,
  // Adapters escape for their platform; these are plain texts.
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** The re-check string `key` in `lang`, with {{vars}} filled in. */
export function recheckText(lang: Lang, key: RecheckKey, vars?: Record<string, string | number>): string {
  return instance.t(key, { lng: lang, ...vars });
}
