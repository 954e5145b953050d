import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { autoRetry } from "@grammyjs/auto-retry";
import { Bot, GrammyError, HttpError, InlineKeyboard, InputFile, webhookCallback } from "grammy";
import type { Message, Update } from "grammy/types";
import { Input, Markup, Telegraf } from "telegraf";
import { message } from "telegraf/filters";
import { afterEach, describe, expect, it } from "vitest";
import { FakeTelegram, parseHtml, parseMarkdownLegacy, parseMarkdownV2 } from "./fake-telegram/index.js";
import {
  channelChat,
  channelPostUpdate,
  chatMemberUpdate,
  contactUpdate,
  editedTextUpdate,
  groupChat,
  locationUpdate,
  myChatMemberUpdate,
  photoUpdate,
  stickerUpdate,
  supergroupChat,
  textUpdate,
  tinyPng,
  voiceUpdate,
} from "./telegram-updates.js";

const resident = { id: 5_012_345_678, first_name: "Li", last_name: "Wei", language_code: "zh-hans" };
const other = { id: 5_087_654_321, first_name: "Anna", language_code: "en" };

/** Everything started in a test, stopped in reverse order afterwards. */
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startFake(options: Parameters<typeof FakeTelegram.start>[0] = {}): Promise<FakeTelegram> {
  const tg = await FakeTelegram.start(options);
  cleanups.push(() => tg.stop());
  return tg;
}

/** Starts a grammY bot in long-polling mode and registers its shutdown. */
async function startGrammy(bot: Bot): Promise<void> {
  const errors: unknown[] = [];
  bot.catch((err) => {
    errors.push(err.error);
  });
  await new Promise<void>((resolve) => {
    void bot.start({ onStart: () => resolve() });
  });
  cleanups.push(async () => {
    await bot.stop();
    expect(errors).toEqual([]);
  });
}

/** Raw Bot API call through fetch, returning HTTP status and JSON body. */
async function api(tg: FakeTelegram, method: string, params: Record<string, unknown> = {}, token = tg.token) {
  const res = await fetch(tg.methodUrl(method, token), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; result?: any; error_code?: number; description?: string; parameters?: { retry_after?: number } } };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

describe("FakeTelegram with real frameworks", () => {
  it("serves a grammY bot in polling mode: commands, echo, inline button, edit", async () => {
    const tg = await startFake();
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    bot.command("start", (ctx) =>
      ctx.reply("<b>欢迎</b>! How safe do you feel?", {
        parse_mode: "HTML",
        reply_markup: new InlineKeyboard().text("安全", "rate:5").text("不安全", "rate:1"),
      }),
    );
    bot.callbackQuery(/^rate:(\d)$/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: "谢谢 / Thanks" });
      await ctx.editMessageText(`Rated ${ctx.match[1]}`);
    });
    bot.on("message:text", (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    await startGrammy(bot);

    const start = tg.sendText(resident, "/start");
    expect(start.entities).toEqual([{ type: "bot_command", offset: 0, length: 6 }]);
    const menu = await tg.waitFor((c) => c.method === "sendMessage" && c.ok);
    const menuMessage = menu.result as Message;
    expect(menuMessage).toMatchObject({
      message_id: start.message_id + 1,
      chat: { id: resident.id, type: "private", first_name: "Li" },
      from: { id: tg.botInfo.id, is_bot: true },
      text: "欢迎! How safe do you feel?",
      entities: [{ type: "bold", offset: 0, length: 2 }],
      reply_markup: { inline_keyboard: [[{ text: "安全", callback_data: "rate:5" }, { text: "不安全", callback_data: "rate:1" }]] },
    });

    tg.sendText(resident, "hello");
    await tg.waitFor((c) => c.method === "sendMessage" && c.params.text === "echo: hello");

    expect(() => tg.pressButton(resident, menuMessage.message_id, "rate:9")).toThrow(/no button/);
    const query = tg.pressButton(resident, menuMessage.message_id, "rate:5");
    await tg.waitFor("editMessageText");
    expect(tg.callbackAnswer(query.id)).toEqual({ text: "谢谢 / Thanks" });

    const shown = tg.sentTo(resident.id);
    expect(shown.map((m) => m.text)).toEqual(["Rated 5", "echo: hello"]);
    expect(shown[0]!.reply_markup).toBeUndefined(); // editing without reply_markup drops the keyboard
    expect(shown[0]!.edit_date).toBeTypeOf("number");
    expect(tg.messageVersions(resident.id, menuMessage.message_id).map((m) => m.text)).toEqual([
      "欢迎! How safe do you feel?",
      "Rated 5",
    ]);
    expect(tg.transcript(resident.id).map((m) => m.text)).toEqual(["/start", "Rated 5", "hello", "echo: hello"]);
  });

  it("serves a telegraf bot in polling mode (launch() not awaited)", async () => {
    const tg = await startFake();
    const bot = new Telegraf(tg.token, { telegram: { apiRoot: tg.apiRoot } });
    bot.start((ctx) => ctx.reply("Welcome", Markup.inlineKeyboard([Markup.button.callback("Yes", "yes")])));
    bot.action("yes", async (ctx) => {
      await ctx.answerCbQuery("ok");
      await ctx.editMessageText("You said yes");
    });
    bot.on(message("text"), (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    const errors: unknown[] = [];
    bot.catch((err) => {
      errors.push(err);
    });
    let launched!: Promise<void>;
    await new Promise<void>((resolve) => {
      launched = bot.launch(() => resolve());
    });
    cleanups.push(async () => {
      bot.stop("test over");
      await launched;
      expect(errors).toEqual([]);
    });

    tg.sendText(other, "/start");
    const welcome = await tg.waitFor((c) => c.method === "sendMessage" && c.ok);
    tg.sendText(other, "ping");
    await tg.waitFor((c) => c.method === "sendMessage" && c.params.text === "echo: ping");
    const query = tg.pressButton(other, (welcome.result as Message).message_id, "yes");
    await tg.waitFor("editMessageText");
    expect(tg.callbackAnswer(query.id)).toEqual({ text: "ok" });
    expect(tg.sentTo(other.id).map((m) => m.text)).toEqual(["You said yes", "echo: ping"]);
    // telegraf asked for updates with offsets; every update was acknowledged
    expect(tg.calls("getUpdates").length).toBeGreaterThan(1);
  });

  it("delivers updates to a grammY webhook with the secret header, retrying non-2xx answers", async () => {
    const tg = await startFake({ webhookRetry: { initialDelayMs: 20 } });
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    await bot.init();
    bot.on("message:text", (ctx) => ctx.reply(`got ${ctx.message.text}`));
    const secret = "anxin_Webhook-secret1";
    const handle = webhookCallback(bot, "http", { secretToken: secret });
    const seen: Array<string | undefined> = [];
    let failNext = true;
    const url = await listen(
      http.createServer((req, res) => {
        seen.push(req.headers["x-telegram-bot-api-secret-token"] as string | undefined);
        if (failNext) {
          failNext = false;
          res.writeHead(500).end();
          return;
        }
        void handle(req, res);
      }),
    );
    await bot.api.setWebhook(`${url}/tg`, { secret_token: secret });
    expect(tg.lastCall("setWebhook")!.description).toBe("Webhook was set");

    const conflict = await api(tg, "getUpdates");
    expect(conflict.status).toBe(409);
    expect(conflict.body.description).toMatch(/^Conflict: can't use getUpdates method while webhook is active/);

    tg.sendText(resident, "hi");
    const reply = await tg.waitFor("sendMessage");
    expect(reply.params).toMatchObject({ chat_id: resident.id, text: "got hi" });
    // grammY calls sendMessage before it answers the webhook POST: wait for the delivery to complete
    const deliveries = await tg.waitUntil(() => (tg.deliveries().some((d) => d.ok) ? tg.deliveries() : undefined));
    expect(deliveries.map((d) => [d.attempt, d.status, d.ok])).toEqual([
      [1, 500, false],
      [2, 200, true],
    ]);
    expect(seen).toEqual([secret, secret]);
    const info = await bot.api.getWebhookInfo();
    expect(info).toMatchObject({
      url: `${url}/tg`,
      pending_update_count: 0,
      last_error_message: "Wrong response from the webhook: 500 Internal Server Error",
    });
    await bot.api.deleteWebhook();
    expect(tg.lastCall("deleteWebhook")!.description).toBe("Webhook was deleted");
    expect((await api(tg, "getUpdates")).body).toEqual({ ok: true, result: [] });
  });

  it("executes telegraf's webhookReply (answerCbQuery in the webhook response)", async () => {
    const tg = await startFake();
    const bot = new Telegraf(tg.token, { telegram: { apiRoot: tg.apiRoot, webhookReply: true } });
    bot.action("ack", (ctx) => ctx.answerCbQuery("noted"));
    const url = await listen(http.createServer(bot.webhookCallback("/hook", { secretToken: "abc" })));
    await bot.telegram.setWebhook(`${url}/hook`, { secret_token: "abc" });
    const sent = await bot.telegram.sendMessage(resident.id, "Tip: lock your bike", Markup.inlineKeyboard([Markup.button.callback("Got it", "ack")]));
    const query = tg.pressButton(resident, sent.message_id, "ack");
    const answer = await tg.waitFor("answerCallbackQuery");
    expect(answer.source).toBe("webhook-reply");
    expect(answer.params).toEqual({ callback_query_id: query.id, text: "noted" });
    expect(tg.callbackAnswer(query.id)).toEqual({ text: "noted" });
    await bot.telegram.deleteWebhook();
  });

  it("lets @grammyjs/auto-retry ride out an injected burst of 429s, and gives up past its bounds", async () => {
    const tg = await startFake();
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 5 }));
    const failures: unknown[] = [];
    bot.on("message:text", async (ctx) => {
      try {
        await ctx.reply(`echo: ${ctx.message.text}`);
      } catch (error) {
        failures.push(error);
      }
    });
    await startGrammy(bot);

    const burst = tg.fail("sendMessage", { times: 2, errorCode: 429, retryAfter: 1 });
    tg.sendText(resident, "first");
    await tg.waitFor((c) => c.method === "sendMessage" && c.ok, 8_000);
    const sends = tg.calls("sendMessage");
    expect(sends.map((c) => [c.ok, c.errorCode, c.retryAfter, c.injected])).toEqual([
      [false, 429, 1, true],
      [false, 429, 1, true],
      [true, undefined, undefined, undefined],
    ]);
    expect(sends[0]!.description).toBe("Too Many Requests: retry after 1");
    expect(sends[1]!.at - sends[0]!.at).toBeGreaterThanOrEqual(900);
    expect(burst.triggered).toBe(2);
    expect(tg.sentTo(resident.id).map((m) => m.text)).toEqual(["echo: first"]);

    // retry_after above maxDelaySeconds: auto-retry passes the 429 on at once
    const since = tg.cursor();
    tg.fail("sendMessage", { errorCode: 429, retryAfter: 30 });
    tg.sendText(resident, "second");
    await tg.waitFor((c) => c.method === "sendMessage", 3_000, { since });
    await tg.waitUntil(() => failures.length > 0);
    expect(failures[0]).toBeInstanceOf(GrammyError);
    expect((failures[0] as GrammyError).parameters.retry_after).toBe(30);
  });
});

describe("Bot API behaviour", () => {
  it("authenticates the token, 404s unknown methods, accepts GET, urlencoded and case-insensitive names", async () => {
    const tg = await startFake();
    expect(await api(tg, "getMe", {}, "123:wrong")).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: "Unauthorized" },
    });
    expect(await api(tg, "sendTelepathy")).toEqual({ status: 404, body: { ok: false, error_code: 404, description: "Not Found" } });
    const me = await (await fetch(tg.methodUrl("getme"))).json();
    expect(me).toMatchObject({ ok: true, result: { id: 7_000_000_001, is_bot: true, username: "anxin_test_bot" } });
    expect(tg.lastCall()!.method).toBe("getMe");

    const form = new URLSearchParams({
      chat_id: String(resident.id),
      text: "007",
      reply_markup: JSON.stringify({ inline_keyboard: [[{ text: "Open", url: "https://example.org" }]] }),
      disable_notification: "true",
    });
    const res = await fetch(tg.methodUrl("sendMessage"), { method: "POST", body: form });
    expect(res.status).toBe(200);
    const call = tg.lastCall("sendMessage")!;
    expect(call.encoding).toBe("urlencoded");
    expect(call.params).toEqual({
      chat_id: resident.id,
      text: "007",
      reply_markup: { inline_keyboard: [[{ text: "Open", url: "https://example.org" }]] },
      disable_notification: true,
    });
    const q = await (await fetch(`${tg.methodUrl("sendChatAction")}?chat_id=${resident.id}&action=typing`)).json();
    expect(q).toEqual({ ok: true, result: true });
    expect(tg.lastCall()!.encoding).toBe("query");
  });

  it("long-polls getUpdates: resolves as soon as an update is queued, acknowledges with offset, filters allowed_updates", async () => {
    const tg = await startFake();
    const t0 = performance.now();
    const pending = api(tg, "getUpdates", { timeout: 10 });
    await tg.waitUntil(() => tg.activePolls() > 0);
    const pushed = tg.pushUpdate(textUpdate(resident, "are you there?"));
    const first = await pending;
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(first.body.result).toHaveLength(1);
    expect(first.body.result[0]).toMatchObject({ update_id: pushed.update_id, message: { text: "are you there?", message_id: 1 } });

    // not acknowledged yet: delivered again; offset acknowledges
    expect((await api(tg, "getUpdates")).body.result).toHaveLength(1);
    expect((await api(tg, "getUpdates", { offset: pushed.update_id + 1 })).body.result).toEqual([]);
    expect(tg.pendingUpdates()).toEqual([]);

    // chat_member updates are only delivered when explicitly allowed
    const group = groupChat(-4_012_345_678);
    tg.pushUpdate(chatMemberUpdate(other, resident, group, "left", "member"));
    tg.pushUpdate(textUpdate(resident, "after"));
    const batch = (await api(tg, "getUpdates")).body.result as Update[];
    expect(batch.map((u) => Object.keys(u)[1])).toEqual(["message"]);
    tg.pushUpdate(chatMemberUpdate(other, resident, group, "member", "left"));
    const only = (await api(tg, "getUpdates", { offset: batch[0]!.update_id + 1, allowed_updates: ["chat_member"] })).body.result as Update[];
    expect(only.map((u) => Object.keys(u)[1])).toEqual(["chat_member"]);

    // limit
    for (let i = 0; i < 3; i += 1) tg.sendText(resident, `m${i}`);
    expect((await api(tg, "getUpdates", { offset: only[0]!.update_id + 1, allowed_updates: [], limit: 2 })).body.result).toHaveLength(2);
  });

  it("answers 409 to a long poll superseded by another getUpdates", async () => {
    const tg = await startFake();
    const older = api(tg, "getUpdates", { timeout: 10 });
    await tg.waitUntil(() => tg.activePolls() > 0);
    const newer = api(tg, "getUpdates", { timeout: 0 });
    const [a, b] = await Promise.all([older, newer]);
    expect(a.status).toBe(409);
    expect(a.body.description).toBe("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
    expect(b.body).toEqual({ ok: true, result: [] });
  });

  it("rejects what Telegram rejects, with Telegram's descriptions", async () => {
    const tg = await startFake();
    const chat_id = resident.id;
    const expectError = async (method: string, params: Record<string, unknown>, code: number, description: string | RegExp) => {
      const { status, body } = await api(tg, method, params);
      expect(status, `${method} ${JSON.stringify(params).slice(0, 80)}`).toBe(code);
      expect(body.ok).toBe(false);
      expect(body.error_code).toBe(code);
      if (typeof description === "string") expect(body.description).toBe(description);
      else expect(body.description).toMatch(description);
    };
    await expectError("sendMessage", { chat_id, text: "" }, 400, "Bad Request: message text is empty");
    await expectError("sendMessage", { chat_id, text: " \n " }, 400, "Bad Request: message text is empty");
    await expectError("sendMessage", { chat_id, text: "<b></b>", parse_mode: "HTML" }, 400, "Bad Request: message text is empty");
    await expectError("sendMessage", { chat_id, text: "x".repeat(4097) }, 400, "Bad Request: message is too long");
    expect((await api(tg, "sendMessage", { chat_id, text: "x".repeat(4096) })).status).toBe(200);
    // length counts after entity parsing
    expect((await api(tg, "sendMessage", { chat_id, text: `<b>${"x".repeat(4096)}</b>`, parse_mode: "HTML" })).status).toBe(200);

    const keyboard = (data: string) => ({ inline_keyboard: [[{ text: "选择", callback_data: data }]] });
    await expectError("sendMessage", { chat_id, text: "q", reply_markup: keyboard("区".repeat(22)) }, 400, "Bad Request: BUTTON_DATA_INVALID"); // 66 bytes
    await expectError("sendMessage", { chat_id, text: "q", reply_markup: keyboard("") }, 400, "Bad Request: BUTTON_DATA_INVALID");
    expect((await api(tg, "sendMessage", { chat_id, text: "q", reply_markup: keyboard("区".repeat(21) + "a") })).status).toBe(200); // 64 bytes
    await expectError("sendMessage", { chat_id, text: "q", reply_markup: { inline_keyboard: [[{ text: "plain" }]] } }, 400, /Text buttons are unallowed in the inline keyboard/);

    const html = (text: string) => ({ chat_id, text, parse_mode: "HTML" });
    await expectError("sendMessage", html("if a < b"), 400, `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 5`);
    await expectError("sendMessage", html("line<br>two"), 400, `Bad Request: can't parse entities: Unsupported start tag "br" at byte offset 4`);
    await expectError("sendMessage", html("<b>bold"), 400, `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`);
    await expectError("sendMessage", html("<b><i>x</b></i>"), 400, `Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`);
    await expectError("sendMessage", html("Tom & Jerry"), 400, /^Bad Request: can't parse entities: Unescaped "&" at byte offset 4/);
    await expectError("sendMessage", html("a&nbsp;b"), 400, /^Bad Request: can't parse entities: Unsupported HTML entity "&nbsp;"/);
    await expectError("sendMessage", html('<span class="x">s</span>'), 400, /Tag "span" must have class "tg-spoiler"/);
    await expectError("sendMessage", { chat_id, text: "x", parse_mode: "BBCode" }, 400, "Bad Request: unsupported parse_mode");

    const md = (text: string) => ({ chat_id, text, parse_mode: "MarkdownV2" });
    await expectError("sendMessage", md("Version 1.0"), 400, "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'");
    await expectError("sendMessage", md("得分: 5-1"), 400, /Character '-' is reserved/);
    await expectError("sendMessage", md("*bold"), 400, "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 0");
    await expectError("sendMessage", md("安心 _note"), 400, "Bad Request: can't parse entities: Can't find end of Italic entity at byte offset 7");
    await expectError("sendMessage", md("[link](https://x.org"), 400, "Bad Request: can't parse entities: Can't find end of a URL at byte offset 7");
    await expectError("sendMessage", { chat_id, text: "*unclosed", parse_mode: "Markdown" }, 400, "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 0");

    tg.block(other.id);
    await expectError("sendMessage", { chat_id: other.id, text: "hi" }, 403, "Forbidden: bot was blocked by the user");
    await expectError("sendChatAction", { chat_id: other.id, action: "typing" }, 403, "Forbidden: bot was blocked by the user");
    tg.addChat(groupChat(-4_000_000_001, "Block 7 residents"));
    tg.block(-4_000_000_001);
    await expectError("sendMessage", { chat_id: -4_000_000_001, text: "hi" }, 403, "Forbidden: bot was kicked from the group chat");
    tg.sendText(other, "/start"); // writing to the bot again unblocks it
    expect((await api(tg, "sendMessage", { chat_id: other.id, text: "welcome back" })).status).toBe(200);

    const sent = (await api(tg, "sendMessage", { chat_id, text: "Survey", reply_markup: keyboard("s:1") })).body.result as Message;
    await expectError("editMessageText", { chat_id, message_id: 9_999, text: "x" }, 400, "Bad Request: message to edit not found");
    await expectError(
      "editMessageText",
      { chat_id, message_id: sent.message_id, text: "Survey", reply_markup: keyboard("s:1") },
      400,
      "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    );
    await expectError("editMessageReplyMarkup", { chat_id, message_id: sent.message_id, reply_markup: keyboard("s:1") }, 400, /^Bad Request: message is not modified/);
    const userMsg = tg.sendText(resident, "my answer");
    await expectError("editMessageText", { chat_id, message_id: userMsg.message_id, text: "hacked" }, 400, "Bad Request: message can't be edited");
    expect((await api(tg, "deleteMessage", { chat_id, message_id: sent.message_id })).body).toEqual({ ok: true, result: true });
    await expectError("deleteMessage", { chat_id, message_id: sent.message_id }, 400, "Bad Request: message to delete not found");
    await expectError("editMessageText", { chat_id, message_id: sent.message_id, text: "late" }, 400, "Bad Request: message to edit not found");
    await expectError("answerCallbackQuery", { callback_query_id: "42" }, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
    await expectError("sendChatAction", { chat_id, action: "dancing" }, 400, "Bad Request: wrong parameter action in request");
    await expectError("sendMessage", { chat_id, text: "re", reply_parameters: { message_id: 12_345 } }, 400, "Bad Request: message to be replied not found");
    expect((await api(tg, "sendMessage", { chat_id, text: "re", reply_parameters: { message_id: 12_345, allow_sending_without_reply: true } })).status).toBe(200);

    const strict = await startFake({ unknownChats: "reject" });
    expect((await api(strict, "sendMessage", { chat_id: 42, text: "hi" })).body).toMatchObject({
      error_code: 403,
      description: "Forbidden: bot can't initiate conversation with a user",
    });
    expect((await api(strict, "sendMessage", { chat_id: -42, text: "hi" })).body.description).toBe("Bad Request: chat not found");
    strict.sendText({ id: 42 }, "/start");
    expect((await api(strict, "sendMessage", { chat_id: 42, text: "hi" })).status).toBe(200);
  });

  it("turns parse modes into plain text and entities like Telegram", async () => {
    const tg = await startFake();
    const sent = await api(tg, "sendMessage", {
      chat_id: resident.id,
      text: '<b>安心</b> &lt;3 &amp; <a href="https://example.org/a?b=1&amp;c=2">link</a> <pre><code class="language-ts">x</code></pre>',
      parse_mode: "HTML",
    });
    expect(sent.body.result).toMatchObject({
      text: "安心 <3 & link x",
      entities: [
        { type: "bold", offset: 0, length: 2 },
        { type: "text_link", offset: 8, length: 4, url: "https://example.org/a?b=1&c=2" },
        { type: "pre", offset: 13, length: 1, language: "ts" },
      ],
    });
    expect(parseHtml("<i>a</>").entities).toEqual([{ type: "italic", offset: 0, length: 1 }]);
    expect(parseHtml("<blockquote expandable>q</blockquote>").entities).toEqual([{ type: "expandable_blockquote", offset: 0, length: 1 }]);
    expect(parseHtml("Tom & Jerry", false).text).toBe("Tom & Jerry");

    expect(parseMarkdownV2("*bold \\*text*")).toEqual({ text: "bold *text", entities: [{ type: "bold", offset: 0, length: 10 }] });
    expect(parseMarkdownV2("__u__ ~s~ ||sp|| `c\\`` Done\\!")).toEqual({
      text: "u s sp c` Done!",
      entities: [
        { type: "underline", offset: 0, length: 1 },
        { type: "strikethrough", offset: 2, length: 1 },
        { type: "spoiler", offset: 4, length: 2 },
        { type: "code", offset: 7, length: 2 },
      ],
    });
    expect(parseMarkdownV2("[site](https://a.org/x\\)y) ```python\nprint(1)```").entities).toEqual([
      { type: "text_link", offset: 0, length: 4, url: "https://a.org/x)y" },
      { type: "pre", offset: 5, length: 8, language: "python" },
    ]);
    expect(parseMarkdownV2(">quoted\n>two\nafter")).toEqual({ text: "quoted\ntwo\nafter", entities: [{ type: "blockquote", offset: 0, length: 11 }] });
    // tdlib's own test vectors
    expect(() => parseMarkdownV2("🏟 🏟_abacaba")).toThrow("Can't find end of Italic entity at byte offset 9");
    expect(() => parseMarkdownV2("🏟 🏟__🏟 _🏟___")).toThrow("Can't find end of Italic entity at byte offset 23");
    expect(() => parseHtml("🏟 🏟&lt;<abac>")).toThrow('Unsupported start tag "abac" at byte offset 13');
    expect(() => parseHtml("🏟 🏟&lt;<i>a</em   >")).toThrow('Unmatched end tag at byte offset 17, expected "</i>", found "</em>"');
    expect(parseMarkdownLegacy("*b* _i_ `c` [t](http://x.org)")).toEqual({
      text: "b i c t",
      entities: [
        { type: "bold", offset: 0, length: 1 },
        { type: "italic", offset: 2, length: 1 },
        { type: "code", offset: 4, length: 1 },
        { type: "text_link", offset: 6, length: 1, url: "http://x.org" },
      ],
    });
  });

  it("agrees with tdlib's own parser test vectors", () => {
    const mdErrors: Array<[string, string]> = [
      ["🏟 🏟_abac * asd ", "Can't find end of Bold entity at byte offset 15"],
      ["🏟 🏟`", "Can't find end of Code entity at byte offset 9"],
      ["🏟 🏟```a", "Can't find end of Pre entity at byte offset 9"],
      ["🏟 🏟```a ", "Can't find end of PreCode entity at byte offset 9"],
      ["🏟 🏟_🏟 🏟__", "Can't find end of Underline entity at byte offset 19"],
      ["🏟 🏟```🏟 🏟`", "Can't find end of Code entity at byte offset 21"],
      ["[telegram\\.org](asd\\)", "Can't find end of a URL at byte offset 16"],
      ["🏟 🏟||test\\|", "Can't find end of Spoiler entity at byte offset 9"],
      ["🏟 🏟!", "Character '!' is reserved and must be escaped with the preceding '\\'"],
      [">\n*a*>2", "Character '>' is reserved and must be escaped with the preceding '\\'"],
    ];
    for (const [input, error] of mdErrors) expect(() => parseMarkdownV2(input), input).toThrow(error);
    const mdOk: Array<[string, string, Array<[string, number, number]>]> = [
      ["\\\\\\a\\b\\➡️\\", "\\ab\\➡️\\", []],
      ["🏟 🏟_🏟 __🏟___", "🏟 🏟🏟 🏟", [["italic", 5, 5], ["underline", 8, 2]]],
      ["`_* *_`__*` `*__", "_* *_ ", [["code", 0, 5], ["code", 5, 1], ["bold", 5, 1], ["underline", 5, 1]]],
      ["abc\n> \n> \n>\ndef", "abc\n \n \n\ndef", [["blockquote", 4, 5]]],
      [">asd\n>q||e||w||\nasdad", "asd\nqew\nasdad", [["expandable_blockquote", 0, 8], ["spoiler", 5, 1]]],
      ["[telegram\\.org]", "telegram.org", [["text_link", 0, 12]]],
      ["[ ](as)", " ", []],
      ["🏟 🏟```🏟\n🏟```", "🏟 🏟🏟", [["pre", 5, 2]]],
    ];
    for (const [input, text, entities] of mdOk) {
      const parsed = parseMarkdownV2(input);
      expect([parsed.text, parsed.entities.map((e) => [e.type, e.offset, e.length])], input).toEqual([text, entities]);
    }
    const htmlErrors: Array<[string, string]> = [
      ["🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"],
      ["🏟 🏟&lt;<i   =aba>", 'Empty attribute name in the tag "i" at byte offset 13'],
      ["🏟 🏟&lt;<i    aba>", 'Expected equal sign in declaration of an attribute of the tag "i" at byte offset 13'],
      ["🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"],
      ["🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"],
      ["🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"],
    ];
    for (const [input, error] of htmlErrors) expect(() => parseHtml(input, false), input).toThrow(error);
    const htmlOk: Array<[string, string, Array<[string, number, number]>]> = [
      ["🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟", [["italic", 5, 6]]],
      ["🏟 🏟&lt;<i>🏟 🏟&lt;</>", "🏟 🏟<🏟 🏟<", [["italic", 6, 6]]],
      ["🏟 🏟&lt;<pre><code>🏟 🏟&lt;</code></>", "🏟 🏟<🏟 🏟<", [["pre", 6, 6], ["code", 6, 6]]],
      ['🏟 🏟&lt;<code class="language-fift"><pre>🏟 🏟&lt;</></>', "🏟 🏟<🏟 🏟<", [["pre", 6, 6]]],
      ['<blockquote   cite="" askdlbas nasjdbaj nj12b3>a&lt;<pre  >b;</></>', "a<b;", [["blockquote", 0, 4], ["pre", 2, 2]]],
      ["<a>telegram.org</a>", "telegram.org", [["text_link", 0, 12]]],
      ["&ge;&lt;&gt;&amp;&quot;&laquo;", '&ge;<>&"&laquo;', []],
    ];
    for (const [input, text, entities] of htmlOk) {
      const parsed = parseHtml(input, false);
      expect([parsed.text, parsed.entities.map((e) => [e.type, e.offset, e.length])], input).toEqual([text, entities]);
    }
  });

  it("records multipart sendPhoto from grammY and telegraf, and validates the upload", async () => {
    const tg = await startFake();
    const png = tinyPng();
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    const sent = await bot.api.sendPhoto(resident.id, new InputFile(png, "qr.png"), {
      caption: "<b>扫码</b> to answer",
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().url("Open", "https://example.org/survey"),
    });
    const call = tg.lastCall("sendPhoto")!;
    expect(call.encoding).toBe("multipart");
    expect(call.params).toMatchObject({ chat_id: resident.id, caption: "<b>扫码</b> to answer", parse_mode: "HTML" });
    expect(call.params.reply_markup).toEqual({ inline_keyboard: [[{ text: "Open", url: "https://example.org/survey" }]] });
    const files = Object.values(call.files);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ filename: "qr.png", size: png.length, imageType: "png" });
    expect(tg.photosSentTo(resident.id)).toEqual([{ seq: call.seq, messageId: sent.message_id, caption: "扫码 to answer", file: files[0] }]);
    expect(files[0]!.data.equals(png)).toBe(true);
    expect(call.params.photo).toBe(`attach://${files[0]!.field}`);
    expect(sent.photo!.at(-1)).toMatchObject({ width: 1, height: 1, file_size: png.length });
    expect(sent.caption).toBe("扫码 to answer");
    expect(sent.caption_entities).toEqual([{ type: "bold", offset: 0, length: 2 }]);

    const telegraf = new Telegraf(tg.token, { telegram: { apiRoot: tg.apiRoot } });
    await telegraf.telegram.sendPhoto(other.id, Input.fromBuffer(png, "map.png"), { caption: "map" });
    const tcall = tg.lastCall("sendPhoto")!;
    expect(tcall.encoding).toBe("multipart");
    expect(tcall.params).toEqual({ chat_id: other.id, caption: "map" }); // telegraf's extra "method" field is dropped
    expect(tcall.files.photo).toMatchObject({ filename: "map.png", size: png.length });

    // re-sending by file_id works; unknown ids and non-images fail like Telegram
    await bot.api.sendPhoto(other.id, sent.photo!.at(-1)!.file_id);
    await expect(bot.api.sendPhoto(other.id, "AgACAgIAAxkBAAnope")).rejects.toThrow("wrong file identifier/HTTP URL specified");
    await expect(bot.api.sendPhoto(other.id, new InputFile(Buffer.from("not an image"), "x.jpg"))).rejects.toThrow("IMAGE_PROCESS_FAILED");
    await expect(bot.api.sendPhoto(other.id, new InputFile(png), { caption: "c".repeat(1025) })).rejects.toThrow("message caption is too long");
    expect(tg.sentTo(other.id).map((m) => [m.caption, m.photo?.length])).toEqual([
      ["map", 1],
      [undefined, 1],
    ]);
    const file = await bot.api.getFile(sent.photo!.at(-1)!.file_id);
    const bytes = Buffer.from(await (await fetch(`${tg.apiRoot}/file/bot${tg.token}/${file.file_path}`)).arrayBuffer());
    expect(bytes.equals(png)).toBe(true);
  });
});

describe("fault injection, flood control and driving helpers", () => {
  it("shows a contact button in private chats only; shareContact sends the user's own number and folds a one-time keyboard", async () => {
    const tg = await startFake();
    tg.sendText(resident, "hi");
    const keyboard = { keyboard: [[{ text: "📱 Share my phone number", request_contact: true }]], one_time_keyboard: true, resize_keyboard: true };
    expect(() => tg.shareContact(resident, "8613800138000")).toThrow(/no "request_contact" button/);
    expect((await api(tg, "sendMessage", { chat_id: resident.id, text: "Or share it", reply_markup: keyboard })).status).toBe(200);
    expect(tg.replyKeyboard(resident.id)).toEqual(keyboard);
    const group = groupChat(-4_012_345_999);
    tg.addChat(group);
    expect(await api(tg, "sendMessage", { chat_id: group.id, text: "x", reply_markup: keyboard })).toMatchObject({ status: 400, body: { description: "Bad Request: BUTTON_TYPE_INVALID" } });
    const notBoolean = { keyboard: [[{ text: "x", request_contact: "yes" }]] };
    expect((await api(tg, "sendMessage", { chat_id: resident.id, text: "x", reply_markup: notBoolean })).status).toBe(400);

    const shared = tg.shareContact(resident, "8613800138000");
    expect(shared.contact).toMatchObject({ phone_number: "8613800138000", user_id: resident.id });
    expect(tg.pendingUpdates().at(-1)?.message?.contact?.user_id).toBe(resident.id);
    expect(tg.replyKeyboard(resident.id)).toBeUndefined();
    expect((await api(tg, "sendMessage", { chat_id: resident.id, text: "Thanks", reply_markup: { remove_keyboard: true } })).status).toBe(200);
  });

  it("injects failures per method, chat and count; disconnects; adds latency", async () => {
    const tg = await startFake();
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    tg.fail("sendMessage", { chatId: other.id, errorCode: 403, description: "Forbidden: user is deactivated" });
    await bot.api.sendMessage(resident.id, "unaffected");
    const err = await bot.api.sendMessage(other.id, "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).error_code).toBe(403);
    expect((err as GrammyError).description).toBe("Forbidden: user is deactivated");
    await bot.api.sendMessage(other.id, "now fine");

    const all = tg.fail("*", { times: Infinity, errorCode: 502 });
    await expect(bot.api.sendChatAction(resident.id, "typing")).rejects.toMatchObject({ error_code: 502, description: "Bad Gateway" });
    await expect(bot.api.getMe()).rejects.toMatchObject({ error_code: 502 });
    all.cancel();
    await bot.api.getMe();

    tg.fail("getMe", { disconnect: true });
    await expect(bot.api.getMe()).rejects.toBeInstanceOf(HttpError);

    tg.setLatency(80, "getMe");
    const t0 = performance.now();
    await bot.api.getMe();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    expect(tg.lastCall("getMe")!.durationMs).toBeGreaterThanOrEqual(75);
  });

  it("limits messages per chat and per bot when flood control is on", async () => {
    const tg = await startFake({ rateLimit: { perChatPerSecond: 1, perBotPerSecond: 3 } });
    expect((await api(tg, "sendMessage", { chat_id: 1, text: "a" })).status).toBe(200);
    const flood = await api(tg, "sendMessage", { chat_id: 1, text: "b" });
    expect(flood).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } },
    });
    expect((await api(tg, "sendChatAction", { chat_id: 1, action: "typing" })).status).toBe(200); // not counted
    expect((await api(tg, "sendMessage", { chat_id: 2, text: "c" })).status).toBe(200);
    expect((await api(tg, "sendMessage", { chat_id: 3, text: "d" })).status).toBe(200);
    expect((await api(tg, "sendMessage", { chat_id: 4, text: "e" })).status).toBe(429); // 3/s for the bot
    tg.setRateLimit(null);
    expect((await api(tg, "sendMessage", { chat_id: 1, text: "f" })).status).toBe(200);
  });

  it("pushes realistic updates of every kind to a grammY bot", async () => {
    const tg = await startFake();
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    const seen: string[] = [];
    bot.on("edited_message:text", (ctx) => void seen.push(`edited:${ctx.editedMessage.text}`));
    bot.on("message:photo", (ctx) => void seen.push(`photo:${ctx.message.caption}:${ctx.message.photo.length}`));
    bot.on("message:sticker", (ctx) => void seen.push(`sticker:${ctx.message.sticker.emoji}`));
    bot.on("message:voice", (ctx) => void seen.push(`voice:${ctx.message.voice.duration}`));
    bot.on("message:location", (ctx) => void seen.push(`location:${ctx.message.location.latitude}`));
    bot.on("message:contact", (ctx) => void seen.push(`contact:${ctx.message.contact.phone_number}`));
    bot.on("my_chat_member", (ctx) => void seen.push(`member:${ctx.myChatMember.new_chat_member.status}`));
    bot.on("channel_post:text", (ctx) => void seen.push(`channel:${ctx.channelPost.text}`));
    bot.on("message:text", (ctx) => void seen.push(`${ctx.chat.type}:${ctx.message.text}`));
    await startGrammy(bot);

    const original = tg.sendText(resident, "I feel saf");
    tg.pushUpdate(editedTextUpdate(original, "I feel safe"));
    tg.pushUpdate(photoUpdate(resident, { caption: "broken street light" }));
    tg.pushUpdate(stickerUpdate(resident, { emoji: "🙏" }));
    tg.pushUpdate(voiceUpdate(resident, { duration: 12 }));
    tg.pushUpdate(locationUpdate(resident, 31.2304, 121.4737));
    tg.pushUpdate(contactUpdate(resident, "+8613800000000", { own: true }));
    const group = supergroupChat(-1_001_234_567_890, "Xinhua Road residents");
    tg.sendText(other, "chatter the bot cannot see (privacy mode)", { chat: group });
    tg.sendText(other, "/survey@other_bot", { chat: group });
    tg.sendText(other, "/survey@anxin_test_bot", { chat: group });
    tg.pushUpdate(channelPostUpdate(channelChat(-1_009_876_543_210), "New safety tip"));
    tg.block(resident.id, { notify: true });
    await tg.waitUntil(() => seen.length >= 10 || undefined, 3_000);
    expect(seen).toEqual([
      "private:I feel saf",
      "edited:I feel safe",
      "photo:broken street light:4",
      "sticker:🙏",
      "voice:12",
      "location:31.2304",
      "contact:+8613800000000",
      "supergroup:/survey@anxin_test_bot",
      "channel:New safety tip",
      "member:kicked",
    ]);
    expect(tg.transcript(resident.id).map((m) => m.message_id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tg.transcript(group.id).map((m) => m.text)).toEqual([
      "chatter the bot cannot see (privacy mode)",
      "/survey@other_bot",
      "/survey@anxin_test_bot",
    ]);
    const post = await bot.api.sendMessage(-1_009_876_543_210, "Reminder");
    expect(post.from).toBeUndefined();
    expect(post.sender_chat).toMatchObject({ type: "channel" });
    expect(tg.message(resident.id, original.message_id)!.text).toBe("I feel safe");
    expect(tg.isBlocked(resident.id)).toBe(true);
    // the bot can re-send a photo a user sent, by file_id
    const userPhoto = tg.message(resident.id, 2)!.photo!.at(-1)!;
    await expect(bot.api.sendPhoto(other.id, userPhoto.file_id)).resolves.toMatchObject({ photo: expect.any(Array) });
    // a my_chat_member "member" update (user restarted the bot) unblocks
    tg.pushUpdate(myChatMemberUpdate(resident, { id: tg.botInfo.id, is_bot: true, first_name: "bot" }, "kicked", "member"));
    expect(tg.isBlocked(resident.id)).toBe(false);
  });

  it("stores commands per scope and language and resolves the menu a user sees", async () => {
    const tg = await startFake();
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    await bot.api.setMyCommands([{ command: "start", description: "Start" }]);
    await bot.api.setMyCommands([{ command: "start", description: "开始" }, { command: "survey", description: "问卷" }], { language_code: "zh" });
    await bot.api.setMyCommands([{ command: "report", description: "Group report" }], { scope: { type: "all_group_chats" } });
    expect(await bot.api.getMyCommands({ language_code: "zh" })).toHaveLength(2);
    expect(await bot.api.getMyCommands({ scope: { type: "all_private_chats" } })).toEqual([]);
    expect(tg.visibleCommands(resident.id, { languageCode: "zh" }).map((c) => c.command)).toEqual(["start", "survey"]);
    expect(tg.visibleCommands(resident.id, { languageCode: "en" }).map((c) => c.description)).toEqual(["Start"]);
    expect(tg.visibleCommands(-4_000_000_002).map((c) => c.command)).toEqual(["report"]);
    await expect(bot.api.setMyCommands([{ command: "Start", description: "x" }])).rejects.toThrow("BOT_COMMAND_INVALID");
    await bot.api.deleteMyCommands({ language_code: "zh" });
    expect(tg.commandsFor({ type: "default" }, "zh")).toEqual([]);
    expect(await bot.api.close()).toBe(true);
    expect(await bot.api.logOut()).toBe(true);
  });

  it("waitFor reports what it saw on timeout, and reset() clears state but keeps ids increasing", async () => {
    const tg = await startFake();
    await api(tg, "sendMessage", { chat_id: resident.id, text: "one" });
    await expect(tg.waitFor("deleteMessage", 50)).rejects.toThrow(/timed out after 50 ms waiting for call matching method deleteMessage[\s\S]*sendMessage chat=5012345678 "one"/);
    const before = tg.pushUpdate(textUpdate(resident, "x"));
    tg.fail("getMe", { times: 5 });
    tg.reset();
    expect(tg.calls()).toEqual([]);
    expect(tg.pendingUpdates()).toEqual([]);
    expect(tg.sentTo(resident.id)).toEqual([]);
    expect((await api(tg, "getMe")).status).toBe(200);
    const after = tg.pushUpdate(textUpdate(resident, "y"));
    expect(after.update_id).toBeGreaterThan(before.update_id);
    expect(after.message!.message_id).toBeGreaterThan(before.message!.message_id);
    const mark = tg.cursor();
    await api(tg, "sendMessage", { chat_id: resident.id, text: "two" });
    expect((await tg.waitFor("sendMessage", 100, { since: mark })).params.text).toBe("two");
  });
});

describe("message numbering, as Telegram numbers a bot's messages", () => {
  it("uses one counter for all private chats (and basic groups), and one per supergroup", async () => {
    const tg = await startFake();
    const a = tg.sendText(resident, "hello");
    const sentA = (await api(tg, "sendMessage", { chat_id: resident.id, text: "to Li" })).body.result as Message;
    const b = tg.sendText(other, "hi");
    const sentB = (await api(tg, "sendMessage", { chat_id: other.id, text: "to Anna" })).body.result as Message;
    const sentA2 = (await api(tg, "sendMessage", { chat_id: resident.id, text: "to Li again" })).body.result as Message;
    // One sequence across both private chats: unique in each chat, never contiguous per chat.
    expect([a.message_id, sentA.message_id, b.message_id, sentB.message_id, sentA2.message_id]).toEqual([1, 2, 3, 4, 5]);
    const group = groupChat(-4_001);
    tg.addChat(group);
    expect(((await api(tg, "sendMessage", { chat_id: group.id, text: "group" })).body.result as Message).message_id).toBe(6);
    const supergroup = supergroupChat(-1_001_234_567_890);
    tg.addChat(supergroup);
    expect(((await api(tg, "sendMessage", { chat_id: supergroup.id, text: "one" })).body.result as Message).message_id).toBe(1);
    expect(((await api(tg, "sendMessage", { chat_id: supergroup.id, text: "two" })).body.result as Message).message_id).toBe(2);
    expect(((await api(tg, "sendMessage", { chat_id: other.id, text: "back" })).body.result as Message).message_id).toBe(7);
    // Editing an id of another chat finds nothing there.
    const edit = await api(tg, "editMessageText", { chat_id: resident.id, message_id: sentB.message_id, text: "x" });
    expect(edit.body.description).toMatch(/message to edit not found/);
  });
});
