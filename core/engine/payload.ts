/**
 * Button payloads: compact ASCII strings (≤ 40 bytes, Telegram's callback_data allows 64) that say
 * what a button does and carry enough to detect buttons from an older message.
 *
 * Survey buttons:  <op>:<version>:<ck>:<q>[:…]
 *   version = questionnaire version, ck = first 4 hex digits of its checksum,
 *   q = index of the question in the questionnaire.
 *   a:1:1c07:0:3        answer / toggle option 3 (yesno: 0 = yes, 1 = no)
 *   d:1:1c07:3          Done (multiple choice)
 *   s:1:1c07:15         Skip (optional question)
 *   r:1:1c07:12:1:9f2a:4  region: pick child 4 at level 1 whose parent code hashes to 9f2a
 *   u:1:1c07:12:1       region: up one level from level 1
 * Other buttons:
 *   m:<item>            main menu (survey, tips, cases, lang, privacy, help, menu), report
 *                       (report a concern, offered under "My cases") and recheck (continue a
 *                       paused re-check)
 *   t:<tip>             open safety tip <tip>
 *   t:<tip>:r           "I've read it" under tip <tip>
 *   q:<tip>:<tag>:<o>   quiz answer: option index o of tip <tip>'s quiz; tag = 4-hex hash of the
 *                       quiz, so a button of an edited quiz is recognised as out of date
 *   k:<code>            ask the resident to rate closed case <code> (sent on their behalf when
 *                       the case closes, so that typed digits are read as the rating)
 *   k:<code>:<n>        rate case <code> n = 1..5
 *   v:<tag>:<i>:<o>     re-check: option o of the re-check's question i; tag = 4-hex hash of the
 *                       spot check, so a button of another re-check is recognised
 *   v:<tag>:x           decline the re-check
 *   c:y | c:n           consent accept / decline
 *   l:<lang>            language (zh-CN, zh-TW, en)
 *   p:del | p:yes | p:no  privacy: ask to delete / confirm / cancel
 *   p:tel               privacy: remove the telephone number the resident left
 * Staff's /broadcast dialogue (compose.ts):
 *   bc:x | bc:menu      discard the notice / back to "what next?"
 *   bc:img | bc:tip     add a picture / list the library's tips
 *   bc:tip:<tip>        take tip <tip> as the notice
 *   bc:lang:<lang>      write (or rewrite) the notice in <lang>
 *   bc:aud              choose recipients
 *   bc:aud:h|u|r|e      my households / not finished the survey / a region / everyone
 *   bc:send | bc:sched  send now / send later
 */
import { isLang } from "./types.js";
import type { Lang } from "./types.js";

/** Longest payload the engine produces, in bytes. */
export const MAX_PAYLOAD_BYTES = 40;

/**
 * Main-menu items (and `report`, "report a concern", offered under "My cases"; `recheck`,
 * "continue the quality check", offered while a re-check is paused).
 */
export type MenuItem = "survey" | "tips" | "cases" | "lang" | "privacy" | "help" | "menu" | "report" | "recheck";
const MENU_ITEMS: readonly MenuItem[] = ["survey", "tips", "cases", "lang", "privacy", "help", "menu", "report", "recheck"];

/** A tip id as it may appear in payloads (also the library's id rule). */
export const TIP_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,27}$/;

/** A case code as it may appear in payloads. */
export const CASE_CODE_PATTERN = /^[A-Z0-9]{4,12}$/;

/** Identifies the question a survey button belongs to. */
export interface QuestionRef {
  version: number;
  ck: string;
  q: number;
}

/** A decoded payload. `invalid` = not something this engine ever produced. */
export type Payload =
  | ({ op: "answer"; option: number } & QuestionRef)
  | ({ op: "done" } & QuestionRef)
  | ({ op: "skip" } & QuestionRef)
  | ({ op: "region"; level: number; parent: string; child: number } & QuestionRef)
  | ({ op: "up"; level: number } & QuestionRef)
  | { op: "menu"; item: MenuItem }
  | { op: "consent"; accept: boolean }
  | { op: "lang"; lang: Lang }
  | { op: "privacy"; action: "del" | "yes" | "no" | "tel" }
  | { op: "tip"; id: string }
  | { op: "tipRead"; id: string }
  | { op: "quiz"; id: string; tag: string; option: number }
  | { op: "rateAsk"; code: string }
  | { op: "rate"; code: string; rating: number }
  | { op: "recheckAnswer"; tag: string; index: number; option: number }
  | { op: "recheckDecline"; tag: string }
  | { op: "compose"; action: ComposeAction }
  | { op: "composeLang"; lang: Lang }
  | { op: "composeTip"; id: string }
  | { op: "composeAudience"; choice: AudienceChoice }
  | { op: "invalid" };

/** The /broadcast dialogue's plain buttons. */
export type ComposeAction = "cancel" | "menu" | "image" | "tips" | "audience" | "send" | "schedule";
const COMPOSE_CODES: Record<ComposeAction, string> = { cancel: "x", menu: "menu", image: "img", tips: "tip", audience: "aud", send: "send", schedule: "sched" };

/** Recipients: my households, not finished the survey, a region, everyone. */
export type AudienceChoice = "h" | "u" | "r" | "e";

/** First 4 hex digits of a checksum, as carried in payloads. */
export function checksumTag(checksum: string): string {
  return /^[0-9a-f]{4}/.test(checksum) ? checksum.slice(0, 4) : "0000";
}

/** 4-hex-digit FNV-1a hash of a region code ("-" for the top level), to tell parents apart. */
export function parentTag(code: string | undefined): string {
  if (code === undefined) return "-";
  let h = 0x811c9dc5;
  for (let i = 0; i < code.length; i++) {
    h ^= code.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h & 0xffff).toString(16).padStart(4, "0");
}

const ref = (r: QuestionRef): string => `${r.version}:${r.ck}:${r.q}`;

/** Encodes a payload (the inverse of {@link decodePayload}). */
export function encodePayload(p: Exclude<Payload, { op: "invalid" }>): string {
  switch (p.op) {
    case "answer":
      return `a:${ref(p)}:${p.option}`;
    case "done":
      return `d:${ref(p)}`;
    case "skip":
      return `s:${ref(p)}`;
    case "region":
      return `r:${ref(p)}:${p.level}:${p.parent}:${p.child}`;
    case "up":
      return `u:${ref(p)}:${p.level}`;
    case "menu":
      return `m:${p.item}`;
    case "consent":
      return p.accept ? "c:y" : "c:n";
    case "lang":
      return `l:${p.lang}`;
    case "privacy":
      return `p:${p.action}`;
    case "tip":
      return `t:${p.id}`;
    case "tipRead":
      return `t:${p.id}:r`;
    case "quiz":
      return `q:${p.id}:${p.tag}:${p.option}`;
    case "rateAsk":
      return `k:${p.code}`;
    case "rate":
      return `k:${p.code}:${p.rating}`;
    case "recheckAnswer":
      return `v:${p.tag}:${p.index}:${p.option}`;
    case "recheckDecline":
      return `v:${p.tag}:x`;
    case "compose":
      return `bc:${COMPOSE_CODES[p.action]}`;
    case "composeLang":
      return `bc:lang:${p.lang}`;
    case "composeTip":
      return `bc:tip:${p.id}`;
    case "composeAudience":
      return `bc:aud:${p.choice}`;
  }
}

const INT = /^(0|[1-9][0-9]{0,5})$/;
// Questionnaire versions go up to 2147483647 (an XLSForm's yyyymmddnn version such as 2026120701).
const VERSION = /^(0|[1-9][0-9]{0,9})$/;

/** Decodes a payload; anything malformed (or too long) is `{ op: "invalid" }`. Never throws. */
export function decodePayload(payload: unknown): Payload {
  if (typeof payload !== "string" || payload.length > 64) return { op: "invalid" };
  const parts = payload.split(":");
  const [op, a, b, c, d, e, f] = parts;
  switch (op) {
    case "m":
      return parts.length === 2 && MENU_ITEMS.includes(a as MenuItem) ? { op: "menu", item: a as MenuItem } : { op: "invalid" };
    case "c":
      return parts.length === 2 && (a === "y" || a === "n") ? { op: "consent", accept: a === "y" } : { op: "invalid" };
    case "l":
      return parts.length === 2 && isLang(a) ? { op: "lang", lang: a } : { op: "invalid" };
    case "p":
      return parts.length === 2 && (a === "del" || a === "yes" || a === "no" || a === "tel") ? { op: "privacy", action: a } : { op: "invalid" };
    case "t":
      if (!a || !TIP_ID_PATTERN.test(a)) return { op: "invalid" };
      if (parts.length === 2) return { op: "tip", id: a };
      return parts.length === 3 && b === "r" ? { op: "tipRead", id: a } : { op: "invalid" };
    case "q":
      return parts.length === 4 && a && TIP_ID_PATTERN.test(a) && b && /^[0-9a-f]{4}$/.test(b) && c && /^[0-9]$/.test(c)
        ? { op: "quiz", id: a, tag: b, option: Number(c) }
        : { op: "invalid" };
    case "k":
      if (!a || !CASE_CODE_PATTERN.test(a)) return { op: "invalid" };
      if (parts.length === 2) return { op: "rateAsk", code: a };
      return parts.length === 3 && b && /^[1-5]$/.test(b) ? { op: "rate", code: a, rating: Number(b) } : { op: "invalid" };
    case "v":
      if (!a || !/^[0-9a-f]{4}$/.test(a)) return { op: "invalid" };
      if (parts.length === 3 && b === "x") return { op: "recheckDecline", tag: a };
      return parts.length === 4 && b && /^[0-9]$/.test(b) && c && INT.test(c) ? { op: "recheckAnswer", tag: a, index: Number(b), option: Number(c) } : { op: "invalid" };
    case "bc":
      return decodeCompose(parts.slice(1));
  }
  if (!a || !VERSION.test(a) || !b || !/^[0-9a-f]{4}$/.test(b) || !c || !INT.test(c)) return { op: "invalid" };
  const qref: QuestionRef = { version: Number(a), ck: b, q: Number(c) };
  switch (op) {
    case "a":
      return parts.length === 5 && d && INT.test(d) ? { op: "answer", ...qref, option: Number(d) } : { op: "invalid" };
    case "d":
      return parts.length === 4 ? { op: "done", ...qref } : { op: "invalid" };
    case "s":
      return parts.length === 4 ? { op: "skip", ...qref } : { op: "invalid" };
    case "u":
      return parts.length === 5 && d && INT.test(d) ? { op: "up", ...qref, level: Number(d) } : { op: "invalid" };
    case "r":
      return parts.length === 7 && d && INT.test(d) && e && /^(-|[0-9a-f]{4})$/.test(e) && f && INT.test(f)
        ? { op: "region", ...qref, level: Number(d), parent: e, child: Number(f) }
        : { op: "invalid" };
    default:
      return { op: "invalid" };
  }
}

/** The rest of a `bc:` payload. */
function decodeCompose(parts: readonly string[]): Payload {
  const [code, arg] = parts;
  if (parts.length === 1) {
    const action = (Object.keys(COMPOSE_CODES) as ComposeAction[]).find((a) => COMPOSE_CODES[a] === code);
    return action ? { op: "compose", action } : { op: "invalid" };
  }
  if (parts.length !== 2 || !arg) return { op: "invalid" };
  if (code === "lang") return isLang(arg) ? { op: "composeLang", lang: arg } : { op: "invalid" };
  if (code === "tip") return TIP_ID_PATTERN.test(arg) ? { op: "composeTip", id: arg } : { op: "invalid" };
  if (code === "aud") return arg === "h" || arg === "u" || arg === "r" || arg === "e" ? { op: "composeAudience", choice: arg } : { op: "invalid" };
  return { op: "invalid" };
}
