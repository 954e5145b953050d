/**
 * The Official Account's callback URL, mounted on Anxin's own HTTP server (WECHAT_OA_PATH).
 *
 * Why not let the puppet face WeChat directly: the puppet's callback server checks WeChat's
 * signature only on the URL check (GET), not on messages (POST), and drops every event, so
 * follow / unfollow would never be seen. Here every request is signature-checked; follow and
 * unfollow events are handled; messages are passed on unchanged to the puppet's own server on a
 * local port, which turns them into Wechaty messages.
 *
 * Safe mode (安全模式) and compatible mode (兼容模式), with the EncodingAESKey configured: an
 * `Encrypt` body must carry a valid `msg_signature`; it is decrypted here (oa-crypto.ts) and the
 * plaintext document goes on as a plaintext callback would (the puppet reads plaintext only).
 * Plaintext callbacks stay accepted, so switching the mode on mp.weixin.qq.com loses nothing.
 *
 * Subscription-message events (`subscribe_msg_popup_event`: the follower accepted or rejected
 * templates in WeChat's pop-up; `subscribe_msg_change_event`: they changed it in WeChat's
 * settings) are handed on per template, so the resident's consent is recorded as WeChat saw it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../../app/log.js";
import { CallbackDecryptError, decodeEncodingAesKey, decryptCallback, messageSignatureValid } from "./oa-crypto.js";

/** A follow or unfollow, as WeChat reported it. */
export interface FollowEvent {
  /** The follower's OpenID (the puppet's contact id). */
  openId: string;
  /** WeChat's CreateTime (seconds), part of the redelivery key. */
  createTime: string;
  /** For a follow through a parametric QR code: the scene (e.g. "survey"), without "qrscene_". */
  scene?: string;
}

/** A follower's answer to subscription messages, per template, as WeChat reported it. */
export interface SubscriptionEvent {
  openId: string;
  createTime: string;
  /** Each template the event names, with whether the follower accepted it. */
  templates: { templateId: string; accepted: boolean }[];
}

/** The templates of a subscription-message event (each in a `<List>` of its own). */
export function parseSubscriptionLists(xml: string): SubscriptionEvent["templates"] {
  const templates: SubscriptionEvent["templates"] = [];
  for (const match of xml.matchAll(/<List>([\s\S]*?)<\/List>/g)) {
    const fields = parseCallbackXml(`<xml>${match[1] ?? ""}</xml>`);
    const status = fields.SubscribeStatusString?.toLowerCase();
    if (fields.TemplateId && (status === "accept" || status === "reject")) templates.push({ templateId: fields.TemplateId, accepted: status === "accept" });
  }
  return templates;
}

/** Passes a request on to the puppet; `fetch` in production, a fake in tests. */
export type Forwarder = (url: string, init: { method: "POST"; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

/** Options of {@link mountOfficialAccountCallback}. */
export interface OfficialAccountCallbackOptions {
  /** URL path, e.g. /wechat/oa. */
  path: string;
  /** The Token of the server configuration (for signatures). */
  token: string;
  /** The AppID (encrypted messages name it). */
  appId: string;
  /** The EncodingAESKey, for safe and compatible mode; undefined in plaintext mode. */
  encodingAesKey?: string | undefined;
  /** Base URL of the puppet's callback server right now; undefined while it is down. */
  puppetUrl: () => string | undefined;
  onFollow: (event: FollowEvent) => Promise<void>;
  onUnfollow: (event: FollowEvent) => Promise<void>;
  /** A subscription-message pop-up answered or a subscription changed in WeChat's settings. */
  onSubscription?: (event: SubscriptionEvent) => Promise<void>;
  logger: Logger;
  forward?: Forwarder;
}

/** WeChat's signature: sha1 of token, timestamp and nonce sorted and joined. */
export function wechatSignature(token: string, timestamp: string, nonce: string): string {
  return createHash("sha1").update([token, timestamp, nonce].sort().join("")).digest("hex");
}

/** Does the query carry a valid signature for `token`? */
export function signatureValid(token: string, query: Record<string, unknown>): boolean {
  const { signature, timestamp, nonce } = query;
  if (typeof signature !== "string" || typeof timestamp !== "string" || typeof nonce !== "string") return false;
  const expected = Buffer.from(wechatSignature(token, timestamp, nonce));
  const given = Buffer.from(signature.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The leaf fields of a WeChat callback XML document (`<ToUserName><![CDATA[…]]></ToUserName>` …). */
export function parseCallbackXml(xml: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const pattern = /<([A-Za-z][\w]*)>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))\s*<\/\1>/g;
  for (const match of xml.matchAll(pattern)) {
    const name = match[1];
    if (name && name !== "xml" && !(name in fields)) fields[name] = (match[2] ?? match[3] ?? "").trim();
  }
  return fields;
}

/** Mounts GET (URL check) and POST (messages and events) on `path`. */
export function mountOfficialAccountCallback(server: FastifyInstance, options: OfficialAccountCallbackOptions): void {
  const forward: Forwarder = options.forward ?? ((url, init) => fetch(url, init));
  const aesKey = options.encodingAesKey === undefined ? undefined : decodeEncodingAesKey(options.encodingAesKey);
  if (options.encodingAesKey !== undefined && !aesKey) throw new Error("WECHAT_OA_ENCODING_AES_KEY is not an EncodingAESKey (43 letters and digits)");
  let warnedEncrypted = false;

  /** The plaintext of an encrypted callback; "forged" for a wrong msg_signature; undefined when unreadable (logged). */
  const decryptBody = (key: Buffer, encrypted: string, query: Record<string, unknown>): string | "forged" | undefined => {
    const { msg_signature: signature, timestamp, nonce } = query;
    if (typeof signature !== "string" || typeof timestamp !== "string" || typeof nonce !== "string" || !messageSignatureValid(options.token, timestamp, nonce, encrypted, signature)) {
      options.logger.warn({ path: options.path }, "WeChat Official Account: encrypted callback with a wrong msg_signature refused");
      return "forged";
    }
    try {
      return decryptCallback(encrypted, key, options.appId);
    } catch (error) {
      const reason = error instanceof CallbackDecryptError ? error.message : String(error);
      options.logger.error({ reason }, "WeChat Official Account: cannot decrypt a callback (is WECHAT_OA_ENCODING_AES_KEY the EncodingAESKey on mp.weixin.qq.com?)");
      return undefined;
    }
  };

  // In its own scope, so the XML body parser does not change how other routes read bodies.
  void server.register(async (scope) => {
    scope.addContentTypeParser(["text/xml", "application/xml", "text/plain"], { parseAs: "string" }, (_request, body, done) => done(null, body));

    scope.get(options.path, async (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.query as Record<string, unknown>;
      if (!signatureValid(options.token, query)) {
        options.logger.warn({ path: options.path }, "WeChat Official Account: URL check with a wrong signature (is WECHATY_PUPPET_OA_TOKEN the Token on mp.weixin.qq.com?)");
        return reply.code(403).type("text/plain").send("bad signature");
      }
      options.logger.info("WeChat Official Account: callback URL verified");
      return reply.type("text/plain").send(typeof query.echostr === "string" ? query.echostr : "");
    });

    scope.post(options.path, async (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.query as Record<string, unknown>;
      if (!signatureValid(options.token, query)) {
        options.logger.warn({ path: options.path }, "WeChat Official Account: callback with a wrong signature refused");
        return reply.code(403).type("text/plain").send("bad signature");
      }
      let body = typeof request.body === "string" ? request.body : "";
      let fields = parseCallbackXml(body);
      if (fields.Encrypt !== undefined && aesKey) {
        const decrypted = decryptBody(aesKey, fields.Encrypt, query);
        if (decrypted === "forged") return reply.code(403).type("text/plain").send("bad msg_signature");
        // "success" tells WeChat not to retry something that will never be understood.
        if (decrypted === undefined) return reply.type("text/plain").send("success");
        body = decrypted;
        fields = parseCallbackXml(body);
      }
      if (fields.MsgType === undefined) {
        if (fields.Encrypt !== undefined && !warnedEncrypted) {
          warnedEncrypted = true;
          options.logger.error("WeChat Official Account: messages arrive encrypted; set WECHAT_OA_ENCODING_AES_KEY to the EncodingAESKey of mp.weixin.qq.com (or choose 明文模式 there)");
        }
        return reply.type("text/plain").send("success");
      }
      if (fields.MsgType === "event") {
        const event: FollowEvent = { openId: fields.FromUserName ?? "", createTime: fields.CreateTime ?? "" };
        const kind = fields.Event?.toLowerCase();
        if (event.openId !== "" && (kind === "subscribe" || kind === "unsubscribe")) {
          const scene = fields.EventKey?.replace(/^qrscene_/, "");
          if (scene) event.scene = scene;
          const handler = kind === "subscribe" ? options.onFollow : options.onUnfollow;
          // WeChat waits 5 s at most; the greeting goes out through the customer-service API later.
          void handler(event).catch((error: unknown) => options.logger.error({ err: error, event: kind }, "WeChat Official Account: follow event failed"));
        }
        if (event.openId !== "" && (kind === "subscribe_msg_popup_event" || kind === "subscribe_msg_change_event") && options.onSubscription) {
          const templates = parseSubscriptionLists(body);
          if (templates.length > 0) {
            void options.onSubscription({ openId: event.openId, createTime: event.createTime, templates }).catch((error: unknown) => options.logger.error({ err: error, event: kind }, "WeChat Official Account: subscription event failed"));
          }
        }
        return reply.type("text/plain").send("success");
      }
      const target = options.puppetUrl();
      if (!target) {
        // WeChat retries three times within 15 s, by when the puppet may be back.
        return reply.code(503).type("text/plain").send("not ready");
      }
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (typeof value === "string") search.set(key, value);
      try {
        const response = await forward(`${target}/?${search.toString()}`, {
          method: "POST",
          headers: { "content-type": request.headers["content-type"] ?? "text/xml" },
          body,
          signal: AbortSignal.timeout(4_500),
        });
        return reply.code(response.status).type("text/plain").send(await response.text());
      } catch (error) {
        options.logger.error({ err: error }, "WeChat Official Account: the puppet did not take the message");
        return reply.code(502).type("text/plain").send("puppet unavailable");
      }
    });
  });
}
