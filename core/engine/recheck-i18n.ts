/**
 * Strings of the survey re-check (locales/<lang>/recheck.json): what the resident is asked
 * (`dialogue.*`) and the notes the spot-check list shows staff (`notes.*`). A namespace of its
 * own, so the re-check grows without touching the bot's keys.
 */
import zhCN from "../../locales/zh-CN/recheck.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/recheck.json" with { type: "json" };
import en from "../../locales/en/recheck.json" with { type: "json" };
import type { Lang } from "./types.js";
import { createTranslator, type Leaves, type TextVars } from "../util/translator.js";

/** A key of locales/zh-CN/recheck.json, e.g. "dialogue.intro". */
export type RecheckKey = Leaves<typeof zhCN>;

/** The locale resources, by language (for the locale consistency test). */
export const RECHECK_RESOURCES: Record<Lang, unknown> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const translate = createTranslator<RecheckKey>("recheck", RECHECK_RESOURCES);

/** The re-check string `key` in `lang`, with {{vars}} filled in. */
export function recheckText(lang: Lang, key: RecheckKey, vars?: TextVars): string {
  return translate(lang, key, vars);
}
