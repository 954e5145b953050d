/** The Bot API method table: which methods the fake implements, under their documented names. */
import { answerCallbackQuery } from "./callbacks.js";
import { resolveChat } from "./chats.js";
import { deleteMyCommands, getMyCommands, setMyCommands } from "./commands.js";
import { deleteMessage, deleteMessages, editMessageCaption, editMessageReplyMarkup, editMessageText } from "./editing.js";
import type { MethodHandler } from "./internal-types.js";
import { getFile, sendMedia } from "./media.js";
import { getUpdates } from "./polling.js";
import { sendChatAction, sendMessage } from "./sending.js";
import type { FakeState } from "./state.js";
import { clone, stringParam } from "./util.js";
import { buildWebhookInfo, deleteWebhook, setWebhook } from "./webhook.js";

export function installMethods(s: FakeState): void {
  const table: Record<string, MethodHandler> = {
    getMe: () => clone(s.botInfo),
    logOut: () => true,
    close: () => true,
    getUpdates: (p, _f, ctx) => getUpdates(s, p, ctx),
    setWebhook: (p, _f, ctx) => setWebhook(s, p, ctx),
    deleteWebhook: (p, _f, ctx) => deleteWebhook(s, p, ctx),
    getWebhookInfo: () => buildWebhookInfo(s),
    sendMessage: (p) => sendMessage(s, p),
    sendPhoto: (p, f) => sendMedia(s, p, f, "photo"),
    sendDocument: (p, f) => sendMedia(s, p, f, "document"),
    sendChatAction: (p) => sendChatAction(s, p),
    editMessageText: (p) => editMessageText(s, p),
    editMessageCaption: (p) => editMessageCaption(s, p),
    editMessageReplyMarkup: (p) => editMessageReplyMarkup(s, p),
    deleteMessage: (p) => deleteMessage(s, p),
    deleteMessages: (p) => deleteMessages(s, p),
    answerCallbackQuery: (p) => answerCallbackQuery(s, p),
    setMyCommands: (p) => setMyCommands(s, p),
    getMyCommands: (p) => getMyCommands(s, p),
    deleteMyCommands: (p) => deleteMyCommands(s, p),
    setMyDescription: (p) => {
      s.botTexts.description = stringParam(p.description);
      return true;
    },
    getMyDescription: () => ({ description: s.botTexts.description }),
    setMyShortDescription: (p) => {
      s.botTexts.short_description = stringParam(p.short_description);
      return true;
    },
    getMyShortDescription: () => ({ short_description: s.botTexts.short_description }),
    setMyName: (p) => {
      s.botTexts.name = stringParam(p.name) || s.botInfo.first_name;
      return true;
    },
    getMyName: () => ({ name: s.botTexts.name }),
    setChatMenuButton: (p) => {
      s.menuButtons.set(String(p.chat_id ?? ""), p.menu_button ?? { type: "default" });
      return true;
    },
    getChatMenuButton: (p) => s.menuButtons.get(String(p.chat_id ?? "")) ?? { type: "commands" },
    getChat: (p) => {
      const state = resolveChat(s, p, { forWriting: false });
      return { ...clone(state.chat), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } };
    },
    getFile: (p) => getFile(s, p),
  };
  for (const [name, fn] of Object.entries(table)) s.handlers.set(name.toLowerCase(), { name, fn });
}
