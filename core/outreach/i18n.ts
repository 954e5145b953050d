/** Strings of outreach (locales/<lang>/outreach.json), through a small i18next instance of their own. */
import i18next from "i18next";
import zhCN from "../../locales/zh-CN/outreach.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/outreach.json" with { type: "json" };
import en from "../../locales/en/outreach.json" with { type: "json" };
import type { Lang } from "../engine/types.js";

/** A key of locales/zh-CN/outreach.json. */
export type OutreachKey = keyof typeof zhCN;

/** The resources, for the test that checks every language has every key. */
export const OUTREACH_RESOURCES: Record<Lang, Record<string, string>> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const instance = i18next.createInstance();
void instance.init({
  resources: { "zh-CN": { outreach: zhCN }, "zh-TW": { outreach: zhTW }, en: { outreach: en } },
  lng: "zh-CN",
  fallbackLng: "zh-CN",
  ns: ["outreach"],
  defaultNS: "outreach",
  initAsync: false,
  // Keys are flat ("compose.menu"): the dots are part of the name, not a path.
  keySeparator: false,
  nsSeparator: false,
  interpolation: { escapeValue: false },
});

/** The outreach string `key` in `lang`. */
export function outreachText(lang: Lang, key: OutreachKey, vars?: Record<string, string | number>): string {
  return instance.t(key, { lng: lang, ...vars });
}
