import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mountOfficialAccountCallback, parseCallbackXml, wechatSignature, type FollowEvent, type Forwarder, type OfficialAccountCallbackOptions } from "../../bots/wechat/oa-callback.js";
import { CallbackDecryptError, decodeEncodingAesKey, decryptCallback } from "../../bots/wechat/oa-crypto.js";
import { callbackRequest, encryptAsWechat, type CallbackEncryption } from "../support/fake-wechat-oa/callbacks.js";
import { quietLogger } from "./harness.js";

const TOKEN = "AnxinToken2026";
const APP_ID = "wx0123456789abcdef";
const ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

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
      appId: APP_ID,
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

describe("safe and compatible mode (消息加解密)", () => {
  const encryption: CallbackEncryption = { encodingAesKey: ENCODING_AES_KEY, appId: APP_ID };
  let server: FastifyInstance;
  let forwarded: string[];
  let follows: FollowEvent[];

  async function mount(extra: Partial<OfficialAccountCallbackOptions> = {}): Promise<void> {
    forwarded = [];
    follows = [];
    server = Fastify();
    mountOfficialAccountCallback(server, {
      path: "/wechat/oa",
      token: TOKEN,
      appId: APP_ID,
      encodingAesKey: ENCODING_AES_KEY,
      puppetUrl: () => "http://127.0.0.1:45678",
      onFollow: async (event) => void follows.push(event),
      onUnfollow: async () => undefined,
      logger: quietLogger,
      forward: async (_url, init) => {
        forwarded.push(init.body);
        return { status: 200, text: async () => "success" };
      },
      ...extra,
    });
    await server.ready();
  }
  const post = (request: { query: string; body: string }) => server.inject({ method: "POST", url: `/wechat/oa?${request.query}`, headers: { "content-type": "text/xml" }, payload: request.body });

  afterEach(async () => {
    await server?.close();
  });

  it("decrypts what WeChat encrypts, and refuses a message of another key or AppID", () => {
    const key = decodeEncodingAesKey(ENCODING_AES_KEY);
    if (!key) throw new Error("no key");
    expect(key).toHaveLength(32);
    for (const message of ["", "很安全", textXml, "x".repeat(1000)]) expect(decryptCallback(encryptAsWechat(message, encryption), key, APP_ID)).toBe(message);
    const otherKey = decodeEncodingAesKey("ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut");
    if (!otherKey) throw new Error("no key");
    expect(() => decryptCallback(encryptAsWechat(textXml, encryption), otherKey, APP_ID)).toThrow(CallbackDecryptError);
    expect(() => decryptCallback(encryptAsWechat(textXml, encryption), key, "wxffffffffffffffff")).toThrow(/another AppID/);
    expect(() => decryptCallback("not base64 at all!", key, APP_ID)).toThrow(CallbackDecryptError);
    expect(decodeEncodingAesKey("short")).toBeUndefined();
  });

  it("passes the decrypted message on in safe mode, and the message itself in compatible and plaintext mode", async () => {
    await mount();
    for (const mode of ["safe", "compatible", "plaintext"] as const) {
      const response = await post(callbackRequest(mode, TOKEN, "oAbc123", textXml, 1767225600, "384920193", encryption));
      expect(response.statusCode, mode).toBe(200);
      expect(response.body).toBe("success");
    }
    expect(forwarded).toEqual([textXml, textXml, textXml]);
    const follow = await post(callbackRequest("safe", TOKEN, "oAbc123", eventXml("subscribe"), 1767225601, "1", encryption));
    expect(follow.body).toBe("success");
    await new Promise((resolve) => setImmediate(resolve));
    expect(follows).toEqual([{ openId: "oAbc123", createTime: "1767225601" }]);
  });

  it("refuses a wrong msg_signature, and drops what it cannot decrypt without a retry", async () => {
    await mount();
    const request = callbackRequest("safe", TOKEN, "oAbc123", textXml, 1767225600, "384920193", encryption);
    const tampered = { ...request, query: request.query.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${"0".repeat(40)}`) };
    expect((await post(tampered)).statusCode).toBe(403);
    const otherAccount = callbackRequest("safe", TOKEN, "oAbc123", textXml, 1767225600, "384920193", { ...encryption, appId: "wxffffffffffffffff" });
    const unreadable = await post(otherAccount);
    expect(unreadable.statusCode).toBe(200);
    expect(unreadable.body).toBe("success");
    expect(forwarded).toEqual([]);
  });

  it("refuses to start with a malformed key", () => {
    const bare = Fastify();
    expect(() => mountOfficialAccountCallback(bare, { path: "/wechat/oa", token: TOKEN, appId: APP_ID, encodingAesKey: "short", puppetUrl: () => undefined, onFollow: async () => undefined, onUnfollow: async () => undefined, logger: quietLogger })).toThrow(/WECHAT_OA_ENCODING_AES_KEY/);
    void bare.close();
  });
});
