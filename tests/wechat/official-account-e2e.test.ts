/**
 * The Official Account end to end (issue 19): the real `anxin start` in a child process with
 * WECHATY_PUPPET=wechaty-puppet-official-account, its HTTPS to api.weixin.qq.com sent through
 * HTTPS_PROXY to the local fake API (tests/support/fake-wechat-oa), and a follower driven by
 * signed XML callbacks exactly as WeChat's servers post them to the server URL (WECHAT_OA_PATH):
 * one in plaintext mode, one in safe mode (安全模式, AES with WECHAT_OA_ENCODING_AES_KEY); then
 * a broadcast WeChat refuses with 45015 (outside the 48-hour window); case updates outside the
 * window as template messages to a reporter who subscribed (订阅进展通知), refused and reported to
 * the officer for one who did not or withdrew; 45047 / -1 retried with backoff.
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
import { createInvitation } from "../../core/outreach/invitations.js";
import { formatInvitationCode } from "../../core/outreach/codes.js";
import { parseDatabaseUrl } from "../../prisma/database-url.js";
import { startAnxin, type StartedAnxin } from "../support/anxin-process.js";
import { ERR, eventXml, postCallback, startFakeWechatOA, subscriptionEventXml, textMessageXml, type CallbackMode, type FakeWechatOA } from "../support/fake-wechat-oa/index.js";

const APP_ID = "wxfa4ea2c0ffee0001";
const APP_SECRET = "fa4ea2c0ffee0000fa4ea2c0ffee0000";
const OA_TOKEN = "AnxinFakeToken2026";
const ENCODING_AES_KEY = "Fa4eA2c0ffee0000fa4ea2c0ffee0000FA4EA2c0ffe";
/** The Official Account's templates: a template message for case progress, a subscription message for notices. */
const CASE_TEMPLATE = "case_progress_tpl_0001";
const NOTICE_TEMPLATE = "safety_notice_tpl_0002";
const TWO_DAYS = 49 * 60 * 60 * 1000;

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
    wechat = await startFakeWechatOA({ appId: APP_ID, appSecret: APP_SECRET, templates: [CASE_TEMPLATE, NOTICE_TEMPLATE] });
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
        WECHAT_OA_TEMPLATE_CASE_UPDATE: `template:${CASE_TEMPLATE}?first=title&keyword1=code&keyword2=status&keyword3=date&remark=note`,
        WECHAT_OA_TEMPLATE_BROADCAST: `subscribe:${NOTICE_TEMPLATE}?thing1=title&time2=date`,
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
      // Neither subscribed to notices: no subscription message either, and the reason is recorded.
      expect(rows).toEqual(followers.map(() => ({ status: "failed", lastError: `${OUTSIDE_WINDOW_ERROR}; the resident has not subscribed to broadcast notices` })));
    } finally {
      sqlite.close();
    }
    // One refusal each: a permanent failure is not retried. The expired token was renewed once
    // (its 42001 is a token error); 45015 renewed nothing.
    const refusedPerFollower = followers.map((openId) => noticeSends().filter((call) => call.errcode === ERR.outsideWindow && (call.body as { touser: string }).touser === openId).length);
    expect(refusedPerFollower).toEqual([1, 1]);
    expect(noticeSends().filter((call) => call.errcode === 0)).toEqual([]);
    expect(wechat.api.callsTo("token").slice(tokensBefore).map((call) => call.errcode)).toEqual([0]);
    expect(wechat.api.callsTo("message/subscribe/bizsend")).toEqual([]);
  }, 60_000);

  /** The follower types `text` (their window reopens on WeChat's side); resolves with the new texts once one contains `needle`. */
  const type = async (openId: string, text: string, needle: string): Promise<string> => {
    clock += 7;
    const before = wechat.api.textsTo(openId).length;
    wechat.api.messaged(openId);
    await deliver(openId, "plaintext", textMessageXml(openId, text, String(msgSeq++), clock), `t${msgSeq}`);
    return (await answerAfter(openId, before, needle, `the answer to "${text}"`)).join("\n");
  };
  const follow = async (openId: string): Promise<void> => {
    wechat.api.follow(openId);
    await deliver(openId, "plaintext", eventXml(openId, "subscribe", clock), `follow-${openId}`);
    await answerAfter(openId, 0, "您同意参加吗", `the greeting of ${openId}`);
  };
  const OFFICER = "oFAKE_officer_0005";
  let officerReady = false;
  /** An admin on WeChat, made by an invitation code typed in the chat (as an office does). */
  const officer = async (): Promise<string> => {
    if (officerReady) return OFFICER;
    await follow(OFFICER);
    const { store } = await openDatabase(parseDatabaseUrl(databaseUrl));
    let code: string;
    try {
      code = formatInvitationCode((await createInvitation(store, { role: "admin", regionCode: null, createdById: null, days: 1, now: new Date() })).invitation.code);
    } finally {
      await store.close();
    }
    await type(OFFICER, code, "您现在是管理员");
    officerReady = true;
    return OFFICER;
  };
  /** The officer registers a case for `openId`; resolves with its code. */
  const registerCase = async (openId: string, title: string): Promise<string> => {
    const reply = await type(await officer(), `/case new wechat:${openId} ${title}`, "已登记案件");
    const code = /已登记案件 (\w+)/.exec(reply)?.[1];
    if (!code) throw new Error(`no case code in ${reply}`);
    return code;
  };

  it("sends a case update outside the window as a template message to a reporter who subscribed, and tells the officer what could not be sent", async () => {
    const subscriber = "oFAKE_subscriber_0003";
    const other = "oFAKE_no_consent_0004";
    await follow(subscriber);
    await follow(other);
    // Consent, in the chat, before the window closes: recorded with when and how.
    expect(await type(subscriber, "订阅进展通知", "已为您订阅案件进展通知")).toContain("退订");
    const subscribed = await type(subscriber, "订阅状态", "通知订阅");
    expect(subscribed).toMatch(/✓ 案件进展通知：已订阅/);
    expect(subscribed).toMatch(/· 安全提示和通知：未订阅/);
    const codeS = await registerCase(subscriber, "电动车被盗");
    const codeN = await registerCase(other, "手机被偷");

    // Two days later (on WeChat's clock) the officer posts progress: customer-service messages get 45015.
    wechat.api.advance(TWO_DAYS);
    const delivered = await type(OFFICER, `/case update ${codeS} solved 已抓获嫌疑人，车已找回`, "报案人");
    expect(delivered).toContain(`案件 ${codeS} 已更新为“已破案”`);
    expect(delivered).toContain("已通知报案人（wechat）");
    const refused = wechat.api.callsTo("message/custom/send").filter((call) => call.errcode === ERR.outsideWindow && (call.body as { touser: string }).touser === subscriber);
    expect(refused).toHaveLength(1);
    const notices = wechat.api.noticesTo(subscriber);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ endpoint: "message/template/send", templateId: CASE_TEMPLATE, data: { first: "电动车被盗", keyword1: codeS, keyword2: "已破案", remark: "已抓获嫌疑人，车已找回" } });
    expect(notices[0]?.data.keyword3).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

    // No consent: refused by WeChat, not sent as a template, and the officer is told why.
    const notSent = await type(OFFICER, `/case update ${codeN} investigating`, "没能通知到报案人");
    expect(notSent).toContain("outside the 48-hour customer-service window");
    expect(notSent).toContain("has not subscribed to case_update notices");
    expect(wechat.api.noticesTo(other)).toEqual([]);

    // Withdrawn: the next update is not sent as a template either.
    expect(await type(subscriber, "退订进展通知", "已为您退订案件进展通知")).toContain("订阅全部");
    wechat.api.advance(TWO_DAYS);
    const afterWithdrawal = await type(OFFICER, `/case update ${codeS} closed`, "没能通知到报案人");
    expect(afterWithdrawal).toContain("withdrew consent to case_update notices");
    expect(wechat.api.noticesTo(subscriber)).toHaveLength(1);

    const sqlite = new Database(join(cwd, "anxin.db"), { readonly: true });
    try {
      const consents = sqlite
        .prepare("SELECT c.kind, c.grantedVia, c.withdrawnAt IS NOT NULL AS withdrawn, c.withdrawnVia FROM NoticeConsent c JOIN Identity i ON i.id = c.identityId WHERE i.platformUserId = ?")
        .all(subscriber);
      expect(consents).toEqual([{ kind: "case_update", grantedVia: "chat", withdrawn: 1, withdrawnVia: "chat" }]);
      const delivered = sqlite.prepare("SELECT u.status, u.deliveredAt IS NOT NULL AS delivered FROM CaseUpdate u JOIN \"Case\" c ON c.id = u.caseId WHERE c.code = ? ORDER BY u.createdAt").all(codeS);
      expect(delivered).toEqual([
        { status: "received", delivered: 1 },
        { status: "solved", delivered: 1 },
        { status: "closed", delivered: 0 },
      ]);
    } finally {
      sqlite.close();
    }
  }, 120_000);

  it("records consent given in WeChat's subscription pop-up and sends a broadcast outside the window as that subscription message", async () => {
    const openId = "oFAKE_popup_0007";
    await follow(openId);
    // The follower accepts the notice template (and rejects one Anxin does not use) in WeChat's pop-up.
    wechat.api.grantSubscription(openId, NOTICE_TEMPLATE);
    clock += 7;
    await deliver(openId, "plaintext", subscriptionEventXml(openId, "subscribe_msg_popup_event", clock, [{ templateId: NOTICE_TEMPLATE, accept: true }, { templateId: "someone_elses_tpl", accept: false }]), "popup");
    const sqlite = new Database(join(cwd, "anxin.db"), { readonly: true });
    const consentOf = () => sqlite.prepare("SELECT c.kind, c.grantedVia, c.withdrawnAt IS NOT NULL AS withdrawn FROM NoticeConsent c JOIN Identity i ON i.id = c.identityId WHERE i.platformUserId = ?").all(openId);
    try {
      const until = Date.now() + 20_000;
      while (consentOf().length === 0) {
        if (Date.now() > until) throw new Error("the pop-up's consent was not recorded");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(consentOf()).toEqual([{ kind: "broadcast", grantedVia: "wechat-event", withdrawn: 0 }]);
    } finally {
      sqlite.close();
    }

    wechat.api.advance(TWO_DAYS);
    const notice = "寒潮来袭，请检查家中燃气和取暖设备。\n出门注意防滑。";
    const { store } = await openDatabase(parseDatabaseUrl(databaseUrl));
    try {
      const now = new Date();
      await store.createBroadcast({ authorId: null, content: { text: { "zh-CN": notice } }, audience: { kind: "everyone" }, status: "scheduled", scheduledAt: now, now });
    } finally {
      await store.close();
    }
    const sent = await wechat.api.waitFor("the subscription message", () => (wechat.api.noticesTo(openId).length > 0 ? wechat.api.noticesTo(openId) : undefined));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ endpoint: "message/subscribe/bizsend", templateId: NOTICE_TEMPLATE, data: { thing1: "寒潮来袭，请检查家中燃气和取暖设备。" } });
    expect(sent[0]?.data.time2).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    // Only the follower who accepted got one: the others' deliveries failed, with the reason.
    expect(wechat.api.calls.filter((call) => call.endpoint === "message/subscribe/bizsend" && call.errcode === 0)).toHaveLength(1);
  }, 120_000);

  it("repeats a send WeChat answers 45047 or -1 with a growing pause, and reports one still refused after four attempts as transient", async () => {
    const openId = "oFAKE_busy_0006";
    await follow(openId);
    const sendsTo = () => wechat.api.callsTo("message/custom/send").filter((call) => (call.body as { touser: string }).touser === openId);
    const before = sendsTo().length;
    wechat.api.injectError("message/custom/send", ERR.sendQuotaExceeded, 2);
    await type(openId, "同意", label("safety_overall"));
    const answer = sendsTo().slice(before);
    expect(answer.map((call) => call.errcode)).toEqual([ERR.sendQuotaExceeded, ERR.sendQuotaExceeded, 0]);
    // The same message each time, after a pause that grew (0.5 s, then 1 s: WeChat's clock does not move, the calls' order does).
    expect(new Set(answer.map((call) => JSON.stringify(call.body))).size).toBe(1);

    // Busy four times: the case notice is given up for now — a transient failure the notifier retries later — and the officer is told.
    const code = await registerCase(openId, "门口监控坏了");
    wechat.api.injectError("message/custom/send", ERR.systemBusy, 4);
    const reply = await type(OFFICER, `/case update ${code} investigating`, "暂时没能通知到报案人");
    expect(reply).toContain("WeChat was busy (errcode -1) 4 times in a row");
    const busy = sendsTo().filter((call) => call.injected);
    expect(busy.map((call) => call.errcode).slice(-4)).toEqual([ERR.systemBusy, ERR.systemBusy, ERR.systemBusy, ERR.systemBusy]);
    // Busy is not "outside the window": no template message was tried.
    expect(wechat.api.noticesTo(openId)).toEqual([]);
    // Kept for the notifier's next round: the update is not marked delivered.
    const sqlite = new Database(join(cwd, "anxin.db"), { readonly: true });
    try {
      const rows = sqlite.prepare("SELECT u.status, u.deliveredAt IS NOT NULL AS delivered FROM CaseUpdate u JOIN \"Case\" c ON c.id = u.caseId WHERE c.code = ? ORDER BY u.createdAt").all(code);
      expect(rows).toEqual([
        { status: "received", delivered: 1 },
        { status: "investigating", delivered: 0 },
      ]);
    } finally {
      sqlite.close();
    }
  }, 120_000);
});
