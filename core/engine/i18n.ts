/**
 * Every bot string goes through here. One i18next instance, created synchronously at import from
 * the JSON files in locales/ (no file or network access), falling back to zh-CN.
 */
import i18next from "i18next";
import zhCN from "../../locales/zh-CN/bot.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/bot.json" with { type: "json" };
import en from "../../locales/en/bot.json" with { type: "json" };
import type { Lang } from "./types.js";

/** Dotted paths to the string leaves of a nested object type. */
type Leaves<T, Prefix extends string = ""> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

/** A key of locales/zh-CN/bot.json, e.g. "survey.thanks". */
export type BotKey = Leaves<typeof zhCN>;

/** Interpolation values ({{name}} in the strings). */
export type BotVars = Record<string, string | number>;

/** The locale resources, by language (also used by the locale consistency test). */
export const BOT_RESOURCES: Record<Lang, unknown> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const instance = i18next.createInstance();
void instance.init({
  resources: { "zh-CN": { bot: zhCN }, "zh-TW": { bot: zhTW }, en: { bot: en } },
  lng: "zh-CN",
  fallbackLng: "zh-CN",
  ns: ["bot"],
  defaultNS: "bot",
  initAsync: false,
  // Adapters escape for their platform; the engine produces plain text.
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** The string `key` in `lang`, with {{vars}} filled in. */
export function t(lang: Lang, key: BotKey, vars?: BotVars): string {
  return instance.t(key, { lng: lang, ...vars });
}
