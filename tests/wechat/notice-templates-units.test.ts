/**
 * Template and subscription messages, without a network: the WECHAT_OA_TEMPLATE_* settings (parsed,
 * refused with the variable's name and the reason), the subscription commands' words, the request
 * WeChat gets (fields cut to their type's length), what its error codes mean, and the retry of
 * "busy" answers (-1, 45047) with a growing pause and a bound.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../app/config.js";
import { OfficialAccountApiError, OfficialAccountBusyError, retryBusy } from "../../bots/wechat/oa-errcodes.js";
import { templateFailure, templateRequest } from "../../bots/wechat/oa-templates.js";
import { parseSubscriptionLists } from "../../bots/wechat/oa-callback.js";
import { NoticeTemplateError, parseNoticeTemplate } from "../../core/outreach/notice-templates.js";
import { parseConsentCommand, SUBSCRIPTION_RESOURCES } from "../../core/outreach/subscriptions.js";
import { expectSameKeysAndPlaceholders } from "../support/locale-keys.js";

const OA_ENV = {
  WECHATY_PUPPET: "wechaty-puppet-official-account",
  WECHATY_PUPPET_OA_APP_ID: "wx0123456789abcdef",
  WECHATY_PUPPET_OA_APP_SECRET: "0123456789abcdef0123456789abcdef",
  WECHATY_PUPPET_OA_TOKEN: "AnxinToken2026",
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("no configuration error");
}

describe("WECHAT_OA_TEMPLATE_* settings", () => {
  it("reads a template message and a subscription message per kind", () => {
    const config = loadConfig({
      ...OA_ENV,
      WECHAT_OA_TEMPLATE_CASE_UPDATE: " template:ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY?first=title&keyword1=code&keyword2=status&keyword3=date&remark=note ",
      WECHAT_OA_TEMPLATE_REMINDER: "subscribe:Rem1nder_tpl-02?thing1=title&time2=date",
    });
    expect(config.wechat?.officialAccount?.templates).toEqual({
      case_update: { api: "template", templateId: "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY", fields: { first: "title", keyword1: "code", keyword2: "status", keyword3: "date", remark: "note" } },
      reminder: { api: "subscribe", templateId: "Rem1nder_tpl-02", fields: { thing1: "title", time2: "date" } },
    });
    expect(loadConfig({ ...OA_ENV, WECHAT_OA_TEMPLATE_BROADCAST: "" }).wechat?.officialAccount?.templates).toEqual({});
  });

  it.each([
    ["WECHAT_OA_TEMPLATE_CASE_UPDATE", "tpl123?keyword1=code", "WECHAT_OA_TEMPLATE_CASE_UPDATE: must be template:<template id>?<field>=<value>&… or subscribe:<template id>?<field>=<value>&…"],
    ["WECHAT_OA_TEMPLATE_CASE_UPDATE", "message:tpl123?keyword1=code", "WECHAT_OA_TEMPLATE_CASE_UPDATE: must be template:"],
    ["WECHAT_OA_TEMPLATE_CASE_UPDATE", "template:tpl 123?keyword1=code", 'WECHAT_OA_TEMPLATE_CASE_UPDATE: the template id must be the id the Official Account\'s back end shows (letters, digits, _ and -), got "tpl 123"'],
    ["WECHAT_OA_TEMPLATE_BROADCAST", "subscribe:tpl123", 'WECHAT_OA_TEMPLATE_BROADCAST: needs at least one field after "?", e.g. subscribe:tpl123?thing1=title (values: title, text, date)'],
    ["WECHAT_OA_TEMPLATE_BROADCAST", "subscribe:tpl123?thing1=code", 'WECHAT_OA_TEMPLATE_BROADCAST: the field thing1 must show one of title, text, date (got "code")'],
    ["WECHAT_OA_TEMPLATE_REMINDER", "template:tpl123?keyword1=title&keyword1=date", "WECHAT_OA_TEMPLATE_REMINDER: the field keyword1 is given twice"],
    ["WECHAT_OA_TEMPLATE_REMINDER", "template:tpl123?1st=title", 'WECHAT_OA_TEMPLATE_REMINDER: "1st" is not a template field key'],
    ["WECHAT_OA_TEMPLATE_CASE_UPDATE", "template:tpl123?keyword1", 'WECHAT_OA_TEMPLATE_CASE_UPDATE: the field keyword1 must show one of code, title, status, note, date, text (got "")'],
  ])("%s=%s is refused naming the variable", (name, value, message) => {
    expect(configError({ ...OA_ENV, [name]: value })).toContain(message);
  });

  it("is refused without the Official Account puppet", () => {
    expect(configError({ WECHATY_PUPPET: "wechaty-puppet-mock", WECHAT_OA_TEMPLATE_REMINDER: "template:tpl?keyword1=text" })).toBe(
      "WECHAT_OA_TEMPLATE_REMINDER: template messages need the Official Account (WECHATY_PUPPET=wechaty-puppet-official-account)",
    );
  });

  it("parses one kind's value directly, with errors that do not name the variable", () => {
    expect(parseNoticeTemplate("broadcast", "template:t1?keyword1=text")).toEqual({ api: "template", templateId: "t1", fields: { keyword1: "text" } });
    expect(() => parseNoticeTemplate("broadcast", "template:t1?keyword1=note")).toThrow(NoticeTemplateError);
  });
});

describe("the subscription commands", () => {
  it.each([
    ["订阅进展通知", { action: "grant", kinds: ["case_update"] }],
    ["订阅 案件进展", { action: "grant", kinds: ["case_update"] }],
    ["訂閱進度通知", { action: "grant", kinds: ["case_update"] }],
    ["订阅安全提示。", { action: "grant", kinds: ["broadcast"] }],
    ["Subscribe reminders", { action: "grant", kinds: ["reminder"] }],
    ["订阅全部", { action: "grant", kinds: ["case_update", "broadcast", "reminder"] }],
    ["订阅状态", { action: "status" }],
    ["訂閱狀態", { action: "status" }],
    ["Subscriptions", { action: "status" }],
    ["退订全部", { action: "withdraw", kinds: ["case_update", "broadcast", "reminder"] }],
    ["取消订阅进展通知", { action: "withdraw", kinds: ["case_update"] }],
    ["取消訂閱提醒", { action: "withdraw", kinds: ["reminder"] }],
    ["unsubscribe case updates", { action: "withdraw", kinds: ["case_update"] }],
    ["UNSUBSCRIBE ALL", { action: "withdraw", kinds: ["case_update", "broadcast", "reminder"] }],
  ])("%s", (text, command) => {
    expect(parseConsentCommand(text)).toEqual(command);
  });

  it("has every text in all three languages", () => {
    expectSameKeysAndPlaceholders(SUBSCRIPTION_RESOURCES["zh-TW"], SUBSCRIPTION_RESOURCES["zh-CN"]);
    expectSameKeysAndPlaceholders(SUBSCRIPTION_RESOURCES.en, SUBSCRIPTION_RESOURCES["zh-CN"]);
  });

  // 订阅 / 退订 alone (and their synonyms) are the engine's: receiving safety notices at all.
  it.each(["订阅", "訂閱", "subscribe", "退订", "退訂", "取消订阅", "unsubscribe", "订阅通知", "订阅报纸", "我想订阅", "subscribe me to the newsletter please", "退订短信广告", "进展", "1", ""])("%j is no command", (text) => {
    expect(parseConsentCommand(text)).toBeUndefined();
  });
});

describe("the template request", () => {
  const templates = {
    case_update: { api: "template" as const, templateId: "tplCase", fields: { first: "title", keyword1: "code", remark: "note" } },
    broadcast: { api: "subscribe" as const, templateId: "tplNotice", fields: { thing1: "title", phrase2: "text", character_string3: "text", time4: "date" } },
  };

  it("maps the notice's values to the template's fields, cut to each field type's length", () => {
    expect(templateRequest(templates, "oA", { kind: "case_update", values: { code: "K3X9M2PQ", title: "电动车被盗", note: "" } })).toEqual({
      endpoint: "message/template/send",
      body: { touser: "oA", template_id: "tplCase", data: { first: { value: "电动车被盗" }, keyword1: { value: "K3X9M2PQ" }, remark: { value: "—" } } },
    });
    const long = "今晚有大风，请收好阳台上的花盆和衣物，关好门窗，注意安全。";
    const request = templateRequest(templates, "oB", { kind: "broadcast", values: { title: long, text: long, date: "2026-12-01 10:00" } });
    expect(request?.endpoint).toBe("message/subscribe/bizsend");
    const data = request?.body.data as Record<string, { value: string }>;
    expect([...(data.thing1?.value ?? "")]).toHaveLength(20);
    expect(data.thing1?.value.endsWith("…")).toBe(true);
    expect(data.phrase2?.value).toBe("今晚有大…");
    expect([...(data.character_string3?.value ?? "")]).toHaveLength(long.length > 32 ? 32 : long.length);
    expect(data.time4?.value).toBe("2026-12-01 10:00");
    expect(templateRequest(templates, "oC", { kind: "reminder", values: {} })).toBeUndefined();
  });

  it("says what WeChat's codes mean, permanent or not", () => {
    const notice = { kind: "case_update" as const, values: {} };
    const failure = (code: number) => templateFailure(notice, templates.case_update, new OfficialAccountApiError(code, new Error("x")));
    expect(failure(43101)).toMatchObject({ permanent: true, error: expect.stringContaining("errcode 43101") as unknown as string });
    expect(failure(40037)).toMatchObject({ permanent: true, error: expect.stringContaining("does not know template tplCase") as unknown as string });
    expect(failure(47003)).toMatchObject({ permanent: true, error: expect.stringContaining("errcode 47003") as unknown as string });
    expect(failure(43004)).toMatchObject({ permanent: true, blocked: true });
    expect(templateFailure(notice, templates.case_update, new OfficialAccountBusyError(45047, 4, new Error("x")))).toEqual({ ok: false, permanent: false, error: "WeChat was busy (errcode 45047) 4 times in a row; gave up for now" });
    expect(templateFailure(notice, undefined, new Error("socket hang up"))).toEqual({ ok: false, permanent: false, error: "socket hang up" });
  });
});

describe("subscription-message events", () => {
  it("give each template's answer, from the pop-up and from WeChat's settings", () => {
    const popup = `<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent><List><TemplateId><![CDATA[tplA]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List><List><TemplateId><![CDATA[tplB]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List></SubscribeMsgPopupEvent></xml>`;
    expect(parseSubscriptionLists(popup)).toEqual([
      { templateId: "tplA", accepted: true },
      { templateId: "tplB", accepted: false },
    ]);
    const change = `<xml><Event>subscribe_msg_change_event</Event><SubscribeMsgChangeEvent><List><TemplateId>tplA</TemplateId><SubscribeStatusString>reject</SubscribeStatusString></List><List><TemplateId>tplC</TemplateId><SubscribeStatusString>maybe</SubscribeStatusString></List></SubscribeMsgChangeEvent></xml>`;
    expect(parseSubscriptionLists(change)).toEqual([{ templateId: "tplA", accepted: false }]);
    expect(parseSubscriptionLists("<xml><Event>subscribe</Event></xml>")).toEqual([]);
  });
});

describe("busy answers (-1, 45047)", () => {
  it("are repeated after a doubling pause until the send goes through", async () => {
    const pauses: number[] = [];
    const codes = [45047, -1];
    let calls = 0;
    const result = await retryBusy(
      async () => {
        calls++;
        const code = codes.shift();
        if (code !== undefined) throw new OfficialAccountApiError(code, new Error("busy"));
        return "sent";
      },
      { attempts: 4, delayMs: 100, sleep: async (ms) => void pauses.push(ms) },
    );
    expect(result).toBe("sent");
    expect(calls).toBe(3);
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeGreaterThanOrEqual(90);
    expect(pauses[0]).toBeLessThanOrEqual(110);
    expect(pauses[1]).toBeGreaterThanOrEqual(180);
    expect(pauses[1]).toBeLessThanOrEqual(220);
  });

  it("give up after the bound with a busy error, and leave other failures alone", async () => {
    let calls = 0;
    const busy = retryBusy(
      async () => {
        calls++;
        throw new OfficialAccountApiError(-1, new Error("system error"));
      },
      { attempts: 3, delayMs: 1, sleep: async () => undefined },
    );
    await expect(busy).rejects.toThrow(OfficialAccountBusyError);
    await expect(busy).rejects.toThrow("WeChat was busy (errcode -1) 3 times in a row; gave up for now");
    expect(calls).toBe(3);
    let other = 0;
    await expect(
      retryBusy(
        async () => {
          other++;
          throw new OfficialAccountApiError(45015, new Error("window"));
        },
        { attempts: 3, delayMs: 1, sleep: async () => undefined },
      ),
    ).rejects.toThrow("errcode 45015");
    expect(other).toBe(1);
  });
});
