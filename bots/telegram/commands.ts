/**
 * The bot's command menu ("/" button in Telegram), per language. Telegram picks the list by the
 * user's app language: Simplified Chinese is the default for everyone, `zh` explicitly gets it
 * too, and `en` gets English. Telegram's `language_code` is a two-letter code, so Traditional
 * Chinese users (also `zh`) see the Simplified list; the conversation itself follows their choice.
 */
import type { Api } from "grammy";
import type { BotCommand, LanguageCode } from "grammy/types";
import { t } from "../../core/engine/i18n.js";
import type { Lang } from "../../core/engine/types.js";

/** The commands shown, in menu order (the engine understands each one). */
export const MENU_COMMANDS = ["survey", "menu", "back", "skip", "lang", "help", "privacy", "stop"] as const;

/** The command list in one language. */
export function commandList(lang: Lang): BotCommand[] {
  return MENU_COMMANDS.map((command) => ({ command, description: t(lang, `telegram.commands.${command}`) }));
}

/** `language_code` → language of the list; "" is the default for every other language. */
export const COMMAND_LANGUAGES: readonly { languageCode: LanguageCode | ""; lang: Lang }[] = [
  { languageCode: "", lang: "zh-CN" },
  { languageCode: "zh", lang: "zh-CN" },
  { languageCode: "en", lang: "en" },
];

/**
 * Registers the lists with setMyCommands for private chats (the survey runs only there; in groups
 * the bot shows no commands).
 */
export async function registerCommands(api: Api): Promise<void> {
  for (const { languageCode, lang } of COMMAND_LANGUAGES) {
    await api.setMyCommands(commandList(lang), {
      scope: { type: "all_private_chats" },
      ...(languageCode ? { language_code: languageCode } : {}),
    });
  }
}
