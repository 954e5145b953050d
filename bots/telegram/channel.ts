/**
 * The standalone Telegram bot (grammY), started by `anxin start` when TELEGRAM_BOT_TOKEN is set.
 *
 * - Long polling by default, with a loop of its own rather than grammY's: each update is handed to
 *   the {@link TelegramAdapter} as soon as it arrives (residents never wait for each other; the
 *   runner's per-resident queue keeps each resident's updates in order), and `getUpdates` — whose
 *   offset is what tells Telegram updates are done — never passes an update not yet committed
 *   (bots/telegram/poll-window.ts). So a crash mid-turn means Telegram sends the update again (a
 *   redelivery of one already committed is recognised as a duplicate), never that it is lost.
 * - Webhook mode when TELEGRAM_WEBHOOK_URL is set: a POST route on the app's fastify server at the
 *   URL's path, checking `X-Telegram-Bot-Api-Secret-Token` on every request (TELEGRAM_WEBHOOK_SECRET,
 *   or one derived from the app secret when unset). The answer is sent once the turn is committed,
 *   so an update Telegram has seen acknowledged is never lost; a retried delivery is a duplicate.
 * - TELEGRAM_API_ROOT points grammY at a local Bot API server.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { Bot, GrammyError, HttpError, type Api } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { ChannelContext, ChannelFactory } from "../../app/channels.js";
import type { Channel, ChannelStatus, OutboxContext, PushResult } from "../../core/channel.js";
import type { Logger } from "../../app/log.js";
import { Supervisor, type RestartPolicy, type SupervisorState } from "../shared/supervisor.js";
import type { OutboxTransport } from "../../core/outreach/sender.js";
import type { Lang, OutMessage } from "../../core/engine/types.js";
import type { ConversationRunner } from "../../core/survey/runner.js";
import { TelegramAdapter, TELEGRAM_PLATFORM } from "./adapter.js";
import { registerCommands } from "./commands.js";
import { TelegramOutboxTransport } from "./outbox-transport.js";
import { PollWindow } from "./poll-window.js";
import { settlesWithin } from "../shared/settles-within.js";
import { installAutoRetry, type RetryAfterSignal, type SenderLogger } from "./sender.js";

/** The update kinds the bot asks Telegram for; everything else is not Anxin's business. */
export const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;

/** How long a batch of polled updates may take before it is confirmed anyway. */
const BATCH_WAIT_MS = 30_000;
/** Updates handled at once before the loop waits for some to finish. */
const MAX_HANDLING = 1_000;
/** On stopping, how long the loop waits for turns in progress before it confirms what is committed. */
const STOP_WAIT_MS = 10_000;
/** Pauses after failed getUpdates calls: 1 s, 2 s, 4 s … up to a minute. */
const POLL_RETRY_BASE_MS = 1_000;
const POLL_RETRY_MAX_MS = 60_000;
/** Longest a single connecting call (getMe, setWebhook …) may take before the attempt counts as failed. */
const CONNECT_CALL_TIMEOUT_MS = 30_000;

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
  /** How connection attempts are retried (CHANNEL_RETRY_*); default: bots/shared/supervisor.ts. */
  retry?: Partial<RestartPolicy>;
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
  /** The current connection attempt or run (its calls abort together). */
  private run: { abort: AbortController; polling: Promise<void> | undefined } | undefined;
  /** The next update id wanted: everything below it is handled (0: whatever Telegram has). */
  private offset = 0;
  private readonly supervisor: Supervisor;
  /** Connected: getMe answered and polling runs or the webhook is set. */
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
    this.supervisor = new Supervisor({
      name: "Telegram",
      run: () => this.connect(),
      halt: () => this.halt(),
      logger: options.logger as Logger,
      policy: options.retry,
      describe: (error) => this.describe(error),
      // A token Telegram refuses stays refused; anything else (network, 5xx, 409, 429) may pass.
      permanent: (error) => error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404),
    });
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

  /**
   * Connects in the background and returns at once: getMe, the command menu, then polling or the
   * webhook. A failed attempt is retried with a growing pause, a bounded number of times (see
   * bots/shared/supervisor.ts); {@link status} tells where it is.
   */
  async start(): Promise<void> {
    if (this.stopped) return;
    void this.supervisor.start();
  }

  /** The connection's state, for the status endpoint. */
  status(): ChannelStatus {
    return this.supervisor.status();
  }

  /** Resolves when the connection reaches one of `states` (tests; `running` is ready). */
  until(...states: SupervisorState[]): Promise<SupervisorState> {
    return this.supervisor.until(...states);
  }

  /** One connection attempt: rejects (for the supervisor to retry) when Telegram cannot be reached. */
  private async connect(): Promise<void> {
    const { logger } = this.options;
    const run = { abort: new AbortController(), polling: undefined as Promise<void> | undefined };
    this.run = run;
    // Bounded: a black-holed API root must not hold an attempt (or a shutdown) for minutes.
    const signal = () => AbortSignal.any([run.abort.signal, AbortSignal.timeout(CONNECT_CALL_TIMEOUT_MS)]) as unknown as Parameters<Api["getMe"]>[0];
    // Not bot.init(): grammY retries getMe there forever, silently.
    this.bot.botInfo = await this.bot.api.getMe(signal());
    try {
      await registerCommands(this.bot.api);
    } catch (error) {
      logger.warn({ reason: this.describe(error) }, "could not register the Telegram command menu");
    }
    if (this.options.webhook && this.webhookSecret) {
      await this.bot.api.setWebhook(this.options.webhook.url, { secret_token: this.webhookSecret, allowed_updates: [...ALLOWED_UPDATES] }, signal());
      this.started = true;
      logger.info({ username: this.bot.botInfo.username, path: this.webhookPath }, "telegram webhook set");
      return;
    }
    // getUpdates is refused while a webhook is set (an earlier run in webhook mode).
    await this.bot.api.deleteWebhook({ drop_pending_updates: false }, signal());
    this.started = true;
    logger.info({ username: this.bot.botInfo.username }, "telegram long polling started");
    run.polling = this.poll(run.abort.signal);
  }

  /** Ends the current attempt or run: aborts its calls and waits for the polling loop. */
  private async halt(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    this.started = false;
    if (!run) return;
    run.abort.abort();
    await run.polling;
  }

  /** A failure's reason for the log and the status endpoint, without the token (grammY's URLs carry it). */
  private describe(error: unknown): string {
    return telegramFailureReason(error, this.options.token);
  }

  /**
   * The long-polling loop: fetch, hand every new update over at once, and fetch on while they are
   * handled — with the offset of the lowest update not committed yet, so that Telegram confirms
   * only what is committed (bots/telegram/poll-window.ts). Transient failures are retried with a
   * growing pause; 401 (token revoked) and 409 (another instance polls) hand the connection back
   * to the supervisor, which reconnects with backoff (and gives up on a revoked token).
   */
  private async poll(signal: AbortSignal): Promise<void> {
    const { logger } = this.options;
    const me = this.bot.botInfo;
    const window = new PollWindow(this.offset, BATCH_WAIT_MS);
    const warned = new Set<number>();
    let failures = 0;
    let confirm = true;
    while (!this.stopped && !signal.aborted) {
      if (window.size >= MAX_HANDLING) {
        await Promise.race([window.settled(), this.sleep(1_000, signal)]);
        continue;
      }
      let updates: Update[];
      try {
        updates = await this.bot.api.getUpdates(
          // While turns run, no long wait: what Telegram still holds for us comes back at once.
          { offset: window.offset(), timeout: window.size > 0 ? 0 : (this.options.pollingTimeoutSeconds ?? 30), allowed_updates: [...ALLOWED_UPDATES] },
          // grammY types its signal with the abort-controller shim's class; Node's is the real thing.
          signal as unknown as Parameters<Api["getUpdates"]>[1],
        );
        failures = 0;
      } catch (error) {
        if (this.stopped || signal.aborted) break;
        if (error instanceof GrammyError && (error.error_code === 401 || error.error_code === 409)) {
          logger.error({ reason: this.describe(error) }, "telegram long polling stopped");
          // After this loop has returned: the supervisor's halt waits for it.
          setImmediate(() => this.supervisor.failed(error));
          // No confirming call: Telegram refuses this token or this poller.
          confirm = false;
          break;
        }
        failures++;
        const pause = Math.min(POLL_RETRY_MAX_MS, POLL_RETRY_BASE_MS * 2 ** (failures - 1));
        logger.warn({ reason: this.describe(error), failures, pauseMs: pause }, "telegram getUpdates failed; retrying");
        await this.sleep(pause, signal);
        continue;
      }
      // handleUpdate never rejects.
      const fresh = window.fresh(updates);
      for (const update of fresh) window.track(update.update_id, this.adapter.handleUpdate(update, me));
      this.offset = window.offset();
      for (const id of window.stuck()) {
        if (warned.has(id)) continue;
        warned.add(id);
        logger.warn({ update: id, waitedMs: BATCH_WAIT_MS }, "a telegram update is still being handled; confirming later ones anyway");
      }
      // Nothing new, turns running: fetch again when one of them is done (Telegram would only send the same ones).
      if (fresh.length === 0 && window.size > 0) await Promise.race([window.settled(), this.sleep(1_000, signal)]);
    }
    // Confirm what was committed, so that a restart does not fetch it again (harmless if it did).
    await settlesWithin(window.drained(), STOP_WAIT_MS);
    this.offset = window.offset();
    if (confirm && this.offset > 0) {
      await this.bot.api
        .getUpdates({ offset: this.offset, limit: 1, timeout: 0 }, AbortSignal.timeout(CONNECT_CALL_TIMEOUT_MS) as unknown as Parameters<Api["getUpdates"]>[1])
        .catch((error: unknown) => logger.warn({ reason: this.describe(error) }, "could not confirm the last telegram updates"));
    }
  }

  /** Waits `ms`, or less if the run ends meanwhile. */
  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
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
    await this.supervisor.stop();
    await this.adapter.close();
  }

  /** Sends messages to a resident's chat outside a reply (after waiting replies). */
  push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult> {
    if (this.stopped) return Promise.resolve({ ok: false, error: "the Telegram channel is stopped", permanent: false });
    // Not permanent: the caller keeps it for later, when the connection is back.
    if (!this.started) return Promise.resolve({ ok: false, error: "Telegram is not connected", permanent: false });
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
    retry: context.config.channelRetry,
    ...(context.pauses ? { pauses: context.pauses } : {}),
  });
};

/**
 * Why a Bot API call failed, in one line without the token: grammY's network errors wrap the
 * fetch error, whose message holds the request URL (https://…/bot<token>/getMe) and the cause.
 */
export function telegramFailureReason(error: unknown, token: string): string {
  let text: string;
  if (error instanceof HttpError) {
    const inner = error.error instanceof Error ? error.error.message : String(error.error);
    text = `${error.message} (${inner})`;
  } else if (error instanceof Error) {
    text = error.message;
  } else {
    text = String(error);
  }
  return text.split(token).join("<token>").replace(/bot\d+:[\w-]+/g, "bot<token>");
}

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
