/**
 * What the chat page receives: the engine's messages, copied field by field so that nothing but
 * what the page renders ever leaves the server.
 */
import type { Lang, OutMessage } from "../../core/engine/types.js";

/** One button under a bot message. */
export interface WebOption {
  key: string;
  label: string;
  /** Sent back unchanged as `{ kind: "button", payload }`. */
  payload: string;
  selected?: boolean;
  /** The label's language when it is not the page's (the language picker's names). */
  lang?: Lang;
  /** The way on from this message: shown as the primary button and kept in view. */
  primary?: boolean;
}

/** One bot message as the page renders it (plain text: the page sets it with textContent). */
export interface WebMessage {
  kind: OutMessage["kind"];
  text: string;
  options?: WebOption[];
  multi?: boolean;
  /** Multiple choice: ticked so far, and the most allowed (when fewer than all options). */
  selection?: { count: number; max?: number };
  editsPrevious?: boolean;
  progress?: { index: number; total: number };
  questionId?: string;
  /** The question wants a telephone number: the page offers the phone keypad and autofill. */
  expects?: "phone";
  /** The reader is staff now: the page links to their pages through {@link STAFF_ENTRY_PATH}. */
  staffEntry?: "officer" | "admin";
}

/** Where the chat page sends its staff: signs the chat session's officer or admin into their pages. */
export const STAFF_ENTRY_PATH = "/web/staff/enter";

/** An image under the bot's messages (an admin's chart), inline so the page needs no other request. */
export interface WebImage {
  /** `data:image/png;base64,…` (the page's CSP allows `img-src data:` and nothing remote). */
  src: string;
  /** The chart's title: the image's alt text and its visible caption. */
  caption: string;
}

/** The prefix of every {@link WebImage.src}; the page shows no image without it. */
export const PNG_DATA_URL_PREFIX = "data:image/png;base64,";

/** PNG images as data: URLs for the page. */
export function toWebImages(images: readonly { png: Uint8Array; caption: string }[]): WebImage[] {
  return images.map((image) => ({
    src: PNG_DATA_URL_PREFIX + Buffer.from(image.png.buffer, image.png.byteOffset, image.png.byteLength).toString("base64"),
    caption: image.caption,
  }));
}

/** Messages pushed outside a reply (a broadcast, a case update). */
export interface WebPush {
  lang: Lang;
  messages: WebMessage[];
}

/** Converts engine messages for the page. */
export function toWebMessages(messages: readonly OutMessage[]): WebMessage[] {
  return messages.map((message) => {
    const out: WebMessage = { kind: message.kind, text: message.text };
    if (message.options && message.options.length > 0) {
      out.options = message.options.map((option) => ({
        key: option.key,
        label: option.label,
        payload: option.payload,
        ...(option.selected ? { selected: true } : {}),
        ...(option.lang ? { lang: option.lang } : {}),
        ...(option.primary ? { primary: true } : {}),
      }));
    }
    if (message.multi) out.multi = true;
    if (message.selection) {
      const { count, max } = message.selection;
      out.selection = max === undefined ? { count } : { count, max };
    }
    if (message.editsPrevious) out.editsPrevious = true;
    if (message.progress) out.progress = { index: message.progress.index, total: message.progress.total };
    if (message.questionId) out.questionId = message.questionId;
    if (message.expects === "phone") out.expects = "phone";
    if (message.staffEntry) out.staffEntry = message.staffEntry;
    return out;
  });
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
