/**
 * The terminal chat: a resident's conversation on stdin/stdout, through the same runner as every
 * channel (as goflow's flowrunner steps through flows). On a non-TTY stdin it reads one input per
 * line and prints every bot message as plain text with numbered options, followed by `---`, and
 * each input after a "> " prompt (a terminal would have echoed it), so a scripted run reads as a
 * transcript. Options are numbered lines that are typed, so the engine's "tap a button" wording is
 * swapped for "type the number" (core/engine/typed-wording.ts). `anxin chat`
 * (app/chat-command.ts) opens the database and hands it the runner.
 */
import { createInterface } from "node:readline";
import type { Input, Lang, OutMessage } from "../../core/engine/types.js";
import { typedWording } from "../../core/engine/typed-wording.js";
import type { InboundMessage, RunnerReply } from "../../core/survey/runner.js";

/** The platform name of terminal identities. */
export const TERMINAL_PLATFORM = "cli";

/** Formats bot messages (in `lang`) as the terminal shows them. */
export function formatMessages(messages: OutMessage[], lang: Lang): string {
  return messages
    .map((message) => {
      const lines = [typedWording(message.text, lang)];
      for (const option of message.options ?? []) {
        lines.push(`  ${option.key}. ${option.label}${option.selected ? " ✓" : ""}`);
      }
      return lines.join("\n");
    })
    .join("\n\n");
}

/** Where the terminal chat reads and writes. */
export interface TerminalIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  isTTY: boolean;
}

/** Talks to the runner as one terminal user until the input ends. */
export async function runTerminalChat(
  runner: { handle(message: InboundMessage): Promise<RunnerReply> },
  options: { user: string; lang?: Lang | undefined },
  io: TerminalIo,
): Promise<void> {
  const send = async (input: Input): Promise<void> => {
    const reply = await runner.handle({ platform: TERMINAL_PLATFORM, platformUserId: options.user, chatId: options.user, langCode: options.lang, input });
    io.output.write(`${formatMessages(reply.messages, reply.lang)}\n${io.isTTY ? "" : "---\n"}`);
  };
  await send({ kind: "start" });
  const lines = createInterface({ input: io.input, terminal: io.isTTY });
  if (io.isTTY) io.output.write("> ");
  for await (const line of lines) {
    const text = line.trim();
    // A TTY echoes what is typed; a script's input would otherwise be missing from the output.
    if (!io.isTTY && text !== "") io.output.write(`> ${text}\n`);
    if (text !== "") await send({ kind: "text", text });
    if (io.isTTY) io.output.write("> ");
  }
}
