/**
 * Every bot string goes through here. One i18next instance, created synchronously at import from
 * the JSON files in locales/ (no file or network access), falling back to zh-CN.
 */
import zhCN from "../../locales/zh-CN/bot.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/bot.json" with { type: "json" };
import en from "../../locales/en/bot.json" with { type: "json" };
import type { Lang } from "./types.js";
import { createTranslator, type Leaves, type TextVars } from "../util/translator.js";

/** A key of locales/zh-CN/bot.json, e.g. "survey.thanks". */
export type BotKey = Leaves<typeof zhCN>;

/** Interpolation values ({{name}} in the strings). */
export type BotVars = TextVars;

/** The locale resources, by language (also used by the locale consistency test). */
export const BOT_RESOURCES: Record<Lang, unknown> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const translate = createTranslator<BotKey>("bot", { "zh-CN": zhCN, "zh-TW": zhTW, en });

/** The string `key` in `lang`, with {{vars}} filled in. */
export function t(lang: Lang, key: BotKey, vars?: BotVars): string {
  return translate(lang, key, vars);
}
