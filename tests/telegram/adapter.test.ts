/**
 * The adapter on its own (no framework): every kind of update, standalone and embedded claims,
 * pushes and their outcomes, sending edge cases — against the fake Bot API and a real database.
 */
import type { Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TelegramAdapter, type UpdateOutcome } from "../../bots/telegram/adapter.js";
import { createSendingApi } from "../../bots/telegram/sender.js";
import type { OutMessage } from "../../core/engine/types.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { FakeTelegram } from "../support/fake-telegram/index.js";
import {
  callbackQueryUpdate,
  channelChat,
  channelPostUpdate,
  chatMemberUpdate,
  contactUpdate,
  documentUpdate,
  editedTextUpdate,
  groupChat,
  inlineQueryUpdate,
  locationUpdate,
  myChatMemberUpdate,
  newChatMembersUpdate,
  photoUpdate,
  stickerUpdate,
  supergroupChat,
  textUpdate,
  user as buildUser,
  voiceUpdate,
} from "../support/telegram-updates.js";
import { anxinFixture, buttonsOf, isDelivery, recordingLogger, TEST_SECRET, type AnxinFixture, type RecordingLogger } from "./support.js";

let tg: FakeTelegram;
let fixture: AnxinFixture;
let logger: RecordingLogger;
const adapters: TelegramAdapter[] = [];

beforeEach(async () => {
  tg = await FakeTelegram.start();
  fixture = await anxinFixture();
  logger = recordingLogger();
});
afterEach(async () => {
  for (const adapter of adapters.splice(0)) await adapter.close();
  await tg.stop();
  await fixture.close();
});

function adapter(mode: "standalone" | "embedded" = "standalone"): TelegramAdapter {
  const created = new TelegramAdapter({ runner: fixture.runner, secret: TEST_SECRET, api: createSendingApi(tg.token, tg.apiRoot), logger, mode });
  adapters.push(created);
  return created;
}

const me = { username: "anxin_test_bot" };
const resident = { id: 8_300_000_001, first_name: "张", language_code: "zh-hans" };
const bot = buildUser({ id: 7_000_000_001, is_bot: true, first_name: "Anxin" });
let nextUpdateId = 1;
/** Numbers an update (the builders leave update_id 0) and message ids. */
function numbered(update: Update): Update {
  const copy = structuredClone(update) as Update & Record<string, { message_id?: number; date?: number } | undefined>;
  copy.update_id = nextUpdateId++;
  for (const key of ["message", "edited_message", "channel_post"]) {
    const message = copy[key];
    if (message && message.message_id === 0) message.message_id = nextUpdateId;
  }
  return copy;
}

async function outcomes(target: TelegramAdapter, updates: Update[]): Promise<UpdateOutcome[]> {
  const results: UpdateOutcome[] = [];
  for (const update of updates) results.push(await target.handleUpdate(numbered(update), me));
  await target.drain();
  return results;
}

describe("standalone adapter: every kind of update", () => {
  it("handles what a resident sends in a private chat and ignores the rest", async () => {
    const a = adapter();
    const group = groupChat(-4_100_000_001);
    const supergroup = supergroupChat(-1_004_100_000_002);
    const channel = channelChat(-1_004_100_000_003);
    const first = textUpdate(resident, "你好");
    const results = await outcomes(a, [
      first,
      editedTextUpdate({ ...(first.message as NonNullable<Update["message"]>), message_id: 5 }, "改过的"),
      photoUpdate(resident),
      stickerUpdate(resident),
      voiceUpdate(resident),
      documentUpdate(resident),
      locationUpdate(resident, 30.2, 120.1),
      contactUpdate(resident, "+8613800000000"),
      { update_id: 0, message: { message_id: 0, date: 0, chat: { id: resident.id, type: "private", first_name: "张" }, from: buildUser(resident), new_chat_title: "x" } } as Update,
      textUpdate({ id: 99, is_bot: true }, "I am a bot"),
      textUpdate(resident, "group chatter", { chat: group }),
      textUpdate(resident, "/help@other_bot", { chat: supergroup }),
      channelPostUpdate(channel, "a post"),
      inlineQueryUpdate(resident, "query"),
      chatMemberUpdate(resident, { id: 5 }, group, "left", "member"),
      newChatMembersUpdate(resident, group, [{ id: 6 }]),
      myChatMemberUpdate(resident, bot, "left", "member", group),
      { update_id: 0, poll_answer: { poll_id: "1", user: buildUser(resident), option_ids: [0] } } as Update,
      { update_id: 0, chat_join_request: { chat: group, from: buildUser(resident), user_chat_id: resident.id, date: 1 } } as unknown as Update,
      { update_id: 0, pre_checkout_query: { id: "q", from: buildUser(resident), currency: "XTR", total_amount: 1, invoice_payload: "x" } } as Update,
      { update_id: 0, something_new: { from: buildUser(resident) } } as unknown as Update,
    ]);
    expect(results).toEqual([
      "handled", // text → the consent request
      "ignored", // edit
      "handled", // photo → hint
      "handled", // sticker
      "handled", // voice
      "handled", // document
      "handled", // location
      "handled", // someone else's contact → refused
      "ignored", // service message
      "ignored", // a bot
      "ignored", // group chatter
      "ignored", // another bot's command
      "ignored", // channel post
      "ignored", // inline query
      "ignored", // chat_member
      "ignored", // service message in a group
      "ignored", // added to a group
      "ignored", // poll answer
      "ignored", // join request
      "ignored", // payment
      "ignored", // an update type Telegram adds tomorrow
    ]);
    const texts = tg.sentTo(resident.id).map((m) => m.text ?? "");
    expect(texts).toHaveLength(7);
    expect(texts.slice(1, 6).every((t) => t === texts[1] && /文字/.test(t))).toBe(true);
    expect(texts[6]).toMatch(/^这是别人的联系方式，我们不会使用。/);
    expect(tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) !== resident.id)).toHaveLength(0);
  });

  it("hands the engine the resident's own contact (not kept unless the phone question is asked); embedded mode leaves it to the host outside a conversation", async () => {
    const embedded = adapter("embedded");
    expect(await outcomes(embedded, [contactUpdate(resident, "8613800000000", { own: true })])).toEqual(["passed"]);
    const a = adapter();
    await outcomes(a, [textUpdate(resident, "/start")]);
    const since = tg.cursor();
    expect(await outcomes(a, [contactUpdate(resident, "8613800000000", { own: true })])).toEqual(["handled"]);
    const texts = tg.calls("sendMessage").filter((c) => c.seq >= since && isDelivery(c, resident.id)).map((c) => String(c.params.text));
    expect(texts[0]).toBe("现在不需要电话号码，我们没有保存。只有问卷最后一题会问您是否愿意留电话。");
    expect(texts[1]).toContain("您同意参加吗？");
    const identity = await fixture.store.findIdentity("telegram", String(resident.id));
    expect(await fixture.store.getResidentPhone(identity?.residentId ?? "")).toBeNull();
  });

  it("answers a command in a group once with a link to the private chat", async () => {
    const a = adapter();
    const group = groupChat(-4_100_000_010);
    const english = { id: 8_300_000_002, language_code: "en" };
    const results = await outcomes(a, [textUpdate(english, "/start", { chat: group }), textUpdate(english, "/survey", { chat: group }), textUpdate(resident, "@anxin_test_bot hi", { chat: group })]);
    expect(results).toEqual(["handled", "handled", "handled"]);
    const sent = tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === group.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.params.text).toMatch(/private chat/);
    // Nobody was enrolled from the group.
    expect(await fixture.store.findIdentity("telegram", String(english.id))).toBeNull();
  });

  it("turns /start parameters into start input and strips its own @name from commands", async () => {
    const a = adapter();
    await outcomes(a, [textUpdate({ ...resident, language_code: "en" }, "/start lang_en")]);
    expect(tg.sentTo(resident.id).at(-1)?.text).toMatch(/agree/i);
    await outcomes(a, [textUpdate(resident, "/help@anxin_test_bot")]);
    expect(tg.sentTo(resident.id).some((m) => /How to use/.test(m.text ?? ""))).toBe(true);
    expect(await a.handleUpdate(numbered(textUpdate(resident, "/help@someone_else_bot")), me)).toBe("ignored");
  });

  it("refuses a button from a group, an inline message or another resident, and answers it politely", async () => {
    const a = adapter();
    await outcomes(a, [textUpdate(resident, "/start")]);
    const consent = tg.sentTo(resident.id).at(-1);
    const accept = buttonsOf(consent).find((b) => b.payload.op === "consent");
    if (!consent || !accept) throw new Error("no consent button");
    const intruder = { id: 8_300_000_003, language_code: "en" };
    const presses: Update[] = [
      callbackQueryUpdate(intruder, consent, accept.data),
      { update_id: 0, callback_query: { id: "9", from: buildUser(resident), chat_instance: "1", inline_message_id: "abc", data: accept.data } },
      callbackQueryUpdate(resident, { ...consent, chat: groupChat(-4_100_000_020) }, accept.data),
      callbackQueryUpdate(resident, consent, `${accept.data.slice(0, -1)}n`),
      callbackQueryUpdate(resident, consent, "host:1"),
    ];
    const before = tg.cursor();
    expect(await outcomes(a, presses)).toEqual(["handled", "handled", "handled", "handled", "handled"]);
    const answers = tg.calls("answerCallbackQuery").filter((c) => c.seq >= before);
    expect(answers).toHaveLength(5);
    expect(answers[0]?.params.text).toMatch(/no longer valid/);
    expect(answers[3]?.params.text).toMatch(/失效/);
    expect(tg.calls("sendMessage").filter((c) => c.seq >= before)).toHaveLength(0);
    const identity = await fixture.store.findIdentity("telegram", String(resident.id));
    expect((await fixture.store.getResident(identity?.residentId ?? ""))?.consentAt).toBeNull();
  });
});

describe("embedded adapter: claims only Anxin's updates", () => {
  it("passes the host's traffic on and shares membership changes", async () => {
    const a = adapter("embedded");
    const results = await outcomes(a, [
      textUpdate(resident, "/start"),
      textUpdate(resident, "/start promo"),
      textUpdate(resident, "hello host"),
      textUpdate(resident, "/back"),
      photoUpdate(resident),
      textUpdate(resident, "/start anxin"),
      textUpdate(resident, "/back"),
      textUpdate(resident, "/hello"),
      myChatMemberUpdate(resident, bot, "member", "kicked"),
      textUpdate(resident, "hi", { chat: groupChat(-4_100_000_030) }),
    ]);
    expect(results).toEqual(["passed", "passed", "passed", "passed", "passed", "handled", "handled", "passed", "shared", "passed"]);
    expect((await fixture.store.findIdentity("telegram", String(resident.id)))?.reachable).toBe(false);
  });

  it("passes updates on to the host when the database is down", async () => {
    const broken = new Proxy(fixture.store, {
      get: (target, key) => (key === "findIdentity" ? () => Promise.reject(new Error("database is down")) : Reflect.get(target, key)),
    });
    // The adapter reads nothing itself: the runner finds the database down.
    const a = new TelegramAdapter({ runner: new ConversationRunner({ store: broken }), secret: TEST_SECRET, api: createSendingApi(tg.token, tg.apiRoot), logger, mode: "embedded" });
    adapters.push(a);
    expect(await outcomes(a, [textUpdate(resident, "hello host"), photoUpdate(resident)])).toEqual(["passed", "passed"]);
    expect(logger.lines.some((line) => line.level === "error")).toBe(true);
  });
});

describe("pushes and sending", () => {
  const tip: OutMessage[] = [{ kind: "info", text: "防范电信诈骗：不要把验证码告诉任何人。" }];

  it("reports success, a block (and marks it), a long retry_after, and an unknown chat", async () => {
    const a = adapter();
    await outcomes(a, [textUpdate(resident, "/start")]);
    const ok = await a.push(String(resident.id), "zh-CN", tip);
    expect(ok).toEqual({ ok: true, platformMessageId: expect.any(String) });

    tg.fail("sendMessage", { errorCode: 429, retryAfter: 120 });
    const slow = await a.push(String(resident.id), "zh-CN", tip);
    expect(slow).toMatchObject({ ok: false, permanent: false, retryAfterMs: 120_000 });

    tg.block(resident.id);
    const blocked = await a.push(String(resident.id), "zh-CN", tip);
    expect(blocked).toMatchObject({ ok: false, permanent: true, blocked: true });
    expect((await fixture.store.findIdentity("telegram", String(resident.id)))?.reachable).toBe(false);

    tg.fail("sendMessage", { errorCode: 400, description: "Bad Request: chat not found" });
    expect(await a.push("123", "zh-CN", tip)).toMatchObject({ ok: false, permanent: true });
    expect(await a.push("not-a-chat", "zh-CN", tip)).toMatchObject({ ok: false, permanent: true });
  });

  it("marks a resident unreachable when a reply meets a 403", async () => {
    const a = adapter();
    await outcomes(a, [textUpdate(resident, "/start")]);
    tg.fail("sendMessage", { errorCode: 403, description: "Forbidden: bot was blocked by the user" });
    await outcomes(a, [textUpdate(resident, "/help")]);
    expect((await fixture.store.findIdentity("telegram", String(resident.id)))?.reachable).toBe(false);
  });

  it("reports a network failure as temporary, and splits a long message with the buttons on its last part", async () => {
    const a = adapter();
    await outcomes(a, [textUpdate(resident, "/start")]);
    const long: OutMessage = { kind: "menu", text: `${"长".repeat(4000)}\n${"文".repeat(3000)}`, options: [{ key: "1", label: "OK", payload: "m:menu" }] };
    tg.fail("sendMessage", { disconnect: true });
    const before = tg.cursor();
    expect(await a.push(String(resident.id), "zh-CN", [long])).toMatchObject({ ok: false, permanent: false });
    const result = await a.push(String(resident.id), "zh-CN", [long]);
    expect(result.ok).toBe(true);
    const sent = tg.calls("sendMessage").filter((c) => c.seq >= before && c.ok);
    expect(sent.map((c) => String(c.params.text).length)).toEqual([4001, 3000]);
    expect(sent[0]?.params.reply_markup).toBeUndefined();
    expect(sent[1]?.params.reply_markup).toBeDefined();
  });

  it("sends the question anew when the message to edit is gone", async () => {
    const a = adapter();
    await outcomes(a, [textUpdate(resident, "/start")]);
    const consent = tg.sentTo(resident.id).at(-1);
    const accept = buttonsOf(consent).find((b) => b.payload.op === "consent" && b.payload.accept);
    if (!consent || !accept) throw new Error("no consent");
    await outcomes(a, [callbackQueryUpdate(resident, consent, accept.data)]);
    // Answer until the multiple-choice question.
    for (let i = 0; i < 10; i++) {
      const question = tg.sentTo(resident.id).at(-1);
      if (buttonsOf(question).some((b) => b.payload.op === "done")) break;
      const first = buttonsOf(question).find((b) => b.payload.op === "answer");
      if (!question || !first) throw new Error("no question");
      await outcomes(a, [callbackQueryUpdate(resident, question, first.data)]);
    }
    const multi = tg.sentTo(resident.id).at(-1);
    const toggle = buttonsOf(multi).find((b) => b.payload.op === "answer");
    if (!multi || !toggle) throw new Error("no multiple choice");
    // The resident deleted the question; the toggle arrives from a stale copy.
    await fetch(tg.methodUrl("deleteMessage"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ chat_id: resident.id, message_id: multi.message_id }) });
    const since = tg.cursor();
    await outcomes(a, [callbackQueryUpdate(resident, multi, toggle.data)]);
    const calls = tg.calls().filter((c) => c.seq >= since && isDelivery(c, resident.id));
    expect(calls.map((c) => c.method)).toEqual(["sendMessage"]);
    expect(buttonsOf(tg.sentTo(resident.id).at(-1)).filter((b) => b.text.startsWith("✅"))).toHaveLength(1);
  });
});
