/**
 * The update queue shared by getUpdates and webhook delivery: what goes into it, and what the
 * fake learns from every update that does.
 */
import type { Chat, Message, Update } from "grammy/types";
import { myChatMemberUpdate, type UserLike } from "../telegram-updates.js";
import { botUser, ensureChat, nextMessageId, storeMessage } from "./chats.js";
import type { FakeState } from "./state.js";
import { clone, nowSeconds } from "./util.js";
import { deliverLoop } from "./webhook.js";

export function enqueueUpdate(s: FakeState, raw: Partial<Update> | Record<string, unknown>): Update {
  const update = clone(raw) as Update;
  if (typeof update.update_id !== "number" || update.update_id <= 0) update.update_id = s.nextUpdateId++;
  else s.nextUpdateId = Math.max(s.nextUpdateId, update.update_id + 1);
  absorbUpdate(s, update);
  s.queue.push(update);
  afterQueueChange(s);
  return clone(update);
}

function afterQueueChange(s: FakeState): void {
  s.notify();
  if (s.webhook) {
    void deliverLoop(s);
    return;
  }
  if (s.wakeScheduled || s.pollWaiters.size === 0) return;
  s.wakeScheduled = true;
  // Batch updates pushed in the same tick into one getUpdates answer, like Telegram does.
  setImmediate(() => {
    s.wakeScheduled = false;
    for (const w of [...s.pollWaiters]) w.wake();
  });
}

export function pushMembershipChange(s: FakeState, chat: Chat, oldStatus: "member" | "kicked", newStatus: "member" | "kicked"): void {
  const actor: UserLike =
    chat.type === "private"
      ? { id: chat.id, first_name: chat.first_name, ...(chat.username ? { username: chat.username } : {}) }
      : { id: 1_000_000_001, first_name: "Group admin" };
  const update = myChatMemberUpdate(actor, botUser(s), oldStatus, newStatus, chat);
  s.queue.push({ ...update, update_id: s.nextUpdateId++ });
  afterQueueChange(s);
}

/** Learns chats, messages, callback queries and file ids from a pushed update. */
function absorbUpdate(s: FakeState, update: Update): void {
  const u = update as unknown as Record<string, unknown>;
  for (const key of ["message", "channel_post", "business_message"]) {
    const msg = u[key] as Message | undefined;
    if (!msg) continue;
    const state = ensureChat(s, msg.chat.id, msg.chat);
    if (!msg.message_id) msg.message_id = nextMessageId(s, msg.chat.id);
    if (!msg.date) msg.date = nowSeconds();
    storeMessage(s, state, clone(msg), msg.from?.id === s.botInfo.id);
  }
  for (const key of ["edited_message", "edited_channel_post"]) {
    const msg = u[key] as Message | undefined;
    if (!msg) continue;
    const state = ensureChat(s, msg.chat.id, msg.chat);
    if (!msg.edit_date) msg.edit_date = nowSeconds();
    if (!msg.date) msg.date = state.messages.get(msg.message_id)?.current.date ?? nowSeconds();
    storeMessage(s, state, clone(msg), msg.from?.id === s.botInfo.id);
  }
  const query = update.callback_query;
  if (query) {
    s.callbackQueries.set(query.id, { query: clone(query) });
    if (query.message) ensureChat(s, query.message.chat.id, query.message.chat);
  }
  const member = update.my_chat_member;
  if (member && member.new_chat_member.user.id === s.botInfo.id) {
    const state = ensureChat(s, member.chat.id, member.chat);
    const status = member.new_chat_member.status;
    state.blocked = status === "kicked" || status === "left";
  }
  collectFileIds(update, (found) => {
    if (!s.files.has(found.file_id)) {
      s.files.set(found.file_id, {
        file_id: found.file_id,
        file_unique_id: found.file_unique_id,
        file_path: `files/${found.file_id}`,
        ...(typeof found.file_size === "number" ? { file_size: found.file_size } : {}),
        ...(typeof found.width === "number" && typeof found.height === "number" ? { dims: { width: found.width, height: found.height } } : {}),
      });
    }
  });
}

/** Calls `visit` for every `{file_id, file_unique_id}` object inside an update. */
function collectFileIds(
  value: unknown,
  visit: (found: { file_id: string; file_unique_id: string; file_size?: unknown; width?: unknown; height?: unknown }) => void,
): void {
  if (Array.isArray(value)) {
    for (const item of value) collectFileIds(item, visit);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const obj = value as Record<string, unknown>;
  if (typeof obj.file_id === "string" && typeof obj.file_unique_id === "string") {
    visit(obj as { file_id: string; file_unique_id: string });
  }
  for (const v of Object.values(obj)) collectFileIds(v, visit);
}
