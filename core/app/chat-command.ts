/**
 * `anxin chat`: go through a questionnaire as a resident in the terminal, through the same runner
 * and store as every channel (as goflow's flowrunner does for flows). On a non-TTY stdin it reads
 * one input per line and prints every bot message as plain text with numbered options, so it can
 * be scripted.
 */
import { createInterface } from "node:readline";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDatabaseUrl, type DatabaseTarget } from "../../prisma/database-url.js";
import { openDatabase } from "./database.js";
import { ensureDefaultSurvey, storeQuestionnaire } from "./seed.js";
import { loadQuestionnaireFile } from "../definitions/load.js";
import { ConversationRunner } from "../survey/runner.js";
import { isLang, type Lang, type OutMessage } from "../engine/types.js";

/** Options of `anxin chat`. */
export interface ChatOptions {
  questionnaire?: string;
  lang?: string;
  db?: string;
  user?: string;
}

/** Formats bot messages as the terminal shows them. */
export function formatMessages(messages: OutMessage[]): string {
  return messages
    .map((message) => {
      const lines = [message.text];
      for (const option of message.options ?? []) {
        lines.push(`  ${option.key}. ${option.label}${option.selected ? " ✓" : ""}`);
      }
      return lines.join("\n");
    })
    .join("\n\n");
}

/** Runs the chat until stdin ends. */
export async function runChat(options: ChatOptions, io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; isTTY: boolean }): Promise<void> {
  if (options.lang !== undefined && !isLang(options.lang)) throw new Error(`--lang must be zh-CN, zh-TW or en (got ${JSON.stringify(options.lang)})`);
  let scratch: string | undefined;
  let target: DatabaseTarget;
  if (options.db) {
    target = parseDatabaseUrl(options.db);
  } else {
    // Without --db the chat runs on a scratch database that disappears afterwards.
    scratch = mkdtempSync(join(tmpdir(), "anxin-chat-"));
    target = parseDatabaseUrl(`file:${join(scratch, "chat.db")}`);
  }
  const { store } = await openDatabase(target);
  try {
    const now = new Date();
    if (options.questionnaire) {
      const questionnaire = loadQuestionnaireFile(options.questionnaire);
      const { record } = await storeQuestionnaire(store, questionnaire, "yaml");
      await store.createWave({ name: `anxin chat ${record.key} v${record.version}`, questionnaireId: record.id, opensAt: new Date(now.getTime() - 1000) });
    } else {
      await ensureDefaultSurvey(store, new Date(now.getTime() - 1000));
    }
    const lang: Lang | undefined = options.lang !== undefined && isLang(options.lang) ? options.lang : undefined;
    const runner = new ConversationRunner({ store, defaultLang: lang });
    const user = options.user ?? "terminal";
    const send = async (input: Parameters<ConversationRunner["handle"]>[0]["input"]) => {
      const reply = await runner.handle({ platform: "cli", platformUserId: user, chatId: user, langCode: lang, input });
      io.output.write(`${formatMessages(reply.messages)}\n${io.isTTY ? "" : "---\n"}`);
    };
    await send({ kind: "start" });
    const lines = createInterface({ input: io.input, terminal: io.isTTY });
    if (io.isTTY) io.output.write("> ");
    for await (const line of lines) {
      const text = line.trim();
      if (text !== "") await send({ kind: "text", text });
      if (io.isTTY) io.output.write("> ");
    }
  } finally {
    await store.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
