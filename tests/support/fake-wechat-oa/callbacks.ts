/**
 * Callbacks as WeChat's servers send them to an Official Account's server URL: POST with an XML
 * body and `signature`, `timestamp`, `nonce` and `openid` in the query; in safe mode (安全模式)
 * the body is `<Encrypt>` only and the query adds `encrypt_type=aes` and `msg_signature`; in
 * compatible mode (兼容模式) the body has both. The encryption here is written from WeChat's
 * documentation on its own (not the adapter's code), so the two check each other.
 */
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { wechatSignature } from "../../../bots/wechat/oa-callback.js";

/** How the account's 消息加解密方式 is set. */
export type CallbackMode = "plaintext" | "compatible" | "safe";

/** Encryption settings of the account (safe and compatible mode). */
export interface CallbackEncryption {
  encodingAesKey: string;
  appId: string;
}

/** The account's original id (ToUserName of every callback). */
export const ACCOUNT_ID = "gh_fa4ea2c0ffee";

/** A text message's XML, as WeChat sends it. */
export function textMessageXml(openId: string, content: string, msgId: string, createTime: number): string {
  return `<xml><ToUserName><![CDATA[${ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
}

/** A subscribe / unsubscribe event's XML. */
export function eventXml(openId: string, event: "subscribe" | "unsubscribe", createTime: number, eventKey = ""): string {
  return `<xml><ToUserName><![CDATA[${ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event><EventKey><![CDATA[${eventKey}]]></EventKey></xml>`;
}

/**
 * A subscription-message event as WeChat posts it: the follower answered the pop-up
 * (`subscribe_msg_popup_event`) or changed a subscription in WeChat's settings
 * (`subscribe_msg_change_event`), one `<List>` per template.
 */
export function subscriptionEventXml(openId: string, event: "subscribe_msg_popup_event" | "subscribe_msg_change_event", createTime: number, templates: { templateId: string; accept: boolean }[]): string {
  const wrapper = event === "subscribe_msg_popup_event" ? "SubscribeMsgPopupEvent" : "SubscribeMsgChangeEvent";
  const lists = templates
    .map((t) => `<List><TemplateId><![CDATA[${t.templateId}]]></TemplateId><SubscribeStatusString><![CDATA[${t.accept ? "accept" : "reject"}]]></SubscribeStatusString>${event === "subscribe_msg_popup_event" ? "<PopupScene>2</PopupScene>" : ""}</List>`)
    .join("");
  return `<xml><ToUserName><![CDATA[${ACCOUNT_ID}]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event><${wrapper}>${lists}</${wrapper}></xml>`;
}

/** The signed query string of a callback. */
export function signedQuery(token: string, openId: string, timestamp: number, nonce: string): string {
  const ts = String(timestamp);
  return new URLSearchParams({ signature: wechatSignature(token, ts, nonce), timestamp: ts, nonce, openid: openId }).toString();
}

/** WeChat's encryption of a message: AES-256-CBC, IV = key[0..16), 32-byte PKCS#7 padding. */
export function encryptAsWechat(message: string, encryption: CallbackEncryption, random: Buffer = randomBytes(16)): string {
  const key = Buffer.from(`${encryption.encodingAesKey}=`, "base64");
  const body = Buffer.from(message, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const plain = Buffer.concat([random, length, body, Buffer.from(encryption.appId, "utf8")]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString("base64");
}

/** `msg_signature`: sha1 of token, timestamp, nonce and the ciphertext, sorted. */
export function wechatMessageSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash("sha1").update([token, timestamp, nonce, encrypted].sort().join("")).digest("hex");
}

/** The query and body WeChat sends for `xml` in `mode`. */
export function callbackRequest(mode: CallbackMode, token: string, openId: string, xml: string, timestamp: number, nonce: string, encryption?: CallbackEncryption): { query: string; body: string } {
  const query = signedQuery(token, openId, timestamp, nonce);
  if (mode === "plaintext") return { query, body: xml };
  if (!encryption) throw new Error(`${mode} mode needs the EncodingAESKey`);
  const encrypted = encryptAsWechat(xml, encryption);
  const toUser = /<ToUserName><!\[CDATA\[([^\]]*)\]\]><\/ToUserName>/.exec(xml)?.[1] ?? ACCOUNT_ID;
  const body = mode === "safe" ? `<xml><ToUserName><![CDATA[${toUser}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>` : xml.replace(/<\/xml>$/, `<Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`);
  const extra = new URLSearchParams({ encrypt_type: "aes", msg_signature: wechatMessageSignature(token, String(timestamp), nonce, encrypted) });
  return { query: `${query}&${extra.toString()}`, body };
}

/** Posts one callback to `callbackUrl`; resolves with WeChat's view of the answer. */
export async function postCallback(callbackUrl: string, token: string, openId: string, xml: string, timestamp: number, nonce: string, mode: CallbackMode = "plaintext", encryption?: CallbackEncryption): Promise<{ status: number; body: string }> {
  const request = callbackRequest(mode, token, openId, xml, timestamp, nonce, encryption);
  const response = await fetch(`${callbackUrl}?${request.query}`, {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body: request.body,
  });
  return { status: response.status, body: await response.text() };
}
