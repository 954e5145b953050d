/**
 * The conversation runner: the one path every channel's inbound message takes.
 *
 * It finds the resident, loads their session, runs the pure engine, and commits the new session
 * with every answer it produced in one transaction — before the replies are handed back to the
 * adapter. Messages of one resident are handled one at a time (in this process by a per-resident
 * queue, across processes by the session revision), and a platform message id is handled once
 * (remembered here for recent ones, guaranteed by the store's processed-message key at commit).
 *
 * Adapters learn everything else they need about an account through it too (session, claim,
 * accountReachable, inboundSeen, accountStatus, openSession, webInbox, staffAccount, staffLeaflet), so that no
 * adapter reads or writes the store itself.
 */
import { askedRegionTree, buildRegionTree } from "./region-tree.js";
import type { DomainWrite, Store, WaveRecord } from "../model/index.js";
import { step as engineStep } from "../engine/step.js";
import { recheckEventNote } from "../engine/recheck.js";
import { initialState, normalizeLang, isLang } from "../engine/types.js";
import type { EngineContext, EngineEvent, EngineRequestEvent, Input, Lang, OutMessage, RegionNode, SessionState, StepFunction, SystemResult, TipContent } from "../engine/types.js";
import { listTips } from "../outreach/tips.js";
import { newCaseCode } from "../outreach/cases-codes.js";
import { newBroadcastId } from "../outreach/broadcast-ids.js";
import { QuestionnaireCache } from "./questionnaires.js";
import { KeyedQueue } from "./keyed-queue.js";
import { LruMap } from "../util/lru-map.js";
import { parseStaffCommand, type StaffCommand, type StaffReply } from "./staff-commands.js";
import { staffText } from "./staff-i18n.js";
import { hasRole } from "../model/roles.js";
import { Households } from "../outreach/households.js";
import { createWebInbox, type WebInboxService } from "../outreach/web-inbox.js";
import { leafletTarget, type LeafletRequest, type LeafletTarget } from "../outreach/leaflets.js";
import { leafletShortCode, leafletShortTarget } from "../outreach/leaflet-links.js";
import { readSession, type AccountStatus, type SessionInfo } from "./sessions.js";
import { adapterInput, performOnce, stepWithRequests, type RequestPerformer } from "./engine-requests.js";

export type { AccountStatus, SessionInfo } from "./sessions.js";

/** A message from any channel, normalised by its adapter. */
export interface InboundMessage {
  /** telegram | wechat | web | cli | … */
  platform: string;
  platformUserId: string;
  /** Where replies go (a Telegram chat id, a WeChat contact id, a web session id). */
  chatId: string;
  /** The platform's id of this message (or update), for idempotency; omit when there is none. */
  messageId?: string;
  displayName?: string;
  username?: string;
  /** The platform's language code of the sender (e.g. Telegram's language_code). */
  langCode?: string;
  input: Input;
}

/** What the adapter sends back. */
export interface RunnerReply {
  residentId: string;
  /** The resident's language after this message. */
  lang: Lang;
  messages: OutMessage[];
  /** Images (charts) to send after the messages, where the channel can show them. */
  images?: { png: Uint8Array; caption: string }[];
  /** The message id was handled before: nothing was changed and there is nothing to send. */
  duplicate: boolean;
  /**
   * Only with `onlyIfActive`: the resident is not in an Anxin conversation, so the message was
   * left alone (nothing changed, nothing to send) for the host bot to handle.
   */
  passed?: boolean;
  events: EngineEvent[];
}

/** How {@link ConversationRunner.handle} and {@link ConversationRunner.claim} treat a message. */
export interface HandleOptions {
  /**
   * Take the message only while the resident is in an Anxin conversation (consent, survey …),
   * else answer `passed`: what a bot embedded in another bot does with plain text. Decided in the
   * resident's queue, so no earlier message of theirs can change the answer after it was given.
   */
  onlyIfActive?: boolean;
}

/**
 * `handle(…, { onlyIfActive })` could not tell whether the resident is in an Anxin conversation
 * (the database did not answer); nothing was handled. An embedded bot passes the message on.
 */
export class SessionCheckError extends Error {
  constructor(cause: unknown) {
    super(`could not read the session: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "SessionCheckError";
  }
}

/** A message Anxin answers without a dialogue turn; see {@link ConversationRunner.claim}. */
export type ClaimedMessage = Pick<InboundMessage, "platform" | "platformUserId" | "messageId">;

/** What {@link ConversationRunner.claim} decided. */
export type Claim =
  /** Handled before (this process remembers it): answer nothing. */
  | { outcome: "duplicate" }
  /** `onlyIfActive` and the resident is not in an Anxin conversation: not Anxin's. */
  | { outcome: "passed" }
  /** Anxin's to answer; `session` is null for an account Anxin has never seen. */
  | { outcome: "claimed"; session: SessionInfo | null };

/** What {@link ConversationRunner.accountReachable} did. */
export type ReachabilityChange = "changed" | "unchanged" | "unknown" | "duplicate";

/** A chat session opening on a page (the web chat), maybe from a leaflet's QR code. */
export interface SessionOpening {
  platform: string;
  platformUserId: string;
  chatId: string;
  /** The language a resident created now starts in. */
  lang: Lang;
  /**
   * A leaflet whose signature the adapter verified: the resident is created at once and becomes
   * the officer's household in the leaflet's region; a household's own QR (`householdId`, left at
   * a visit) also links them to that dwelling, so their answers count for it.
   */
  leaflet?: { officerId: string; regionCode: string; householdId?: string };
}

/** What {@link ConversationRunner.openSession} found. */
export type SessionOpened =
  /** `session` is null for an account Anxin has never seen (a plain visit). */
  | { ok: true; session: SessionInfo | null }
  /** The leaflet's officer left, or its region is gone: nothing was created. */
  | { ok: false; reason: "stale-leaflet" };

/**
 * A hook for a menu item the engine leaves to other services (safety tips, my cases): it may
 * replace the engine's placeholder reply.
 */
export type MenuHandler = (request: { residentId: string; lang: Lang; item: "tips" | "cases" }) => Promise<OutMessage[] | undefined>;

/**
 * A hook that sees every inbound message before staff commands and the engine (invitation codes
 * in a deep link, a "read" button on a broadcast). It answers the message itself (`reply`), hands
 * the engine another input (`input`, e.g. a deep link that also assigns a household) or lets it
 * through (undefined). What it changes must be idempotent: a redelivered message runs it again,
 * and only then is recognised as a duplicate. It may also add to the engine's context
 * (`engineContext`, e.g. the speaker's staff role), perform the engine's request events
 * (`perform`, e.g. check a broadcast may go out; see core/survey/engine-requests.ts) — without
 * writing: what a turn changes is committed with it, from its events (`writesFor`, e.g. the
 * broadcast the officer confirmed), and what follows a commit waits for it (`afterTurn`, e.g.
 * waking the sender).
 */
export interface InboundInterceptor {
  /** For logs. */
  name: string;
  intercept(request: InterceptRequest): Promise<InterceptResult | undefined>;
  /** Called after an engine turn is committed (with the events it recorded). */
  afterTurn?(turn: { residentId: string; events: EngineEvent[]; message: InboundMessage }): Promise<void>;
  /** What this hook adds to the engine's context for a resident's turn (e.g. `staff`). */
  engineContext?(request: { residentId: string; now: Date }): Promise<Partial<Pick<EngineContext, "staff">> | undefined>;
  /** Performs a request the engine waits on, with its result; undefined when it is not this hook's. */
  perform?(request: { residentId: string; event: EngineRequestEvent; now: Date }): Promise<SystemResult | undefined>;
  /**
   * The domain writes an engine event of this hook's stands for (`BroadcastConfirmed`), committed
   * in the turn's transaction; undefined when the event is not this hook's.
   */
  writesFor?(request: { residentId: string; event: EngineEvent; now: Date }): Promise<DomainWrite[] | undefined>;
}

/** What an {@link InboundInterceptor} sees. */
export interface InterceptRequest {
  message: InboundMessage;
  residentId: string;
  /** The session's language. */
  lang: Lang;
  /** The session before this message (read-only). */
  state: Readonly<SessionState>;
  now: Date;
}

/** What an {@link InboundInterceptor} decided. */
export type InterceptResult = { reply: StaffReply } | { input: Input };

/** Options of {@link ConversationRunner}. */
export interface RunnerOptions {
  store: Store;
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
  /** The engine; tests may wrap it. */
  step?: StepFunction;
  /** Bot username, so that "/menu@ThatBot" is understood. */
  botName?: string;
  /** How long the current wave and the region tree are reused before being read again. */
  cacheMs?: number;
  menuHandlers?: Partial<Record<"tips" | "cases", MenuHandler>>;
  /** The safety tips the engine offers; default: the bundled library (core/tips). `[]` = none. */
  tips?: readonly TipContent[];
  /** Language before a resident's platform tells us one. */
  defaultLang?: Lang;
  /** Checked before staff commands and the engine, in order; see {@link InboundInterceptor}. */
  interceptors?: InboundInterceptor[];
  /** Staff chat commands (/suggestions, /stats, /broadcast …), checked before the engine. */
  staffCommands?: StaffCommand[];
  /** Where failures inside a staff command or the engine ("engine") are reported. */
  onError?: (error: unknown, context: { command: string }) => void;
  /** The office's time zone, an IANA name (times in the /broadcast dialogue); default the engine's, Asia/Shanghai. */
  timeZone?: string;
}

const MAX_CONFLICT_RETRIES = 8;
/** Recently handled message ids remembered; a redelivery comes within minutes, if at all. */
const REMEMBERED_MESSAGES = 20_000;

interface CachedSession {
  residentId: string;
  state: SessionState;
  revision: number;
}

/** Runs the dialogue for inbound messages of every channel. */
export class ConversationRunner {
  private readonly store: Store;
  private readonly now: () => Date;
  private readonly step: StepFunction;
  private readonly questionnaires: QuestionnaireCache;
  private readonly queue = new KeyedQueue();
  /** Sessions of recently active residents; the revision check in the store keeps them honest. */
  private readonly sessions = new LruMap<string, CachedSession>(10_000);
  private readonly cacheMs: number;
  private readonly tips: readonly TipContent[];
  /**
   * Recently handled message ids (`platform:id` → resident id), so a redelivery costs no query.
   * Only a shortcut: the store's processed-message key, written in the turn's transaction, is what
   * guarantees a message is handled once across processes and restarts.
   */
  private readonly handled = new LruMap<string, string>(REMEMBERED_MESSAGES);
  private readonly households: Households;
  /** The web chat's durable inbox of pushes to closed pages. */
  readonly webInbox: WebInboxService;
  private waveCache: { at: number; wave: WaveRecord | null } | undefined;
  private regionCache: { at: number; tree: RegionNode[] } | undefined;

  constructor(private readonly options: RunnerOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    this.step = options.step ?? engineStep;
    this.questionnaires = new QuestionnaireCache(options.store);
    this.cacheMs = options.cacheMs ?? 5_000;
    // Read (and validated) now: a broken tip file should stop start-up, not a resident's message.
    this.tips = options.tips ?? listTips();
    this.households = new Households(options.store);
    this.webInbox = createWebInbox(options.store);
  }

  /**
   * Handles one inbound message; resolves after everything it changed is committed. With
   * `onlyIfActive` it may answer `passed` instead, and rejects with {@link SessionCheckError}
   * when it cannot tell.
   */
  handle(message: InboundMessage, options: HandleOptions = {}): Promise<RunnerReply> {
    const key = accountKey(message.platform, message.platformUserId);
    return this.queue.run(key, async () => {
      const seen = this.seen(message);
      if (seen !== undefined) return this.duplicateReply(message, seen);
      if (options.onlyIfActive) {
        const found = await readSession(this.store, message.platform, message.platformUserId).catch((error: unknown) => {
          throw new SessionCheckError(error);
        });
        if (!found?.info.active) return { residentId: found?.info.residentId ?? "", lang: normalizeLang(message.langCode), messages: [], duplicate: false, passed: true, events: [] };
        // Decided on the stored session, not the cached one: another process (the app's case
        // updates and re-checks, when the bot runs embedded elsewhere) may have moved it on. A
        // cached copy that is behind would only cost a conflict, so it goes now.
        if (this.sessions.get(key)?.revision !== found.revision) this.sessions.delete(key);
      }
      return this.handleNow(message);
    });
  }

  /**
   * For a message Anxin answers without a dialogue turn (a hint that a photo cannot be read, a
   * refused button): takes the message's place in the resident's queue, so that the answer
   * follows the replies to their earlier messages, and remembers its id like a turn's, so that a
   * redelivery is `duplicate`. Says who is writing, for the answer's language. Changes nothing
   * stored, so this process's memory is all the de-duplication it needs.
   */
  claim(message: ClaimedMessage, options: HandleOptions = {}): Promise<Claim> {
    return this.queue.run(accountKey(message.platform, message.platformUserId), async (): Promise<Claim> => {
      if (this.seen(message) !== undefined) return { outcome: "duplicate" };
      const found = await readSession(this.store, message.platform, message.platformUserId, { withResident: true });
      if (options.onlyIfActive && !found?.info.active) return { outcome: "passed" };
      this.remember(message, found?.info.residentId ?? "");
      return { outcome: "claimed", session: found?.info ?? null };
    });
  }

  /** Where the conversation of a platform account stands; null for an account Anxin has never seen. Creates nothing. */
  async session(platform: string, platformUserId: string): Promise<SessionInfo | null> {
    return (await readSession(this.store, platform, platformUserId, { withResident: true }))?.info ?? null;
  }

  /**
   * Records that a platform account can (not) be reached: it blocked or unblocked the bot, or
   * unfollowed. An unknown account is not created; an account already in that state is left as
   * it is (so the time it first became unreachable stays).
   *
   * With a `messageId` (an inbound event such as Telegram's membership update) it takes its place
   * in the account's queue, in order with its messages, and a redelivery is `duplicate`. Without
   * one (a send that found the chat blocked) it is recorded at once: that send may be running
   * inside the account's own turn (a case update to an officer's own case), which must not wait
   * for itself.
   */
  accountReachable(platform: string, platformUserId: string, reachable: boolean, why: string, options: { messageId?: string } = {}): Promise<ReachabilityChange> {
    const record = async (): Promise<ReachabilityChange> => {
      const identity = await this.store.findIdentity(platform, platformUserId);
      if (!identity) return "unknown";
      if (identity.reachable === reachable) return "unchanged";
      await this.store.setReachable(identity.id, reachable, reachable ? null : why, this.now());
      return "changed";
    };
    const { messageId } = options;
    if (messageId === undefined) return record();
    const message = { platform, messageId };
    return this.queue.run(accountKey(platform, platformUserId), async () => {
      if (this.seen(message) !== undefined) return "duplicate";
      const change = await record();
      this.remember(message, "");
      return change;
    });
  }

  /**
   * Records that a platform account just wrote to us (or followed): reachable again, and the
   * time WeChat's reply window counts from. Returns false, creating nothing, for an unknown account.
   */
  async inboundSeen(platform: string, platformUserId: string, at: Date): Promise<boolean> {
    return (await this.store.recordInbound(platform, platformUserId, at)) !== null;
  }

  /** Whether a platform account can be reached and when it last wrote; null for an unknown account. */
  async accountStatus(platform: string, platformUserId: string): Promise<AccountStatus | null> {
    const identity = await this.store.findIdentity(platform, platformUserId);
    return identity ? { reachable: identity.reachable, lastInboundAt: identity.lastInboundAt } : null;
  }

  /**
   * A chat page opens a session: says where the resident's conversation stands. A verified
   * leaflet creates the resident at once and makes them its officer's household, by the same
   * path as a household link in a deep link (core/outreach/households.ts); a stale one changes
   * nothing.
   */
  async openSession(request: SessionOpening): Promise<SessionOpened> {
    const { platform, platformUserId, chatId, lang, leaflet } = request;
    if (leaflet) {
      // Checked before anything is created, so a stale leaflet leaves no resident behind.
      const link = await this.households.link(leaflet.officerId, leaflet.regionCode);
      if (!link) return { ok: false, reason: "stale-leaflet" };
      const { resident } = await this.store.resolveIdentity({ platform, platformUserId, chatId, lang });
      await this.households.join(link, resident.id, leaflet.householdId);
    }
    return { ok: true, session: await this.session(platform, platformUserId) };
  }

  /** The officer or admin behind a platform account (a chat page signing its staff in); null for anyone else. */
  async staffAccount(platform: string, platformUserId: string): Promise<{ residentId: string; role: "officer" | "admin"; sessionEpoch: number } | null> {
    const identity = await this.store.findIdentity(platform, platformUserId);
    const resident = identity ? await this.store.getResident(identity.residentId) : null;
    if (!resident || resident.deletedAt || (resident.role !== "officer" && resident.role !== "admin")) return null;
    return { residentId: resident.id, role: resident.role, sessionEpoch: resident.sessionEpoch };
  }

  /** Whose leaflet a staff member may print, and for which region (the web chat's staff pages). */
  staffLeaflet(request: LeafletRequest): Promise<LeafletTarget> {
    return leafletTarget(this.store, request);
  }

  /** The short code of an officer's leaflet in a region (`/q/<code>`), drawn and stored the first time. */
  leafletShortCode(officerId: string, regionCode: string): Promise<string> {
    return leafletShortCode(this.store, officerId, regionCode, this.now());
  }

  /** The officer and region a typed short code stands for, or null. */
  leafletShortTarget(code: string): Promise<{ officerId: string; regionCode: string } | null> {
    return leafletShortTarget(this.store, code);
  }

  /** Forgets cached sessions, waves and regions (after an admin changed them). */
  invalidate(): void {
    this.sessions.clear();
    this.waveCache = undefined;
    this.regionCache = undefined;
  }

  private async handleNow(message: InboundMessage): Promise<RunnerReply> {
    const inbound = message.messageId ? { platform: message.platform, messageId: message.messageId } : undefined;
    const key = accountKey(message.platform, message.platformUserId);
    // A request the engine waits on (an audience to count) is performed once per message,
    // however often the turn is run again. None writes: a broadcast the officer confirms is a
    // write of the turn's own commit (under a fresh id each attempt), so a turn that does not
    // commit — a crash, a conflict, a duplicate — leaves no broadcast behind.
    let perform: RequestPerformer | undefined;
    for (let attempt = 0; ; attempt++) {
      // A redelivery this process does not remember is caught by the commit itself (the message
      // id is unique), so the common path costs no extra query; the cached session saves another.
      const session = await this.loadSession(key, message);
      const { residentId, state, revision } = session;
      const now = this.now();
      // Interceptors and staff commands act on the world (redeem an invitation, register a
      // case) before anything is committed, so a redelivered message must be caught first: the
      // same processed-message key the commit writes, read ahead of it.
      if (inbound && (this.options.staffCommands?.length || this.options.interceptors?.length) && (await this.store.isProcessed(inbound.platform, inbound.messageId))) {
        this.remember(message, residentId);
        return this.duplicateReply(message, residentId);
      }
      const intercepted = await this.intercept(message, session, now);
      let input = intercepted && "input" in intercepted ? intercepted.input : adapterInput(message.input);
      const handled = intercepted && "reply" in intercepted ? intercepted.reply : undefined;
      const command = handled ? undefined : this.staffCommandOf({ ...message, input });
      const reply = handled ?? (command ? await this.runStaffCommand(command.handler, command.args, session, now) : undefined);
      // A staff command may hand the message on to the engine (/broadcast is a dialogue there).
      if (reply?.input) input = reply.input;
      else if (reply) {
        const outcome = await this.store.commitTurn({ residentId, channel: message.platform, inbound, state, expectedRevision: revision, writes: [], now });
        if (outcome === "duplicate") {
          this.remember(message, residentId);
          return this.duplicateReply(message, residentId);
        }
        if (outcome === "conflict") {
          this.sessions.delete(key);
          if (attempt < MAX_CONFLICT_RETRIES) continue;
          throw new Error(`resident ${residentId}: session kept changing under ${MAX_CONFLICT_RETRIES} attempts`);
        }
        this.sessions.set(key, { residentId, state, revision: revision + 1 });
        this.remember(message, residentId);
        return { residentId, lang: state.lang, messages: reply.messages, images: reply.images, duplicate: false, events: [] };
      }
      const ctx = await this.context(state, now, input, residentId);
      perform ??= performOnce((event) => this.perform(residentId, event, now));
      const result = await stepWithRequests(this.step, ctx, state, input, perform);
      if (result.internalError) this.options.onError?.(new Error(result.internalError), { command: "engine" });
      const writes = await this.writesFor(residentId, result.events, result.state, now, message.platform);
      const outcome = await this.store.commitTurn({
        residentId,
        channel: message.platform,
        inbound,
        state: result.state,
        expectedRevision: revision,
        writes,
        now,
      });
      if (outcome === "duplicate") {
        this.sessions.delete(key);
        this.remember(message, residentId);
        return this.duplicateReply(message, residentId);
      }
      if (outcome === "conflict") {
        // Another process handled a message of this resident in between (or erased them): run
        // the turn again on what is stored now.
        this.sessions.delete(key);
        if (attempt < MAX_CONFLICT_RETRIES) continue;
        throw new Error(`resident ${residentId}: session kept changing under ${MAX_CONFLICT_RETRIES} attempts`);
      }
      if (result.events.some((event) => event.type === "DeletionRequested")) this.sessions.delete(key);
      else this.sessions.set(key, { residentId, state: result.state, revision: revision + 1 });
      this.remember(message, residentId);
      const messages = await this.replaceMenuPlaceholders(residentId, result.state.lang, result.events, result.messages);
      await this.afterTurn(residentId, result.events, message);
      return { residentId, lang: result.state.lang, messages, duplicate: false, events: result.events };
    }
  }

  /** The resident a recently handled message id was handled for, or undefined. */
  private seen(message: { platform: string; messageId?: string }): string | undefined {
    return message.messageId === undefined ? undefined : this.handled.get(`${message.platform}:${message.messageId}`);
  }

  private remember(message: { platform: string; messageId?: string }, residentId: string): void {
    if (message.messageId !== undefined) this.handled.set(`${message.platform}:${message.messageId}`, residentId);
  }

  /** Runs the interceptors in order; the first that decides wins. A failing one is skipped. */
  private async intercept(message: InboundMessage, session: CachedSession, now: Date): Promise<InterceptResult | undefined> {
    for (const interceptor of this.options.interceptors ?? []) {
      try {
        const result = await interceptor.intercept({ message, residentId: session.residentId, lang: session.state.lang, state: session.state, now });
        if (result) return result;
      } catch (error) {
        this.options.onError?.(error, { command: interceptor.name });
      }
    }
    return undefined;
  }

  private async afterTurn(residentId: string, events: EngineEvent[], message: InboundMessage): Promise<void> {
    // The turn is committed: a failing follow-up must not turn it into an error for the resident.
    await this.households.afterTurn(residentId, events).catch((error: unknown) => this.options.onError?.(error, { command: "households" }));
    for (const interceptor of this.options.interceptors ?? []) {
      if (!interceptor.afterTurn) continue;
      await interceptor.afterTurn({ residentId, events, message }).catch((error: unknown) => this.options.onError?.(error, { command: interceptor.name }));
    }
  }

  private staffCommandOf(message: InboundMessage): { handler: StaffCommand; args: string } | undefined {
    if (message.input.kind !== "text" || !this.options.staffCommands?.length) return undefined;
    const parsed = parseStaffCommand(message.input.text, this.options.botName);
    const handler = parsed ? this.options.staffCommands.find((c) => c.name === parsed.name) : undefined;
    return handler && parsed ? { handler, args: parsed.args } : undefined;
  }

  /** Runs a staff command for someone allowed to, or refuses politely; never throws. */
  private async runStaffCommand(handler: StaffCommand, args: string, session: CachedSession, now: Date): Promise<StaffReply> {
    const lang = session.state.lang;
    const resident = await this.store.getResident(session.residentId);
    if (!resident || !hasRole(resident.role, handler.role)) {
      const role = staffText(lang, handler.role === "admin" ? "role_admin" : "role_officer");
      return { messages: [{ kind: "error", text: staffText(lang, "not_allowed", { role }) }] };
    }
    try {
      return await handler.run({ staff: resident, args, lang, now });
    } catch (error) {
      this.options.onError?.(error, { command: handler.name });
      return { messages: [{ kind: "error", text: staffText(lang, "failed") }] };
    }
  }

  /** The resident and their session, from the cache or the store (creating the resident on first contact). */
  private async loadSession(key: string, message: InboundMessage): Promise<CachedSession> {
    const cached = this.sessions.get(key);
    if (cached) return cached;
    const { resident } = await this.store.resolveIdentity({
      platform: message.platform,
      platformUserId: message.platformUserId,
      chatId: message.chatId,
      displayName: message.displayName,
      username: message.username,
      lang: message.langCode ? normalizeLang(message.langCode) : this.options.defaultLang,
    });
    const conversation = await this.store.loadConversation(resident.id);
    const fallbackLang = message.langCode ? normalizeLang(message.langCode) : isLang(resident.lang) ? resident.lang : (this.options.defaultLang ?? "zh-CN");
    const state = isSessionState(conversation?.state) ? conversation.state : initialState(fallbackLang);
    const session = { residentId: resident.id, state, revision: conversation?.revision ?? 0 };
    this.sessions.set(key, session);
    return session;
  }

  private duplicateReply(message: InboundMessage, residentId = ""): RunnerReply {
    return { residentId, lang: normalizeLang(message.langCode), messages: [], duplicate: true, events: [] };
  }

  /** The engine's context: current wave, the questionnaires the session (and a re-check) needs, the regions. */
  private async context(state: SessionState, now: Date, input: Input, residentId: string): Promise<EngineContext> {
    const wave = await this.currentWave(now);
    if (wave) await this.questionnaires.load(wave.questionnaireKey, wave.questionnaireVersion);
    if (state.survey) await this.questionnaires.load(state.survey.questionnaireId, state.survey.version);
    // A re-check asks the questions of the response's own questionnaire, maybe an older version.
    if (state.recheck) await this.loadQuietly(state.recheck.questionnaireId, state.recheck.version);
    if (input?.kind === "recheck" && typeof input.request?.questionnaireId === "string" && Number.isInteger(input.request.version)) {
      await this.loadQuietly(input.request.questionnaireId, input.request.version);
    }
    const regions = await this.regionTree(now);
    return {
      now: now.toISOString(),
      wave: wave ? { id: wave.id, questionnaireId: wave.questionnaireKey, version: wave.questionnaireVersion, open: true } : null,
      questionnaire: (id, version) => this.questionnaires.peek(id, version),
      regions,
      botName: this.options.botName,
      tips: this.tips,
      // Only a resident describing a concern can need a case code in this step.
      ...(state.mode === "reportCase" ? { newCaseCode: newCaseCode() } : {}),
      // Only a staff member with a /broadcast draft (being written, or paused: an older message's
      // button resumes it) can confirm a broadcast in this step; a taken id reruns the turn.
      ...(state.compose ? { newBroadcastId: newBroadcastId(now) } : {}),
      timeZone: this.options.timeZone,
      ...(await this.hookContext(residentId, now)),
    };
  }

  /** What the hooks add to the engine's context (the speaker's staff role); a failing hook adds nothing. */
  private async hookContext(residentId: string, now: Date): Promise<Partial<EngineContext>> {
    const out: Partial<EngineContext> = {};
    for (const hook of this.options.interceptors ?? []) {
      if (!hook.engineContext) continue;
      Object.assign(out, await hook.engineContext({ residentId, now }).catch((error: unknown) => this.options.onError?.(error, { command: hook.name })));
    }
    return out;
  }

  /** Performs a request the engine waits on, by the first hook that takes it. */
  private async perform(residentId: string, event: EngineRequestEvent, now: Date): Promise<SystemResult | undefined> {
    for (const hook of this.options.interceptors ?? []) {
      const result = await hook.perform?.({ residentId, event, now });
      if (result) return result;
    }
    this.options.onError?.(new Error(`nobody performs ${event.type}`), { command: "engine" });
    return undefined;
  }

  /** The writes of an engine event a hook owns (a confirmed broadcast); the turn fails when none takes it. */
  private async hookWrites(residentId: string, event: EngineEvent, now: Date): Promise<DomainWrite[]> {
    for (const hook of this.options.interceptors ?? []) {
      const writes = await hook.writesFor?.({ residentId, event, now });
      if (writes) return writes;
    }
    throw new Error(`nobody writes ${event.type}`);
  }

  /** Loads a questionnaire a re-check names; one that is gone or broken just ends the re-check. */
  private async loadQuietly(id: string, version: number): Promise<void> {
    await this.questionnaires.load(id, version).catch((error: unknown) => this.options.onError?.(error, { command: "recheck" }));
  }

  private async currentWave(now: Date): Promise<WaveRecord | null> {
    const cached = this.waveCache;
    const fresh = cached && now.getTime() - cached.at < this.cacheMs && (!cached.wave?.closesAt || cached.wave.closesAt > now);
    if (fresh) return cached.wave;
    const wave = await this.store.currentWave(now);
    this.waveCache = { at: now.getTime(), wave };
    return wave;
  }

  private async regionTree(now: Date): Promise<RegionNode[]> {
    const cached = this.regionCache;
    if (cached && now.getTime() - cached.at < this.cacheMs) return cached.tree;
    const tree = askedRegionTree(buildRegionTree(await this.store.listRegions()));
    this.regionCache = { at: now.getTime(), tree };
    return tree;
  }

  /** Translates engine events into the store's domain writes. */
  private async writesFor(residentId: string, events: EngineEvent[], state: SessionState, now: Date, platform: string): Promise<DomainWrite[]> {
    const writes: DomainWrite[] = [];
    // Notes on spot checks are read by staff: in the office's language, not the resident's.
    const note = (event: EngineEvent, questionnaire?: { id: string; version: number }): string =>
      recheckEventNote(this.options.defaultLang ?? "zh-CN", event, { platform, questionnaire: questionnaire && this.questionnaires.peek(questionnaire.id, questionnaire.version) }) ?? "";
    for (const event of events) {
      switch (event.type) {
        case "ConsentGiven":
          writes.push({ type: "resident.update", consentAt: now, consentDeclinedAt: null });
          break;
        case "ConsentDeclined":
          writes.push({ type: "resident.update", consentDeclinedAt: now });
          break;
        case "ResponseStarted": {
          const record = await this.store.getQuestionnaire(event.questionnaireId, event.version);
          if (!record) throw new Error(`questionnaire ${event.questionnaireId} v${event.version} is not stored`);
          writes.push({ type: "response.start", waveId: event.waveId, questionnaireId: record.id });
          break;
        }
        case "AnswerRecorded":
          writes.push({ type: "answer.put", waveId: event.waveId, questionId: event.questionId, value: event.value });
          if (event.value.kind === "region") writes.push({ type: "response.region", waveId: event.waveId, regionCode: event.value.code });
          break;
        case "AnswerRetracted":
          writes.push({ type: "answer.delete", waveId: event.waveId, questionId: event.questionId });
          break;
        case "ResponseCompleted":
          writes.push({ type: "response.complete", waveId: event.waveId });
          break;
        case "ResponseAbandoned":
          writes.push({ type: "response.abandon", waveId: event.waveId });
          break;
        case "SuggestionSubmitted":
          writes.push({ type: "suggestion.add", waveId: event.waveId, text: event.text, lang: state.lang });
          break;
        case "PhoneShared":
          // The resident's, for telephone spot checks: never an Answer row of the response.
          writes.push({ type: "resident.phone", phone: event.phone });
          break;
        case "PhoneWithdrawn":
          writes.push({ type: "resident.phone", phone: null });
          break;
        case "LanguageChanged":
          writes.push({ type: "resident.update", lang: event.lang });
          break;
        case "DeletionRequested":
          writes.push({ type: "resident.erase" });
          break;
        case "OptedOut":
          writes.push({ type: "resident.update", optedOut: true });
          break;
        case "OptedIn":
          writes.push({ type: "resident.update", optedOut: false });
          break;
        case "QuizAnswered":
          writes.push({ type: "tipQuiz.answer", tipId: event.tipId, option: event.option, correct: event.correct });
          break;
        case "CaseReported":
          writes.push({ type: "case.report", code: event.code, title: event.text });
          break;
        case "CaseRated":
          writes.push({ type: "case.rate", code: event.code, rating: event.rating });
          break;
        case "BroadcastConfirmed":
          // Stored and scheduled in this turn's transaction; the sender is woken after it commits.
          writes.push(...(await this.hookWrites(residentId, event, now)));
          break;
        case "RecheckStarted":
          writes.push({ type: "spotCheck.recheckStart", spotCheckId: event.spotCheckId, questions: event.questions, expiresAt: event.expiresAt, notes: note(event) });
          break;
        case "RecheckCompleted":
          writes.push({
            type: "spotCheck.recheckAnswer",
            spotCheckId: event.spotCheckId,
            questions: event.items.map((item) => ({ id: item.questionId, original: item.original, answer: item.answer, same: item.same })),
            consistent: event.consistent,
            notes: note(event, { id: event.questionnaireId, version: event.version }),
          });
          break;
        case "RecheckDeclined":
          writes.push({ type: "spotCheck.recheckDecline", spotCheckId: event.spotCheckId, reason: event.reason, notes: note(event) });
          break;
        case "RecheckRefused":
          // "busy" is for now only: the re-check service asks again later.
          if (event.reason !== "busy") writes.push({ type: "spotCheck.recheckSkip", spotCheckId: event.spotCheckId, reason: event.reason, notes: note(event) });
          break;
        case "QuestionSkipped":
        case "MenuRequested":
        case "TipRead":
          break;
      }
    }
    return writes;
  }

  private async replaceMenuPlaceholders(residentId: string, lang: Lang, events: EngineEvent[], messages: OutMessage[]): Promise<OutMessage[]> {
    const request = events.find((event): event is Extract<EngineEvent, { type: "MenuRequested" }> => event.type === "MenuRequested");
    const handler = request ? this.options.menuHandlers?.[request.item] : undefined;
    if (!request || !handler) return messages;
    return (await handler({ residentId, lang, item: request.item })) ?? messages;
  }
}

/** The key of a platform account in the runner's queue and session cache. */
function accountKey(platform: string, platformUserId: string): string {
  return `${platform}:${platformUserId}`;
}

function isSessionState(value: unknown): value is SessionState {
  return typeof value === "object" && value !== null && (value as { v?: unknown }).v === 1;
}
