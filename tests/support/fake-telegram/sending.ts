/**
 * sendMessage and sendChatAction, plus the checks every message-producing method shares: text
 * and caption limits, parse_mode, reply_markup and reply targets.
 */
import type { InlineKeyboardMarkup, Message, MessageEntity, ReplyKeyboardMarkup } from "grammy/types";
import { botUser, nextMessageId, requestsContactOrLocation, resolveChat, storeMessage } from "./chats.js";
import { checkRate } from "./faults.js";
import { EntityParseError, parseFormattedText, UnsupportedParseModeError } from "./formatting.js";
import type { ChatState, MarkupInfo, Params } from "./internal-types.js";
import type { FakeState } from "./state.js";
import { badRequest, clone, nowSeconds, numberParam, stringParam } from "./util.js";

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

const INLINE_BUTTON_ACTIONS = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
] as const;

export function formatted(s: FakeState, text: unknown, parseMode: unknown, entities: unknown): { text: string; entities: MessageEntity[] } {
  const raw = text === undefined || text === null ? "" : typeof text === "string" ? text : String(text);
  if (Array.isArray(entities)) return { text: raw, entities: clone(entities as MessageEntity[]) };
  if (parseMode === undefined || parseMode === null || parseMode === "") return { text: raw, entities: [] };
  try {
    return parseFormattedText(raw, String(parseMode), { strictHtmlEntities: s.opts.strictHtmlEntities });
  } catch (error) {
    if (error instanceof EntityParseError) throw badRequest(`can't parse entities: ${error.message}`);
    if (error instanceof UnsupportedParseModeError) throw badRequest("unsupported parse_mode");
    throw error;
  }
}

export function checkText(text: string): void {
  if (text.trim() === "") throw badRequest("message text is empty");
  if (text.length > 4096) throw badRequest("message is too long");
}

export function checkCaption(caption: string): void {
  if (caption.length > 1024) throw badRequest("message caption is too long");
}

/** Validates reply_markup like Telegram and returns the inline keyboard to echo, if any. */
export function checkMarkup(markup: unknown): MarkupInfo {
  if (markup === undefined || markup === null) return {};
  if (typeof markup === "string") {
    try {
      markup = JSON.parse(markup);
    } catch {
      throw badRequest("can't parse reply keyboard markup JSON object");
    }
  }
  if (typeof markup !== "object" || markup === null) throw badRequest("can't parse reply keyboard markup JSON object");
  const m = markup as Record<string, unknown>;
  if ("inline_keyboard" in m) {
    const rows = m.inline_keyboard;
    if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) throw badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays");
    for (const button of rows.flat() as Array<Record<string, unknown>>) {
      if (typeof button !== "object" || button === null || typeof button.text !== "string") {
        throw badRequest("can't parse inline keyboard button: Field \"text\" must be of type String");
      }
      const actions = INLINE_BUTTON_ACTIONS.filter((k) => button[k] !== undefined);
      if (actions.length === 0) throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      if (button.callback_data !== undefined) {
        const data = String(button.callback_data);
        const bytes = Buffer.byteLength(data, "utf8");
        if (bytes === 0 || bytes > 64) throw badRequest("BUTTON_DATA_INVALID");
      }
      if (button.url !== undefined) {
        const url = String(button.url);
        if (!/^(https?|tg):\/\/\S+$/i.test(url) && !/^[\w-]+(\.[\w-]+)+(\/\S*)?$/.test(url)) throw badRequest("BUTTON_URL_INVALID");
      }
    }
    return { inline: clone(m as unknown as InlineKeyboardMarkup) };
  }
  if ("keyboard" in m) {
    const rows = m.keyboard;
    if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) throw badRequest("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays");
    for (const button of rows.flat() as unknown[]) {
      const text = typeof button === "string" ? button : (button as Record<string, unknown> | null)?.text;
      if (typeof text !== "string" || text === "") throw badRequest("can't parse keyboard button: Field \"text\" must be of type String");
      const requestContact = typeof button === "object" && button !== null ? (button as Record<string, unknown>).request_contact : undefined;
      if (requestContact !== undefined && typeof requestContact !== "boolean") {
        throw badRequest("can't parse keyboard button: Field \"request_contact\" must be of type Boolean");
      }
    }
    return { reply: clone(m as unknown as ReplyKeyboardMarkup) };
  }
  if (m.remove_keyboard === true) return { remove: true };
  if (m.force_reply === true) return {};
  throw badRequest("can't parse reply keyboard markup JSON object");
}

export function replyTarget(s: FakeState, p: Params, state: ChatState): Message | undefined {
  const rp = p.reply_parameters as Record<string, unknown> | undefined;
  const id = numberParam(rp?.message_id) ?? numberParam(p.reply_to_message_id);
  if (id === undefined) return undefined;
  const targetChat = rp?.chat_id !== undefined ? s.chats.get(numberParam(rp.chat_id) ?? NaN) : state;
  const target = targetChat?.messages.get(id);
  if (!target || target.deleted) {
    if (rp?.allow_sending_without_reply === true || p.allow_sending_without_reply === true) return undefined;
    throw badRequest("message to be replied not found");
  }
  const { reply_to_message: _nested, ...rest } = target.current;
  return clone(rest);
}

export function newBotMessage(s: FakeState, state: ChatState, p: Params, content: Partial<Message>, markup: MarkupInfo, replyTo: Message | undefined): Message {
  const msg: Message = {
    message_id: nextMessageId(s, state.chat.id),
    ...(state.chat.type === "channel" ? { sender_chat: clone(state.chat) } : { from: botUser(s) }),
    chat: clone(state.chat),
    date: nowSeconds(),
    ...content,
  };
  const thread = numberParam(p.message_thread_id);
  if (thread !== undefined) msg.message_thread_id = thread;
  if (replyTo) msg.reply_to_message = replyTo as Message & { reply_to_message: undefined };
  if (markup.inline) msg.reply_markup = markup.inline;
  if (p.protect_content === true) msg.has_protected_content = true;
  if (markup.reply && state.chat.type !== "private" && requestsContactOrLocation(markup.reply)) {
    // Telegram offers these buttons in private chats only.
    throw badRequest("BUTTON_TYPE_INVALID");
  }
  if (markup.reply) state.replyKeyboard = markup.reply;
  if (markup.remove) delete state.replyKeyboard;
  storeMessage(s, state, msg, true);
  return clone(msg);
}

export function sendMessage(s: FakeState, p: Params): Message {
  if (p.chat_id === undefined) throw badRequest("chat_id is empty");
  if (p.text === undefined || p.text === null) throw badRequest("message text is empty");
  const { text, entities } = formatted(s, p.text, p.parse_mode, p.entities);
  checkText(text);
  const markup = checkMarkup(p.reply_markup);
  const state = resolveChat(s, p, { forWriting: true });
  const replyTo = replyTarget(s, p, state);
  checkRate(s, "sendMessage", state);
  const content: Partial<Message> = { text, ...(entities.length > 0 ? { entities } : {}) };
  if (p.link_preview_options && typeof p.link_preview_options === "object") content.link_preview_options = clone(p.link_preview_options as Message["link_preview_options"]);
  return newBotMessage(s, state, p, content, markup, replyTo);
}

export function sendChatAction(s: FakeState, p: Params): boolean {
  const action = stringParam(p.action);
  if (!CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
  resolveChat(s, p, { forWriting: true });
  return true;
}
