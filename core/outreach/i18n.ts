/** Strings of outreach (locales/<lang>/outreach.json), through a small i18next instance of their own. */
import zhCN from "../../locales/zh-CN/outreach.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/outreach.json" with { type: "json" };
import en from "../../locales/en/outreach.json" with { type: "json" };
import type { Lang } from "../engine/types.js";
import { createTranslator, type TextVars } from "../util/translator.js";

/** A key of locales/zh-CN/outreach.json. */
export type OutreachKey = keyof typeof zhCN;

/** The resources, for the test that checks every language has every key. */
export const OUTREACH_RESOURCES: Record<Lang, Record<string, string>> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

// Keys are flat ("compose.menu"): the dots are part of the name, not a path.
const translate = createTranslator<OutreachKey>("outreach", OUTREACH_RESOURCES, { flatKeys: true });

/** The outreach string `key` in `lang`. */
export function outreachText(lang: Lang, key: OutreachKey, vars?: TextVars): string {
  return translate(lang, key, vars);
}
