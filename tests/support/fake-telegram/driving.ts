/** What a user does in the chat app, turned into updates for the bot: writing and sharing a contact. */
import type { Message } from "grammy/types";
import { contactUpdate, textMessage, type UserLike } from "../telegram-updates.js";
import { ensureChat, nextMessageId, requestsContactOrLocation, resolveDriveChat, storeMessage } from "./chats.js";
import type { StoredMessage } from "./internal-types.js";
import { enqueueUpdate } from "./queue.js";
import type { FakeState } from "./state.js";
import type { SendTextOptions } from "./types.js";
import { clone, nowSeconds } from "./util.js";

export function sendText(s: FakeState, from: UserLike, text: string, opts: SendTextOptions = {}): Message {
  const chat = resolveDriveChat(s, from, opts.chat);
  const state = ensureChat(s, chat.id, chat);
  if (chat.type === "private") state.blocked = false;
  const replyTo = opts.replyTo !== undefined ? state.messages.get(opts.replyTo) : undefined;
  if (opts.replyTo !== undefined && !replyTo) throw new Error(`sendText: message ${opts.replyTo} not found in chat ${chat.id}`);
  const msg: Message = textMessage(from, text, {
    chat: state.chat,
    messageId: nextMessageId(s, chat.id),
    date: nowSeconds(),
    ...(opts.entities ? { entities: opts.entities } : {}),
    ...(replyTo ? { replyTo: replyTo.current } : {}),
  });
  if (chat.type === "channel") {
    delete msg.from;
    msg.sender_chat = clone(state.chat);
  }
  if ((chat.type === "group" || chat.type === "supergroup") && !s.botInfo.can_read_all_group_messages && !visibleInPrivacyMode(s, msg, replyTo)) {
    storeMessage(s, state, clone(msg), false);
    return clone(msg);
  }
  const update = enqueueUpdate(s, chat.type === "channel" ? { channel_post: msg } : { message: msg });
  return clone((update.message ?? update.channel_post) as Message);
}

function visibleInPrivacyMode(s: FakeState, msg: Message, replyTo: StoredMessage | undefined): boolean {
  if (replyTo?.fromBot) return true;
  const text = msg.text ?? "";
  const username = s.botInfo.username.toLowerCase();
  return (msg.entities ?? []).some((e) => {
    const value = text.slice(e.offset, e.offset + e.length).toLowerCase();
    if (e.type === "bot_command") return !value.includes("@") || value.endsWith(`@${username}`);
    if (e.type === "mention") return value === `@${username}`;
    return false;
  });
}

export function shareContact(s: FakeState, from: UserLike, phoneNumber: string, opts: { force?: boolean } = {}): Message {
  const state = s.chats.get(from.id);
  const keyboard = state?.replyKeyboard;
  if (!opts.force && !(keyboard && requestsContactOrLocation(keyboard, "request_contact"))) {
    throw new Error(`shareContact: the chat with ${from.id} shows no "request_contact" button`);
  }
  if (state && keyboard?.one_time_keyboard) delete state.replyKeyboard;
  const update = enqueueUpdate(s, contactUpdate(from, phoneNumber, { own: true }));
  return clone(update.message as Message);
}
