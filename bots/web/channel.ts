/**
 * The web chat channel: the page a resident reaches from a leaflet's QR code (or at `/`), its
 * JSON API, live pushes, and the staff QR/leaflet routes.
 *
 * Identity: a random session id in a signed, HTTP-only, SameSite=Strict cookie is the resident's
 * web account (platform "web"); nothing else about them is known. Every state-changing request
 * must come from our own origin and carry the session's CSRF token.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import fastifyCookie from "@fastify/cookie";
import { z } from "zod";
import type { ChannelContext, ChannelFactory } from "../../app/channels.js";
import type { Channel, PushResult } from "../../core/channel.js";
import { encodePayload } from "../../core/engine/payload.js";
import { isLang, normalizeLang, SUPPORTED_LANGS } from "../../core/engine/types.js";
import type { Input, Lang, OutMessage } from "../../core/engine/types.js";
import type { InboundMessage } from "../../core/survey/runner.js";
import { requestLang, WEB_RESOURCES } from "./i18n.js";
import { webInboxOf, type WebInbox } from "./inbox.js";
import { addSecurityHeaders, installErrorHandler, isSameOrigin, PageFiles, SESSION_COOKIE, WebError } from "./http.js";
import { WebOutboxTransport } from "../../core/outreach/transports/web.js";
import type { OutboxTransport } from "../../core/outreach/sender.js";
import { LiveHub } from "./live.js";
import { InboxRelay, LocalLiveBus, type LiveBus } from "./live-bus.js";
import { RedisLiveBus } from "./live-bus-redis.js";
import { registerRateLimit, REDIS_READY_WAIT_MS } from "../shared/rate-limits.js";
import { settlesWithin } from "../shared/settles-within.js";
import { toWebImages, toWebMessages, type WebImage, type WebMessage, type WebPush } from "./messages.js";
import { csrfToken, deriveKeys, isSessionId, newSessionId, verifyCsrfToken, verifyLeafletCode, type WebKeys } from "./signing.js";
import { mountStaffRoutes } from "./staff.js";

/** The platform name of web chat identities. */
export const WEB_PLATFORM = "web";

/**
 * The cookie that keeps the language POST /web/api/session settled on. A plain visit stores
 * nothing until the first message, so the language asked for then would otherwise be lost: the
 * first message starts the conversation in it (a resident's own pick in the dialogue still wins).
 */
export const LANG_COOKIE = "anxin_lang";

/** Tunables; the defaults suit production, tests lower some of them. */
export interface WebChatOptions {
  /** Messages a minute one session (or, without one, one address) may send. Default 40. */
  messagesPerMinute?: number;
  /** Session starts a minute per address; generous, as a village's phones may share one address. Default 60. */
  sessionsPerMinute?: number;
  /** Staff QR/leaflet requests a minute per address. Default 60. */
  staffPerMinute?: number;
  /** Longest typed message accepted, in characters. Default 2000. */
  maxTextLength?: number;
  /** How long a long poll waits for a push. Default 25 s. */
  longPollMs?: number;
  /** Interval of the keep-alive comment on an event stream. Default 20 s. */
  heartbeatMs?: number;
  /** Event streams one session may hold (a resident's tabs); a newer one closes the oldest. Default 3. */
  streamsPerSession?: number;
  /** Event streams of all sessions together; beyond it a new page gets a 503. Default: WEB_MAX_STREAMS. */
  maxStreams?: number;
  /** When a push finds no open page and there is no inbox, the sender should try again after this long. Default 10 min. */
  pushRetryAfterMs?: number;
  /** Durable storage for pushes to closed pages; without it such a push is retryable (see inbox.ts). */
  inbox?: WebInbox;
  /**
   * Announces new inbox items to every instance (live-bus.ts). Default: on Redis when the context
   * has it and there is an inbox, else within this process.
   */
  bus?: LiveBus;
  /** The clock (for staff token expiry). */
  now?: () => Date;
}

/** The reply to POST /web/api/session. */
export interface SessionResponse {
  /** Send back in the X-Anxin-CSRF header with every message. */
  csrf: string;
  /** The language to show the page in. */
  lang: Lang;
  /** The resident has talked to us before on this browser. */
  known: boolean;
}

/** The reply to POST /web/api/messages. */
export interface MessagesResponse {
  lang: Lang;
  messages: WebMessage[];
  /** Images shown after the messages (an admin's /stats charts); absent when there are none. */
  images?: WebImage[];
  /** This message id was handled before; nothing changed. The page should reopen (resync). */
  duplicate: boolean;
}

/** A running web chat. */
export interface WebChat extends Channel {
  /** Open pages, for pushes. */
  readonly hub: LiveHub;
  /** The keys the chat signs with (cookies, CSRF tokens, leaflet codes). */
  readonly keys: WebKeys;
}

const MessageId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

/** What the page may send: engine inputs, plus "page opened" and "language picked". */
const PageInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("text"), text: z.string() }),
  z.object({ kind: z.literal("button"), payload: z.string().min(1).max(64) }),
  /** The page was opened or reloaded; `survey`: it was opened from a leaflet's QR code. */
  z.object({ kind: z.literal("open"), survey: z.boolean().optional() }),
  z.object({ kind: z.literal("lang"), lang: z.enum(SUPPORTED_LANGS as [Lang, ...Lang[]]) }),
]);
type PageInput = z.infer<typeof PageInput>;

const MessageBody = z.object({ id: MessageId, input: PageInput }).strict();
const SessionBody = z.object({ ref: z.string().max(300).optional(), lang: z.string().max(35).optional() }).strict();

/** Creates the web chat and mounts its routes on `context.server` (before it listens). */
export async function createWebChat(context: ChannelContext, options: WebChatOptions = {}): Promise<WebChat> {
  const { config, runner, logger } = context;
  const keys = deriveKeys(context.secret);
  const hub = new LiveHub({ streamsPerSession: options.streamsPerSession, streams: options.maxStreams ?? config.webMaxStreams });
  const files = new PageFiles();
  const now = options.now ?? (() => new Date());
  const limits = {
    messages: options.messagesPerMinute ?? 40,
    sessions: options.sessionsPerMinute ?? 60,
    staff: options.staffPerMinute ?? 60,
    text: options.maxTextLength ?? 2000,
    longPoll: options.longPollMs ?? 25_000,
    heartbeat: options.heartbeatMs ?? 20_000,
    retry: options.pushRetryAfterMs ?? 10 * 60_000,
  };
  const defaultLang: Lang = config.defaultLang;
  const bus: LiveBus = options.bus ?? (context.redis && options.inbox ? new RedisLiveBus({ ...context.redis, logger }) : new LocalLiveBus());
  // Whichever instance wrote a push into the inbox, the one holding the page shows it.
  const relay = options.inbox ? new InboxRelay(hub, options.inbox, now, logger) : undefined;
  const unsubscribe = bus.subscribe({
    inbox: (sessionId) => {
      if (isSessionId(sessionId)) relay?.relay(sessionId);
    },
    missed: () => relay?.relayAll(),
  });

  type SessionRead = { state: "none" } | { state: "forged" } | { state: "ok"; sessionId: string };
  const readSession = (request: FastifyRequest): SessionRead => {
    const raw = request.cookies[SESSION_COOKIE];
    if (raw === undefined) return { state: "none" };
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || unsigned.value === null || !isSessionId(unsigned.value)) return { state: "forged" };
    return { state: "ok", sessionId: unsigned.value };
  };
  /** The session of a request that needs one; refuses a missing or forged cookie. */
  const requireSession = (request: FastifyRequest): string => {
    const session = readSession(request);
    if (session.state !== "ok") throw new WebError(401, "error.session_invalid");
    return session.sessionId;
  };
  /** The language a message starts a new conversation in: the session's, else the page's or the browser's. */
  const messageLang = (request: FastifyRequest): Lang => {
    const settled = request.cookies[LANG_COOKIE];
    return isLang(settled) ? settled : requestLang(request.headers, defaultLang);
  };
  const requireSameOrigin = (request: FastifyRequest): void => {
    if (!isSameOrigin(request, config.publicUrl)) throw new WebError(403, "error.origin");
  };
  const requireJson = (request: FastifyRequest): void => {
    // A form post or text/plain body is what a cross-site form would send: never accept it.
    if (!/^application\/json\s*(;|$)/i.test(request.headers["content-type"] ?? "")) throw new WebError(415, "error.bad_request");
  };
  const clientKey = (request: FastifyRequest): string => {
    const session = readSession(request);
    return session.state === "ok" ? `s:${session.sessionId}` : `ip:${request.ip}`;
  };
  const isHttps = (request: FastifyRequest) => (config.publicUrl ? config.publicUrl.startsWith("https:") : request.protocol === "https");

  const routes = async (scope: FastifyInstance): Promise<void> => {
    // Both plugins are registered inside this scope, so they touch no other module's routes.
    await scope.register(fastifyCookie, { secret: keys.cookie });
    // Counted in Redis when instances share one, so that a client's limit holds across them.
    await registerRateLimit(scope, { global: false, errorResponseBuilder: () => new WebError(429, "error.rate_limited") }, context.redis, logger);
    addSecurityHeaders(scope);
    installErrorHandler(scope, logger, defaultLang);

    const perMinute = (max: number, keyGenerator: (request: FastifyRequest) => string) => ({ rateLimit: { max, timeWindow: 60_000, keyGenerator } });
    const byAddress = (request: FastifyRequest) => `ip:${request.ip}`;

    // ---------------------------------------------------------------- pages and files

    scope.get("/", { config: perMinute(limits.sessions, byAddress) }, async (request, reply) =>
      reply.type("text/html; charset=utf-8").send(files.chatPage(requestLang(request.headers, defaultLang))),
    );

    scope.get<{ Params: { code: string } }>("/q/:code", { config: perMinute(limits.sessions, byAddress) }, async (request, reply) => {
      // Checked here too, so a damaged code says so at once instead of opening a chat.
      if (!verifyLeafletCode(keys, request.params.code)) throw new WebError(400, "error.bad_qr");
      return reply.type("text/html; charset=utf-8").send(files.chatPage(requestLang(request.headers, defaultLang)));
    });

    // A staff invitation's web link (/j/INV-…): the page sends the code as the first message.
    scope.get<{ Params: { code: string } }>("/j/:code", { config: perMinute(limits.sessions, byAddress) }, async (request, reply) =>
      reply.type("text/html; charset=utf-8").send(files.chatPage(requestLang(request.headers, defaultLang))),
    );

    scope.get<{ Params: { name: string } }>("/web/static/:name", async (request, reply) => files.serve(request.params.name, reply));

    scope.get<{ Params: { lang: string } }>("/web/i18n/:lang", async (request, reply) => {
      const lang = request.params.lang.replace(/\.json$/, "");
      if (!isLang(lang)) throw new WebError(404, "error.not_found");
      return reply.header("cache-control", "public, max-age=300").send(WEB_RESOURCES[lang]);
    });

    // ---------------------------------------------------------------- session

    scope.post("/web/api/session", { bodyLimit: 2048, config: perMinute(limits.sessions, byAddress) }, async (request, reply) => {
      requireSameOrigin(request);
      requireJson(request);
      const current = readSession(request);
      if (current.state === "forged") throw new WebError(401, "error.session_invalid");
      const body = SessionBody.safeParse(request.body);
      if (!body.success) throw new WebError(400, "error.bad_request");
      const hint = body.data.lang ? normalizeLang(body.data.lang) : requestLang(request.headers, defaultLang);

      // Check the leaflet's signature before anything is created, so a forged one changes nothing.
      let leaflet: { officerId: string; regionCode: string; householdId?: string } | undefined;
      if (body.data.ref !== undefined) {
        const code = verifyLeafletCode(keys, body.data.ref);
        if (!code) throw new WebError(400, "error.bad_qr");
        leaflet = { officerId: code.officerId, regionCode: code.regionCode, ...(code.householdId ? { householdId: code.householdId } : {}) };
      }

      const sessionId = current.state === "ok" ? current.sessionId : newSessionId();
      // The runner makes a leaflet's visitor the officer's household (or finds it stale).
      const opened = await runner.openSession({ platform: WEB_PLATFORM, platformUserId: sessionId, chatId: sessionId, lang: hint, ...(leaflet ? { leaflet } : {}) });
      if (!opened.ok) throw new WebError(410, "error.stale_qr");
      const session = opened.session;
      const lang = session?.started && session.residentLang ? session.residentLang : hint;

      reply.setCookie(SESSION_COOKIE, sessionId, {
        path: "/",
        httpOnly: true,
        sameSite: "strict",
        secure: isHttps(request),
        signed: true,
        // Browsers cap cookie lifetime at 400 days; a resident may come back next survey wave.
        maxAge: 400 * 24 * 3600,
      });
      reply.setCookie(LANG_COOKIE, lang, { path: "/", httpOnly: true, sameSite: "strict", secure: isHttps(request), maxAge: 400 * 24 * 3600 });
      const response: SessionResponse = { csrf: csrfToken(keys, sessionId), lang, known: session?.started === true };
      return reply.send(response);
    });

    // ---------------------------------------------------------------- messages

    scope.post(
      "/web/api/messages",
      { bodyLimit: 8192, config: perMinute(limits.messages, clientKey) },
      async (request, reply) => {
        requireSameOrigin(request);
        requireJson(request);
        const sessionId = requireSession(request);
        const token = request.headers["x-anxin-csrf"];
        if (!verifyCsrfToken(keys, sessionId, typeof token === "string" ? token : undefined)) throw new WebError(403, "error.csrf");
        const body = MessageBody.safeParse(request.body);
        if (!body.success) throw new WebError(400, "error.bad_request");
        const { id, input } = body.data;
        if (input.kind === "text" && input.text.length > limits.text) throw new WebError(400, "error.text_too_long", { max: limits.text });

        const message: InboundMessage = {
          platform: WEB_PLATFORM,
          platformUserId: sessionId,
          chatId: sessionId,
          // Client ids are only unique per browser: scope them by session.
          messageId: `${sessionId}:${id}`,
          langCode: messageLang(request),
          input: await engineInput(sessionId, input),
        };
        // The runner also gives a response started here to the officer whose leaflet brought them.
        const result = await runner.handle(message);
        const response: MessagesResponse = {
          lang: result.lang,
          messages: toWebMessages(result.messages),
          ...(result.images?.length ? { images: toWebImages(result.images) } : {}),
          duplicate: result.duplicate,
        };
        return reply.send(response);
      },
    );

    /** Translates what the page sent into the engine's input. */
    const engineInput = async (sessionId: string, input: PageInput): Promise<Input> => {
      switch (input.kind) {
        case "text":
          return { kind: "text", text: input.text };
        case "button":
          return { kind: "button", payload: input.payload };
        case "lang":
          return { kind: "button", payload: encodePayload({ op: "lang", lang: input.lang }) };
        case "open":
          return openInput(sessionId, input.survey === true);
      }
    };

    /**
     * What opening the page means. Scanning a leaflet is a deliberate start (a deep link into the
     * survey). A plain visit or a reload only shows where the resident left off: "start" would do
     * that too, but it also re-subscribes a resident who opted out of notices, which a reload must
     * not do — so they get the survey (resumed) or the menu instead.
     */
    const openInput = async (sessionId: string, fromLeaflet: boolean): Promise<Input> => {
      if (fromLeaflet) return { kind: "start", arg: "survey" };
      const state = await runner.session(WEB_PLATFORM, sessionId);
      if (!state?.optedOut) return { kind: "start" };
      if (state.mode === "survey") return { kind: "button", payload: encodePayload({ op: "menu", item: "survey" }) };
      if (state.mode === "new" || state.mode === "consent") return { kind: "text", text: "/help" };
      return { kind: "button", payload: encodePayload({ op: "menu", item: "menu" }) };
    };

    // ---------------------------------------------------------------- pushes

    scope.get("/web/api/events", { config: perMinute(30, clientKey) }, async (request, reply) => {
      const sessionId = requireSession(request);
      // Refused before the inbox is touched, so a full server keeps the pushes for later.
      if (!hub.hasRoom(sessionId)) throw new WebError(503, "error.busy");
      const waiting = await takeInbox(sessionId);
      if (!hub.hasRoom(sessionId)) {
        // Others filled the last places while the inbox was read: hand its pushes back.
        for (const push of waiting) await options.inbox?.put(sessionId, push, now());
        throw new WebError(503, "error.busy");
      }
      reply.hijack();
      hub.stream(sessionId, reply.raw, limits.heartbeat, waiting);
      // A push announced between the take above and the stream opening found no page here.
      relay?.relay(sessionId);
    });

    scope.get("/web/api/poll", { config: perMinute(limits.messages, clientKey) }, async (request, reply) => {
      const sessionId = requireSession(request);
      const waiting = await takeInbox(sessionId);
      if (waiting.length > 0) return reply.send({ pushes: waiting });
      const polled = hub.poll(sessionId, limits.longPoll, reply.raw);
      // A push announced between the take above and the poll starting found no page here.
      relay?.relay(sessionId);
      const push = await polled;
      return push ? reply.send({ pushes: [push] }) : reply.code(204).send();
    });

    const takeInbox = async (sessionId: string): Promise<WebPush[]> => (options.inbox ? options.inbox.take(sessionId, 50) : []);

    await mountStaffRoutes(scope, { staffLeaflet: (request) => runner.staffLeaflet(request), shortLinks: { codeFor: (officerId, regionCode) => runner.leafletShortCode(officerId, regionCode), target: (code) => runner.leafletShortTarget(code) }, keys, secret: context.secret, config, now, readSession: (request) => readSession(request).state === "ok",
      staffOfSession: async (request) => {
        const session = readSession(request);
        return session.state === "ok" ? runner.staffAccount(WEB_PLATFORM, session.sessionId) : null;
      },
      staffPerMinute: limits.staff,
    });
  };
  await context.server.register(routes);
  if (bus instanceof RedisLiveBus && !(await settlesWithin(bus.subscribed, REDIS_READY_WAIT_MS))) {
    logger.warn({ channel: bus.channel }, "live pushes: Redis is not reachable yet; pages get pushes from other instances when they next connect");
  }

  const chat: WebChat = {
    platform: WEB_PLATFORM,
    hub,
    keys,
    async start() {
      const address = context.server.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      const local = `http://${config.host === "0.0.0.0" || config.host === "::" || config.host === "127.0.0.1" ? "localhost" : config.host}:${port}/`;
      logger.info({ url: config.publicUrl ?? local }, "web chat ready");
    },
    async stop() {
      unsubscribe();
      await bus.close();
      hub.closeAll();
    },
    outboxTransport: (outbox) => announcing(new WebOutboxTransport(outbox.store, hub), bus),
    async push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult> {
      const push: WebPush = { lang, messages: toWebMessages(messages) };
      if (hub.deliver(chatId, push)) return { ok: true };
      if (options.inbox) {
        // The page may be open on another instance: the one holding it takes it from the inbox.
        await options.inbox.put(chatId, push, now());
        bus.publish(chatId);
        return { ok: true };
      }
      return { ok: false, error: "the resident's web chat page is closed and there is no web inbox", permanent: false, retryAfterMs: limits.retry };
    },
  };
  return chat;
}

/**
 * The registry entry: the web chat always runs. It is what `npm start` serves at `/` on a fresh
 * machine, and where every leaflet's QR code leads.
 */
export const webChannelFactory: ChannelFactory = (context) => createWebChat(context, { inbox: webInboxOf(context.runner.webInbox) });

/**
 * The outbox's web transport, announcing each delivery it wrote into a session's inbox: it shows
 * it on a page open on this instance itself, and the announcement reaches the others.
 */
function announcing(transport: OutboxTransport, bus: LiveBus): OutboxTransport {
  return {
    platform: transport.platform,
    ...(transport.atomic !== undefined ? { atomic: transport.atomic } : {}),
    async send(job) {
      const outcome = await transport.send(job);
      if (outcome.kind === "sent") bus.publish(job.identity.chatId);
      return outcome;
    },
  };
}
