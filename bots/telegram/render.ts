/**
 * Turns the engine's plain-text {@link OutMessage}s into Telegram message parts: text split to
 * Telegram's 4096-character limit and an inline keyboard of signed buttons.
 *
 * Messages are sent without `parse_mode`: the engine's text, translations and anything a resident
 * typed (echoed back in "Your earlier answer: …") are shown literally, so no `<`, `&`, `*` or `_`
 * can break a message or inject formatting. There is therefore nothing to escape.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from "grammy/types";
import type { OutMessage, OutOption } from "../../core/engine/types.js";
import type { CallbackSigner } from "./callback-data.js";

/** Telegram's limit for a message text, in UTF-16 code units (what the Bot API counts). */
export const MAX_MESSAGE_LENGTH = 4096;

/** One Telegram message to send (or to edit into an earlier one). */
export interface RenderedPart {
  text: string;
  /** Only on the last part of a split message, so the buttons sit under the end of the text. */
  keyboard?: InlineKeyboardMarkup;
}

/** An engine message rendered for Telegram. */
export interface RenderedMessage {
  parts: RenderedPart[];
  /** Replace the previous question message instead of sending a new one (multiple-choice toggles). */
  editsPrevious: boolean;
  /** The message carries answer buttons: remember its id as "the previous question". */
  hasButtons: boolean;
  /** Buttons dropped because their payload could not be signed within 64 bytes. */
  droppedButtons: number;
}

/** Telegram's limit for a photo caption, in UTF-16 code units (what the Bot API counts). */
export const MAX_CAPTION_LENGTH = 1024;

/**
 * Shortens a caption to Telegram's limit with a trailing "…", never splitting a surrogate pair.
 * A caption is a chart's title, so a cut end loses little, while a refused photo loses the chart.
 */
export function trimCaption(caption: string, limit = MAX_CAPTION_LENGTH): string {
  if (caption.length <= limit) return caption;
  let cut = limit - 1;
  const last = caption.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${caption.slice(0, cut)}…`;
}

// Telegram refuses an empty text; an engine message with only buttons still needs one.
const EMPTY_TEXT_STANDIN = "…";

/**
 * Splits `text` into pieces of at most `limit` UTF-16 code units, preferring a paragraph break,
 * then a line break, then a space in the second half of each piece, and never splitting a
 * surrogate pair.
 */
export function splitText(text: string, limit = MAX_MESSAGE_LENGTH): string[] {
  if (limit < 2) throw new Error("splitText: limit must be at least 2");
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = limit;
    const window = rest.slice(0, limit);
    const floor = Math.floor(limit / 2);
    for (const separator of ["\n\n", "\n", " "]) {
      const at = window.lastIndexOf(separator);
      if (at >= floor) {
        cut = at + separator.length;
        break;
      }
    }
    // Never leave half of a surrogate pair (emoji, rare CJK) at the end of a piece.
    const last = rest.charCodeAt(cut - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces.filter((piece) => piece.trim().length > 0);
}

/** Display width of a label: CJK and emoji count double, as they take two columns on a phone. */
function labelWidth(label: string): number {
  let width = 0;
  for (const ch of label) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f000}-\u{1faff}]/u.test(ch) ? 2 : 1;
  return width;
}

/** Multiple choice: how many are ticked, and the most allowed (when fewer than all). */
export type Selection = NonNullable<OutMessage["selection"]>;

/**
 * The text of one button: the label, with a tick box for multiple-choice toggles; their Done
 * stands out from the tick boxes as the way on and counts the ticks ("➡️ 选好了 (2/3)").
 */
function buttonText(option: OutOption, selection: Selection | undefined): string {
  const label = option.label.trim() || option.key;
  if (!selection) return label;
  if (option.key === "0") return `➡️ ${label} (${selection.count}${selection.max === undefined ? "" : `/${selection.max}`})`;
  return `${option.selected ? "✅" : "⬜"} ${label}`;
}

/**
 * Lays out the buttons: one per row (easy to hit, and ordered scales read top to bottom), except
 * that a few short ones (yes / no) share a row; Done / Skip (key "0") always get their own last row.
 * `multi` is given for multiple choice: the ticks so far (counted from the options when the
 * message does not say).
 */
export function buildKeyboard(
  options: readonly OutOption[],
  multi: Selection | boolean,
  sign: (payload: string) => string | undefined,
): { keyboard: InlineKeyboardMarkup | undefined; dropped: number } {
  const selection: Selection | undefined = multi === true ? { count: options.filter((o) => o.selected).length } : multi === false ? undefined : multi;
  let dropped = 0;
  const main: InlineKeyboardButton[] = [];
  const closing: InlineKeyboardButton[] = [];
  for (const option of options) {
    const data = sign(option.payload);
    if (data === undefined) {
      dropped += 1;
      continue;
    }
    const button: InlineKeyboardButton = { text: buttonText(option, selection), callback_data: data };
    (option.key === "0" ? closing : main).push(button);
  }
  const rows: InlineKeyboardButton[][] = [];
  const compact = !selection && main.length > 1 && main.length <= 3 && main.reduce((sum, b) => sum + labelWidth(b.text), 0) <= 24;
  if (compact) rows.push(main);
  else for (const button of main) rows.push([button]);
  if (closing.length > 0) rows.push(closing);
  return { keyboard: rows.length > 0 ? { inline_keyboard: rows } : undefined, dropped };
}

/** Renders one engine message for the resident with Telegram user id `userId`. */
export function renderMessage(message: OutMessage, signer: CallbackSigner, userId: number | string): RenderedMessage {
  const options = message.options ?? [];
  const multi = message.multi === true ? (message.selection ?? true) : false;
  const { keyboard, dropped } = buildKeyboard(options, multi, (payload) => signer.sign(payload, userId));
  const texts = splitText(message.text);
  if (texts.length === 0) texts.push(EMPTY_TEXT_STANDIN);
  const parts: RenderedPart[] = texts.map((text) => ({ text }));
  const last = parts[parts.length - 1];
  if (last && keyboard) last.keyboard = keyboard;
  return { parts, editsPrevious: message.editsPrevious === true, hasButtons: keyboard !== undefined, droppedButtons: dropped };
}
