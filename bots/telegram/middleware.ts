/**
 * Anxin inside an office's existing bot: middleware for grammY and for telegraf.
 *
 * Each claims only Anxin's updates (its signed buttons, `/survey`, `/start anxin…` deep links, and
 * a resident's text while they are in the middle of an Anxin conversation — see
 * {@link TelegramAdapter}) and passes everything else on with `next()`, so the host bot's own
 * commands and handlers keep working. Anxin sends through its own grammY `Api` built from the
 * host's token and API root, with the bounded 429 retry and the priority send queue; pass `api`
 * to use another one. Everything Anxin needs from its core (turns, whether a resident is in an
 * Anxin conversation, reachability) it asks the app's runner; it never opens the database.
 *
 * ```ts
 * bot.use(anxinGrammy(bot, { runner: app.runner, secret: app.secret }));
 * bot.use(anxinTelegraf(bot, { runner: app.runner, secret: app.secret }));
 * ```
 */
import type { Agent } from "node:http";
import { Api } from "grammy";
import type { ApiClientOptions, Context as GrammyContext, MiddlewareFn as GrammyMiddlewareFn, MiddlewareObj as GrammyMiddlewareObj } from "grammy";
import type { Context as TelegrafContext, MiddlewareFn as TelegrafMiddlewareFn, MiddlewareObj as TelegrafMiddlewareObj } from "telegraf";
import type { Lang, OutMessage } from "../../core/engine/types.js";
import type { PushResult } from "../../core/channel.js";
import type { ConversationRunner } from "../../core/survey/runner.js";
import { TelegramAdapter, type EmbeddedOptions, type UpdateOutcome } from "./adapter.js";
import { createSendingApi, installAutoRetry, type SenderLogger } from "./sender.js";

/** Options of {@link anxinGrammy} and {@link anxinTelegraf}. */
export interface AnxinMiddlewareOptions extends EmbeddedOptions {
  /** Anxin's conversation runner; `RunningApp.runner`. */
  runner: ConversationRunner;
  /** Anxin's app secret (signs buttons); `RunningApp.secret`. */
  secret: string;
  /** Default: warnings and errors to the console. */
  logger?: SenderLogger;
  /** Send through this Api instead of one built from the host bot's token (no retry is added to it). */
  api?: Api;
}

/** What both middlewares share: the adapter, a push for broadcasts, and a graceful close. */
abstract class EmbeddedAnxin {
  /** The update handling and sending core. */
  readonly adapter: TelegramAdapter;

  protected constructor(api: Api, options: AnxinMiddlewareOptions) {
    this.adapter = new TelegramAdapter({
      runner: options.runner,
      secret: options.secret,
      api,
      logger: options.logger ?? consoleLogger,
      mode: "embedded",
      embedded: options,
    });
  }

  /** Sends Anxin messages to a resident outside a reply (broadcasts, case updates). */
  push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult> {
    return this.adapter.push(chatId, lang, messages);
  }

  /** Waits for handled updates to finish sending, then stops sending. Call before the host bot exits. */
  close(): Promise<void> {
    return this.adapter.close();
  }

  /** Should the host bot handle this update too? */
  protected static passOn(outcome: UpdateOutcome): boolean {
    return outcome === "passed" || outcome === "shared";
  }
}

/** The parts of a grammY `Bot` the middleware reads. */
export interface GrammyBotLike {
  readonly token: string;
  readonly api: { readonly options?: ApiClientOptions };
}

/** Anxin as grammY middleware: `bot.use(anxinGrammy(bot, options))`. */
export class AnxinGrammy<C extends GrammyContext = GrammyContext> extends EmbeddedAnxin implements GrammyMiddlewareObj<C> {
  constructor(bot: GrammyBotLike, options: AnxinMiddlewareOptions) {
    // Same token, root and fetch settings (proxies) as the host bot, but Anxin's own transformers.
    super(options.api ?? installAutoRetry(new Api(bot.token, bot.api.options)), options);
  }

  /** The middleware function grammY calls. */
  middleware(): GrammyMiddlewareFn<C> {
    return async (ctx, next) => {
      const outcome = await this.adapter.handleUpdate(ctx.update, ctx.me);
      if (EmbeddedAnxin.passOn(outcome)) await next();
    };
  }
}

/** The parts of a telegraf bot the middleware reads. */
export interface TelegrafBotLike {
  readonly telegram: { readonly token: string; readonly options: { readonly apiRoot: string; readonly agent?: Agent; readonly testEnv?: boolean } };
}

/** Anxin as telegraf middleware: `bot.use(anxinTelegraf(bot, options))`. */
export class AnxinTelegraf<C extends TelegrafContext = TelegrafContext> extends EmbeddedAnxin implements TelegrafMiddlewareObj<C> {
  constructor(bot: TelegrafBotLike, options: AnxinMiddlewareOptions) {
    const { token, options: client } = bot.telegram;
    super(
      options.api ??
        (client.agent || client.testEnv
          ? installAutoRetry(
              new Api(token, {
                apiRoot: client.apiRoot,
                ...(client.testEnv ? { environment: "test" as const } : {}),
                ...(client.agent ? { baseFetchConfig: { agent: client.agent, compress: true } } : {}),
              }),
            )
          : createSendingApi(token, client.apiRoot)),
      options,
    );
  }

  /** The middleware function telegraf calls. */
  middleware(): TelegrafMiddlewareFn<C> {
    return async (ctx, next) => {
      const outcome = await this.adapter.handleUpdate(ctx.update, ctx.botInfo);
      if (EmbeddedAnxin.passOn(outcome)) await next();
    };
  }
}

/** Anxin middleware for an existing grammY bot (see the module comment). */
export function anxinGrammy<C extends GrammyContext = GrammyContext>(bot: GrammyBotLike, options: AnxinMiddlewareOptions): AnxinGrammy<C> {
  return new AnxinGrammy<C>(bot, options);
}

/** Anxin middleware for an existing telegraf bot (see the module comment). */
export function anxinTelegraf<C extends TelegrafContext = TelegrafContext>(bot: TelegrafBotLike, options: AnxinMiddlewareOptions): AnxinTelegraf<C> {
  return new AnxinTelegraf<C>(bot, options);
}

const consoleLogger: SenderLogger = {
  warn: (obj, msg) => console.warn(msg ?? "anxin telegram", obj),
  error: (obj, msg) => console.error(msg ?? "anxin telegram", obj),
  debug: () => undefined,
};
