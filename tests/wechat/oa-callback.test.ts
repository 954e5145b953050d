import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mountOfficialAccountCallback, parseCallbackXml, wechatSignature, type FollowEvent, type Forwarder } from "../../bots/wechat/oa-callback.js";
import { quietLogger } from "./harness.js";

const TOKEN = "AnxinToken2026";

/** The query string WeChat adds to every callback. */
function signed(extra: Record<string, string> = {}, token = TOKEN): string {
  const timestamp = "1767225600";
  const nonce = "384920193";
  return new URLSearchParams({ signature: wechatSignature(token, timestamp, nonce), timestamp, nonce, ...extra }).toString();
}

const textXml = `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[oAbc123]]></FromUserName><CreateTime>1767225600</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[很安全]]></Content><MsgId>24567890123456789</MsgId></xml>`;
const eventXml = (event: string, key = "") =>
  `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[oAbc123]]></FromUserName><CreateTime>1767225601</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event><EventKey><![CDATA[${key}]]></EventKey></xml>`;

describe("the Official Account callback on Anxin's server", () => {
  let server: FastifyInstance;
  let forwarded: { url: string; body: string }[];
  let follows: FollowEvent[];
  let unfollows: FollowEvent[];
  let puppetUrl: string | undefined;
  let followed: Promise<void>;
  let markFollowed: () => void;

  beforeEach(async () => {
    forwarded = [];
    follows = [];
    unfollows = [];
    puppetUrl = "http://127.0.0.1:45678";
    followed = new Promise((resolve) => (markFollowed = resolve));
    const forward: Forwarder = async (url, init) => {
      forwarded.push({ url, body: init.body });
      return { status: 200, text: async () => "success" };
    };
    server = Fastify();
    mountOfficialAccountCallback(server, {
      path: "/wechat/oa",
      token: TOKEN,
      puppetUrl: () => puppetUrl,
      onFollow: async (event) => {
        follows.push(event);
        markFollowed();
      },
      onUnfollow: async (event) => {
        unfollows.push(event);
        markFollowed();
      },
      logger: quietLogger,
      forward,
    });
    await server.ready();
  });
  afterEach(async () => {
    await server.close();
  });

  it("answers WeChat's URL check with echostr only when the signature is right", async () => {
    const ok = await server.inject({ method: "GET", url: `/wechat/oa?${signed({ echostr: "hello-wechat" })}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe("hello-wechat");
    const bad = await server.inject({ method: "GET", url: `/wechat/oa?${signed({ echostr: "hello-wechat" }, "WrongToken")}` });
    expect(bad.statusCode).toBe(403);
    expect(bad.body).not.toContain("hello-wechat");
  });

  it("passes signed messages on to the puppet unchanged and refuses forged ones", async () => {
    const ok = await server.inject({ method: "POST", url: `/wechat/oa?${signed({ openid: "oAbc123" })}`, headers: { "content-type": "text/xml" }, payload: textXml });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe("success");
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]?.body).toBe(textXml);
    expect(forwarded[0]?.url.startsWith("http://127.0.0.1:45678/?signature=")).toBe(true);

    const forged = await server.inject({ method: "POST", url: `/wechat/oa?${signed({}, "WrongToken")}`, headers: { "content-type": "text/xml" }, payload: textXml });
    expect(forged.statusCode).toBe(403);
    expect(forwarded).toHaveLength(1);
  });

  it("asks WeChat to retry while the puppet is restarting", async () => {
    puppetUrl = undefined;
    const response = await server.inject({ method: "POST", url: `/wechat/oa?${signed()}`, headers: { "content-type": "text/xml" }, payload: textXml });
    expect(response.statusCode).toBe(503);
  });

  it("handles follow and unfollow itself (the puppet drops events)", async () => {
    const follow = await server.inject({ method: "POST", url: `/wechat/oa?${signed()}`, headers: { "content-type": "text/xml" }, payload: eventXml("subscribe", "qrscene_survey") });
    expect(follow.body).toBe("success");
    await followed;
    expect(follows).toEqual([{ openId: "oAbc123", createTime: "1767225601", scene: "survey" }]);
    followed = new Promise((resolve) => (markFollowed = resolve));
    await server.inject({ method: "POST", url: `/wechat/oa?${signed()}`, headers: { "content-type": "text/xml" }, payload: eventXml("unsubscribe") });
    await followed;
    expect(unfollows).toEqual([{ openId: "oAbc123", createTime: "1767225601" }]);
    expect(forwarded).toHaveLength(0);
  });

  it("does not pass on encrypted messages it cannot read", async () => {
    const response = await server.inject({
      method: "POST",
      url: `/wechat/oa?${signed({ encrypt_type: "aes" })}`,
      headers: { "content-type": "text/xml" },
      payload: "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>",
    });
    expect(response.body).toBe("success");
    expect(forwarded).toHaveLength(0);
  });

  it("reads the flat fields of a callback document", () => {
    expect(parseCallbackXml(textXml)).toMatchObject({ FromUserName: "oAbc123", MsgType: "text", Content: "很安全", MsgId: "24567890123456789" });
  });
});
