/**
 * What a broadcast says and whom it goes to, as stored in Broadcast.content / Broadcast.audience
 * (JSON), and how one delivery of it looks to a resident.
 */
import { z } from "zod";
import { isLang, type Lang, type LocalizedText, type OutMessage } from "../engine/types.js";
import { langFor, noticeBody, textFor } from "../engine/compose-i18n.js";
import { encodePayload } from "../engine/payload.js";
import { outreachText } from "./i18n.js";

// The notice as residents read it is the engine's (its /broadcast preview shows the same).
export { MAX_BROADCAST_TEXT, MAX_CAPTION_TEXT, langFor, textFor } from "../engine/compose-i18n.js";

/** What a broadcast says. */
export interface BroadcastContent {
  /** The text in each language it was written in (at least one before it is sent). */
  text: LocalizedText;
  /** An http(s) image address, shown with the text where the channel can (a link elsewhere). */
  image?: string;
  /** The library tip it carries (the text is a copy taken when it was chosen). */
  tipId?: string;
  /**
   * A resident's reminder to finish the survey (core/outreach/reminders.ts), not a notice: shown
   * with its own header and a way to continue instead of "I've read it ✓".
   */
  reminder?: true;
}

/** Whom a broadcast goes to. Region paths are Region.path ("/district/town/village/"). */
export type Audience =
  | { kind: "households"; officerId: string }
  | { kind: "region"; regionCode: string; regionPath: string }
  | { kind: "everyone" }
  /** Who has not completed the survey (the wave current at sending), among an officer's households or everyone. */
  | { kind: "unfinished"; officerId?: string };

const Localized = z.record(z.string(), z.string());
// Rows written by the former /broadcast dialogue also carry its step (`compose`): not read any more.
const ContentSchema = z.object({ text: Localized, image: z.string().optional(), tipId: z.string().optional(), reminder: z.literal(true).optional() });
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
  const { image, tipId, reminder } = parsed.data;
  return { text, ...(image ? { image } : {}), ...(tipId ? { tipId } : {}), ...(reminder ? { reminder } : {}) };
}

/** Reads a stored audience; undefined when it is missing or unreadable. */
export function parseAudience(value: unknown): Audience | undefined {
  const parsed = AudienceSchema.safeParse(value);
  return parsed.success ? (parsed.data as Audience) : undefined;
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
  if (content.reminder) return reminderMessage(content, residentLang, style);
  const notice = noticeBody(content, residentLang, { imageAsLink: options.imageAsLink === true, keyword: style === "keyword" });
  if (!notice) return undefined;
  const { lang } = notice;
  const message: OutMessage = { kind: "info", text: notice.text };
  if (style === "button") message.options = [{ key: "1", label: outreachText(lang, "notice.read_button"), payload: readPayload(deliveryId) }];
  return { lang, message };
}

/**
 * A reminder to finish the survey as the resident sees it: the text in their language, then the
 * way on — a button that continues the survey (the menu's own "continue" payload), or, where
 * options are typed (WeChat), the keyword that does.
 */
function reminderMessage(content: BroadcastContent, residentLang: string, style: ReadStyle): { lang: Lang; message: OutMessage } | undefined {
  const body = textFor(content, residentLang);
  if (body === undefined) return undefined;
  const lang = langFor(content, residentLang);
  const lines = [outreachText(lang, "reminder.header"), body];
  if (style === "keyword") lines.push(outreachText(lang, "reminder.continue_keyword"));
  const message: OutMessage = { kind: "info", text: lines.join("\n\n") };
  if (style === "button") message.options = [{ key: "1", label: outreachText(lang, "reminder.continue_button"), payload: encodePayload({ op: "menu", item: "survey" }), primary: true }];
  return { lang, message };
}

/** Keywords that confirm reading the newest notice on a channel without buttons. */
const READ_KEYWORDS = new Set(["已读", "已讀", "read", "已阅", "已閱", "收到"]);

/** Is `text` a "read" confirmation keyword (已读 / 已讀 / read …)? */
export function isReadKeyword(text: string): boolean {
  return READ_KEYWORDS.has(text.trim().toLowerCase().replace(/[✓✔。.!！\s]/g, ""));
}
