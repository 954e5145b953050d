/**
 * An imported XLSForm in a wave of a fresh SQLite store, answered through the real runner: what
 * the XLSForm end-to-end tests share (the form, its wave, the runner, the terminal chat).
 */
import { PassThrough } from "node:stream";
import { importXlsForm, type XlsFormImportOptions } from "../../core/definitions/xlsform.js";
import type { Lang, Questionnaire } from "../../core/engine/types.js";
import { storeQuestionnaire } from "../../core/survey/default-survey.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import type { Store, WaveRecord } from "../../core/model/index.js";
import { runTerminalChat } from "../../bots/terminal/chat.js";
import { openTestStore } from "../support/store-fixture.js";

/** The runner's clock in these tests. */
export const FORM_NOW = new Date("2026-05-01T09:00:00Z");

/** A stored form, its open wave and a runner over them. */
export interface FormWorld {
  store: Store;
  runner: ConversationRunner;
  wave: WaveRecord;
  questionnaire: Questionnaire;
  /** Whether storing the form created its record (a new id and version). */
  created: boolean;
  /** Runs the terminal chat as `user` on the scripted lines; the transcript it printed. */
  chat(user: string, lang: Lang, lines: string[]): Promise<string>;
  /** The answers stored for the terminal chat's `user` in the wave. */
  answersOf(user: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

/** Imports `workbook`, stores it and opens a wave of it (opened a minute before {@link FORM_NOW}). */
export async function openFormWorld(workbook: Uint8Array, options: XlsFormImportOptions & { waveName: string }): Promise<FormWorld> {
  const { waveName, ...importOptions } = options;
  const { definition: questionnaire } = await importXlsForm(workbook, importOptions);
  const opened = await openTestStore();
  const { store } = opened;
  const { record, created } = await storeQuestionnaire(store, questionnaire, "xlsform");
  const wave = await store.createWave({ name: waveName, questionnaireId: record.id, opensAt: new Date(FORM_NOW.getTime() - 60_000) });
  const runner = new ConversationRunner({ store, now: () => FORM_NOW });
  return {
    store,
    runner,
    wave,
    questionnaire,
    created,
    async chat(user, lang, lines) {
      const input = new PassThrough();
      const output = new PassThrough();
      let transcript = "";
      output.on("data", (chunk: Buffer) => {
        transcript += chunk.toString("utf8");
      });
      const done = runTerminalChat(runner, { user, lang }, { input, output, isTTY: false });
      input.end(`${lines.join("\n")}\n`);
      await done;
      return transcript;
    },
    async answersOf(user) {
      const identity = await store.findIdentity("cli", user);
      return (await store.getResponse(identity?.residentId ?? "", wave.id))?.answers;
    },
    close: () => opened.close(),
  };
}
