/**
 * Telephone numbers residents share for the survey's telephone spot checks: reading what they
 * type (or what a platform hands over) into one canonical form, and masking it for display.
 *
 * Accepted, after full-width digits, spaces, dashes, dots and brackets are set aside:
 * - a mainland mobile number, `1[3-9]` and 9 more digits, with or without +86 / 0086 / 86 in
 *   front → stored as the 11 digits (`13812345678`), what a verifier in China dials;
 * - a mainland landline with its area code, `0xx`/`0xxx` and 7–8 digits (or +86 and the area
 *   code without its 0) → stored as `010-12345678` / `0571-8765432`;
 * - any other number in international form, `+` (or `00`) and 8–15 digits (E.164's limit)
 *   → stored as `+` and the digits (`+85291234567`).
 * Chinese digits ("一三八…", "幺" for one, as numbers are read aloud) count as digits.
 * Extensions, letters and anything else are refused: a verifier must be able to dial the number.
 */

/** Longest text looked at: a number with generous spacing is far shorter. */
const MAX_PHONE_INPUT = 64;

const CHINESE_DIGITS: Record<string, string> = {
  零: "0", 〇: "0", 一: "1", 幺: "1", 二: "2", 两: "2", 兩: "2", 三: "3", 四: "4", 五: "5", 六: "6", 七: "7", 八: "8", 九: "9",
};

/** Mainland mobile numbers (11 digits). */
const MOBILE = /^1[3-9][0-9]{9}$/;
/** Area codes of two digits after the 0 (Beijing 010, 020–029); all others have three. */
const LANDLINE_SHORT_AREA = /^(0[12][0-9])([0-9]{7,8})$/;
const LANDLINE_LONG_AREA = /^(0[3-9][0-9]{2})([0-9]{7,8})$/;

/**
 * The canonical form of a typed telephone number (see the module comment), or undefined when the
 * text is not one. Never throws.
 */
export function normalizePhone(raw: string): string | undefined {
  if (typeof raw !== "string" || raw.length > MAX_PHONE_INPUT) return undefined;
  let text = raw.normalize("NFKC").trim();
  text = [...text].map((c) => CHINESE_DIGITS[c] ?? c).join("");
  // Separators people (and address books) put into numbers: spaces, dashes of every kind, dots,
  // slashes and brackets around an area code.
  text = text.replace(/[\s\u00a0\u3000\u2010-\u2015\u2212\-./()（）[\]]/g, "");
  let international = false;
  if (text.startsWith("+")) {
    international = true;
    text = text.slice(1);
  } else if (text.startsWith("00")) {
    international = true;
    text = text.slice(2);
  }
  if (!/^[0-9]+$/.test(text)) return undefined;
  if (international || (text.startsWith("86") && MOBILE.test(text.slice(2)))) {
    if (text.startsWith("86")) return mainland(text.slice(2), true);
    if (text.startsWith("0")) return undefined; // no country code starts with 0
    return text.length >= 8 && text.length <= 15 ? `+${text}` : undefined;
  }
  return mainland(text, false);
}

/** A mainland number (after +86, `afterCountryCode`: a landline's area code comes without its 0). */
function mainland(digits: string, afterCountryCode: boolean): string | undefined {
  if (MOBILE.test(digits)) return digits;
  const landline = afterCountryCode && !digits.startsWith("0") ? `0${digits}` : digits;
  const m = LANDLINE_SHORT_AREA.exec(landline) ?? LANDLINE_LONG_AREA.exec(landline);
  return m ? `${m[1]}-${m[2]}` : undefined;
}

/**
 * A canonical number with its middle hidden, for reading it back to the resident: a landline's
 * area code and the last 4 digits stay ("0571-***5432"), else the first 3 characters and the last
 * 4 digits ("138****5678", "+85*****4567") — enough to recognise one's own number.
 */
export function maskPhone(phone: string): string {
  const chars = [...phone];
  if (chars.length <= 7) return chars.map((c, i) => (i < chars.length - 2 ? "*" : c)).join("");
  const dash = phone.indexOf("-");
  const keepHead = dash > 0 ? dash + 1 : 3;
  return chars.map((c, i) => (i < keepHead || i >= chars.length - 4 || !/[0-9]/.test(c) ? c : "*")).join("");
}
