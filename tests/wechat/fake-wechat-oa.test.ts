/**
 * The fake Official Account API itself, called as a client would through its intercepting proxy
 * (CONNECT, TLS with the test CA): tokens and their expiry, the 48-hour window, quotas, media,
 * user info, template and subscription messages, injected errors, the record, and the refusal
 * of every other host.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERR, startFakeWechatOA, WINDOW_MS, type FakeWechatOA } from "../support/fake-wechat-oa/index.js";

const APP_ID = "wxfa4ea2c0ffee0001";
const APP_SECRET = "fa4ea2c0ffee0000fa4ea2c0ffee0000";
const TEMPLATE = "case_progress_tpl_0001";

describe("the fake WeChat Official Account API", () => {
  let wechat: FakeWechatOA;
  let seq = 0;

  const token = async (): Promise<string> => {
    const { json } = await wechat.call(`/cgi-bin/token?grant_type=client_credential&appid=${APP_ID}&secret=${APP_SECRET}`);
    expect(json.expires_in).toBe(600);
    return String(json.access_token);
  };
  const sendText = async (accessToken: string, openId: string, content = `hello ${seq++}`) =>
    (await wechat.call(`/cgi-bin/message/custom/send?access_token=${accessToken}`, { body: JSON.stringify({ touser: openId, msgtype: "text", text: { content } }) })).json;

  beforeAll(async () => {
    wechat = await startFakeWechatOA({ appId: APP_ID, appSecret: APP_SECRET, tokenLifetimeSeconds: 600, sendQuotaPerInbound: 3, templates: [TEMPLATE] });
  });
  afterAll(async () => {
    await wechat?.stop();
  });

  it("issues access tokens for the right credentials only, and they expire on its clock", async () => {
    const wrong = await wechat.call(`/cgi-bin/token?grant_type=client_credential&appid=${APP_ID}&secret=${"0".repeat(32)}`);
    expect(wrong.json.errcode).toBe(ERR.invalidAppSecret);
    const first = await token();
    wechat.api.follow("oToken");
    expect(await sendText(first, "oToken")).toEqual({ errcode: 0, errmsg: "ok" });
    expect((await sendText("not-a-token", "oToken")).errcode).toBe(ERR.invalidCredential);
    expect((await wechat.call("/cgi-bin/message/custom/send", { body: "{}" })).json.errcode).toBe(ERR.missingAccessToken);
    wechat.api.advance(600 * 1000);
    expect((await sendText(first, "oToken")).errcode).toBe(ERR.accessTokenExpired);
    const second = await token();
    expect(second).not.toBe(first);
    expect((await sendText(second, "oToken")).errcode).toBe(0);
    wechat.api.expireTokens();
    expect((await sendText(second, "oToken")).errcode).toBe(ERR.accessTokenExpired);
    wechat.api.revokeTokens();
    expect((await sendText(second, "oToken")).errcode).toBe(ERR.invalidCredential);
  });

  it("sends customer-service messages only within 48 hours of the follower's last message, and within the quota", async () => {
    expect((await sendText(await token(), "oNobody")).errcode).toBe(ERR.invalidOpenId);
    wechat.api.follow("oWindow");
    wechat.api.advance(WINDOW_MS - 1000);
    // Tokens live on the fake clock too: a fresh one after two days.
    const fresh = await token();
    expect((await sendText(fresh, "oWindow")).errcode).toBe(0);
    wechat.api.advance(2000);
    expect((await sendText(fresh, "oWindow")).errcode).toBe(ERR.outsideWindow);
    wechat.api.messaged("oWindow");
    for (let i = 0; i < 3; i++) expect((await sendText(fresh, "oWindow")).errcode).toBe(0);
    expect((await sendText(fresh, "oWindow")).errcode).toBe(ERR.sendQuotaExceeded);
    wechat.api.messaged("oWindow");
    expect((await sendText(fresh, "oWindow")).errcode).toBe(0);
    wechat.api.unfollow("oWindow");
    expect((await sendText(fresh, "oWindow")).errcode).toBe(ERR.unfollowed);
    const texts = wechat.api.textsTo("oWindow");
    expect(texts).toHaveLength(5);
  });

  it("uploads media and sends it as an image; an unknown media id is refused", async () => {
    const accessToken = await token();
    wechat.api.follow("oImage");
    const boundary = "----fakeboundary";
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="media"; filename="chart-1.png"\r\ncontent-type: image/png\r\n\r\n`),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const uploaded = (await wechat.call(`/cgi-bin/media/upload?access_token=${accessToken}&type=image`, { body, contentType: `multipart/form-data; boundary=${boundary}` })).json;
    expect(uploaded.type).toBe("image");
    expect(typeof uploaded.media_id).toBe("string");
    expect(wechat.api.callsTo("media/upload").at(-1)?.body).toEqual({ filename: "chart-1.png", contentType: "image/png", bytes: png.length });
    const send = (mediaId: unknown) => wechat.call(`/cgi-bin/message/custom/send?access_token=${accessToken}`, { body: JSON.stringify({ touser: "oImage", msgtype: "image", image: { media_id: mediaId } }) });
    expect((await send(uploaded.media_id)).json.errcode).toBe(0);
    expect((await send("FAKE_MEDIA_UNKNOWN")).json.errcode).toBe(ERR.invalidMediaId);
  });

  it("answers user info for followers", async () => {
    const accessToken = await token();
    wechat.api.follow("oInfo");
    const info = (await wechat.call(`/cgi-bin/user/info?access_token=${accessToken}&openid=oInfo&lang=zh_CN`)).json;
    expect(info).toMatchObject({ subscribe: 1, openid: "oInfo" });
    expect(info).not.toHaveProperty("nickname");
    expect((await wechat.call(`/cgi-bin/user/info?access_token=${accessToken}&openid=oUnknown&lang=zh_CN`)).json.errcode).toBe(ERR.invalidOpenId);
  });

  it("sends template messages outside the window, and subscription messages only with the follower's consent", async () => {
    const accessToken = await token();
    wechat.api.follow("oNotice");
    wechat.api.advance(WINDOW_MS * 3);
    const fresh = await token();
    expect((await sendText(fresh, "oNotice")).errcode).toBe(ERR.outsideWindow);
    const template = (templateId: string) => wechat.call(`/cgi-bin/message/template/send?access_token=${fresh}`, { body: JSON.stringify({ touser: "oNotice", template_id: templateId, data: { thing1: { value: "案件已受理" } } }) });
    expect((await template(TEMPLATE)).json).toMatchObject({ errcode: 0, errmsg: "ok" });
    expect((await template("unknown_tpl")).json.errcode).toBe(ERR.invalidTemplateId);
    const bizsend = () => wechat.call(`/cgi-bin/message/subscribe/bizsend?access_token=${fresh}`, { body: JSON.stringify({ touser: "oNotice", template_id: TEMPLATE, data: { thing1: { value: "案件已办结" } } }) });
    expect((await bizsend()).json.errcode).toBe(ERR.subscriptionRefused);
    wechat.api.grantSubscription("oNotice", TEMPLATE);
    expect((await bizsend()).json.errcode).toBe(0);
    // One consent, one message.
    expect((await bizsend()).json.errcode).toBe(ERR.subscriptionRefused);
    expect(accessToken).not.toBe(fresh);
    // Fields as WeChat checks them: none, an empty value, a "thing" over 20 characters → 47003.
    const withData = (endpoint: string, data: unknown) => wechat.call(`/cgi-bin/${endpoint}?access_token=${fresh}`, { body: JSON.stringify({ touser: "oNotice", template_id: TEMPLATE, data }) });
    wechat.api.grantSubscription("oNotice", TEMPLATE);
    expect((await withData("message/template/send", {})).json.errcode).toBe(ERR.argumentInvalid);
    expect((await withData("message/template/send", { keyword1: { value: " " } })).json.errcode).toBe(ERR.argumentInvalid);
    expect((await withData("message/subscribe/bizsend", { thing2: { value: "一".repeat(21) } })).json.errcode).toBe(ERR.argumentInvalid);
    // The refused one did not use up the consent.
    expect((await withData("message/subscribe/bizsend", { thing2: { value: "一".repeat(20) } })).json.errcode).toBe(0);
    expect(wechat.api.noticesTo("oNotice")).toEqual([
      { endpoint: "message/template/send", templateId: TEMPLATE, data: { thing1: "案件已受理" } },
      { endpoint: "message/subscribe/bizsend", templateId: TEMPLATE, data: { thing1: "案件已办结" } },
      { endpoint: "message/subscribe/bizsend", templateId: TEMPLATE, data: { thing2: "一".repeat(20) } },
    ]);
  });

  it("injects errors per endpoint and records every call", async () => {
    const accessToken = await token();
    wechat.api.follow("oFault");
    wechat.api.injectError("message/custom/send", ERR.systemBusy, 2);
    expect((await sendText(accessToken, "oFault")).errcode).toBe(ERR.systemBusy);
    expect((await sendText(accessToken, "oFault")).errcode).toBe(ERR.systemBusy);
    expect((await sendText(accessToken, "oFault", "third time")).errcode).toBe(0);
    const calls = wechat.api.callsTo("message/custom/send").filter((call) => (call.body as { touser?: string }).touser === "oFault");
    expect(calls.map((call) => [call.errcode, call.injected ?? false])).toEqual([
      [ERR.systemBusy, true],
      [ERR.systemBusy, true],
      [0, false],
    ]);
    expect(wechat.api.textsTo("oFault")).toEqual(["third time"]);
    const seqs = wechat.api.calls.map((call) => call.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("refuses to tunnel to any other host", async () => {
    await expect(wechat.call("/", { host: "www.baidu.com" })).rejects.toThrow(/refused with 403/);
    await expect(wechat.call("/", { host: "api.telegram.org" })).rejects.toThrow(/refused with 403/);
    expect(wechat.proxy.refused).toEqual(["www.baidu.com:443", "api.telegram.org:443"]);
    const plain = await fetch(`${wechat.proxy.url}/`, { headers: { host: "example.com" } });
    expect(plain.status).toBe(403);
  });
});
