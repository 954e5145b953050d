/** Callback queries: the user pressing an inline button, and the bot answering it. */
import type { CallbackQuery } from "grammy/types";
import { user as buildUser, chatInstance, fakeQueryId, type UserLike } from "../telegram-updates.js";
import type { Params } from "./internal-types.js";
import { enqueueUpdate } from "./queue.js";
import type { FakeState } from "./state.js";
import type { CallbackAnswer, PressButtonOptions } from "./types.js";
import { badRequest, clone, numberParam, stringParam } from "./util.js";

export function pressButton(s: FakeState, from: UserLike, messageId: number, data: string, opts: PressButtonOptions = {}): CallbackQuery {
  const chatId = opts.chatId ?? from.id;
  const stored = s.chats.get(chatId)?.messages.get(messageId);
  if (!stored || stored.deleted) throw new Error(`pressButton: message ${messageId} not found in chat ${chatId}`);
  if (!opts.force) {
    const datas = (stored.current.reply_markup?.inline_keyboard ?? []).flat().map((b) => (b as { callback_data?: string }).callback_data);
    if (!datas.includes(data)) {
      throw new Error(
        `pressButton: message ${messageId} in chat ${chatId} has no button with callback_data ${JSON.stringify(data)} (buttons: ${JSON.stringify(datas)})`,
      );
    }
  }
  const query: CallbackQuery = {
    id: fakeQueryId(),
    from: buildUser(from),
    message: clone(stored.current) as CallbackQuery["message"] & object,
    chat_instance: chatInstance(chatId),
    data,
  };
  enqueueUpdate(s, { callback_query: query });
  return clone(query);
}

export function answerCallbackQuery(s: FakeState, p: Params): boolean {
  const id = stringParam(p.callback_query_id);
  const entry = s.callbackQueries.get(id);
  if (!entry || entry.answer) throw badRequest("query is too old and response timeout expired or query ID is invalid");
  const answer: CallbackAnswer = {};
  if (p.text !== undefined) answer.text = stringParam(p.text);
  if (p.show_alert !== undefined) answer.show_alert = p.show_alert === true;
  if (p.url !== undefined) answer.url = stringParam(p.url);
  if (p.cache_time !== undefined) answer.cache_time = numberParam(p.cache_time) ?? 0;
  if ((answer.text ?? "").length > 200) throw badRequest("MESSAGE_TOO_LONG");
  entry.answer = answer;
  return true;
}
