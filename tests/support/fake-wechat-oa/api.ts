/**
 * The fake Official Account API's behaviour (https://api.weixin.qq.com/cgi-bin/…): access tokens
 * with an expiry on a clock the test moves, customer-service messages inside each follower's
 * 48-hour window, media upload, user info, template and subscription messages, a per-follower
 * send quota, injected errors, and a record of every call. Answers are JSON with WeChat's
 * errcode / errmsg, as the real API gives them (HTTP 200 even for errors).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** WeChat's error codes the fake answers with. */
export const ERR = {
  systemBusy: -1,
  invalidCredential: 40001,
  invalidOpenId: 40003,
  invalidMediaId: 40007,
  invalidAppId: 40013,
  invalidTemplateId: 40037,
  invalidAppSecret: 40125,
  missingAccessToken: 41001,
  accessTokenExpired: 42001,
  unfollowed: 43004,
  subscriptionRefused: 43101,
  outsideWindow: 45015,
  sendQuotaExceeded: 45047,
  argumentInvalid: 47003,
  notFound: 44004,
} as const;

/** The customer-service window after a follower's last message. */
export const WINDOW_MS = 48 * 60 * 60 * 1000;

/** One call the fake received. */
export interface ApiCall {
  seq: number;
  /** The path after /cgi-bin/, e.g. "message/custom/send". */
  endpoint: string;
  query: Record<string, string>;
  /** The JSON body, or for an upload what was uploaded. */
  body: unknown;
  /** 0 for success. */
  errcode: number;
  /** The answer sent back. */
  response: Record<string, unknown>;
  /** Fake time of the call (ms). */
  at: number;
  injected?: boolean;
}

/** A follower of the account. */
interface Follower {
  subscribed: boolean;
  /** Fake time of their last message or follow; null if never. */
  lastInboundAt: number | null;
  /** Customer-service messages sent since their last message. */
  sentSinceInbound: number;
  /** One-time subscription-message consents, by template id. */
  subscriptionCredits: Map<string, number>;
}

/** What a test can configure. */
export interface FakeApiOptions {
  appId: string;
  appSecret: string;
  /** Seconds an access token lives (WeChat: 7200). */
  tokenLifetimeSeconds?: number;
  /** Customer-service messages allowed per follower message before 45047 (WeChat: 20). */
  sendQuotaPerInbound?: number;
  /** Template ids the account has (template and subscription messages). */
  templates?: readonly string[];
  /** Fake time at the start (ms since epoch). */
  startAt?: number;
}

interface Injected {
  errcode: number;
  errmsg: string;
  remaining: number;
}

const ERRMSG: Record<number, string> = {
  [ERR.systemBusy]: "system error",
  [ERR.invalidCredential]: "invalid credential, access_token is invalid or not latest",
  [ERR.invalidOpenId]: "invalid openid",
  [ERR.invalidMediaId]: "invalid media_id",
  [ERR.invalidAppId]: "invalid appid",
  [ERR.invalidTemplateId]: "invalid template_id",
  [ERR.invalidAppSecret]: "invalid appsecret",
  [ERR.missingAccessToken]: "access_token missing",
  [ERR.accessTokenExpired]: "access_token expired",
  [ERR.unfollowed]: "require subscribe",
  [ERR.subscriptionRefused]: "user refuse to accept the msg",
  [ERR.outsideWindow]: "response out of time limit or subscription is canceled",
  [ERR.sendQuotaExceeded]: "reach max api daily quota limit or out of response count limit",
  [ERR.argumentInvalid]: "argument invalid! data.thing2.value invalid",
  [ERR.notFound]: "not found",
};

/** A template or subscription message WeChat accepted. */
export interface SentNotice {
  endpoint: "message/template/send" | "message/subscribe/bizsend";
  templateId: string;
  /** Field key → value. */
  data: Record<string, string>;
}

/** Longest value per subscription-message field type (the key's letters), as WeChat documents them. */
const SUBSCRIBE_LIMITS: [prefix: string, max: number][] = [
  ["character_string", 32],
  ["thing", 20],
  ["number", 32],
  ["phrase", 5],
  ["name", 10],
];

/** The fake API's state and its request handler. */
export class FakeOfficialAccountApi {
  readonly calls: ApiCall[] = [];
  private clock: number;
  private seq = 0;
  private tokenSeq = 0;
  /** Issued tokens and the fake time each stops working. */
  private readonly tokens = new Map<string, number>();
  private readonly followers = new Map<string, Follower>();
  private readonly media = new Map<string, { type: string; bytes: number; filename: string }>();
  private readonly injected = new Map<string, Injected[]>();
  private readonly listeners = new Set<() => void>();
  private readonly templates: Set<string>;
  private readonly lifetimeSeconds: number;
  private readonly quota: number;

  constructor(private readonly options: FakeApiOptions) {
    this.clock = options.startAt ?? Date.UTC(2026, 0, 1);
    this.lifetimeSeconds = options.tokenLifetimeSeconds ?? 7200;
    this.quota = options.sendQuotaPerInbound ?? 20;
    this.templates = new Set(options.templates ?? []);
  }

  // ------------------------------------------------------------------ what tests control

  /** Fake time now (ms). */
  now(): number {
    return this.clock;
  }

  /** Moves fake time on: tokens expire, windows close. */
  advance(ms: number): void {
    this.clock += ms;
  }

  /** Ends every token issued so far (the next use answers 42001). */
  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, this.clock);
  }

  /** Forgets every token (the next use answers 40001, as after a token fetched elsewhere). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** A follow: subscribed, and the window opens. */
  follow(openId: string): void {
    const follower = this.follower(openId);
    follower.subscribed = true;
    this.messaged(openId);
  }

  unfollow(openId: string): void {
    this.follower(openId).subscribed = false;
  }

  /** A follower's message reached the account: the window (re)opens and the send quota resets. */
  messaged(openId: string): void {
    const follower = this.follower(openId);
    follower.lastInboundAt = this.clock;
    follower.sentSinceInbound = 0;
  }

  /** The follower accepted one subscription message of `templateId` (wx.requestSubscribeMessage). */
  grantSubscription(openId: string, templateId: string): void {
    const credits = this.follower(openId).subscriptionCredits;
    credits.set(templateId, (credits.get(templateId) ?? 0) + 1);
  }

  /** The next `times` calls of `endpoint` answer `errcode` (and do nothing else). */
  injectError(endpoint: string, errcode: number, times = 1): void {
    const queue = this.injected.get(endpoint) ?? [];
    queue.push({ errcode, errmsg: ERRMSG[errcode] ?? "injected error", remaining: times });
    this.injected.set(endpoint, queue);
  }

  /** Calls of `endpoint` so far. */
  callsTo(endpoint: string): ApiCall[] {
    return this.calls.filter((call) => call.endpoint === endpoint);
  }

  /** Texts sent to `openId` through the customer-service API that WeChat accepted. */
  textsTo(openId: string): string[] {
    return this.callsTo("message/custom/send")
      .filter((call) => call.errcode === 0)
      .map((call) => call.body as { touser?: string; msgtype?: string; text?: { content?: string } })
      .filter((body) => body.touser === openId && body.msgtype === "text")
      .map((body) => body.text?.content ?? "");
  }

  /** Template and subscription messages to `openId` that WeChat accepted, in order. */
  noticesTo(openId: string): SentNotice[] {
    return this.calls
      .filter((call) => (call.endpoint === "message/template/send" || call.endpoint === "message/subscribe/bizsend") && call.errcode === 0)
      .map((call) => ({ call, body: asRecord(call.body) }))
      .filter(({ body }) => body.touser === openId)
      .map(({ call, body }) => ({
        endpoint: call.endpoint as SentNotice["endpoint"],
        templateId: String(body.template_id),
        data: Object.fromEntries(Object.entries(asRecord(body.data)).map(([key, field]) => [key, String(asRecord(field).value)])),
      }));
  }

  /** Resolves when `check` gives something (checked after every call), or rejects after `timeoutMs`. */
  waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    const first = check();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const listener = () => {
        const value = check();
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`fake WeChat API: timed out waiting for ${what}; last calls: ${JSON.stringify(this.calls.slice(-5).map((c) => ({ endpoint: c.endpoint, errcode: c.errcode, body: c.body })))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  // ------------------------------------------------------------------ HTTP

  /** Handles one request of the API (after TLS, inside the proxy's tunnel). */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "https://api.weixin.qq.com");
    const body = await readBody(request);
    const query = Object.fromEntries(url.searchParams);
    const endpoint = url.pathname.replace(/^\/cgi-bin\//, "");
    let parsed: unknown;
    let answer: Record<string, unknown>;
    let injected = false;
    if (endpoint === "media/upload") {
      parsed = parseUpload(body, request.headers["content-type"] ?? "");
    } else {
      try {
        parsed = body.length === 0 ? undefined : (JSON.parse(body.toString("utf8")) as unknown);
      } catch {
        parsed = body.toString("utf8");
      }
    }
    const fault = this.takeInjected(endpoint);
    if (fault) {
      injected = true;
      answer = { errcode: fault.errcode, errmsg: fault.errmsg };
    } else {
      answer = this.answer(endpoint, query, parsed);
    }
    const errcode = typeof answer.errcode === "number" ? answer.errcode : 0;
    this.calls.push({ seq: this.seq++, endpoint, query, body: parsed, errcode, response: answer, at: this.clock, ...(injected ? { injected } : {}) });
    response.writeHead(request.method === "GET" || request.method === "POST" ? 200 : 405, { "content-type": "application/json; charset=utf-8" });
    response.end(JSON.stringify(answer));
    for (const listener of [...this.listeners]) listener();
  }

  private answer(endpoint: string, query: Record<string, string>, body: unknown): Record<string, unknown> {
    if (endpoint === "token") return this.issueToken(query);
    const tokenError = this.checkToken(query.access_token);
    if (tokenError !== undefined) return error(tokenError);
    switch (endpoint) {
      case "message/custom/send":
        return this.customSend(asRecord(body));
      case "media/upload":
        return this.upload(query.type ?? "", body as Upload | undefined);
      case "user/info":
        return this.userInfo(query.openid ?? "");
      case "message/template/send":
        return this.templateSend(asRecord(body));
      case "message/subscribe/bizsend":
        return this.subscribeSend(asRecord(body));
      default:
        return error(ERR.notFound);
    }
  }

  private issueToken(query: Record<string, string>): Record<string, unknown> {
    if (query.grant_type !== "client_credential" || query.appid !== this.options.appId) return error(ERR.invalidAppId);
    if (query.secret !== this.options.appSecret) return error(ERR.invalidAppSecret);
    const token = `FAKE_ACCESS_TOKEN_${++this.tokenSeq}_${"x".repeat(16)}`;
    this.tokens.set(token, this.clock + this.lifetimeSeconds * 1000);
    return { access_token: token, expires_in: this.lifetimeSeconds };
  }

  private checkToken(token: string | undefined): number | undefined {
    if (!token) return ERR.missingAccessToken;
    const until = this.tokens.get(token);
    if (until === undefined) return ERR.invalidCredential;
    if (this.clock >= until) return ERR.accessTokenExpired;
    return undefined;
  }

  private customSend(body: Record<string, unknown>): Record<string, unknown> {
    const openId = typeof body.touser === "string" ? body.touser : "";
    const follower = this.followers.get(openId);
    if (!follower) return error(ERR.invalidOpenId);
    if (!follower.subscribed) return error(ERR.unfollowed);
    if (follower.lastInboundAt === null || this.clock - follower.lastInboundAt > WINDOW_MS) return error(ERR.outsideWindow);
    if (follower.sentSinceInbound >= this.quota) return error(ERR.sendQuotaExceeded);
    if (body.msgtype === "text") {
      const content = asRecord(body.text).content;
      if (typeof content !== "string" || content === "") return error(ERR.notFound);
    } else if (body.msgtype === "image") {
      const mediaId = asRecord(body.image).media_id;
      if (typeof mediaId !== "string" || !this.media.has(mediaId)) return error(ERR.invalidMediaId);
    } else {
      return error(ERR.notFound);
    }
    follower.sentSinceInbound++;
    return { errcode: 0, errmsg: "ok" };
  }

  private upload(type: string, upload: Upload | undefined): Record<string, unknown> {
    if (!["image", "voice", "video", "thumb"].includes(type) || !upload || upload.bytes === 0) return error(ERR.invalidMediaId);
    const mediaId = `FAKE_MEDIA_${this.media.size + 1}`;
    this.media.set(mediaId, { type, bytes: upload.bytes, filename: upload.filename });
    return { type, media_id: mediaId, created_at: Math.floor(this.clock / 1000) };
  }

  private userInfo(openId: string): Record<string, unknown> {
    const follower = this.followers.get(openId);
    if (!follower) return error(ERR.invalidOpenId);
    if (!follower.subscribed) return { subscribe: 0, openid: openId };
    return {
      subscribe: 1,
      openid: openId,
      language: "zh_CN",
      subscribe_time: Math.floor((follower.lastInboundAt ?? this.clock) / 1000),
      remark: "",
      groupid: 0,
      tagid_list: [],
      subscribe_scene: "ADD_SCENE_QR_CODE",
      qr_scene: 0,
      qr_scene_str: "",
    };
  }

  private templateSend(body: Record<string, unknown>): Record<string, unknown> {
    const openId = typeof body.touser === "string" ? body.touser : "";
    const follower = this.followers.get(openId);
    if (!follower) return error(ERR.invalidOpenId);
    if (!follower.subscribed) return error(ERR.unfollowed);
    if (typeof body.template_id !== "string" || !this.templates.has(body.template_id)) return error(ERR.invalidTemplateId);
    if (!validData(body.data, [])) return error(ERR.argumentInvalid);
    return { errcode: 0, errmsg: "ok", msgid: 200000 + this.seq };
  }

  private subscribeSend(body: Record<string, unknown>): Record<string, unknown> {
    const openId = typeof body.touser === "string" ? body.touser : "";
    const follower = this.followers.get(openId);
    if (!follower) return error(ERR.invalidOpenId);
    const templateId = typeof body.template_id === "string" ? body.template_id : "";
    if (!this.templates.has(templateId)) return error(ERR.invalidTemplateId);
    if (!validData(body.data, SUBSCRIBE_LIMITS)) return error(ERR.argumentInvalid);
    const credits = follower.subscriptionCredits.get(templateId) ?? 0;
    if (credits <= 0) return error(ERR.subscriptionRefused);
    follower.subscriptionCredits.set(templateId, credits - 1);
    return { errcode: 0, errmsg: "ok" };
  }

  private follower(openId: string): Follower {
    let follower = this.followers.get(openId);
    if (!follower) {
      follower = { subscribed: false, lastInboundAt: null, sentSinceInbound: 0, subscriptionCredits: new Map() };
      this.followers.set(openId, follower);
    }
    return follower;
  }

  private takeInjected(endpoint: string): Injected | undefined {
    const queue = this.injected.get(endpoint);
    const fault = queue?.[0];
    if (!queue || !fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) queue.shift();
    return fault;
  }
}

/** What a media upload carried. */
export interface Upload {
  filename: string;
  contentType: string;
  bytes: number;
}

function error(errcode: number): Record<string, unknown> {
  return { errcode, errmsg: `${ERRMSG[errcode] ?? "error"} rid: fake-${errcode}` };
}

/** `data` as WeChat wants it: at least one field, each `{ value }` a non-empty string within its type's length. */
function validData(data: unknown, limits: readonly [string, number][]): boolean {
  const fields = Object.entries(asRecord(data));
  if (fields.length === 0) return false;
  return fields.every(([key, field]) => {
    const value = asRecord(field).value;
    if (typeof value !== "string" || value.trim() === "") return false;
    const max = limits.find(([prefix]) => key.startsWith(prefix))?.[1] ?? 200;
    return [...value].length <= max;
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** The first file of a multipart/form-data body (WeChat reads the part named `media`; the puppet names it otherwise). */
function parseUpload(body: Buffer, contentType: string): Upload | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return undefined;
  const text = body.toString("latin1");
  for (const part of text.split(`--${marker}`)) {
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (filename === undefined) continue;
    const content = part.slice(headerEnd + 4).replace(/\r\n$/, "");
    return { filename, contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() ?? "", bytes: Buffer.byteLength(content, "latin1") };
  }
  return undefined;
}
