/**
 * The chats the fake knows and the messages in them. Message ids are numbered as Telegram numbers
 * them for a bot: one counter for all of the bot's private chats and basic groups (every account,
 * a bot's included, has a single message counter for those), and a counter of its own in each
 * supergroup and channel. So a private chat's ids are unique in it but never contiguous when the
 * bot talks to several people.
 */
import type { Chat, Message, ReplyKeyboardMarkup, User } from "grammy/types";
import { privateChat, type UserLike } from "../telegram-updates.js";
import type { ChatState, Params } from "./internal-types.js";
import type { FakeState } from "./state.js";
import { ApiError, badRequest, clone, numberParam } from "./util.js";

export function ensureChat(s: FakeState, chatId: number, chat?: Chat): ChatState {
  let state = s.chats.get(chatId);
  if (!state) {
    state = { chat: clone(chat ?? inventChat(chatId)), messages: new Map(), blocked: false };
    s.chats.set(chatId, state);
  }
  return state;
}

export function resolveDriveChat(s: FakeState, from: UserLike, chat: Chat | number | undefined): Chat {
  if (chat === undefined) return s.chats.get(from.id)?.chat ?? privateChat(from);
  if (typeof chat === "number") {
    const known = s.chats.get(chat)?.chat;
    if (!known) throw new Error(`unknown chat ${chat}: pass a Chat object or call addChat() first`);
    return known;
  }
  return chat;
}

/** Finds the chat named by `chat_id` (numeric or @username) and applies the blocked check. */
export function resolveChat(s: FakeState, p: Params, opts: { forWriting: boolean }): ChatState {
  const raw = p.chat_id;
  if (raw === undefined || raw === null || raw === "") throw badRequest("chat_id is empty");
  let state: ChatState | undefined;
  if (typeof raw === "string" && raw.startsWith("@")) {
    const name = raw.slice(1).toLowerCase();
    state = [...s.chats.values()].find((c) => "username" in c.chat && c.chat.username?.toLowerCase() === name);
    if (!state) throw badRequest("chat not found");
  } else {
    const id = numberParam(raw);
    if (id === undefined || !Number.isInteger(id)) throw badRequest("chat not found");
    state = s.chats.get(id);
    if (!state) {
      if (s.opts.unknownChats === "reject") {
        if (id > 0) throw new ApiError(403, "Forbidden: bot can't initiate conversation with a user");
        throw badRequest("chat not found");
      }
      state = ensureChat(s, id);
    }
  }
  if (opts.forWriting && state.blocked) throw new ApiError(403, blockedDescription(state.chat));
  return state;
}

/** The counter a chat's message ids come from: the bot's own (key 0) or, in supergroups and channels, the chat's. */
export function counterKey(s: FakeState, chatId: number): number {
  const type = s.chats.get(chatId)?.chat.type ?? inventChat(chatId).type;
  return type === "supergroup" || type === "channel" ? chatId : BOT_COUNTER;
}

/** The key of the bot's one counter of private chats and basic groups (no chat has id 0). */
const BOT_COUNTER = 0;

export function nextMessageId(s: FakeState, chatId: number): number {
  const key = counterKey(s, chatId);
  const next = (s.messageCounters.get(key) ?? 0) + 1;
  s.messageCounters.set(key, next);
  return next;
}

export function chatMessages(s: FakeState, chatId: number, botOnly: boolean): Message[] {
  const state = s.chats.get(chatId);
  if (!state) return [];
  return [...state.messages.values()]
    .filter((m) => !m.deleted && (!botOnly || m.fromBot))
    .sort((a, b) => a.current.message_id - b.current.message_id)
    .map((m) => clone(m.current));
}

export function storeMessage(s: FakeState, state: ChatState, msg: Message, fromBot: boolean): void {
  const existing = state.messages.get(msg.message_id);
  if (existing) {
    existing.versions.push(existing.current);
    existing.current = msg;
    existing.deleted = false;
  } else {
    state.messages.set(msg.message_id, { current: msg, versions: [], fromBot, deleted: false });
  }
  const key = counterKey(s, state.chat.id);
  const counter = s.messageCounters.get(key) ?? 0;
  if (msg.message_id > counter) s.messageCounters.set(key, msg.message_id);
}

export function botUser(s: FakeState): User {
  return { id: s.botInfo.id, is_bot: true, first_name: s.botInfo.first_name, username: s.botInfo.username };
}

function blockedDescription(chat: Chat): string {
  switch (chat.type) {
    case "private":
      return "Forbidden: bot was blocked by the user";
    case "group":
      return "Forbidden: bot was kicked from the group chat";
    case "supergroup":
      return "Forbidden: bot was kicked from the supergroup chat";
    case "channel":
      return "Forbidden: bot is not a member of the channel chat";
  }
}

function inventChat(id: number): Chat {
  if (id > 0) return { id, type: "private", first_name: `User${id}` };
  if (id <= -1_000_000_000_000) return { id, type: "supergroup", title: `Supergroup ${id}` };
  return { id, type: "group", title: `Group ${id}` };
}

/** Does a reply keyboard have a button that asks for the user's contact (or location)? */
export function requestsContactOrLocation(keyboard: ReplyKeyboardMarkup, only?: "request_contact" | "request_location"): boolean {
  return keyboard.keyboard.flat().some((button) => {
    if (typeof button !== "object" || button === null) return false;
    const b = button as unknown as Record<string, unknown>;
    return only ? b[only] === true : b.request_contact === true || b.request_location === true;
  });
}
