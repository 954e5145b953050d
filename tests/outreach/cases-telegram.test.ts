/**
 * Case feedback on Telegram as `anxin start` runs it (config → channels → grammY) against the
 * fake Bot API: an officer registers and closes a case from their own chat, the reporter gets
 * each update pushed in their language, and rates the case with a (signed) button. A resident
 * typing `/case` is refused.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { startApp, type RunningApp } from "../../app/start.js";
import { FakeTelegram } from "../support/fake-telegram/index.js";
import { buttonsOf, channelsConnected, isDelivery, SurveyDriver, TEST_SECRET } from "../telegram/support.js";

const officer = { id: 6_300_000_001, first_name: "李", language_code: "zh-hans" };
const resident = { id: 6_300_000_002, first_name: "Ann", language_code: "en" };

let tg: FakeTelegram;
let app: RunningApp;

beforeAll(async () => {
  tg = await FakeTelegram.start();
  const dir = mkdtempSync(join(tmpdir(), "anxin-cases-tg-"));
  app = await startApp(
    loadConfig({
      DATABASE_URL: `file:${join(dir, "anxin.db")}`,
      DATA_DIR: dir,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      APP_SECRET: TEST_SECRET,
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
    }),
  );
  await channelsConnected(app.channels);
  await app.store.setRole("telegram", String(officer.id), "officer");
});
afterAll(async () => {
  await app?.close();
  await tg?.stop();
});

/** Sends `text` as `from` and resolves with the bot's next message to `to` whose text matches. */
async function sendAndSee(from: typeof officer, text: string, to: number, match: RegExp): Promise<Message> {
  const since = tg.cursor();
  tg.sendText(from, text);
  const call = await tg.waitFor((c) => isDelivery(c, to) && match.test(String(c.params.text)), 15_000, { since });
  return call.result as Message;
}

describe("case updates on Telegram", () => {
  it("refuse /case to a resident", async () => {
    const refusal = await sendAndSee(resident, "/case new telegram:1 stolen bike", resident.id, /only officers and staff/);
    expect(refusal.text).toMatch(/only officers and staff can use/);
  });

  it("reach the reporter in their language, and the closing asks for a rating they give with a button", async () => {
    const driver = new SurveyDriver(tg, resident);
    await driver.act("first contact", () => tg.sendText(resident, "/start"));

    const registered = await sendAndSee(officer, `/case new telegram:${resident.id} Electric bike stolen at the market`, resident.id, /registered your case/);
    expect(registered.text).toMatch(/^The police have registered your case, No\. [A-Z0-9]{6}: Electric bike stolen at the market/);
    const code = /No\. ([A-Z0-9]{6})/.exec(registered.text ?? "")?.[1] ?? "";
    const ack = await tg.waitFor((c) => isDelivery(c, officer.id) && /已通知报案人（telegram）/.test(String(c.params.text)), 15_000);
    expect(String(ack.params.text)).toContain("已通知报案人（telegram）");

    const update = await sendAndSee(officer, `/case update ${code} investigating 正在查看市场的监控`, resident.id, /News about your case/);
    expect(update.text).toBe(`News about your case ${code} (Electric bike stolen at the market): it is now under investigation.\nThe officer adds: 正在查看市场的监控`);

    const since = tg.cursor();
    tg.sendText(officer, `/case update ${code} closed The bike was found and returned.`);
    const question = await tg.waitFor((c) => isDelivery(c, resident.id) && c.params.reply_markup !== undefined && /How satisfied/.test(String(c.params.text)), 15_000, { since });
    const closing = tg.sentTo(resident.id).find((m) => (m.text ?? "").startsWith(`News about your case ${code}`) && /closed/.test(m.text ?? ""));
    expect(closing?.text).toContain("The officer adds: The bike was found and returned.");
    const rating = tg.message(resident.id, (question.result as Message).message_id);
    expect(buttonsOf(rating).map((b) => b.text)).toEqual(["Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied", "Not very satisfied", "Very dissatisfied"]);

    await driver.press(rating!, (b) => b.payload.op === "rate" && b.payload.rating === 5);
    expect(tg.sentTo(resident.id).some((m) => m.text === "Thank you for your feedback! It helps us do better.")).toBe(true);
    expect((await app.store.getCaseByCode(code))?.rating).toBe(5);
    const updates = await app.store.pendingCaseUpdates();
    expect(updates.filter((p) => p.case.code === code)).toEqual([]);
  });
});
