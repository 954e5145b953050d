/**
 * Normalizing what residents type: full-width characters, Chinese numerals, stray punctuation.
 * Residents type on phone keyboards in Chinese input mode, so "２", "二", "第二个" and "2." must
 * all mean 2.
 */

/** Longest input the parsers look at; anything longer is cut (answers are short anyway). */
export const MAX_PARSED_INPUT = 4000;

/** Half of a UTF-16 surrogate pair without its other half: it has no UTF-8 form to be stored in. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` with every lone surrogate replaced by U+FFFD. A client can send one as a JSON escape
 * ("\uD800") and cutting a string at a fixed length can make one; either would reach the
 * database as invalid UTF-8 (or be silently mangled by the driver) and be echoed back broken.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

/**
 * Characters that are invisible and only get in the way of matching: control characters, zero-
 * width spaces, word joiners and byte-order marks pasted along with text. A zero-width joiner is
 * one of them too, except inside an emoji sequence (👮‍♀️, 👨‍👩‍👧, 🏳️‍🌈), where it is part of the
 * character the resident chose: it is kept between an emoji (or its skin tone or presentation
 * selector) and the next emoji. Tab, newline and carriage return are left to the callers.
 */
const INVISIBLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\u200c\u2060\ufeff]|(?<![\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200d|\u200d(?!\p{Extended_Pictographic})/gu;

/**
 * NFKC (full-width → half-width, compatibility forms), unify dashes, collapse whitespace, trim.
 * Case is kept (free-text answers keep what was written).
 */
export function cleanText(raw: string): string {
  const cut = raw.length > MAX_PARSED_INPUT ? raw.slice(0, MAX_PARSED_INPUT) : raw;
  return wellFormed(cut)
    .normalize("NFKC")
    .replace(INVISIBLE, "")
    .replace(/[\u2010-\u2015\u2212\u301c~]/g, "-")
    .replace(/[ \t\u00a0\u3000]+/g, " ")
    .trim();
}

/**
 * Lowercased, without spaces, punctuation and symbols: for matching a typed text against labels.
 * An emoji's joiners and presentation selectors go with it, as they are not symbols themselves.
 */
export function matchKey(text: string): string {
  return cleanText(text)
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}\p{Cf}\uFE00-\uFE0F]+/gu, "");
}

const DIGITS: Record<string, number> = {
  零: 0, 〇: 0, 一: 1, 壹: 1, 幺: 1, 二: 2, 两: 2, 兩: 2, 贰: 2, 貳: 2, 三: 3, 叁: 3, 參: 3, 四: 4, 肆: 4,
  五: 5, 伍: 5, 六: 6, 陆: 6, 陸: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9,
};
const SMALL_UNITS: Record<string, number> = { 十: 10, 拾: 10, 百: 100, 佰: 100, 千: 1000, 仟: 1000 };
const BIG_UNITS: Record<string, number> = { 万: 10_000, 萬: 10_000, 亿: 100_000_000, 億: 100_000_000 };

/**
 * Parses a non-negative Chinese integer ("十二", "一百零五", "两千", "二〇二四", "3万") ;
 * undefined when `text` is not one.
 */
export function parseChineseInteger(text: string): number | undefined {
  if (text === "" || text.length > 20) return undefined;
  // Digit-by-digit form: "二〇二四", "一九"
  if ([...text].every((c) => DIGITS[c] !== undefined) && text.length > 1 && !/^[两兩]/.test(text)) {
    return Number([...text].map((c) => DIGITS[c]).join(""));
  }
  let total = 0;
  let section = 0;
  let digit: number | undefined;
  let sawAny = false;
  for (const c of text) {
    const d = DIGITS[c] ?? (/[0-9]/.test(c) ? Number(c) : undefined);
    if (d !== undefined) {
      // Two digits in a row outside the digit-by-digit form ("一一百") is not a number.
      if (digit !== undefined && digit !== 0 && d !== 0) return undefined;
      digit = d;
      sawAny = true;
      continue;
    }
    const small = SMALL_UNITS[c];
    if (small !== undefined) {
      section += (digit ?? 1) * small; // "十二": 十 alone means 10
      digit = undefined;
      sawAny = true;
      continue;
    }
    const big = BIG_UNITS[c];
    if (big !== undefined && sawAny) {
      total += (section + (digit ?? 0)) * big;
      section = 0;
      digit = undefined;
      continue;
    }
    return undefined;
  }
  if (!sawAny) return undefined;
  return total + section + (digit ?? 0);
}

/**
 * Parses an ordinal the resident may type to pick option N: "2", "２", "二", "第二个", "第2项",
 * "选2", "2号", "2.", "(2)". Undefined when it is not one.
 */
export function parseOrdinal(raw: string): number | undefined {
  let s = cleanText(raw).toLowerCase();
  s = s.replace(/^[(\[（【]\s*(.+?)\s*[)\]）】]$/, "$1");
  s = s.replace(/^(第|选|選|选择|選擇|no\.?|#)\s*/, "");
  s = s.replace(/\s*(个|個|项|項|号|號|种|種|条|條|题|題|个选项|個選項)?\s*[.。、,，:：!！]*$/, "");
  if (/^[0-9]{1,3}$/.test(s)) return Number(s);
  const n = parseChineseInteger(s);
  return n !== undefined && n <= 999 ? n : undefined;
}

/** Units residents add after a number ("65岁", "3次"); stripped before parsing. */
const NUMBER_UNITS = /\s*(周岁|週歲|岁|歲|次|个|個|人|口|年|天|元|块|塊|years?\s*old|years?|yrs?|times?)$/i;

/**
 * Parses a typed number: "65", "６５", "65岁", "六十五", "-3", "负三", "3.5", "三点五", "1,000".
 * Undefined when the text is not a number.
 */
export function parseNumberText(raw: string): number | undefined {
  let s = cleanText(raw).replace(/[.。!！]+$/, "").replace(NUMBER_UNITS, "").trim();
  let sign = 1;
  if (/^[-负負]/.test(s)) {
    sign = -1;
    s = s.slice(1).trim();
  } else if (s.startsWith("+")) s = s.slice(1).trim();
  if (/^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$/.test(s)) s = s.replace(/,/g, "");
  if (/^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(s)) {
    const n = Number(s);
    return Number.isFinite(n) ? sign * n : undefined;
  }
  const point = s.search(/[点點]/);
  if (point > 0) {
    const whole = parseChineseInteger(s.slice(0, point));
    const frac = [...s.slice(point + 1)].map((c) => DIGITS[c] ?? (/[0-9]/.test(c) ? Number(c) : undefined));
    if (whole === undefined || frac.length === 0 || frac.some((d) => d === undefined)) return undefined;
    return sign * Number(`${whole}.${frac.join("")}`);
  }
  const n = parseChineseInteger(s);
  return n === undefined ? undefined : sign * n;
}

const LIST_SEPARATOR = /(\s*(?:[\s,，、;；/|]|和|及|与|與|\band\b|&|\+)\s*)/;

/**
 * Splits a typed list of picks: "1 3 5", "1,3,5", "1、3、5", "1，3，5", "盗窃和诈骗".
 * Returns the non-empty parts.
 */
export function splitList(raw: string): string[] {
  return splitListKeepingSeparators(raw).filter((_, i) => i % 2 === 0).filter((p) => p !== "");
}

/**
 * Like {@link splitList} but keeps the separators: [part, sep, part, sep, part]. Lets a caller
 * glue parts back together when a label itself contains a separator ("偷盗、入室盗窃",
 * "Theft and burglary").
 */
export function splitListKeepingSeparators(raw: string): string[] {
  const pieces = cleanText(raw).split(LIST_SEPARATOR);
  // Drop empty parts (leading/trailing/double separators) together with their separator.
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    const part = (pieces[i] ?? "").trim();
    if (part === "") continue;
    if (out.length > 0) out.push(pieces[i - 1] ?? " ");
    out.push(part);
  }
  return out;
}

/**
 * Free text as the resident wrote it (full-width punctuation kept): only invisible control
 * characters are removed, spaces at line ends trimmed and runs of blank lines shortened.
 */
export function tidyFreeText(raw: string): string {
  return wellFormed(raw)
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, "")
    .replace(INVISIBLE, "")
    .split("\n")
    .map((line) => line.replace(/[ \u00a0\u3000]+$/g, "").replace(/^[ \u00a0\u3000]+/g, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const YES_WORDS = new Set([
  "是", "是的", "对", "對", "对的", "對的", "有", "有的", "有过", "有過", "嗯", "好", "好的", "要", "会", "會", "可以", "行",
  "知道", "听说过", "聽說過", "听过", "聽過", "见过", "見過", "看过", "看過", "报了", "報了", "报过", "報過", "报警了", "報警了",
  "告诉了", "告訴了", "告诉过", "告訴過", "yes", "y", "yeah", "yep", "ok", "okay", "sure", "true",
]);
const NO_WORDS = new Set([
  "否", "不", "不是", "不对", "不對", "没", "沒", "没有", "沒有", "无", "無", "没有过", "沒有過", "不要", "不会", "不會",
  "没听说过", "沒聽說過", "没听过", "沒聽過", "没见过", "沒見過", "没看过", "沒看過", "没报", "沒報", "没报警", "沒報警",
  "没告诉", "沒告訴", "不知道", "no", "n", "nope", "false",
]);

/**
 * Reads a yes/no word: 是/否/对/不是/有/没有/yes/no/y/n … Undefined when it is neither.
 * ("不知道" counts as no: for yes/no questions like "did they tell you" that is what it means.)
 */
export function parseYesNo(raw: string): boolean | undefined {
  const s = cleanText(raw)
    .toLowerCase()
    .replace(/[\s.。!！~]+$/g, "")
    .replace(/[啊呀吧啦嘛哦喔]$/, "");
  if (YES_WORDS.has(s)) return true;
  if (NO_WORDS.has(s)) return false;
  return undefined;
}
