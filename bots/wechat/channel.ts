/**
 * The WeChat channel: a Wechaty bot on whichever puppet is configured (Official Account,
 * personal account through wechat4u, or the mock for tests). The dialogue code never asks which
 * puppet runs; only set-up does (the Official Account's callback URL and 48-hour rule on pushes,
 * the personal account's saved login session).
 *
 * Inbound: one-to-one text messages go to the runner with the platform message id (so a
 * redelivery is handled once); group chats never run surveys. Outbound: numbered options,
 * compact re-prompts and size-limited messages (render.ts), one chat at a time in order; an
 * admin's chart images (/stats) follow the text as image messages, each after its caption.
 */
import { join } from "node:path";
import { FileBox } from "file-box";
import QRCode from "qrcode";
import { ScanStatus, WechatyBuilder, log as wechatyLog, types } from "wechaty";
import type { Contact, ContactSelf, Message, Room, Wechaty } from "wechaty";
import type { FastifyInstance } from "fastify";
import type { Channel, ChannelStatus, PushResult } from "../../core/channel.js";
import type { WechatConfig } from "../../app/config.js";
import type { Logger } from "../../app/log.js";
import { t } from "../../core/engine/i18n.js";
import type { Lang, OutMessage } from "../../core/engine/types.js";
import { KeyedQueue } from "../../core/survey/keyed-queue.js";
import type { ConversationRunner, RunnerReply } from "../../core/survey/runner.js";
import { staffText } from "../../core/survey/staff-i18n.js";
import { ensureDir } from "../../core/util/ensure-dir.js";
import { AccessTokenGuard, officialAccountTokenRenewer } from "./oa-access-token.js";
import { DEFAULT_BUSY_RETRY, OfficialAccountApiError, OfficialAccountErrcodes, retryBusy, WECHAT_ERRCODE, type BusyRetryPolicy } from "./oa-errcodes.js";
import { postTemplate, templateFailure, templateRequest } from "./oa-templates.js";
import type { NoticeKind, TemplateNotice } from "../../core/model/index.js";
import { mountOfficialAccountCallback, type FollowEvent, type Forwarder, type SubscriptionEvent } from "./oa-callback.js";
import type { NoticeConsentRecorder } from "../../core/outreach/subscriptions.js";
import { constructPuppet, freePort, loadPuppetClass, OFFICIAL_ACCOUNT_PUPPET_PACKAGE, officialAccountPuppetOptions, type ModuleImporter, type WechatyPuppet } from "./puppets.js";
import { renderReply, splitText, WECHAT_MAX_MESSAGE_BYTES, type PromptKey } from "./render.js";
import { WECHAT_STRINGS } from "./strings.js";
import { Supervisor, type RestartPolicy, type Sleep, type SupervisorState } from "./supervisor.js";

/** The `platform` of WeChat identities, whichever puppet runs. */
export const WECHAT_PLATFORM = "wechat";

/** How long after a follower's last message an Official Account may still message them. */
export const OFFICIAL_ACCOUNT_REPLY_WINDOW_MS = 48 * 60 * 60 * 1000;

/** The push error outside that window (recorded by the caller like any refused delivery). */
export const OUTSIDE_WINDOW_ERROR = "outside the 48-hour customer-service window";

/** How long halting a run waits for the puppet to stop. */
const HALT_WAIT_MS = 2_000;

/** Chats whose last prompt is remembered for compact re-prompts (oldest forgotten first). */
const PROMPT_MEMORY = 10_000;

/** Options of {@link WechatChannel}. */
export interface WechatChannelOptions {
  settings: WechatConfig;
  /** Everything the channel needs from the core: turns, reachability, the reply window's clock. */
  runner: ConversationRunner;
  logger: Logger;
  /** Language of texts sent before a resident's language is known (group hints). */
  defaultLang?: Lang;
  /** The app's HTTP server, where the Official Account callback is mounted. */
  server?: FastifyInstance;
  /** Where the personal-account puppet keeps its login session (so a restart needs no new scan). */
  dataDir?: string;
  /** Creates a puppet per (re)start instead of the configured one: tests pass mock or failing puppets. */
  createPuppet?: () => Promise<WechatyPuppet>;
  /** Replaces `import()` of puppet packages (tests simulate a missing package). */
  importer?: ModuleImporter;
  restart?: Partial<RestartPolicy>;
  sleep?: Sleep;
  now?: () => Date;
  /**
   * Pushes only reach residents who wrote within this window; default: 48 h on the Official
   * Account, no limit otherwise. `null` turns the rule off.
   */
  replyWindowMs?: number | null;
  maxMessageBytes?: number;
  /** Console output for the personal account's login QR code. */
  print?: (text: string) => void;
  /** Passes Official Account callbacks on to the puppet (tests). */
  forward?: Forwarder;
  /** Called after each inbound message is dealt with (replies sent): lets tests wait without timers. */
  onHandled?: (event: HandledEvent) => void;
  /** Records consent a follower gave or withdrew in WeChat's own subscription pop-up or settings. */
  consents?: NoticeConsentRecorder;
  /** How sends WeChat answers "busy" (-1, 45047) are repeated (default: 4 attempts, 0.5 s doubling). */
  busyRetry?: Partial<BusyRetryPolicy>;
}

/** What became of one inbound message. */
export interface HandledEvent {
  /** The resident's contact id, or the room id for group messages. */
  chatId: string;
  messageId: string;
  /** answered: replies sent; duplicate: handled before; ignored: group chat or not for us; failed: see the log. */
  outcome: "answered" | "duplicate" | "ignored" | "failed";
}

/** A WeChat channel. Create with {@link createWechatChannel} or the factory in index.ts. */
export class WechatChannel implements Channel {
  readonly platform = WECHAT_PLATFORM;
  private readonly supervisor: Supervisor;
  /**
   * Per chat: what goes out to it, in order. Not a second inbound queue (the runner's orders a
   * resident's turns) but the sending side's: a reply is rendered against the prompt last sent to
   * the chat (compact re-prompts) and may be several texts, so one reply or push must be sent
   * whole, and its prompt remembered, before the next is rendered.
   */
  private readonly queue = new KeyedQueue();
  private readonly prompts = new Map<string, PromptKey>();
  private readonly langs = new Map<string, Lang>();
  private readonly now: () => Date;
  private readonly windowMs: number | undefined;
  private readonly maxBytes: number;
  private readonly print: (text: string) => void;
  /** Renews the Official Account's access token when a send fails (no-op on other puppets). */
  private readonly tokenGuard: AccessTokenGuard;
  /** WeChat's errcode of failed Official Account sends (none on other puppets). */
  private readonly errcodes = new OfficialAccountErrcodes();
  private readonly busyRetry: BusyRetryPolicy;
  private bot: Wechaty | undefined;
  private puppet: WechatyPuppet | undefined;
  /** The puppet built (and so validated) by prepare(), used by the first start. */
  private prepared: WechatyPuppet | undefined;
  private loggedIn = false;
  /** Port of the Official Account puppet's own server while WECHAT_OA_PATH forwards to it. */
  private puppetPort: number | undefined;
  /** The callback port of the puppet being built, until it runs. */
  private nextPuppetPort: number | undefined;

  constructor(private readonly options: WechatChannelOptions) {
    this.now = options.now ?? (() => new Date());
    const defaultWindow = options.settings.puppet === "wechaty-puppet-official-account" ? OFFICIAL_ACCOUNT_REPLY_WINDOW_MS : undefined;
    this.windowMs = options.replyWindowMs === null ? undefined : (options.replyWindowMs ?? defaultWindow);
    this.maxBytes = options.maxMessageBytes ?? WECHAT_MAX_MESSAGE_BYTES;
    this.print = options.print ?? ((text) => console.log(text));
    this.busyRetry = { ...DEFAULT_BUSY_RETRY, ...options.busyRetry };
    this.tokenGuard = new AccessTokenGuard({
      renewer: () => (this.puppet && options.settings.puppet === "wechaty-puppet-official-account" ? officialAccountTokenRenewer(this.puppet) : undefined),
      logger: options.logger,
    });
    this.supervisor = new Supervisor({
      name: "WeChat",
      run: () => this.run(),
      halt: () => this.halt(),
      logger: options.logger,
      policy: options.restart,
      sleep: options.sleep,
      now: () => this.now().getTime(),
      describe: (error) => this.describe(error),
    });
  }

  /** The puppet of the current run (tests reach the mock's `mocker` through it). */
  get currentPuppet(): WechatyPuppet | undefined {
    return this.puppet;
  }

  /** Where the connection is: running, waiting to restart, given up … */
  get state(): SupervisorState {
    return this.supervisor.state;
  }

  /** Resolves when the connection reaches one of `states`. */
  until(...states: SupervisorState[]): Promise<SupervisorState> {
    return this.supervisor.until(...states);
  }

  /** True between the puppet's login and logout. */
  get isLoggedIn(): boolean {
    return this.loggedIn;
  }

  /**
   * Loads the puppet package and builds the first puppet (which checks its options, offline),
   * and mounts the Official Account callback. Call before the HTTP server listens.
   */
  async prepare(): Promise<void> {
    // Wechaty logs to the console on its own; Anxin logs through pino, so only its errors stay.
    if (process.env.WECHATY_LOG === undefined) wechatyLog.level("error");
    this.prepared = await this.makePuppet();
    const oa = this.options.settings.officialAccount;
    if (oa?.path !== undefined) {
      if (!this.options.server) throw new Error("WECHAT_OA_PATH needs the app's HTTP server");
      mountOfficialAccountCallback(this.options.server, {
        path: oa.path,
        token: oa.token,
        appId: oa.appId,
        encodingAesKey: oa.encodingAesKey,
        puppetUrl: () => (this.puppetPort === undefined ? undefined : `http://127.0.0.1:${this.puppetPort}`),
        onFollow: (event) => this.followed(event),
        onUnfollow: (event) => this.unfollowed(event),
        onSubscription: (event) => this.subscriptionChanged(event),
        logger: this.options.logger,
        forward: this.options.forward,
      });
    }
  }

  /** The connection's state, for the status endpoint. */
  status(): ChannelStatus {
    return this.supervisor.status();
  }

  /**
   * Starts the bot in the background and returns at once (a puppet's start can take seconds, or
   * hang on an unreachable server); a failed start is retried (see bots/shared/supervisor.ts).
   * {@link until} waits for the outcome.
   */
  async start(): Promise<void> {
    const oa = this.options.settings.officialAccount;
    if (oa) {
      this.options.logger.info(
        oa.path !== undefined ? { path: oa.path } : { port: oa.port },
        oa.path !== undefined
          ? "WeChat Official Account: enter PUBLIC_URL followed by this path as the server URL (服务器地址) on mp.weixin.qq.com"
          : "WeChat Official Account: the puppet serves WeChat's callbacks on its own port",
      );
    }
    void this.supervisor.start();
  }

  /** Stops the bot and any pending restart. */
  async stop(): Promise<void> {
    await this.supervisor.stop();
  }

  /**
   * Sends messages outside a reply. On the Official Account, only to residents who wrote (or
   * followed) within 48 hours: WeChat refuses the rest, so they are refused here, permanently,
   * for the caller to record.
   */
  async push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult> {
    return this.queue.run(chatId, async () => {
      if (!this.puppet || !this.loggedIn) return { ok: false, permanent: false, error: "WeChat is not connected" };
      const identity = await this.options.runner.accountStatus(WECHAT_PLATFORM, chatId);
      if (identity && !identity.reachable) {
        return { ok: false, permanent: true, blocked: true, error: "the resident unfollowed or cannot be reached" };
      }
      if (this.windowMs !== undefined) {
        const last = identity?.lastInboundAt ?? null;
        if (last === null || this.now().getTime() - last.getTime() > this.windowMs) {
          this.options.logger.warn({ chatId, lastInboundAt: last?.toISOString() ?? null }, `WeChat push refused: ${OUTSIDE_WINDOW_ERROR}`);
          return { ok: false, permanent: true, outsideWindow: true, error: OUTSIDE_WINDOW_ERROR };
        }
      }
      try {
        // A push is not an answer to what the resident was last asked: keep that prompt.
        const { texts } = renderReply(messages, lang, undefined, this.maxBytes);
        for (const text of texts) await this.sendText(chatId, text);
        return { ok: true };
      } catch (error) {
        return this.pushFailure(chatId, error);
      }
    });
  }

  /** A refused push as the outbox records it: WeChat's errcode decides whether a retry can help. */
  private pushFailure(chatId: string, error: unknown): PushResult {
    if (error instanceof OfficialAccountApiError) {
      if (error.errcode === WECHAT_ERRCODE.outsideWindow) {
        this.options.logger.warn({ chatId, errcode: error.errcode }, `WeChat push refused: ${OUTSIDE_WINDOW_ERROR}`);
        return { ok: false, permanent: true, outsideWindow: true, error: OUTSIDE_WINDOW_ERROR };
      }
      if (error.errcode === WECHAT_ERRCODE.unfollowed) return { ok: false, permanent: true, blocked: true, error: "the resident unfollowed the Official Account" };
    }
    return { ok: false, permanent: false, error: errorMessage(error) };
  }

  /** The notice kinds with a template configured (none on puppets other than the Official Account). */
  noticeKinds(): ReadonlySet<NoticeKind> {
    return new Set(Object.keys(this.options.settings.officialAccount?.templates ?? {}) as NoticeKind[]);
  }

  /**
   * Sends a notice as its kind's template or subscription message (oa-templates.ts), for a
   * follower outside the 48-hour window; the consent was checked by the caller. Busy answers are
   * repeated like any send, an expired token renewed.
   */
  async sendNotice(chatId: string, notice: TemplateNotice): Promise<PushResult> {
    const templates = this.options.settings.officialAccount?.templates ?? {};
    const request = templateRequest(templates, chatId, notice);
    if (!request) return { ok: false, permanent: true, error: `no template is configured for ${notice.kind} notices` };
    return this.queue.run(chatId, async (): Promise<PushResult> => {
      const puppet = this.puppet;
      if (!puppet || !this.loggedIn) return { ok: false, permanent: false, error: "WeChat is not connected" };
      try {
        const msgid = await retryBusy(() => this.tokenGuard.send(() => postTemplate(puppet, request)), this.busyRetry);
        this.options.logger.info({ chatId, kind: notice.kind, endpoint: request.endpoint }, "WeChat: notice sent as a template message (outside the 48-hour window)");
        return { ok: true, viaTemplate: true, ...(msgid ? { platformMessageId: msgid } : {}) };
      } catch (error) {
        const failure = templateFailure(notice, templates[notice.kind], error);
        this.options.logger.warn({ chatId, kind: notice.kind, error: failure.error }, "WeChat: template message refused");
        return failure;
      }
    });
  }

  /**
   * A follower followed the Official Account (called by the callback route): reachable again,
   * the 48-hour window opens, and they are greeted as on first contact (`scene` = QR parameter).
   */
  async followed(event: FollowEvent): Promise<void> {
    const chatId = event.openId;
    await this.queue.run(chatId, async () => {
      const reply = await this.options.runner.handle({
        platform: WECHAT_PLATFORM,
        platformUserId: chatId,
        chatId,
        messageId: `follow:${chatId}:${event.createTime}`,
        input: event.scene ? { kind: "start", arg: event.scene } : { kind: "start" },
      });
      if (reply.duplicate) return;
      await this.options.runner.inboundSeen(WECHAT_PLATFORM, chatId, this.now());
      this.options.logger.info({ chatId }, "WeChat: new follower");
      this.langs.set(chatId, reply.lang);
      await this.sendReply(chatId, reply.lang, reply.messages);
    });
  }

  /**
   * A follower accepted or rejected subscription messages in WeChat: the consent to each kind
   * whose configured template WeChat names is recorded (`via` wechat-event). Templates Anxin has
   * not configured are ignored.
   */
  async subscriptionChanged(event: SubscriptionEvent): Promise<void> {
    const record = this.options.consents;
    const templates = this.options.settings.officialAccount?.templates ?? {};
    if (!record) return;
    for (const { templateId, accepted } of event.templates) {
      for (const [kind, template] of Object.entries(templates) as [NoticeKind, { templateId: string }][]) {
        if (template.templateId !== templateId) continue;
        const known = await record({ platform: WECHAT_PLATFORM, platformUserId: event.openId, kind, granted: accepted, via: "wechat-event", now: this.now() });
        this.options.logger.info({ chatId: event.openId, kind, accepted, known }, "WeChat: subscription message consent changed");
      }
    }
  }

  /** A follower unfollowed: not reachable until they follow again. */
  async unfollowed(event: FollowEvent): Promise<void> {
    const chatId = event.openId;
    await this.queue.run(chatId, async () => {
      const change = await this.options.runner.accountReachable(WECHAT_PLATFORM, chatId, false, "unfollowed");
      this.prompts.delete(chatId);
      this.options.logger.info({ chatId, known: change !== "unknown" }, "WeChat: follower unfollowed");
    });
  }

  // -------------------------------------------------------------------------------- lifecycle

  /** A failure's reason, without the Official Account's AppSecret (the token URL carries it). */
  private describe(error: unknown): string {
    let text = errorMessage(error);
    const oa = this.options.settings.officialAccount;
    if (oa) {
      // The puppet reads `errcode` of a token response that never came (network error, proxy down).
      if (/reading 'errcode'/.test(text)) {
        const from = oa.accessTokenProxyUrl ? new URL(oa.accessTokenProxyUrl).host : "api.weixin.qq.com";
        text = `could not fetch an Official Account access token from ${from} (unreachable, or no valid answer): ${text}`;
      }
      text = text.split(oa.appSecret).join("<AppSecret>");
    }
    return text;
  }

  private async makePuppet(): Promise<WechatyPuppet> {
    if (this.options.createPuppet) return this.options.createPuppet();
    const { settings } = this.options;
    const Puppet = await loadPuppetClass(settings.puppet, this.options.importer);
    const oa = settings.officialAccount;
    if (settings.puppet === "wechaty-puppet-official-account" && oa) {
      const port = oa.port ?? (await freePort());
      const puppet = constructPuppet(settings.puppet, Puppet, officialAccountPuppetOptions(oa, port));
      this.nextPuppetPort = oa.path !== undefined ? port : undefined;
      return puppet;
    }
    return constructPuppet(settings.puppet, Puppet, {});
  }

  private async run(): Promise<void> {
    const puppet = this.prepared ?? (await this.makePuppet());
    this.prepared = undefined;
    const personal = this.options.settings.puppet === "wechaty-puppet-wechat4u" && this.options.dataDir !== undefined;
    if (personal && this.options.dataDir) ensureDir(this.options.dataDir);
    const bot = WechatyBuilder.build({
      puppet,
      ...(personal && this.options.dataDir ? { name: join(this.options.dataDir, "wechaty-wechat4u") } : {}),
    });
    let startError: unknown;
    this.bot = bot;
    this.puppet = puppet;
    this.loggedIn = false;
    this.listen(bot, (error) => (startError ??= error));
    await bot.start();
    if (this.bot !== bot) return;
    if (!puppet.state.active()) throw startError instanceof Error ? startError : new Error(startError ? errorMessage(startError) : "the puppet did not start");
    this.puppetPort = this.nextPuppetPort;
    if (this.options.settings.puppet === "wechaty-puppet-official-account" && !this.errcodes.install(puppet)) {
      this.options.logger.warn(`WeChat Official Account: cannot read WeChat's error codes from this puppet version (written for ${OFFICIAL_ACCOUNT_PUPPET_PACKAGE}); failed sends are retried without knowing why`);
    }
  }

  private async halt(): Promise<void> {
    const bot = this.bot;
    this.bot = undefined;
    this.puppet = undefined;
    this.loggedIn = false;
    this.puppetPort = undefined;
    if (!bot) return;
    const stopped = bot.stop().then(
      () => true,
      (error: unknown) => {
        this.options.logger.warn({ reason: this.describe(error) }, "WeChat: error while stopping the puppet");
        return true;
      },
    );
    // A puppet stopped mid-start waits for its start to time out first; a shutdown must not.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), HALT_WAIT_MS)));
    const done = await Promise.race([stopped, late]);
    clearTimeout(timer);
    if (!done) this.options.logger.warn({ waitedMs: HALT_WAIT_MS }, "WeChat: the puppet is still stopping; not waiting for it");
  }

  private listen(bot: Wechaty, onStartError: (error: unknown) => void): void {
    const { logger } = this.options;
    const current = () => this.bot === bot;
    let everLoggedIn = false;
    bot.on("scan", (qrcode: string, status: ScanStatus) => {
      if (!current()) return;
      const name = ScanStatus[status] ?? String(status);
      logger.info({ status: name }, "WeChat: login QR code");
      this.printScan(qrcode, status, name);
    });
    bot.on("login", (user: ContactSelf) => {
      if (!current()) return;
      this.loggedIn = true;
      everLoggedIn = true;
      logger.info({ user: safeName(user) }, "WeChat: logged in");
    });
    bot.on("logout", (user: ContactSelf, reason?: string) => {
      if (!current()) return;
      this.loggedIn = false;
      logger.warn({ user: safeName(user), reason }, "WeChat: logged out");
    });
    bot.on("error", (error: Error) => {
      logger.error({ err: error }, "WeChat: puppet error");
      if (!current()) return;
      if (this.supervisor.state !== "running") {
        onStartError(error);
        return;
      }
      // Puppets report recoverable trouble as errors too; restart only when this one went down
      // or lost its login, after it has had the chance to update its state.
      setImmediate(() => {
        if (!current()) return;
        const healthy = bot.puppet.state.active() && (!everLoggedIn || bot.isLoggedIn);
        if (!healthy) this.supervisor.failed(error);
      });
    });
    bot.on("message", (message: Message) => {
      if (!current()) return;
      void this.onMessage(message).catch((error: unknown) => logger.error({ err: error }, "WeChat: message handling failed"));
    });
  }

  private printScan(qrcode: string, status: ScanStatus, name: string): void {
    if (status !== ScanStatus.Waiting && status !== ScanStatus.Timeout) {
      this.print(`WeChat login: ${name}`);
      return;
    }
    const line = `WeChat login (${name}): scan this QR code with the WeChat app of the bot account, or open ${qrcode}`;
    QRCode.toString(qrcode, { type: "terminal", small: true }).then(
      (art) => this.print(`${art}\n${line}`),
      () => this.print(line),
    );
  }

  // -------------------------------------------------------------------------------- messages

  private async onMessage(message: Message): Promise<void> {
    if (message.self()) return;
    const room = message.room();
    if (room) {
      const outcome = await this.onRoomMessage(message, room).catch((error: unknown) => {
        this.options.logger.error({ err: error, room: room.id }, "WeChat: group message handling failed");
        return "failed" as const;
      });
      this.options.onHandled?.({ chatId: room.id, messageId: message.id, outcome });
      return;
    }
    const talker = message.talker();
    const chatId = talker.id;
    // Other Official Accounts and WeCom contacts talk to a personal account too; never survey them.
    if (talker.type() === types.Contact.Official || talker.type() === types.Contact.Corporation) {
      this.options.onHandled?.({ chatId, messageId: message.id, outcome: "ignored" });
      return;
    }
    const outcome = await this.queue.run(chatId, async (): Promise<HandledEvent["outcome"]> => {
      try {
        return await this.handleDirect(message, talker);
      } catch (error) {
        this.options.logger.error({ err: error, chatId }, "WeChat: could not answer");
        const lang = this.langs.get(chatId) ?? this.options.defaultLang ?? "zh-CN";
        await this.sendText(chatId, t(lang, "error.internal")).catch(() => undefined);
        return "failed";
      }
    });
    this.options.onHandled?.({ chatId, messageId: message.id, outcome });
  }

  private async handleDirect(message: Message, talker: Contact): Promise<HandledEvent["outcome"]> {
    const chatId = talker.id;
    const received = this.now();
    if (message.type() !== types.Message.Text) {
      if (!TEXT_ONLY_HINT_TYPES.has(message.type())) return "ignored";
      await this.options.runner.inboundSeen(WECHAT_PLATFORM, chatId, received);
      const lang = this.langs.get(chatId) ?? this.options.defaultLang ?? "zh-CN";
      await this.sendText(chatId, WECHAT_STRINGS[lang].textOnly);
      return "answered";
    }
    const reply = await this.options.runner.handle({
      platform: WECHAT_PLATFORM,
      platformUserId: chatId,
      chatId,
      messageId: message.id,
      // No displayName: Anxin promises residents it keeps no names, and a nickname is one.
      input: { kind: "text", text: message.text() },
    });
    if (reply.duplicate) {
      this.options.logger.debug({ chatId, messageId: message.id }, "WeChat: message already handled");
      return "duplicate";
    }
    this.langs.set(chatId, reply.lang);
    await this.options.runner.inboundSeen(WECHAT_PLATFORM, chatId, received);
    await this.sendReply(chatId, reply.lang, reply.messages);
    if (reply.images?.length) await this.sendImages(chatId, reply.lang, reply.images);
    return "answered";
  }

  /**
   * Sends chart images after the text: each caption as a text message, then the PNG. Not every
   * puppet can send images (the Official Account's media upload may be refused for the account
   * or the type): after the first refusal the remaining charts go as captions only, and one note
   * says the charts are missing. The figures themselves were in the text already.
   */
  private async sendImages(chatId: string, lang: Lang, images: NonNullable<RunnerReply["images"]>): Promise<void> {
    let refused = false;
    for (const [index, image] of images.entries()) {
      for (const text of image.caption === "" ? [] : splitText(image.caption, this.maxBytes)) await this.sendText(chatId, text);
      if (refused) continue;
      try {
        await this.sendFile(chatId, image.png, `chart-${index + 1}.png`);
      } catch (error) {
        refused = true;
        this.options.logger.warn({ err: error, chatId, puppet: this.options.settings.puppet }, "WeChat: could not send a chart image; sending its caption only");
      }
    }
    if (refused) for (const text of splitText(staffText(lang, "chart_image_failed"), this.maxBytes)) await this.sendText(chatId, text);
  }

  /** Group chats never reach the runner: a survey there would expose answers to the whole group. */
  private async onRoomMessage(message: Message, room: Room): Promise<HandledEvent["outcome"]> {
    if (this.options.settings.rooms !== "hint") return "ignored";
    if (message.type() !== types.Message.Text || !(await message.mentionSelf())) return "ignored";
    const lang = this.options.defaultLang ?? "zh-CN";
    await this.queue.run(room.id, () => this.sendText(room.id, WECHAT_STRINGS[lang].roomHint));
    return "answered";
  }

  private async sendReply(chatId: string, lang: Lang, messages: readonly OutMessage[]): Promise<void> {
    const rendered = renderReply(messages, lang, this.prompts.get(chatId), this.maxBytes);
    this.prompts.delete(chatId);
    if (rendered.lastPrompt !== undefined) {
      this.prompts.set(chatId, rendered.lastPrompt);
      if (this.prompts.size > PROMPT_MEMORY) {
        const oldest = this.prompts.keys().next().value;
        if (oldest !== undefined) this.prompts.delete(oldest);
      }
    }
    for (const text of rendered.texts) await this.sendText(chatId, text);
  }

  private async sendText(conversationId: string, text: string): Promise<void> {
    const puppet = this.puppet;
    if (!puppet) throw new Error("WeChat is not connected");
    await retryBusy(() => this.tokenGuard.send(() => this.errcodes.observe(() => puppet.messageSendText(conversationId, text))), this.busyRetry);
  }

  private async sendFile(conversationId: string, png: Uint8Array, name: string): Promise<void> {
    const puppet = this.puppet;
    if (!puppet) throw new Error("WeChat is not connected");
    // Base64 rather than a Buffer box: a Buffer FileBox cannot be serialised (toJSON), which the
    // mock and the gRPC service puppets do with every file they send. The name's .png extension
    // gives the media type (image/png) the Official Account's upload needs.
    const base64 = Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64");
    await retryBusy(() => this.tokenGuard.send(() => this.errcodes.observe(() => puppet.messageSendFile(conversationId, FileBox.fromBase64(base64, name)))), this.busyRetry);
  }
}

/** Messages that get "please type" instead of silence. */
const TEXT_ONLY_HINT_TYPES = new Set<types.Message>([
  types.Message.Audio,
  types.Message.Image,
  types.Message.Video,
  types.Message.Emoticon,
  types.Message.Attachment,
]);

function safeName(user: ContactSelf): string {
  try {
    return user.name();
  } catch {
    return user.id;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Creates and prepares a channel (mounts routes, loads the puppet); does not start it. */
export async function createWechatChannel(options: WechatChannelOptions): Promise<WechatChannel> {
  const channel = new WechatChannel(options);
  await channel.prepare();
  return channel;
}
