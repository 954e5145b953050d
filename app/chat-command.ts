/**
 * `anxin chat`: go through a questionnaire as a resident in the terminal (bots/terminal/chat.ts),
 * through the same runner and store as every channel, on the given database or on a scratch one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDatabaseUrl, type DatabaseTarget } from "../prisma/database-url.js";
import { openDatabase } from "./database.js";
import { ensureDefaultSurvey, storeQuestionnaire } from "../core/survey/default-survey.js";
import { loadQuestionnaireFile } from "../core/definitions/load.js";
import { ConversationRunner } from "../core/survey/runner.js";
import { isLang, type Lang } from "../core/engine/types.js";
import { runTerminalChat, type TerminalIo } from "../bots/terminal/chat.js";

/** Options of `anxin chat`. */
export interface ChatOptions {
  questionnaire?: string;
  lang?: string;
  db?: string;
  user?: string;
}

/** Runs the chat until stdin ends. */
export async function runChat(options: ChatOptions, io: TerminalIo): Promise<void> {
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
    await runTerminalChat(runner, { user: options.user ?? "terminal", lang }, io);
  } finally {
    await store.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
