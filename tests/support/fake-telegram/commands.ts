/**
 * Bot commands per scope and language (setMyCommands / getMyCommands / deleteMyCommands), and the
 * menu a user would see, resolved the way Telegram clients pick a scope.
 */
import type { BotCommand } from "grammy/types";
import type { Params } from "./internal-types.js";
import type { FakeState } from "./state.js";
import { badRequest, clone, numberParam, stringParam } from "./util.js";

export function setMyCommands(s: FakeState, p: Params): boolean {
  const list = p.commands;
  if (!Array.isArray(list)) throw badRequest("field \"commands\" must be an Array");
  if (list.length > 100) throw badRequest("too many commands");
  const commands: BotCommand[] = [];
  for (const c of list as Array<Record<string, unknown>>) {
    const command = stringParam(c?.command).replace(/^\//, "");
    const description = stringParam(c?.description);
    if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID");
    if (description.trim().length === 0 || description.length > 256) throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
    commands.push({ command, description });
  }
  const key = commandKey(scopeParam(p), stringParam(p.language_code));
  if (commands.length === 0) s.commands.delete(key);
  else s.commands.set(key, commands);
  return true;
}

export function getMyCommands(s: FakeState, p: Params): BotCommand[] {
  return s.commands.get(commandKey(scopeParam(p), stringParam(p.language_code))) ?? [];
}

export function deleteMyCommands(s: FakeState, p: Params): boolean {
  s.commands.delete(commandKey(scopeParam(p), stringParam(p.language_code)));
  return true;
}

export function visibleCommands(s: FakeState, chatId: number, opts: { languageCode?: string; userId?: number; isAdmin?: boolean } = {}): BotCommand[] {
  const lang = opts.languageCode ?? "";
  const chat = s.chats.get(chatId)?.chat;
  const isPrivate = chat ? chat.type === "private" : chatId > 0;
  const scopes: Array<{ type: string; chat_id?: number; user_id?: number }> = [];
  if (isPrivate) {
    scopes.push({ type: "chat", chat_id: chatId }, { type: "all_private_chats" });
  } else {
    if (opts.userId !== undefined) scopes.push({ type: "chat_member", chat_id: chatId, user_id: opts.userId });
    if (opts.isAdmin) scopes.push({ type: "chat_administrators", chat_id: chatId });
    scopes.push({ type: "chat", chat_id: chatId });
    if (opts.isAdmin) scopes.push({ type: "all_chat_administrators" });
    scopes.push({ type: "all_group_chats" });
  }
  scopes.push({ type: "default" });
  for (const scope of scopes) {
    for (const l of lang ? [lang, ""] : [""]) {
      const found = s.commands.get(commandKey(scope, l));
      if (found && found.length > 0) return clone(found);
    }
  }
  return [];
}

function scopeParam(p: Params): { type: string; chat_id?: number | string; user_id?: number } {
  const scope = p.scope;
  if (scope && typeof scope === "object" && typeof (scope as { type?: unknown }).type === "string") {
    return scope as { type: string; chat_id?: number | string; user_id?: number };
  }
  return { type: "default" };
}

export function commandKey(scope: { type: string; chat_id?: number | string; user_id?: number }, languageCode: string): string {
  const chat = scope.chat_id !== undefined ? String(numberParam(scope.chat_id) ?? scope.chat_id) : "";
  const userId = scope.user_id !== undefined ? String(scope.user_id) : "";
  return `${scope.type}|${chat}|${userId}|${languageCode}`;
}
