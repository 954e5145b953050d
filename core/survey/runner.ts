/**
 * The conversation runner: the one path every channel's inbound message takes.
 *
 * It finds the resident, loads their session, runs the pure engine, and commits the new session
 * with every answer it produced in one transaction — before the replies are handed back to the
 * adapter. Messages of one resident are handled one at a time (in this process by a per-resident
 * queue, across processes by the session revision), and a platform message id is handled once.
 */
import type { Store, DomainWrite, RegionRecord, WaveRecord } from "../../prisma/store.js";
import { step as engineStep } from "../engine/step.js";
import { recheckEventNote } from "../engine/recheck.js";
import { initialState, normalizeLang, isLang } from "../engine/types.js";
import type { EngineContext, EngineEvent, Input, Lang, OutMessage, RegionNode, SessionState, StepFunction, TipContent } from "../engine/types.js";
import { listTips } from "../outreach/tips.js";
import { newCaseCode } from "../outreach/cases-codes.js";
import { QuestionnaireCache } from "./questionnaires.js";
import { KeyedQueue } from "./keyed-queue.js";
import { LruMap } from "../util/lru-map.js";
import { parseStaffCommand, type StaffCommand, type StaffReply } from "./staff-commands.js";
import { staffText } from "./staff-i18n.js";
import { hasRole } from "../app/roles.js";

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
  events: EngineEvent[];
}

/**
 * A hook for a menu item the engine leaves to other services (safety tips, my cases): it may
 * replace the engine's placeholder reply.
 */
export type MenuHandler = (request: { residentId: string; lang: Lang; item: "tips" | "cases" }) => Promise<OutMessage[] | undefined>;

/**
 * A hook that sees every inbound message before staff commands and the engine (invitation codes
 * in a deep link, a "read" button on a broadcast, an officer's reply in the /broadcast dialogue).
 * It answers the message itself (`reply`), hands the engine another input (`input`, e.g. a deep
 * link that also assigns a household) or lets it through (undefined). What it changes must be
 * idempotent: a redelivered message runs it again, and only then is recognised as a duplicate.
 */
export interface InboundInterceptor {
  /** For logs. */
  name: string;
  intercept(request: InterceptRequest): Promise<InterceptResult | undefined>;
  /** Called after an engine turn is committed (e.g. to attribute a new response to an officer). */
  afterTurn?(turn: { residentId: string; events: EngineEvent[]; message: InboundMessage }): Promise<void>;
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
}

const MAX_CONFLICT_RETRIES = 8;

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
  }

  /** Handles one inbound message; resolves after everything it changed is committed. */
  handle(message: InboundMessage): Promise<RunnerReply> {
    return this.queue.run(`${message.platform}:${message.platformUserId}`, () => this.handleNow(message));
  }

  /** Forgets cached sessions, waves and regions (after an admin changed them). */
  invalidate(): void {
    this.sessions.clear();
    this.waveCache = undefined;
    this.regionCache = undefined;
  }

  private async handleNow(message: InboundMessage): Promise<RunnerReply> {
    const inbound = message.messageId ? { platform: message.platform, messageId: message.messageId } : undefined;
    const key = `${message.platform}:${message.platformUserId}`;
    for (let attempt = 0; ; attempt++) {
      // A redelivery is caught by the commit itself (the message id is unique), so the common
      // path costs no extra query; the cached session saves another.
      const session = await this.session(key, message);
      const { residentId, state, revision } = session;
      const now = this.now();
      // Interceptors and staff commands act on the world (redeem an invitation, register a
      // case) before anything is committed, so a redelivered message must be caught first.
      if (inbound && (this.options.staffCommands?.length || this.options.interceptors?.length) && (await this.store.isProcessed(inbound.platform, inbound.messageId))) {
        return this.duplicateReply(message, residentId);
      }
      const intercepted = await this.intercept(message, session, now);
      const input = intercepted && "input" in intercepted ? intercepted.input : message.input;
      const handled = intercepted && "reply" in intercepted ? intercepted.reply : undefined;
      const command = handled ? undefined : this.staffCommandOf({ ...message, input });
      if (handled || command) {
        const reply = handled ?? (command ? await this.runStaffCommand(command.handler, command.args, session, now) : { messages: [] });
        const outcome = await this.store.commitTurn({ residentId, channel: message.platform, inbound, state, expectedRevision: revision, writes: [], now });
        if (outcome === "duplicate") return this.duplicateReply(message, residentId);
        if (outcome === "conflict") {
          this.sessions.delete(key);
          if (attempt < MAX_CONFLICT_RETRIES) continue;
          throw new Error(`resident ${residentId}: session kept changing under ${MAX_CONFLICT_RETRIES} attempts`);
        }
        this.sessions.set(key, { residentId, state, revision: revision + 1 });
        return { residentId, lang: state.lang, messages: reply.messages, images: reply.images, duplicate: false, events: [] };
      }
      const ctx = await this.context(state, now, input);
      const result = this.step(ctx, state, input);
      if (result.internalError) this.options.onError?.(new Error(result.internalError), { command: "engine" });
      const writes = await this.writesFor(result.events, result.state, now, message.platform);
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
      const messages = await this.replaceMenuPlaceholders(residentId, result.state.lang, result.events, result.messages);
      await this.afterTurn(residentId, result.events, message);
      return { residentId, lang: result.state.lang, messages, duplicate: false, events: result.events };
    }
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
    for (const interceptor of this.options.interceptors ?? []) {
      if (!interceptor.afterTurn) continue;
      // The turn is committed: a failing follow-up must not turn it into an error for the resident.
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

  /** The resident and their session, from the cache or the store. */
  private async session(key: string, message: InboundMessage): Promise<CachedSession> {
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
  private async context(state: SessionState, now: Date, input?: Input): Promise<EngineContext> {
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
    };
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
    const tree = buildRegionTree(await this.store.listRegions());
    this.regionCache = { at: now.getTime(), tree };
    return tree;
  }

  /** Translates engine events into the store's domain writes. */
  private async writesFor(events: EngineEvent[], state: SessionState, now: Date, platform: string): Promise<DomainWrite[]> {
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

/** Builds the engine's region tree from the stored flat list (parents listed before children). */
export function buildRegionTree(regions: RegionRecord[]): RegionNode[] {
  const nodes = new Map<string, RegionNode & { children: RegionNode[] }>();
  const roots: RegionNode[] = [];
  for (const region of regions) {
    const node = { code: region.code, name: region.name, children: [] };
    nodes.set(region.id, node);
    const parent = region.parentId ? nodes.get(region.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

function isSessionState(value: unknown): value is SessionState {
  return typeof value === "object" && value !== null && (value as { v?: unknown }).v === 1;
}
