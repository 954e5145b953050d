/**
 * The cascading XLSForm (district → town → village with choice_filter) on Telegram, through the
 * Telegram adapter against the fake Bot API and a real database: the inline keyboard of each
 * question holds only the choices the earlier answers leave, a resident who taps a district sees
 * only its towns and then only that town's villages, and a town's button from another district's
 * keyboard records nothing. The form's version is a yyyymmddnn number, as the importer advises,
 * which the buttons carry.
 */
import type { Message, Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TelegramAdapter } from "../../bots/telegram/adapter.js";
import { createSendingApi } from "../../bots/telegram/sender.js";
import { importXlsForm } from "../../core/definitions/xlsform.js";
import { storeQuestionnaire } from "../../core/survey/default-survey.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import type { Store, WaveRecord } from "../../core/model/index.js";
import { FakeTelegram } from "../support/fake-telegram/index.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { callbackQueryUpdate, textUpdate } from "../support/telegram-updates.js";
import { buttonsOf, recordingLogger, TEST_SECRET } from "../telegram/support.js";
import { cascadingForm } from "./cascading-form.js";
import { buildXlsx } from "./workbook.js";

const me = { username: "anxin_test_bot" };
const resident = { id: 8_300_000_101, first_name: "Li", language_code: "en" };
const now = new Date("2026-05-01T09:00:00Z");

let tg: FakeTelegram;
let opened: TestStore;
let store: Store;
let wave: WaveRecord;
let adapter: TelegramAdapter;
let nextUpdateId = 1;

beforeEach(async () => {
  tg = await FakeTelegram.start();
  opened = await openTestStore();
  store = opened.store;
  const { definition } = await importXlsForm(await buildXlsx(cascadingForm()), { sourceName: "cascading.xlsx" });
  const { record } = await storeQuestionnaire(store, definition, "xlsform");
  wave = await store.createWave({ name: "cascading wave", questionnaireId: record.id, opensAt: new Date(now.getTime() - 60_000) });
  const runner = new ConversationRunner({ store, now: () => now });
  adapter = new TelegramAdapter({ runner, secret: TEST_SECRET, api: createSendingApi(tg.token, tg.apiRoot), logger: recordingLogger(), mode: "standalone" });
});

afterEach(async () => {
  await adapter.close();
  await tg.stop();
  await opened.close();
});

/** Sends one update as Telegram would (numbered) and waits until the bot has replied. */
async function send(update: Update): Promise<void> {
  const copy = structuredClone(update);
  copy.update_id = nextUpdateId++;
  if (copy.message && copy.message.message_id === 0) copy.message.message_id = nextUpdateId;
  await adapter.handleUpdate(copy, me);
  await adapter.drain();
}

/** The bot's latest message with buttons, as the resident sees it now. */
function lastKeyboard(): Message {
  const found = [...tg.sentTo(resident.id)].reverse().find((m) => buttonsOf(m).length > 0);
  if (!found) throw new Error(`no message with buttons:\n${tg.summary()}`);
  return found;
}

/** Taps the button labelled `text` on `message`. */
async function tap(message: Message, text: string): Promise<void> {
  const button = buttonsOf(message).find((b) => b.text === text);
  if (!button) throw new Error(`no button "${text}" on: ${buttonsOf(message).map((b) => b.text).join(", ")}`);
  await send(callbackQueryUpdate(resident, message, button.data));
}

const labels = (message: Message): string[] => buttonsOf(message).map((b) => b.text);

describe("a cascading XLSForm on Telegram", () => {
  it("shows only the chosen district's towns, then only that town's villages", async () => {
    await send(textUpdate(resident, "/start survey"));
    await tap(lastKeyboard(), buttonsOf(lastKeyboard()).find((b) => b.payload.op === "consent")?.text ?? "");
    const district = lastKeyboard();
    expect(district.text).toContain("Which district do you live in?");
    expect(labels(district)).toEqual(["West Lake", "Shangcheng"]);

    await tap(district, "West Lake");
    const westTowns = lastKeyboard();
    expect(westTowns.text).toContain("Which town?");
    expect(labels(westTowns)).toEqual(["Beishan", "Xixi"]);

    // Change the district: /back, then Shangcheng; its towns only.
    await send(textUpdate(resident, "/back"));
    await tap(lastKeyboard(), "Shangcheng");
    const towns = lastKeyboard();
    expect(towns.text).toContain("Which town?");
    expect(labels(towns)).toEqual(["Hubin", "Qingbo"]);

    // West Lake's Beishan, tapped on the older keyboard, is out of date: nothing is recorded.
    await tap(westTowns, "Beishan");
    const identity = await store.findIdentity("telegram", String(resident.id));
    expect((await store.getResponse(identity?.residentId ?? "", wave.id))?.answers["town"]).toBeUndefined();

    await tap(lastKeyboard(), "Hubin");
    const villages = lastKeyboard();
    expect(villages.text).toContain("Which village?");
    expect(labels(villages)).toEqual(["Dongpo", "Skip"]);

    await tap(villages, "Dongpo");
    const safe = lastKeyboard();
    expect(safe.text).toContain("Do you feel safe at night?");
    await tap(safe, "Yes");

    const response = await store.getResponse(identity?.residentId ?? "", wave.id);
    expect(response?.status).toBe("completed");
    expect(response?.answers).toEqual({
      district: { kind: "choice", option: "d2" },
      town: { kind: "choice", option: "t3" },
      village: { kind: "choice", option: "v4" },
      safe: { kind: "choice", option: "yes" },
    });
  }, 60_000);
});
