/**
 * An admin's /stats on Telegram (the standalone grammY bot against the fake Bot API): the figures
 * come as text first, then every chart as an uploaded PNG photo with its caption; a refused photo
 * is logged and answered with a note, never at the cost of the text; long captions are trimmed
 * to Telegram's 1024-character limit.
 */
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelegramChannel, type TelegramChannel } from "../../bots/telegram/channel.js";
import { MAX_CAPTION_LENGTH, trimCaption } from "../../bots/telegram/render.js";
import { FakeTelegram } from "../support/fake-telegram/index.js";
import { EN_CHART_TITLES, isPng, LONG_CAPTION_COMMAND, statsWorld, TINY_PNG, type StatsWorld } from "../support/stats-admin.js";
import { channelsConnected, isDelivery, recordingLogger, TEST_SECRET, type RecordingLogger } from "./support.js";

const admin = { id: 6_400_000_001, first_name: "Zhang", language_code: "en" };
const adminZh = { id: 6_400_000_002, first_name: "张", language_code: "zh-hans" };
const resident = { id: 6_400_000_003, first_name: "Wang", language_code: "en" };

let world: StatsWorld;
let tg: FakeTelegram;
let channel: TelegramChannel;
let logger: RecordingLogger;

beforeAll(async () => {
  world = await statsWorld({ extraCommands: [LONG_CAPTION_COMMAND] });
  await world.store.setRole("telegram", String(admin.id), "admin");
  await world.store.setRole("telegram", String(adminZh.id), "admin");
  tg = await FakeTelegram.start();
  logger = recordingLogger();
  channel = createTelegramChannel({ token: tg.token, apiRoot: tg.apiRoot, runner: world.runner, secret: TEST_SECRET, logger, pollingTimeoutSeconds: 1 });
  await channel.start();
  await channelsConnected([channel]);
});
afterAll(async () => {
  await channel?.stop();
  await tg?.stop();
  await world?.close();
});

/** Sends `text` as `from`, waits until the bot's text matching `first` and `photos` photos (and `extra` more messages) arrived. */
async function ask(from: typeof admin, text: string, first: RegExp, photos: number): Promise<{ reply: Message; sent: ReturnType<FakeTelegram["photosSentTo"]>; since: number }> {
  const since = tg.cursor();
  tg.sendText(from, text);
  const call = await tg.waitFor((c) => isDelivery(c, from.id) && first.test(String(c.params.text)), 15_000, { since });
  if (photos > 0) await tg.waitForCalls((c) => c.method === "sendPhoto" && c.ok && Number(c.params.chat_id) === from.id, photos, 15_000, { since });
  await channel.adapter.drain();
  return { reply: call.result as Message, sent: tg.photosSentTo(from.id).filter((p) => p.seq >= since), since };
}

describe("/stats on Telegram", () => {
  it("sends the figures as text, then each chart as an uploaded PNG with its caption", async () => {
    const { reply, sent } = await ask(admin, "/stats", /^Survey figures/, EN_CHART_TITLES.length);
    expect(reply.text).toContain("Sense of security rate: 82.1% (95% CI 67.3–91.0%, n=39)");
    expect(reply.text).toContain("Flagged as doubtful: 2 of 40 completed responses");
    expect(sent.map((p) => p.caption)).toEqual(EN_CHART_TITLES);
    for (const photo of sent) {
      // The bytes Telegram received are the chart's PNG, uploaded (multipart), not a URL or file id.
      expect(isPng(photo.file.data)).toBe(true);
      expect(photo.file.imageType).toBe("png");
      expect(photo.file.size).toBe(TINY_PNG.length);
      expect(photo.file.data.equals(TINY_PNG)).toBe(true);
      // After the text: in the chat, and in the order of the calls.
      expect(photo.messageId).toBeGreaterThan(reply.message_id);
    }
    const textCall = tg.calls("sendMessage").find((c) => c.ok && (c.result as Message).message_id === reply.message_id);
    expect(textCall!.seq).toBeLessThan(sent[0]!.seq);
    expect(tg.calls("sendPhoto").every((c) => c.encoding === "multipart")).toBe(true);
  });

  it("/stats clean: figures and captions without flagged responses, in the admin's language", async () => {
    const { reply, sent } = await ask(adminZh, "/stats 剔除", /^调查数据/, EN_CHART_TITLES.length);
    expect(reply.text).toContain("已剔除可疑问卷（答题过快、全部同一选项）。");
    expect(reply.text).toContain("公众安全感率：86.5%（95%置信区间 72.0–94.1%，n=37）");
    expect(sent).toHaveLength(4);
    for (const photo of sent) {
      expect(photo.caption).toMatch(/（已剔除可疑问卷）$/);
      expect(isPng(photo.file.data)).toBe(true);
    }
  });

  it("keeps the text when a photo is refused: logs it, sends the other charts and one short note", async () => {
    const fault = tg.fail("sendPhoto", { times: 1, errorCode: 400, description: "Bad Request: IMAGE_PROCESS_FAILED", chatId: admin.id });
    const lines = logger.lines.length;
    const { reply, sent, since } = await ask(admin, "/stats", /^Survey figures/, EN_CHART_TITLES.length - 1);
    fault.cancel();
    expect(reply.text).toContain("Sense of security rate: 82.1%");
    expect(sent.map((p) => p.caption)).toEqual(EN_CHART_TITLES.slice(1));
    const note = await tg.waitFor((c) => isDelivery(c, admin.id) && /could not be sent as an image/.test(String(c.params.text)), 15_000, { since });
    expect(String(note.params.text)).toBe("The chart could not be sent as an image here. The figures above are complete, and the charts are on the admin dashboard.");
    expect(note.seq).toBeGreaterThan(sent.at(-1)!.seq);
    const warned = logger.lines.slice(lines).filter((l) => l.level === "warn");
    expect(warned.some((l) => (l.obj as { what?: string }).what === "photo" && /IMAGE_PROCESS_FAILED/.test(String((l.obj as { failure?: string }).failure)))).toBe(true);
  });

  it("trims a caption longer than Telegram's 1024 characters instead of losing the image", async () => {
    const { sent } = await ask(admin, "/longchart", /long caption ahead/, 1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.caption).toHaveLength(MAX_CAPTION_LENGTH);
    expect(sent[0]!.caption!.endsWith("…")).toBe(true);
    expect(isPng(sent[0]!.file.data)).toBe(true);
  });

  it("refuses /stats to a resident: no figures, no images", async () => {
    const since = tg.cursor();
    const drawn = world.rasterized();
    tg.sendText(resident, "/stats");
    const refusal = await tg.waitFor((c) => isDelivery(c, resident.id), 15_000, { since });
    await channel.adapter.drain();
    expect(String(refusal.params.text)).toMatch(/only administrators can use/);
    expect(tg.photosSentTo(resident.id)).toEqual([]);
    expect(world.rasterized()).toBe(drawn);
  });
});

describe("trimCaption", () => {
  it("keeps short captions, cuts long ones to the limit with an ellipsis, never inside a surrogate pair", () => {
    expect(trimCaption("Rates against targets")).toBe("Rates against targets");
    expect(trimCaption("x".repeat(1024))).toHaveLength(1024);
    expect(trimCaption("x".repeat(1025))).toBe(`${"x".repeat(1023)}…`);
    const emoji = `${"x".repeat(1022)}🚓🚓`;
    const cut = trimCaption(emoji);
    expect(cut).toBe(`${"x".repeat(1022)}…`);
    expect(cut.length).toBeLessThanOrEqual(1024);
  });
});
