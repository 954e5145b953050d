/**
 * Chat commands for staff (officers and admins), handled before the resident dialogue engine:
 * `/suggestions`, `/stats`, `/broadcast`, `/coverage` … Each command declares the least role
 * allowed to use it; the runner answers anyone below it with a polite refusal and never runs it.
 */
import type { ResidentRecord, Role } from "../model/index.js";
import type { Input, Lang, LocalizedText, OutMessage } from "../engine/types.js";

/** A reply richer than text: an image (e.g. a chart) some channels can show. */
export interface StaffReply {
  messages: OutMessage[];
  /** PNG images to send after the messages, where the channel supports images. */
  images?: { png: Uint8Array; caption: string }[];
  /**
   * Instead of replying, hand the engine this input (a dialogue the engine runs, e.g. /broadcast):
   * the runner then runs an ordinary engine turn with it, and `messages` are not sent.
   */
  input?: Input;
}

/** One staff command. */
export interface StaffCommand {
  /** Without the slash, lower case: "suggestions". */
  name: string;
  /** The least role allowed. */
  role: Role;
  /** One line for /help and Telegram's command menu. */
  description: LocalizedText;
  /** Runs the command; `args` is the text after the command name, trimmed. */
  run(request: { staff: ResidentRecord; args: string; lang: Lang; now: Date }): Promise<StaffReply>;
}

/** Splits "/name@Bot rest" into its command name and arguments, or undefined for other text. */
export function parseStaffCommand(text: string, botName?: string): { name: string; args: string } | undefined {
  const match = /^\/([a-z][a-z0-9_]{0,31})(?:@([A-Za-z0-9_]+))?(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!match?.[1]) return undefined;
  if (match[2] && botName && match[2].toLowerCase() !== botName.toLowerCase()) return undefined;
  return { name: match[1].toLowerCase(), args: (match[3] ?? "").trim() };
}
