/**
 * The Official Account end to end (issue 19): the real `anxin start` in a child process with
 * WECHATY_PUPPET=wechaty-puppet-official-account, its HTTPS to api.weixin.qq.com sent through
 * HTTPS_PROXY to the local fake API (tests/support/fake-wechat-oa), and a follower driven by
 * signed XML callbacks exactly as WeChat's servers post them to the server URL (WECHAT_OA_PATH):
 * one in plaintext mode, one in safe mode (安全模式, AES with WECHAT_OA_ENCODING_AES_KEY); then
 * a broadcast WeChat refuses with 45015 (outside the 48-hour window).
 * Each step waits for the bot's answer to arrive at the fake's customer-service endpoint.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../app/database.js";
import { OUTSIDE_WINDOW_ERROR } from "../../bots/wechat/channel.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { parseDatabaseUrl } from "../../prisma/database-url.js";
import { startAnxin, type StartedAnxin } from "../support/anxin-process.js";
import { ERR, eventXml, postCallback, startFakeWechatOA, textMessageXml, type CallbackMode, type FakeWechatOA } from "../support/fake-wechat-oa/index.js";

const APP_ID = "wxfa4ea2c0ffee0001";
const APP_SECRET = "fa4ea2c0ffee0000fa4ea2c0ffee0000";
const OA_TOKEN = "AnxinFakeToken2026";
const ENCODING_AES_KEY = "Fa4eA2c0ffee0000fa4ea2c0ffee0000FA4EA2c0ffe";

const questionnaire = loadDefaultQuestionnaire();
const label = (id: string): string => {
  const text = questionnaire.questions.find((q) => q.id === id)?.label["zh-CN"];
  if (!text) throw new Error(`no question ${id}`);
  return text;
};

/** What the follower types, and what the bot's answer to it must contain before the next step. */
const SCRIPT: [typed: string, answerContains: string | undefined][] = [
  ["同意", label("safety_overall")],
  ["9", "很安全"],
  ["2", label("safety_trend")],
  ["变好了", label("safety_night")],
  ["三", label("hot_issues")],
  ["1", "偷盗、入室盗窃"],
  ["电信网络诈骗", "电信网络诈骗"],
  ["0", label("victim")],
  // Not an answer: re-prompted (any answer will do; the next step's question proves the order).
  ["也许吧", undefined],
  ["是", label("reported")],
  ["是", label("solved")],
  ["还没破", label("kept_informed")],
  ["否", label("heard_campaign")],
  ["1", label("seen_publicity")],
  ["2", label("sat_police")],
  ["满意", label("sat_conduct")],
  ["1", label("patrols")],
  ["有时", label("age_group")],
  ["2", label("suggestion")],
  ["希望晚上多巡逻，路灯坏了要及时修。", label("phone")],
  ["12345", undefined],
  ["138 0013 8000", "问卷答完了"],
];

/** The step before which the fake expires every access token (its reply meets 42001). */
const EXPIRE_BEFORE = 4;
/** The step whose callback WeChat delivers three times (same MsgId). */
const REPEATED = 3;

/** The answers the script gives, as the store must hold them. */
const SCRIPTED_ANSWERS = {
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
};

describe("the WeChat Official Account puppet against the fake WeChat API", () => {
  let wechat: FakeWechatOA;
  let app: StartedAnxin;
  let cwd: string;
  let databaseUrl: string;
  let callbackUrl: string;
  /** Fake WeChat's clock for CreateTime and timestamps (seconds). */
  let clock = 1_767_225_600;
  // MsgIds are 64-bit: beyond a double's precision, so counted as a bigint.
  let msgSeq = 24_567_890_123_456_000n;

  /** Posts a callback as WeChat does; the server must take it at once with "success". */
  const deliver = async (openId: string, mode: CallbackMode, xml: string, nonce: string): Promise<void> => {
    const answer = await postCallback(callbackUrl, OA_TOKEN, openId, xml, clock, nonce, mode, { encodingAesKey: ENCODING_AES_KEY, appId: APP_ID });
    expect(answer, "callback answered").toEqual({ status: 200, body: "success" });
  };

  /** Waits until texts to `openId` after the first `from` include one containing `needle` (or any text). */
  const answerAfter = (openId: string, from: number, needle: string | undefined, what: string): Promise<string[]> =>
    wechat.api.waitFor(what, () => {
      const fresh = wechat.api.textsTo(openId).slice(from);
      if (needle === undefined) return fresh.length > 0 ? fresh : undefined;
      return fresh.some((text) => text.includes(needle)) ? fresh : undefined;
    });

  /**
   * A follower follows and answers the whole script in `mode`; the callback of step REPEATED
   * arrives three times; `beforeStep` runs before each step. Returns every text they got.
   */
  const completeSurvey = async (openId: string, mode: CallbackMode, beforeStep: (step: number) => void = () => undefined): Promise<string[]> => {
    // The follow: the greeting and the consent question come through the customer-service API.
    wechat.api.follow(openId);
    await deliver(openId, mode, eventXml(openId, "subscribe", clock), `follow-${openId}`);
    const greeting = await answerAfter(openId, 0, "您同意参加吗", `the consent question (${mode})`);
    expect(greeting.join("\n")).toContain("1. 同意");
    for (const [step, [typed, expected]] of SCRIPT.entries()) {
      beforeStep(step);
      clock += 7;
      const xml = textMessageXml(openId, typed, String(msgSeq++), clock);
      const before = wechat.api.textsTo(openId).length;
      wechat.api.messaged(openId);
      if (step === REPEATED) {
        // WeChat retries a callback it thinks unanswered, with the same MsgId, up to three times.
        await Promise.all([1, 2, 3].map(() => deliver(openId, mode, xml, `n${step}`)));
      } else {
        await deliver(openId, mode, xml, `n${step}`);
      }
      await answerAfter(openId, before, expected, `the answer to step ${step} (${typed}, ${mode})`);
    }
    const texts = wechat.api.textsTo(openId);
    // The repeated answer moved the survey on once: its next question was asked once.
    expect(texts.filter((text) => text.includes(label("safety_night")))).toHaveLength(1);
    expect(texts.filter((text) => text.includes(label("hot_issues")))).toHaveLength(1);
    expect(texts.at(-1)).toContain("问卷答完了");
    for (const text of texts) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2048);
    return texts;
  };

  /** The follower's stored response and phone. */
  const stored = async (openId: string) => {
    const { store } = await openDatabase(parseDatabaseUrl(databaseUrl));
    try {
      const identity = await store.findIdentity("wechat", openId);
      const wave = await store.currentWave(new Date());
      const response = await store.getResponse(identity?.residentId ?? "", wave?.id ?? "");
      return { identity, response, phone: await store.getResidentPhone(identity?.residentId ?? "") };
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    wechat = await startFakeWechatOA({ appId: APP_ID, appSecret: APP_SECRET });
    cwd = mkdtempSync(join(tmpdir(), "anxin-wechat-oa-e2e-"));
    databaseUrl = `file:${join(cwd, "anxin.db")}`;
    app = await startAnxin({
      cwd,
      timeoutMs: 60_000,
      env: {
        ...wechat.childEnv(),
        DATABASE_URL: databaseUrl,
        DATA_DIR: cwd,
        // The puppet keeps its contact cache under ~/.wechaty.
        HOME: cwd,
        APP_SECRET: "wechat-oa-e2e-app-secret-0123456789abcdef",
        OFFICE_TIME_ZONE: "Asia/Shanghai",
        WECHATY_PUPPET: "wechaty-puppet-official-account",
        WECHATY_PUPPET_OA_APP_ID: APP_ID,
        WECHATY_PUPPET_OA_APP_SECRET: APP_SECRET,
        WECHATY_PUPPET_OA_TOKEN: OA_TOKEN,
        WECHAT_OA_PATH: "/wechat/oa",
        // Safe mode on: encrypted callbacks are decrypted, plaintext ones still taken (mode switch).
        WECHAT_OA_ENCODING_AES_KEY: ENCODING_AES_KEY,
      },
    });
    callbackUrl = `${app.url}/wechat/oa`;
    // The channel connects in the background: ready once the puppet has its token and listens.
    const until = Date.now() + 30_000;
    for (;;) {
      const status = (await (await fetch(`${app.url}/status`)).json()) as { channels: { platform: string; state: string; lastError?: string }[] };
      const channel = status.channels.find((c) => c.platform === "wechat");
      if (channel?.state === "ready") break;
      if (Date.now() > until) throw new Error(`the WeChat channel did not come up: ${JSON.stringify(channel)}\n${app.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 90_000);

  afterAll(async () => {
    await app?.stop("SIGTERM");
    await wechat?.stop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it("takes a follower through the default survey in plaintext callbacks, survives token expiry, and handles a thrice-delivered callback once", async () => {
    const openId = "oFAKE_follower_plain_0001";
    expect(wechat.api.callsTo("token").map((call) => call.errcode)).toEqual([0]);
    await completeSurvey(openId, "plaintext", (step) => {
      if (step === EXPIRE_BEFORE) wechat.api.expireTokens();
    });

    // The expired token: one send refused with 42001, a new token, and the same text sent again.
    const sends = wechat.api.callsTo("message/custom/send");
    const refused = sends.filter((call) => call.errcode === ERR.accessTokenExpired);
    expect(refused).toHaveLength(1);
    const tokens = wechat.api.callsTo("token");
    expect(tokens.map((call) => call.errcode)).toEqual([0, 0]);
    const retried = sends.find((call) => call.seq > (tokens[1]?.seq ?? Infinity));
    expect(retried?.errcode).toBe(0);
    expect(retried?.body).toEqual(refused[0]?.body);
    expect(sends.every((call) => call.errcode === 0 || call === refused[0])).toBe(true);

    const { identity, response, phone } = await stored(openId);
    expect(identity?.reachable).toBe(true);
    expect(response?.status).toBe("completed");
    expect(response?.channel).toBe("wechat");
    expect(response?.answers).toEqual(SCRIPTED_ANSWERS);
    expect(phone).toBe("13800138000");
    expect(wechat.proxy.refused).toEqual([]);
    expect(app.output()).not.toContain(APP_SECRET);
  }, 120_000);

  it("does the same with safe-mode (AES) callbacks", async () => {
    const openId = "oFAKE_follower_safe_0002";
    const tokensBefore = wechat.api.callsTo("token").length;
    await completeSurvey(openId, "safe");
    expect(wechat.api.callsTo("token")).toHaveLength(tokensBefore);
    const { response, phone } = await stored(openId);
    expect(response?.status).toBe("completed");
    expect(response?.answers).toEqual(SCRIPTED_ANSWERS);
    expect(phone).toBe("13800138000");
    expect(wechat.proxy.refused).toEqual([]);
    expect(app.output()).not.toContain(ENCODING_AES_KEY);
  }, 120_000);

  it("records a broadcast WeChat refuses with 45015 as outside the 48-hour window, without retrying it", async () => {
    const followers = ["oFAKE_follower_plain_0001", "oFAKE_follower_safe_0002"];
    const notice = "今晚请锁好门窗（45015 测试）";
    // Anxin saw both write minutes ago; WeChat's clock says two days have passed (and the token expired).
    wechat.api.advance(49 * 60 * 60 * 1000);
    const tokensBefore = wechat.api.callsTo("token").length;
    const { store } = await openDatabase(parseDatabaseUrl(databaseUrl));
    let broadcastId: string;
    try {
      const now = new Date();
      broadcastId = (await store.createBroadcast({ authorId: null, content: { text: { "zh-CN": notice } }, audience: { kind: "everyone" }, status: "scheduled", scheduledAt: now, now })).id;
    } finally {
      await store.close();
    }
    const noticeSends = () => wechat.api.callsTo("message/custom/send").filter((call) => JSON.stringify(call.body).includes(notice));
    await wechat.api.waitFor("45015 for both followers", () => {
      const refused = noticeSends().filter((call) => call.errcode === ERR.outsideWindow);
      return new Set(refused.map((call) => (call.body as { touser: string }).touser)).size === followers.length ? refused : undefined;
    });
    const sqlite = new Database(join(cwd, "anxin.db"), { readonly: true });
    try {
      const until = Date.now() + 20_000;
      let rows: { status: string; lastError: string | null }[] = [];
      for (;;) {
        rows = sqlite.prepare("SELECT status, lastError FROM Delivery WHERE broadcastId = ?").all(broadcastId) as typeof rows;
        if (rows.length === followers.length && rows.every((row) => row.status !== "pending" && row.status !== "sending")) break;
        if (Date.now() > until) throw new Error(`deliveries not settled: ${JSON.stringify(rows)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(rows).toEqual(followers.map(() => ({ status: "failed", lastError: OUTSIDE_WINDOW_ERROR })));
    } finally {
      sqlite.close();
    }
    // One refusal each: a permanent failure is not retried. The expired token was renewed once
    // (its 42001 is a token error); 45015 renewed nothing.
    const refusedPerFollower = followers.map((openId) => noticeSends().filter((call) => call.errcode === ERR.outsideWindow && (call.body as { touser: string }).touser === openId).length);
    expect(refusedPerFollower).toEqual([1, 1]);
    expect(noticeSends().filter((call) => call.errcode === 0)).toEqual([]);
    expect(wechat.api.callsTo("token").slice(tokensBefore).map((call) => call.errcode)).toEqual([0]);
  }, 60_000);
});
