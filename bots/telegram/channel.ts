/**
 * The standalone Telegram bot (grammY), started by `anxin start` when TELEGRAM_BOT_TOKEN is set.
 *
 * - Long polling by default, with a loop of its own rather than grammY's: each batch of updates is
 *   handed to the {@link TelegramAdapter} at once (residents never wait for each other; the
 *   runner's per-resident queue keeps each resident's updates in order), and the next `getUpdates` — whose offset is
 *   what tells Telegram a batch is done — waits until every update of the batch is committed. So a
 *   crash mid-turn means Telegram sends the update again (a redelivery of one already committed
 *   is recognised as a duplicate), never that it is lost.
 * - Webhook mode when TELEGRAM_WEBHOOK_URL is set: a POST route on the app's fastify server at the
 *   URL's path, checking `X-Telegram-Bot-Api-Secret-Token` on every request (TELEGRAM_WEBHOOK_SECRET,
 *   or one derived from the app secret when unset). The answer is sent once the turn is committed,
 *   so an update Telegram has seen acknowledged is never lost; a retried delivery is a duplicate.
 * - TELEGRAM_API_ROOT points grammY at a local Bot API server.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { Bot, GrammyError, type Api } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { ChannelContext, ChannelFactory } from "../../app/channels.js";
import type { Channel, OutboxContext, PushResult } from "../../core/channel.js";
import type { OutboxTransport } from "../../core/outreach/sender.js";
import type { Lang, OutMessage } from "../../core/engine/types.js";
import type { ConversationRunner } from "../../core/survey/runner.js";
import { TelegramAdapter, TELEGRAM_PLATFORM } from "./adapter.js";
import { registerCommands } from "./commands.js";
import { TelegramOutboxTransport } from "./outbox-transport.js";
import { installAutoRetry, type RetryAfterSignal, type SenderLogger } from "./sender.js";

/** The update kinds the bot asks Telegram for; everything else is not Anxin's business. */
export const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;

/** How long a batch of polled updates may take before it is confirmed anyway. */
const BATCH_WAIT_MS = 30_000;
/** Pauses after failed getUpdates calls: 1 s, 2 s, 4 s … up to a minute. */
const POLL_RETRY_BASE_MS = 1_000;
const POLL_RETRY_MAX_MS = 60_000;

/** Whether `work` settles within `ms` (the timer is cleared either way). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The header Telegram puts the webhook secret in. */
export const SECRET_HEADER = "x-telegram-bot-api-secret-token";

/** Options of {@link createTelegramChannel}. */
export interface TelegramChannelOptions {
  token: string;
  /** A local Bot API server instead of https://api.telegram.org. */
  apiRoot?: string;
  /** Webhook mode: the public URL Telegram posts to (its path is the route) and the secret token. */
  webhook?: { url: string; secret?: string };
  runner: ConversationRunner;
  /** The app secret: signs buttons (and derives the webhook secret when none is configured). */
  secret: string;
  logger: SenderLogger & { info(obj: object, msg?: string): void };
  /** Where the webhook route is mounted; required in webhook mode. */
  server?: FastifyInstance;
  /** Long-polling timeout in seconds; default 30. */
  pollingTimeoutSeconds?: number;
  /** Skip getMe (tests, or a bot whose info is known). */
  botInfo?: UserFromGetMe;
  /** Platform-wide "retry after" shared with the broadcast outbox (see installAutoRetry). */
  pauses?: RetryAfterSignal;
}

/** A running standalone Telegram bot. */
export class TelegramChannel implements Channel {
  /** Always "telegram". */
  readonly platform = TELEGRAM_PLATFORM;
  /** The grammY bot (its `api` carries the bounded 429 retry). */
  readonly bot: Bot;
  /** The update handling and sending core. */
  readonly adapter: TelegramAdapter;
  /** The webhook route path, in webhook mode. */
  readonly webhookPath: string | undefined;
  /** The secret token Telegram must send, in webhook mode. */
  readonly webhookSecret: string | undefined;
  private polling: Promise<void> | undefined;
  /** The next update id wanted: everything below it is handled (0: whatever Telegram has). */
  private offset = 0;
  private readonly abort = new AbortController();
  private started = false;
  private stopped = false;

  /** Use {@link createTelegramChannel}, which also mounts the webhook route. */
  constructor(private readonly options: TelegramChannelOptions) {
    this.bot = new Bot(options.token, {
      ...(options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {}),
      ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    });
    installAutoRetry(this.bot.api, options.pauses);
    this.adapter = new TelegramAdapter({ runner: options.runner, secret: options.secret, api: this.bot.api, logger: options.logger });
    if (options.webhook) {
      this.webhookPath = webhookPath(options.webhook.url);
      this.webhookSecret = options.webhook.secret ?? deriveWebhookSecret(options.secret);
    }
  }

  /** Mounts the webhook route (webhook mode); must run before the server listens. */
  mount(server: FastifyInstance): void {
    const path = this.webhookPath;
    const expected = this.webhookSecret;
    if (path === undefined || expected === undefined) return;
    server.post(
      path,
      {
        // Telegram's updates can exceed the app's small default body limit (long texts, replies).
        bodyLimit: 1024 * 1024,
        // Refuse before the body is even parsed.
        onRequest: async (request, reply) => {
          if (!sameSecret(request.headers[SECRET_HEADER], expected)) {
            this.options.logger.warn({ ip: request.ip }, "telegram webhook request with a wrong or missing secret token");
            return reply.code(401).send({ ok: false, error: "unauthorized" });
          }
        },
      },
      async (request, reply) => {
        if (!this.started || this.stopped) return reply.code(503).send({ ok: false, error: "not running" });
        const body: unknown = request.body;
        if (typeof body !== "object" || body === null || Array.isArray(body)) return reply.code(400).send({ ok: false, error: "expected an Update object" });
        await this.adapter.handleUpdate(body, this.bot.isInited() ? this.bot.botInfo : {});
        // An empty body: a method call in the webhook response would bypass the send queue.
        return reply.code(200).send();
      },
    );
  }

  /** Fetches the bot's info, registers the command menu, then polls or sets the webhook. */
  async start(): Promise<void> {
    const { logger } = this.options;
    await this.bot.init();
    try {
      await registerCommands(this.bot.api);
    } catch (error) {
      logger.warn({ err: error }, "could not register the Telegram command menu");
    }
    if (this.options.webhook && this.webhookSecret) {
      this.started = true;
      await this.bot.api.setWebhook(this.options.webhook.url, {
        secret_token: this.webhookSecret,
        allowed_updates: [...ALLOWED_UPDATES],
      });
      logger.info({ username: this.bot.botInfo.username, path: this.webhookPath }, "telegram webhook set");
      return;
    }
    // getUpdates is refused while a webhook is set (an earlier run in webhook mode).
    await this.bot.api.deleteWebhook({ drop_pending_updates: false });
    this.started = true;
    logger.info({ username: this.bot.botInfo.username }, "telegram long polling started");
    this.polling = this.poll();
  }

  /**
   * The long-polling loop: fetch a batch, hand every update over, wait until each is committed,
   * and only then ask for more (which confirms the batch). Transient failures are retried with a
   * growing pause; 401 (token revoked) and 409 (another instance polls) stop it, loudly.
   */
  private async poll(): Promise<void> {
    const { logger } = this.options;
    const me = this.bot.botInfo;
    let failures = 0;
    while (!this.stopped) {
      let updates: Update[];
      try {
        updates = await this.bot.api.getUpdates(
          { offset: this.offset, timeout: this.options.pollingTimeoutSeconds ?? 30, allowed_updates: [...ALLOWED_UPDATES] },
          // grammY types its signal with the abort-controller shim's class; Node's is the real thing.
          this.abort.signal as unknown as Parameters<Api["getUpdates"]>[1],
        );
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof GrammyError && (error.error_code === 401 || error.error_code === 409)) {
          logger.error({ err: error }, "telegram long polling stopped");
          return;
        }
        failures++;
        const pause = Math.min(POLL_RETRY_MAX_MS, POLL_RETRY_BASE_MS * 2 ** (failures - 1));
        logger.warn({ err: error, failures, pauseMs: pause }, "telegram getUpdates failed; retrying");
        await this.sleep(pause);
        continue;
      }
      if (updates.length === 0) continue;
      // handleUpdate never rejects; the bound keeps a stuck turn from stopping everyone's updates.
      const done = await settlesWithin(Promise.all(updates.map((update) => this.adapter.handleUpdate(update, me))), BATCH_WAIT_MS);
      if (!done) logger.warn({ updates: updates.length, waitedMs: BATCH_WAIT_MS }, "telegram updates still being handled; confirming them anyway");
      this.offset = (updates[updates.length - 1] as Update).update_id + 1;
    }
    // Confirm the last batch, so that a restart does not fetch it again (harmless if it did).
    if (this.offset > 0) {
      await this.bot.api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 }).catch((error: unknown) => logger.warn({ err: error }, "could not confirm the last telegram updates"));
    }
  }

  /** Waits `ms`, or less if the channel stops meanwhile. */
  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done);
    });
  }

  /** Stops receiving, lets handled updates finish sending, then stops sending. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    await this.polling;
    await this.adapter.close();
  }

  /** Sends messages to a resident's chat outside a reply (after waiting replies). */
  push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult> {
    if (this.stopped) return Promise.resolve({ ok: false, error: "the Telegram channel is stopped", permanent: false });
    return this.adapter.push(chatId, lang, messages);
  }

  /** Broadcasts go straight to the Bot API with a signed read button (at least once after a crash). */
  outboxTransport(context: OutboxContext): OutboxTransport {
    return new TelegramOutboxTransport({
      token: this.options.token,
      ...(this.options.apiRoot ? { apiRoot: this.options.apiRoot } : {}),
      secret: context.secret,
      ...(context.logger ? { logger: context.logger } : {}),
    });
  }

  /** The bot's username, once getMe has answered. */
  botUsername(): string | undefined {
    return this.bot.isInited() ? this.bot.botInfo.username : undefined;
  }
}

/** Creates the standalone bot and mounts its webhook route when in webhook mode. */
export function createTelegramChannel(options: TelegramChannelOptions): TelegramChannel {
  const channel = new TelegramChannel(options);
  if (options.webhook) {
    if (!options.server) throw new Error("telegram webhook mode needs the HTTP server");
    channel.mount(options.server);
  }
  return channel;
}

/** The {@link ChannelFactory} for `app/channel-registry.ts`: runs when TELEGRAM_BOT_TOKEN is set. */
export const telegramChannelFactory: ChannelFactory = async (context: ChannelContext) => {
  const telegram = context.config.telegram;
  if (!telegram) return undefined;
  return createTelegramChannel({
    token: telegram.token,
    ...(telegram.apiRoot ? { apiRoot: telegram.apiRoot } : {}),
    ...(telegram.webhookUrl ? { webhook: { url: telegram.webhookUrl, ...(telegram.webhookSecret ? { secret: telegram.webhookSecret } : {}) } } : {}),
    runner: context.runner,
    secret: context.secret,
    logger: context.logger.child({ channel: TELEGRAM_PLATFORM }),
    server: context.server,
    ...(context.pauses ? { pauses: context.pauses } : {}),
  });
};

/** The route path of a webhook URL; a bare host would put the webhook on the site's root page. */
export function webhookPath(url: string): string {
  const path = new URL(url).pathname;
  if (path === "/" || path === "") {
    throw new Error(`TELEGRAM_WEBHOOK_URL needs a path of its own, e.g. ${new URL("/telegram/webhook", url).toString()}`);
  }
  return path;
}

/** A webhook secret derived from the app secret (A–Z, a–z, 0–9, _ and -, as Telegram requires). */
export function deriveWebhookSecret(appSecret: string): string {
  return createHmac("sha256", appSecret).update("anxin/telegram/webhook-secret/v1").digest("base64url");
}

function sameSecret(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== "string") return false;
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
