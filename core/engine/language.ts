/**
 * The language picker and typed language names ("/lang en", "English", "繁體", "中文").
 */
import { t } from "./i18n.js";
import { encodePayload } from "./payload.js";
import { pickIndex } from "./questions/common.js";
import { SUPPORTED_LANGS, normalizeLang } from "./types.js";
import type { Lang, OutMessage } from "./types.js";

/** Each language's name in that language, as the picker shows it. */
export const LANGUAGE_NAMES: Record<Lang, string> = { "zh-CN": "简体中文", "zh-TW": "繁體中文", en: "English" };

/** Other ways residents name a language. */
const ALIASES: Record<Lang, string[]> = {
  "zh-CN": ["简体", "簡體", "简体中文", "簡體中文", "中文", "普通话", "普通話", "汉语", "漢語", "chinese", "simplified", "simplified chinese", "zh", "zh-cn", "cn"],
  "zh-TW": ["繁体", "繁體", "繁体中文", "繁體中文", "正體", "正体", "traditional", "traditional chinese", "zh-tw", "zh-hk", "zh-hant", "tw", "hk"],
  en: ["英文", "英语", "英語", "english", "en", "eng"],
};

/** The language picker. */
export function languageMessage(lang: Lang): OutMessage {
  return {
    kind: "menu",
    text: t(lang, "language.title"),
    options: SUPPORTED_LANGS.map((l, i) => ({ key: String(i + 1), label: LANGUAGE_NAMES[l], payload: encodePayload({ op: "lang", lang: l }), lang: l })),
  };
}

/** A typed language choice: number in the picker, name, or code; undefined if none. */
export function parseLanguageChoice(text: string): Lang | undefined {
  const index = pickIndex(text, SUPPORTED_LANGS.map((l) => [LANGUAGE_NAMES[l], ...ALIASES[l]]));
  if (index >= 0) return SUPPORTED_LANGS[index];
  // Any other well-formed code: "en-GB", "zh_Hant_HK".
  const key = text.trim();
  if (/^(zh|en)([-_][A-Za-z]{2,4}){0,2}$/i.test(key)) return normalizeLang(key);
  return undefined;
}
