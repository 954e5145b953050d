/**
 * The WeChat channel end to end on wechaty-puppet-mock: a real Wechaty bot, the real runner and
 * engine, the default questionnaire in a fresh SQLite database.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanStatus } from "wechaty";
import type { PuppetMock } from "wechaty-puppet-mock";
import { loadConfig } from "../../app/config.js";
import { startApp } from "../../app/start.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { OFFICIAL_ACCOUNT_REPLY_WINDOW_MS, OUTSIDE_WINDOW_ERROR, WechatChannel } from "../../bots/wechat/channel.js";
import { freshSqlite } from "../support/databases.js";
import { MOCK_SETTINGS, quietLogger, resident, seededDatabase, startMockWechat, type MockWechat, type SeededDatabase } from "./harness.js";

const questionnaire = loadDefaultQuestionnaire();
const label = (id: string): string => {
  const text = questionnaire.questions.find((q) => q.id === id)?.label["zh-CN"];
  if (!text) throw new Error(`no question ${id}`);
  return text;
};

describe("WeChat on the mock puppet", () => {
  let seeded: SeededDatabase;
  let wechat: MockWechat;

  beforeAll(async () => {
    seeded = await seededDatabase();
    wechat = await startMockWechat(seeded.store);
  });
  afterAll(async () => {
    await wechat?.stop();
    await seeded?.close();
  });

  it("takes a resident through the default survey in zh-CN, answered by numbers and words", async () => {
    const wang = resident(wechat, "王阿姨");
    const consent = (await wang.say("你好")).join("\n");
    expect(consent).toContain("您同意参加吗？");
    expect(consent).toContain("1. 同意\n2. 不同意");

    let last = (await wang.say("同意")).join("\n");
    // Each step: the question the resident must be looking at, then what they type.
    const script: [questionId: string, inputs: string[]][] = [
      ["safety_overall", ["9", "2"]],
      ["safety_trend", ["变好了"]],
      ["safety_night", ["三"]],
      ["hot_issues", ["1", "电信网络诈骗", "0"]],
      ["victim", ["也许吧", "是"]],
      ["reported", ["是"]],
      ["solved", ["还没破"]],
      ["kept_informed", ["否"]],
      ["heard_campaign", ["1"]],
      ["seen_publicity", ["2"]],
      ["sat_police", ["满意"]],
      ["sat_conduct", ["1"]],
      ["patrols", ["有时"]],
      ["age_group", ["2"]],
      ["suggestion", ["希望晚上多巡逻，路灯坏了要及时修。"]],
      // WeChat has no contact button: the number is typed (a wrong one is re-prompted).
      ["phone", ["12345", "138 0013 8000"]],
    ];
    for (const [questionId, inputs] of script) {
      expect(last, `asked ${questionId}`).toContain(label(questionId));
      expect(last).toMatch(questionId === "suggestion" ? /./ : questionId === "phone" ? /\n0\. 跳过/ : /\n1\. /);
      for (const input of inputs) last = (await wang.say(input)).join("\n");
      if (questionId === "safety_overall") {
        // "9" got a compact re-prompt: the error and the options on one line, not the question again.
        const reprompt = wang.inbox.at(-2) ?? "";
        expect(reprompt).toContain("1 很安全 · 2 安全 · 3 基本安全");
        expect(reprompt).not.toContain(label("safety_overall"));
      }
      if (questionId === "hot_issues") {
        // A tick shows the selection only.
        expect(wang.inbox.at(-2)).toBe("已选 2/3：偷盗、入室盗窃、电信网络诈骗\n可以继续回复编号，选好了回复 0。");
      }
      if (questionId === "phone") {
        // The reason first, then the thanks for a number that is one.
        expect(wang.inbox.some((text) => text.startsWith("这不像是电话号码"))).toBe(true);
        expect(last).toContain("谢谢！这个号码只用于回访核实几道题");
      }
      if (questionId === "victim") {
        const reprompt = wang.inbox.at(-2) ?? "";
        expect(reprompt).toContain("1 是 · 2 否");
        expect(reprompt).not.toContain(label("victim"));
      }
    }
    expect(last).toContain("问卷答完了");
    // The end is an end: what happens next and the call-back, then the menu offered by its number.
    expect(last).toContain("您留了电话：我们只会抽少数人回访");
    expect(last).toMatch(/可以打开菜单。\n0\. 打开菜单$/);
    expect(last).not.toContain("参加问卷调查");

    const identity = await seeded.store.findIdentity("wechat", wang.contact.id);
    expect(identity?.reachable).toBe(true);
    expect(identity?.lastInboundAt).toBeInstanceOf(Date);
    const response = await seeded.store.getResponse(identity?.residentId ?? "", seeded.wave.id);
    expect(response?.status).toBe("completed");
    expect(response?.channel).toBe("wechat");
    expect(response?.answers).toEqual({
      safety_overall: { kind: "choice", option: "safe" },
      safety_trend: { kind: "choice", option: "better" },
      safety_night: { kind: "choice", option: "basically_safe" },
      hot_issues: { kind: "choices", options: ["theft", "fraud"] },
      victim: { kind: "bool", value: true },
      reported: { kind: "bool", value: true },
      solved: { kind: "choice", option: "not_yet" },
      kept_informed: { kind: "bool", value: false },
      heard_campaign: { kind: "bool", value: true },
      seen_publicity: { kind: "bool", value: false },
      sat_police: { kind: "choice", option: "satisfied" },
      sat_conduct: { kind: "choice", option: "very_satisfied" },
      patrols: { kind: "choice", option: "sometimes" },
      age_group: { kind: "choice", option: "30-44" },
      suggestion: { kind: "text", value: "希望晚上多巡逻，路灯坏了要及时修。" },
    });
    // The number went to the resident, for telephone spot checks, not into the answers above.
    expect(await seeded.store.getResidentPhone(identity?.residentId ?? "")).toBe("13800138000");
    for (const text of wang.inbox) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2048);
  });

  it("handles a message delivered twice once", async () => {
    const zhou = resident(wechat, "周");
    await zhou.say("你好");
    await zhou.say("1");
    const first = await zhou.say("2");
    expect(first.join("\n")).toContain(label("safety_trend"));
    const answeredId = zhou.sentIds.at(-1) ?? "";
    const inboxBefore = zhou.inbox.length;

    const redelivered = wechat.nextHandled(zhou.contact.id);
    wechat.puppet.emit("message", { messageId: answeredId });
    expect(await redelivered).toEqual({ chatId: zhou.contact.id, messageId: answeredId, outcome: "duplicate" });
    expect(zhou.inbox.length).toBe(inboxBefore);

    // The survey did not move on: the next answer goes to the second question.
    expect((await zhou.say("差不多")).join("\n")).toContain(label("safety_night"));
    const identity = await seeded.store.findIdentity("wechat", zhou.contact.id);
    const response = await seeded.store.getResponse(identity?.residentId ?? "", seeded.wave.id);
    expect(response?.answers).toEqual({
      safety_overall: { kind: "choice", option: "safe" },
      safety_trend: { kind: "choice", option: "same" },
    });
  });

  it("ignores group chats: no survey, no resident, no reply", async () => {
    const zhao = wechat.mocker.createContact({ name: "赵" });
    const room = wechat.mocker.createRoom({ topic: "幸福小区业主群", memberIdList: [wechat.me.id, zhao.id] });
    const roomTexts: string[] = [];
    room.on("message", (message: { payload: { talkerId?: string; text?: string } }) => {
      if (message.payload.talkerId === wechat.me.id) roomTexts.push(message.payload.text ?? "");
    });
    for (const text of ["你好", "1", "问卷"]) {
      const handled = wechat.nextHandled(room.id);
      zhao.say(text, [wechat.me]).to(room);
      expect((await handled).outcome).toBe("ignored");
    }
    expect(roomTexts).toEqual([]);
    expect(await seeded.store.findIdentity("wechat", zhao.id)).toBeNull();
  });
});

describe("WeChat group chats with WECHAT_ROOMS=hint", () => {
  it("answers an @-mention with a pointer to the private chat, and still starts nothing", async () => {
    const seeded = await seededDatabase();
    const wechat = await startMockWechat(seeded.store, { settings: { ...MOCK_SETTINGS, rooms: "hint" } });
    const sun = wechat.mocker.createContact({ name: "孙" });
    const room = wechat.mocker.createRoom({ topic: "社区群", memberIdList: [wechat.me.id, sun.id] });
    const roomTexts: string[] = [];
    room.on("message", (message: { payload: { talkerId?: string; text?: string } }) => {
      if (message.payload.talkerId === wechat.me.id) roomTexts.push(message.payload.text ?? "");
    });
    let handled = wechat.nextHandled(room.id);
    sun.say("大家好").to(room);
    expect((await handled).outcome).toBe("ignored");
    handled = wechat.nextHandled(room.id);
    sun.say("@安心 怎么参加问卷？", [wechat.me]).to(room);
    expect((await handled).outcome).toBe("answered");
    expect(roomTexts).toEqual(["为了保护您的隐私，问卷只在私聊里进行。请直接给我发消息。"]);
    expect(await seeded.store.findIdentity("wechat", sun.id)).toBeNull();
    await wechat.stop();
    await seeded.close();
  });
});

describe("logging in a personal account", () => {
  it("prints the login QR code's URL and its state to the console", async () => {
    const seeded = await seededDatabase();
    const printed: string[] = [];
    let notify: () => void = () => undefined;
    const wechat = await startMockWechat(seeded.store, {
      print: (text) => {
        printed.push(text);
        notify();
      },
    });
    const waitPrint = () => new Promise<void>((resolve) => (notify = resolve));
    let next = waitPrint();
    wechat.mocker.scan("https://login.weixin.qq.com/l/Abc123==", ScanStatus.Waiting);
    await next;
    expect(printed.at(-1)).toContain("WeChat login (Waiting): scan this QR code with the WeChat app of the bot account, or open https://login.weixin.qq.com/l/Abc123==");
    // The QR code itself is drawn in the terminal above the line.
    expect(printed.at(-1)?.split("\n").length).toBeGreaterThan(10);
    next = waitPrint();
    wechat.mocker.scan("https://login.weixin.qq.com/l/Abc123==", ScanStatus.Scanned);
    await next;
    expect(printed.at(-1)).toBe("WeChat login: Scanned");
    await wechat.stop();
    await seeded.close();
  });
});

describe("the Official Account's rules on the mock puppet", () => {
  let seeded: SeededDatabase;
  let wechat: MockWechat;
  let clock = new Date("2026-11-02T09:00:00Z");
  const hours = (n: number) => n * 3_600_000;

  beforeAll(async () => {
    seeded = await seededDatabase();
    wechat = await startMockWechat(seeded.store, { replyWindowMs: OFFICIAL_ACCOUNT_REPLY_WINDOW_MS, now: () => clock });
  });
  afterAll(async () => {
    await wechat?.stop();
    await seeded?.close();
  });

  it("pushes only within 48 hours of the resident's last message", async () => {
    const qian = resident(wechat, "钱");
    await qian.say("你好");
    const notice = [{ kind: "info" as const, text: "【防范提示】陌生来电让转账，一律是诈骗。" }];

    clock = new Date(clock.getTime() + hours(47));
    expect(await wechat.channel.push(qian.contact.id, "zh-CN", notice)).toEqual({ ok: true });
    expect(qian.inbox.at(-1)).toBe("【防范提示】陌生来电让转账，一律是诈骗。");

    clock = new Date(clock.getTime() + hours(2));
    const before = qian.inbox.length;
    expect(await wechat.channel.push(qian.contact.id, "zh-CN", notice)).toEqual({ ok: false, permanent: true, outsideWindow: true, error: OUTSIDE_WINDOW_ERROR });
    expect(qian.inbox.length).toBe(before);
    // Someone who never wrote is outside the window too.
    const stranger = wechat.mocker.createContact({ name: "路人" });
    expect(await wechat.channel.push(stranger.id, "zh-CN", notice)).toEqual({ ok: false, permanent: true, outsideWindow: true, error: OUTSIDE_WINDOW_ERROR });

    // Writing again reopens the window.
    await qian.say("菜单");
    expect(await wechat.channel.push(qian.contact.id, "zh-CN", notice)).toEqual({ ok: true });
  });

  it("follow greets and opens the window; unfollow makes the resident unreachable", async () => {
    const chen = wechat.mocker.createContact({ name: "陈" });
    const inbox: string[] = [];
    chen.on("message", (message: { payload: { talkerId?: string; text?: string } }) => {
      if (message.payload.talkerId === wechat.me.id) inbox.push(message.payload.text ?? "");
    });
    await wechat.channel.followed({ openId: chen.id, createTime: "1793000000" });
    expect(inbox.join("\n")).toContain("您同意参加吗？");
    // WeChat redelivers events it thinks were lost: the same event greets once.
    await wechat.channel.followed({ openId: chen.id, createTime: "1793000000" });
    expect(inbox).toHaveLength(1);
    let identity = await seeded.store.findIdentity("wechat", chen.id);
    expect(identity?.reachable).toBe(true);
    expect(identity?.lastInboundAt).toEqual(clock);

    await wechat.channel.unfollowed({ openId: chen.id, createTime: "1793000100" });
    identity = await seeded.store.findIdentity("wechat", chen.id);
    expect(identity?.reachable).toBe(false);
    expect(await wechat.channel.push(chen.id, "zh-CN", [{ kind: "info", text: "通知" }])).toEqual({
      ok: false,
      permanent: true,
      blocked: true,
      error: "the resident unfollowed or cannot be reached",
    });

    await wechat.channel.followed({ openId: chen.id, createTime: "1793000200" });
    expect((await seeded.store.findIdentity("wechat", chen.id))?.reachable).toBe(true);
    expect(await wechat.channel.push(chen.id, "zh-CN", [{ kind: "info", text: "通知" }])).toEqual({ ok: true });
  });
});

describe("anxin start with WECHATY_PUPPET=wechaty-puppet-mock", () => {
  it("creates, starts and stops the WeChat channel", async () => {
    const db = freshSqlite();
    const dataDir = mkdtempSync(join(tmpdir(), "anxin-wechat-"));
    const config = loadConfig({ DATABASE_URL: db.target.url, PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent", WECHATY_PUPPET: "wechaty-puppet-mock" });
    const app = await startApp(config, quietLogger);
    try {
      const channel = app.channels.find((c) => c.platform === "wechat");
      expect(channel).toBeInstanceOf(WechatChannel);
      if (!(channel instanceof WechatChannel)) return;
      // startApp does not wait for the puppet: it connects in the background.
      expect(await channel.until("running", "failed")).toBe("running");
      expect(channel.status().state).toBe("ready");
      const puppet = channel.currentPuppet as PuppetMock;
      const me = puppet.mocker.createContact({ name: "安心" });
      puppet.mocker.login(me);
      while (!channel.isLoggedIn) await new Promise((resolve) => setImmediate(resolve));
      const wu = puppet.mocker.createContact({ name: "吴" });
      const reply = new Promise<string>((resolve) =>
        wu.on("message", (message: { payload: { talkerId?: string; text?: string } }) => {
          if (message.payload.talkerId === me.id) resolve(message.payload.text ?? "");
        }),
      );
      wu.say("你好").to(me);
      expect(await reply).toContain("您同意参加吗？");
    } finally {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(app.channels.every((c) => !(c instanceof WechatChannel) || c.state === "stopped")).toBe(true);
  });
});
