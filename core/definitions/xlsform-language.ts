/**
 * XLSForm language names (`label::English (en)`, `label::中文 (zh-CN)`, `label::zh-TW`,
 * `label::Chinese (Simplified)`, `default_language`) mapped to the languages the bot speaks.
 */
import type { Lang } from "../engine/types.js";

/** Looks like a BCP 47 / ISO 639 code: `en`, `zh-CN`, `zh_Hant_TW`, `eng`. */
const CODE = /^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$/i;

/** Maps a language code; undefined for languages the bot does not speak. */
export function langFromCode(code: string): Lang | undefined {
  const c = code.trim().toLowerCase().replace(/_/g, "-");
  const [primary = ""] = c.split("-");
  if (primary === "zh" || primary === "zho" || primary === "chi" || primary === "cmn") {
    // Script beats region, as in the engine's normalizeLang: zh-Hant-CN is Traditional.
    if (/(^|-)hant(-|$)/.test(c)) return "zh-TW";
    if (/(^|-)hans(-|$)/.test(c)) return "zh-CN";
    if (/(^|-)(tw|hk|mo)(-|$)/.test(c)) return "zh-TW";
    return "zh-CN";
  }
  if (primary === "en" || primary === "eng") return "en";
  return undefined;
}

// Names people write instead of codes, compared after removing spaces and ASCII-folding brackets.
const NAMES: Record<string, Lang> = {
  english: "en",
  英文: "en",
  英语: "en",
  英語: "en",
  chinese: "zh-CN",
  mandarin: "zh-CN",
  "chinese(simplified)": "zh-CN",
  simplifiedchinese: "zh-CN",
  chinesesimplified: "zh-CN",
  中文: "zh-CN",
  简体中文: "zh-CN",
  "中文(简体)": "zh-CN",
  中文简体: "zh-CN",
  简体: "zh-CN",
  汉语: "zh-CN",
  普通话: "zh-CN",
  "chinese(traditional)": "zh-TW",
  traditionalchinese: "zh-TW",
  chinesetraditional: "zh-TW",
  繁體中文: "zh-TW",
  繁体中文: "zh-TW",
  "中文(繁體)": "zh-TW",
  "中文(繁体)": "zh-TW",
  中文繁體: "zh-TW",
  繁體: "zh-TW",
  繁体: "zh-TW",
  正體中文: "zh-TW",
};

/**
 * Maps an XLSForm language name: `English (en)` and `中文 (zh-CN)` by the code in brackets,
 * `zh-TW` as a code, `Chinese (Simplified)` and `English` by name. Undefined when it is none of
 * zh-CN, zh-TW, en (or unrecognisable).
 */
export function langFromName(name: string): Lang | undefined {
  const s = name.trim().normalize("NFKC");
  const bracket = /\(([^()]+)\)\s*$/.exec(s);
  const inBracket = bracket?.[1]?.trim();
  if (inBracket && CODE.test(inBracket)) return langFromCode(inBracket);
  if (CODE.test(s)) return langFromCode(s);
  const key = s.toLowerCase().replace(/\s+/g, "");
  return Object.hasOwn(NAMES, key) ? NAMES[key] : undefined;
}

// Characters that exist only in one of the two scripts (frequent in questionnaires).
const TRADITIONAL_ONLY = "這個們與國會時說對問題嗎認為從還後來經過學區務滿覺麼鄰報電話險歲車職業處愛樣幾";
const SIMPLIFIED_ONLY = "这个们与国会时说对问题吗认为从还后来经过学区务满觉么邻报电话险岁车职业处爱样几";

/**
 * Guesses the language of texts that carry no language name: Chinese (Traditional when its
 * Traditional-only characters outnumber the Simplified-only ones) or else English.
 */
export function guessLang(texts: readonly string[]): Lang {
  let cjk = 0;
  let traditional = 0;
  let simplified = 0;
  for (const text of texts) {
    for (const ch of text) {
      if (/\p{Script=Han}/u.test(ch)) cjk++;
      if (TRADITIONAL_ONLY.includes(ch)) traditional++;
      else if (SIMPLIFIED_ONLY.includes(ch)) simplified++;
    }
  }
  if (cjk === 0) return "en";
  return traditional > simplified ? "zh-TW" : "zh-CN";
}
