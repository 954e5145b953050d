/**
 * What a broadcast says and whom it goes to, as stored in Broadcast.content / Broadcast.audience
 * (JSON), and how one delivery of it looks to a resident.
 */
import { z } from "zod";
import { SUPPORTED_LANGS, isLang, type Lang, type LocalizedText, type OutMessage } from "../engine/types.js";
import { outreachText } from "./i18n.js";

/** Longest broadcast text per language: one Telegram message (4096) with room for the header. */
export const MAX_BROADCAST_TEXT = 3500;

/** Longest text that can go with an image (Telegram's caption limit is 1024). */
export const MAX_CAPTION_TEXT = 900;

/**
 * Where the /broadcast dialogue stands while the broadcast is a draft: the step, the language
 * being written (step "text"), and the typed keys of the options last shown (so that staff on
 * WeChat, where options are numbered lines, can answer "1").
 */
export interface ComposeStep {
  step: "text" | "image" | "region" | "schedule" | "menu" | "choose" | "preview";
  lang?: Lang;
  keys?: Record<string, string>;
}

/** What a broadcast says. */
export interface BroadcastContent {
  /** The text in each language it was written in (at least one before it is sent). */
  text: LocalizedText;
  /** An http(s) image address, shown with the text where the channel can (a link elsewhere). */
  image?: string;
  /** The library tip it carries (the text is a copy taken when it was chosen). */
  tipId?: string;
  /** The dialogue's state, while a draft. */
  compose?: ComposeStep;
}

/** Whom a broadcast goes to. Region paths are Region.path ("/district/town/village/"). */
export type Audience =
  | { kind: "households"; officerId: string }
  | { kind: "region"; regionCode: string; regionPath: string }
  | { kind: "everyone" }
  /** Who has not completed the survey (the wave current at sending), among an officer's households or everyone. */
  | { kind: "unfinished"; officerId?: string };

const Localized = z.record(z.string(), z.string());
const Step = z.object({
  step: z.enum(["text", "image", "region", "schedule", "menu", "choose", "preview"]),
  lang: z.enum(SUPPORTED_LANGS as [Lang, ...Lang[]]).optional(),
  keys: z.record(z.string(), z.string()).optional(),
});
const ContentSchema = z.object({ text: Localized, image: z.string().optional(), tipId: z.string().optional(), compose: Step.optional() });
const AudienceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("households"), officerId: z.string() }),
  z.object({ kind: z.literal("region"), regionCode: z.string(), regionPath: z.string() }),
  z.object({ kind: z.literal("everyone") }),
  z.object({ kind: z.literal("unfinished"), officerId: z.string().optional() }),
]);

/** Reads stored content; an unreadable one becomes empty (and is refused at sending). */
export function parseContent(value: unknown): BroadcastContent {
  const parsed = ContentSchema.safeParse(value);
  if (!parsed.success) return { text: {} };
  const text: LocalizedText = {};
  for (const [lang, body] of Object.entries(parsed.data.text)) if (isLang(lang) && body.trim() !== "") text[lang] = body;
  const { compose, image, tipId } = parsed.data;
  return { text, ...(image ? { image } : {}), ...(tipId ? { tipId } : {}), ...(compose ? { compose } : {}) };
}

/** Reads a stored audience; undefined when it is missing or unreadable. */
export function parseAudience(value: unknown): Audience | undefined {
  const parsed = AudienceSchema.safeParse(value);
  return parsed.success ? (parsed.data as Audience) : undefined;
}

/** The content as stored for sending (without the dialogue's state). */
export function finalContent(content: BroadcastContent): BroadcastContent {
  const { compose: _compose, ...rest } = content;
  return rest;
}

/** The text for a resident of language `lang`: theirs, else Simplified Chinese, else any. */
export function textFor(content: BroadcastContent, lang: string): string | undefined {
  const own = isLang(lang) ? content.text[lang] : undefined;
  return own ?? content.text["zh-CN"] ?? Object.values(content.text).find((text) => typeof text === "string" && text !== "");
}

/** The language a resident reads a broadcast in (theirs when the broadcast has it). */
export function langFor(content: BroadcastContent, lang: string): Lang {
  if (isLang(lang) && content.text[lang]) return lang;
  if (content.text["zh-CN"]) return "zh-CN";
  return SUPPORTED_LANGS.find((l) => content.text[l]) ?? "zh-CN";
}

/** The button payload of "I've read it ✓" for a delivery (≤ 40 ASCII bytes with a cuid). */
export function readPayload(deliveryId: string): string {
  return `rd:${deliveryId}`;
}

/** The delivery id in a read payload, or undefined. */
export function parseReadPayload(payload: string): string | undefined {
  const match = /^rd:([A-Za-z0-9_-]{1,36})$/.exec(payload);
  return match?.[1];
}

/** How a channel shows the read confirmation. */
export type ReadStyle = "button" | "keyword";

/**
 * One delivery as the resident sees it: the notice with its header, and "I've read it ✓" as a
 * button (Telegram, web) or as a keyword to reply with (WeChat, where options are typed).
 * Undefined when the broadcast has no text at all.
 */
export function deliveryMessage(content: BroadcastContent, residentLang: string, deliveryId: string, style: ReadStyle, options: { imageAsLink?: boolean } = {}): { lang: Lang; message: OutMessage } | undefined {
  const body = textFor(content, residentLang);
  if (body === undefined) return undefined;
  const lang = langFor(content, residentLang);
  const lines = [outreachText(lang, "notice.header"), body];
  if (content.image && options.imageAsLink) lines.push(outreachText(lang, "notice.image", { url: content.image }));
  if (style === "keyword") lines.push(outreachText(lang, "notice.read_keyword"));
  const message: OutMessage = { kind: "info", text: lines.join("\n\n") };
  if (style === "button") message.options = [{ key: "1", label: outreachText(lang, "notice.read_button"), payload: readPayload(deliveryId) }];
  return { lang, message };
}

/** Keywords that confirm reading the newest notice on a channel without buttons. */
const READ_KEYWORDS = new Set(["已读", "已讀", "read", "已阅", "已閱", "收到"]);

/** Is `text` a "read" confirmation keyword (已读 / 已讀 / read …)? */
export function isReadKeyword(text: string): boolean {
  return READ_KEYWORDS.has(text.trim().toLowerCase().replace(/[✓✔。.!！\s]/g, ""));
}
