/** editMessageText / editMessageCaption / editMessageReplyMarkup and deleteMessage(s). */
import type { Message } from "grammy/types";
import { resolveChat, storeMessage } from "./chats.js";
import { checkRate } from "./faults.js";
import type { ChatState, Params, StoredMessage } from "./internal-types.js";
import { checkCaption, checkMarkup, checkText, formatted } from "./sending.js";
import type { FakeState } from "./state.js";
import { badRequest, clone, nowSeconds, numberParam, sameJson } from "./util.js";

function editTarget(s: FakeState, p: Params, what: "edit" | "delete"): { state: ChatState; stored: StoredMessage } {
  if (p.inline_message_id !== undefined) throw badRequest("MESSAGE_ID_INVALID");
  const state = resolveChat(s, p, { forWriting: true });
  const id = numberParam(p.message_id);
  if (id === undefined) throw badRequest("message identifier is not specified");
  const stored = state.messages.get(id);
  if (!stored || stored.deleted) throw badRequest(`message to ${what} not found`);
  return { state, stored };
}

function applyEdit(s: FakeState, state: ChatState, stored: StoredMessage, changes: Partial<Message>, removeKeys: Array<keyof Message>): Message {
  const next: Message = { ...clone(stored.current), ...changes, edit_date: nowSeconds() };
  for (const key of removeKeys) delete next[key];
  storeMessage(s, state, next, stored.fromBot);
  return clone(next);
}

export function editMessageText(s: FakeState, p: Params): Message {
  const { text, entities } = formatted(s, p.text, p.parse_mode, p.entities);
  checkText(text);
  const markup = checkMarkup(p.reply_markup);
  const { state, stored } = editTarget(s, p, "edit");
  if (!stored.fromBot) throw badRequest("message can't be edited");
  if (stored.current.text === undefined) throw badRequest("there is no text in the message to edit");
  const cur = stored.current;
  if (cur.text === text && sameJson(cur.entities ?? [], entities) && sameJson(cur.reply_markup, markup.inline)) {
    throw badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
  }
  checkRate(s, "editMessageText", state);
  const removeKeys: Array<keyof Message> = [];
  if (entities.length === 0) removeKeys.push("entities");
  if (!markup.inline) removeKeys.push("reply_markup");
  return applyEdit(s, state, stored, { text, ...(entities.length > 0 ? { entities } : {}), ...(markup.inline ? { reply_markup: markup.inline } : {}) }, removeKeys);
}

export function editMessageCaption(s: FakeState, p: Params): Message {
  const { text: caption, entities } = formatted(s, p.caption, p.parse_mode, p.caption_entities);
  checkCaption(caption);
  const markup = checkMarkup(p.reply_markup);
  const { state, stored } = editTarget(s, p, "edit");
  if (!stored.fromBot) throw badRequest("message can't be edited");
  const cur = stored.current;
  if (cur.text !== undefined) throw badRequest("there is no caption in the message to edit");
  if ((cur.caption ?? "") === caption && sameJson(cur.caption_entities ?? [], entities) && sameJson(cur.reply_markup, markup.inline)) {
    throw badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
  }
  checkRate(s, "editMessageCaption", state);
  const removeKeys: Array<keyof Message> = [];
  if (caption === "") removeKeys.push("caption");
  if (entities.length === 0) removeKeys.push("caption_entities");
  if (!markup.inline) removeKeys.push("reply_markup");
  return applyEdit(s, state, stored, { ...(caption ? { caption } : {}), ...(entities.length > 0 ? { caption_entities: entities } : {}), ...(markup.inline ? { reply_markup: markup.inline } : {}) }, removeKeys);
}

export function editMessageReplyMarkup(s: FakeState, p: Params): Message {
  const markup = checkMarkup(p.reply_markup);
  if (markup.reply || markup.remove) throw badRequest("inline keyboard expected");
  const { state, stored } = editTarget(s, p, "edit");
  if (!stored.fromBot) throw badRequest("message can't be edited");
  if (sameJson(stored.current.reply_markup, markup.inline)) {
    throw badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
  }
  checkRate(s, "editMessageReplyMarkup", state);
  return applyEdit(s, state, stored, markup.inline ? { reply_markup: markup.inline } : {}, markup.inline ? [] : ["reply_markup"]);
}

export function deleteMessage(s: FakeState, p: Params): boolean {
  const { stored } = editTarget(s, p, "delete");
  stored.deleted = true;
  return true;
}

export function deleteMessages(s: FakeState, p: Params): boolean {
  const state = resolveChat(s, p, { forWriting: true });
  const ids = Array.isArray(p.message_ids) ? p.message_ids.map(Number) : [];
  if (ids.length === 0 || ids.length > 100) throw badRequest("message identifiers are not specified");
  for (const id of ids) {
    const stored = state.messages.get(id);
    if (stored) stored.deleted = true;
  }
  return true;
}
