/**
 * Commands residents type: slash commands ("/menu", "/lang en", "/menu@SomeBot") and plain
 * keywords in any of our languages ("菜单", "返回", "跳过", "帮助", "退订"). Keywords only count
 * when they are the whole message, so a suggestion that mentions 菜单 is still a suggestion.
 */
import { cleanText } from "./normalize.js";

/** A parsed command. `unknown` is a slash command we don't have. */
export type Command =
  | { name: "start"; arg?: string }
  | { name: "menu" }
  | { name: "lang"; arg?: string }
  | { name: "back" }
  | { name: "skip" }
  | { name: "stop" }
  | { name: "subscribe" }
  | { name: "help" }
  | { name: "privacy" }
  | { name: "survey" }
  | { name: "unknown"; text: string };

type SimpleName = Exclude<Command["name"], "unknown" | "start" | "lang">;

const SLASH: Record<string, Command["name"]> = {
  start: "start",
  menu: "menu",
  lang: "lang",
  language: "lang",
  back: "back",
  skip: "skip",
  stop: "stop",
  unsubscribe: "stop",
  subscribe: "subscribe",
  help: "help",
  privacy: "privacy",
  survey: "survey",
};

const KEYWORDS: Record<string, SimpleName | "lang"> = {
  菜单: "menu", 菜單: "menu", 选单: "menu", 選單: "menu", 主菜单: "menu", 主菜單: "menu", 目录: "menu", 目錄: "menu", menu: "menu",
  返回: "back", 上一题: "back", 上一題: "back", 上一步: "back", back: "back",
  跳过: "skip", 跳過: "skip", 不答: "skip", skip: "skip",
  帮助: "help", 幫助: "help", 帮忙: "help", 說明: "help", 说明: "help", help: "help",
  退订: "stop", 退訂: "stop", 取消订阅: "stop", 取消訂閱: "stop", unsubscribe: "stop", stop: "stop",
  订阅: "subscribe", 訂閱: "subscribe", subscribe: "subscribe",
  语言: "lang", 語言: "lang", language: "lang",
  隐私: "privacy", 隱私: "privacy", privacy: "privacy",
  问卷: "survey", 問卷: "survey", 答题: "survey", 答題: "survey", 调查: "survey", 調查: "survey", survey: "survey",
};

/** The skip keyword per language (the key of the Skip option on number questions). */
export const SKIP_KEYWORD = { "zh-CN": "跳过", "zh-TW": "跳過", en: "skip" } as const;

/**
 * Parses a typed message as a command; undefined when it is an ordinary message.
 * `botName` lets "/menu@ThatBot" through and treats "/menu@OtherBot" as not for us.
 */
export function parseCommand(text: string, botName?: string): Command | undefined {
  const s = cleanText(text);
  if (s.startsWith("/")) {
    const m = /^\/([A-Za-z_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/.exec(s);
    if (!m) return { name: "unknown", text: s.slice(0, 40) };
    const [, word = "", mention, rest] = m;
    if (mention && botName && mention.toLowerCase() !== botName.replace(/^@/, "").toLowerCase()) {
      return { name: "unknown", text: s.slice(0, 40) };
    }
    const name = SLASH[word.toLowerCase()];
    if (!name) return { name: "unknown", text: `/${word}` };
    const arg = rest?.trim() || undefined;
    if (name === "start") return arg === undefined ? { name } : { name, arg };
    if (name === "lang") return arg === undefined ? { name } : { name, arg };
    return { name } as Command;
  }
  const keyword = KEYWORDS[s.toLowerCase().replace(/[.。!！]+$/, "")];
  if (keyword === undefined || !Object.hasOwn(KEYWORDS, s.toLowerCase().replace(/[.。!！]+$/, ""))) return undefined;
  return { name: keyword };
}
