/**
 * Strings of the staff's /broadcast dialogue (compose.ts) and of the notices it previews: the
 * `compose.*`, `notice.*` and `lang.*` keys of locales/<lang>/outreach.json, the same texts
 * outreach uses for broadcasts, and the refusal of locales/<lang>/staff.json for non-staff.
 */
import zhCN from "../../locales/zh-CN/outreach.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/outreach.json" with { type: "json" };
import en from "../../locales/en/outreach.json" with { type: "json" };
import staffZhCN from "../../locales/zh-CN/staff.json" with { type: "json" };
import staffZhTW from "../../locales/zh-TW/staff.json" with { type: "json" };
import staffEn from "../../locales/en/staff.json" with { type: "json" };
import type { BroadcastDraft, Lang } from "./types.js";
import { SUPPORTED_LANGS, isLang } from "./types.js";
import { createTranslator, type TextVars } from "../util/translator.js";

type OutreachKey = keyof typeof zhCN;

/** The keys the dialogue uses: its own, the notice's, and the languages' names. */
export type ComposeKey = Extract<OutreachKey, `compose.${string}` | `notice.${string}` | `lang.${string}` | "broadcast.help">;

// Keys are flat ("compose.menu"): the dots are part of the name, not a path.
const translate = createTranslator<OutreachKey>("outreach", { "zh-CN": zhCN, "zh-TW": zhTW, en }, { flatKeys: true });
const translateStaff = createTranslator<keyof typeof staffZhCN>("staff", { "zh-CN": staffZhCN, "zh-TW": staffZhTW, en: staffEn });

/** The dialogue's string `key` in `lang`, with {{vars}} filled in. */
export function composeText(lang: Lang, key: ComposeKey, vars?: TextVars): string {
  return translate(lang, key, vars);
}

/** "Sorry, only officers and staff can use this command." (as the runner refuses staff commands). */
export function notStaffText(lang: Lang): string {
  return translateStaff(lang, "not_allowed", { role: translateStaff(lang, "role_officer") });
}

/** A language's name, in the reader's language. */
export function langName(reader: Lang, lang: Lang): string {
  return composeText(reader, lang === "zh-CN" ? "lang.zh-CN" : lang === "zh-TW" ? "lang.zh-TW" : "lang.en");
}

/** Longest broadcast text per language: one Telegram message (4096) with room for the header. */
export const MAX_BROADCAST_TEXT = 3500;

/** Longest text that can go with an image (Telegram's caption limit is 1024). */
export const MAX_CAPTION_TEXT = 900;

/** The text for a resident of language `lang`: theirs, else Simplified Chinese, else any. */
export function textFor(content: Pick<BroadcastDraft, "text">, lang: string): string | undefined {
  const own = isLang(lang) ? content.text[lang] : undefined;
  return own ?? content.text["zh-CN"] ?? Object.values(content.text).find((text) => typeof text === "string" && text !== "");
}

/** The language a resident reads a broadcast in (theirs when the broadcast has it). */
export function langFor(content: Pick<BroadcastDraft, "text">, lang: string): Lang {
  if (isLang(lang) && content.text[lang]) return lang;
  if (content.text["zh-CN"]) return "zh-CN";
  return SUPPORTED_LANGS.find((l) => content.text[l]) ?? "zh-CN";
}

/**
 * A notice as a resident of language `residentLang` reads it: the header and the text, the
 * picture as a link (`imageAsLink`: channels that cannot show it, and the preview), and the
 * "reply read" line (`keyword`: channels without buttons). Undefined when it has no text at all.
 */
export function noticeBody(content: BroadcastDraft, residentLang: string, options: { imageAsLink?: boolean; keyword?: boolean } = {}): { lang: Lang; text: string } | undefined {
  const body = textFor(content, residentLang);
  if (body === undefined) return undefined;
  const lang = langFor(content, residentLang);
  const lines = [composeText(lang, "notice.header"), body];
  if (content.image && options.imageAsLink) lines.push(composeText(lang, "notice.image", { url: content.image }));
  if (options.keyword) lines.push(composeText(lang, "notice.read_keyword"));
  return { lang, text: lines.join("\n\n") };
}
