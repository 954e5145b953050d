/**
 * Spot checks by re-asking in chat: the alternative to the telephone call (spot-checks.ts) that
 * the survey method allows. For the wave's open spot checks drawn with method `chat`, the
 * resident is asked two of their closed answers again, on their own channel and in their
 * language, and the outcome is recorded on the spot check by itself:
 *
 * - both answers the same as the stored ones → consistent; any different → inconsistent (both
 *   answers kept in `SpotCheck.recheck`, a summary in the notes the listing shows);
 * - declined (or /stop) → unreachable; no reply within `replyDays` (default 7) → unreachable;
 * - a resident who opted out of messages, or whom no chat reaches, is not asked (the spot check
 *   stays open, so a verifier can still call).
 *
 * How it runs: an admin *queues* the re-checks (`anxin sample reask`, {@link queueChatRechecks});
 * the running app's {@link ChatRechecker} asks them. Asking means handing the conversation runner
 * a `recheck` input on the resident's behalf — so their session expects the answers, and a typed
 * "2" on WeChat is read as one — then pushing the reply through the channel, exactly as a closed
 * case's rating question is asked (core/outreach/cases.ts). The resident's replies then take the
 * ordinary path (runner → engine → one transaction with the outcome), so a redelivered reply is
 * recorded once. A push that fails puts the resident back where they were and is tried again
 * later; what is never delivered expires as unreachable. A crash between a push and noting it
 * delivered sends the question again in the next round (at least once, like WeChat notices): the
 * engine only asks again, it never starts a second re-check.
 */
import type { PushResult } from "../channel.js";
import { isValidAnswer } from "../engine/answer-check.js";
import { validateQuestionnaire } from "../engine/definition.js";
import { isRecheckable, MAX_RECHECK_QUESTIONS } from "../engine/recheck.js";
import { recheckText } from "../engine/recheck-i18n.js";
import type { RecheckKey } from "../engine/recheck-i18n.js";
import { sha256Hex } from "../engine/sha256.js";
import { isAnswerValue } from "../engine/state.js";
import type { EngineEvent, Input, Lang, OutMessage, Questionnaire, RecheckQuestion, RecheckRequest } from "../engine/types.js";
import type { IdentityRecord, OpenRecheckRecord, RecheckTarget, AuditLog, SpotCheckStore } from "../model/index.js";

/** How many questions a re-check asks (the method: "re-ask two of their answers"). */
export const RECHECK_QUESTIONS = 2;

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/** See {@link chatRecheckSettings}. */
export interface ChatRecheckSettings {
  /** A re-check not answered this many days after it was asked (or queued) counts as unreachable. */
  replyDays: number;
  /** A resident who wrote in the last this many minutes and is in the middle of something is asked later. */
  quietMinutes: number;
  /** How often the running app asks queued re-checks, retries deliveries and expires old ones. */
  intervalSeconds: number;
}

/** Defaults: 7 days to reply, 10 quiet minutes, a round every minute. */
export const DEFAULT_CHAT_RECHECK_SETTINGS: Readonly<ChatRecheckSettings> = Object.freeze({ replyDays: 7, quietMinutes: 10, intervalSeconds: 60 });

/** Thrown for a malformed setting; the message names the variable. */
export class ChatRecheckSettingsError extends Error {}

/**
 * The settings from the environment (all optional): `SPOT_CHECK_CHAT_DAYS` (1–90, default 7),
 * `SPOT_CHECK_CHAT_QUIET_MINUTES` (0–1440, default 10), `SPOT_CHECK_CHAT_INTERVAL_SECONDS`
 * (5–3600, default 60).
 */
export function chatRecheckSettings(env: Record<string, string | undefined> = process.env): ChatRecheckSettings {
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new ChatRecheckSettingsError(`${name}: must be a number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return value;
  };
  return {
    replyDays: number("SPOT_CHECK_CHAT_DAYS", DEFAULT_CHAT_RECHECK_SETTINGS.replyDays, 1, 90),
    quietMinutes: number("SPOT_CHECK_CHAT_QUIET_MINUTES", DEFAULT_CHAT_RECHECK_SETTINGS.quietMinutes, 0, 1440),
    intervalSeconds: number("SPOT_CHECK_CHAT_INTERVAL_SECONDS", DEFAULT_CHAT_RECHECK_SETTINGS.intervalSeconds, 5, 3600),
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Platforms a resident can be asked on (a command-line or test account is not a chat). */
const CHAT_PLATFORMS: readonly string[] = ["telegram", "wechat", "web"];

// ---------------------------------------------------------------------------------------------
// Which questions
// ---------------------------------------------------------------------------------------------

/**
 * The questions to re-ask, reproducibly: among the closed questions (single choice, five-level
 * scale, yes/no) the resident actually answered — never free text, the suggestion, a number, a
 * region or a question they were not asked — the `count` whose hash of `key` and question id is
 * smallest, in questionnaire order. `key` is the spot check's seed and id, so the same draw asks
 * the same questions, and different residents get different ones.
 */
export function chooseRecheckQuestions(questionnaire: Questionnaire, answers: Readonly<Record<string, unknown>>, key: string, count = RECHECK_QUESTIONS): RecheckQuestion[] {
  const wanted = Math.max(0, Math.min(count, MAX_RECHECK_QUESTIONS));
  const candidates = questionnaire.questions.flatMap((question, order) => {
    const original = Object.hasOwn(answers, question.id) ? answers[question.id] : undefined;
    if (!isRecheckable(question) || !isAnswerValue(original) || !isValidAnswer(questionnaire, question, original, [])) return [];
    return [{ id: question.id, original, order, rank: sha256Hex(`${key}\n${question.id}`) }];
  });
  return candidates
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .slice(0, wanted)
    .sort((a, b) => a.order - b.order)
    .map(({ id, original }) => ({ id, original }));
}

/** The key {@link chooseRecheckQuestions} draws with for a spot check: its seed and its id. */
export function recheckKey(spotCheck: { seed: string; id: string }): string {
  return `${spotCheck.seed}:${spotCheck.id}`;
}

// ---------------------------------------------------------------------------------------------
// Admin side: queue, expire
// ---------------------------------------------------------------------------------------------

/** What {@link queueChatRechecks} did. */
export interface QueueResult {
  /** Spot checks newly queued for a re-check in chat. */
  queued: number;
  /** Open `chat` spot checks of the wave still not queued (beyond `limit`). */
  remaining: number;
}

/**
 * Queues the re-check in chat of a wave's open spot checks drawn with method `chat` (at most
 * `limit`, in drawing order); the running app asks them within a round. Audited.
 */
export async function queueChatRechecks(store: SpotCheckStore, request: { waveId: string; limit?: number; actorId?: string | null; now: Date }): Promise<QueueResult> {
  if (request.limit !== undefined && (!Number.isInteger(request.limit) || request.limit < 1)) throw new RangeError(`limit must be a positive whole number, got ${request.limit}`);
  return store.queueSpotCheckRechecks(request);
}

/** What {@link expireChatRechecks} did. */
export interface ExpireResult {
  /** Re-checks asked but not answered in time: recorded unreachable. */
  noReply: number;
  /** Re-checks that could not be asked or delivered in time: recorded unreachable. */
  notDelivered: number;
}

/**
 * Records as unreachable (verifier "chat") every re-check whose time is up: asked and not
 * answered by its `expiresAt`, or queued `replyDays` ago and never asked. The scheduler of the
 * running app calls it every round; `anxin sample expire` calls it by hand. `lang`: of the notes.
 */
export async function expireChatRechecks(store: SpotCheckStore & AuditLog, options: { now: Date; lang?: Lang; replyDays?: number; actorId?: string | null }): Promise<ExpireResult> {
  const lang = options.lang ?? "zh-CN";
  const days = options.replyDays ?? DEFAULT_CHAT_RECHECK_SETTINGS.replyDays;
  const result: ExpireResult = { noReply: 0, notDelivered: 0 };
  for (const open of await store.listOpenRechecks()) {
    const due = dueAt(open, days);
    if (due === null || due.getTime() > options.now.getTime()) continue;
    const delivered = open.recheck.status === "asked" && open.recheck.deliveredAt !== undefined;
    const error = open.recheck.lastError;
    const notes = delivered
      ? recheckText(lang, "notes.expired_no_reply", { days })
      : error
        ? recheckText(lang, "notes.expired_not_sent", { days, error })
        : recheckText(lang, "notes.expired_not_asked", { days });
    const closed = await store.closeSpotCheckRecheck(open.id, { status: "expired", reason: delivered ? "no-reply" : "not-delivered", notes, actorId: options.actorId ?? null, now: options.now });
    if (closed) result[delivered ? "noReply" : "notDelivered"]++;
  }
  return result;
}

/** When an open re-check expires: its own `expiresAt` once asked, else `replyDays` after it was queued. */
function dueAt(open: OpenRecheckRecord, replyDays: number): Date | null {
  const at = open.recheck.status === "asked" && open.recheck.expiresAt ? Date.parse(open.recheck.expiresAt) : Date.parse(open.recheck.queuedAt) + replyDays * DAY_MS;
  return Number.isNaN(at) ? null : new Date(at);
}

// ---------------------------------------------------------------------------------------------
// The running app's side: ask, resend, expire
// ---------------------------------------------------------------------------------------------

/** Sends messages to one chat of a platform (a running channel's `push`, as for case updates). */
export type RecheckPush = (platform: string, chatId: string, lang: Lang, messages: OutMessage[]) => Promise<PushResult>;

/** The part of the conversation runner the re-check service uses. */
export interface RecheckRunner {
  handle(message: { platform: string; platformUserId: string; chatId: string; messageId?: string; input: Input }): Promise<{ lang: Lang; messages: OutMessage[]; duplicate: boolean; events: EngineEvent[] }>;
}

/** Options of {@link ChatRechecker}. */
export interface ChatRecheckerOptions {
  store: SpotCheckStore & AuditLog;
  runner: RecheckRunner;
  push: RecheckPush;
  /** The platforms with a running channel right now (looked up each round). */
  platforms: () => readonly string[];
  settings?: Partial<ChatRecheckSettings>;
  /** The language of the notes staff read on spot checks. Default zh-CN. */
  officeLang?: Lang;
  now?: () => Date;
  onError?: (error: unknown, context: { spotCheckId: string }) => void;
}

/** What one round did. */
export interface RecheckRound {
  /** Re-checks whose questions reached the resident (first time or again). */
  asked: number;
  /** Left for a later round: the resident is busy, no channel reaches them now, or a push failed. */
  deferred: number;
  /** Not to be asked in chat at all (opted out, no chat account, nothing closed to ask). */
  skipped: number;
  /** Recorded unreachable because their time was up. */
  expired: number;
}

/** What happened to one queued or undelivered re-check in a round. */
type Step = "asked" | "deferred" | "skipped" | "idle";

/**
 * Asks queued re-checks, delivers again those whose first push failed, and expires those whose
 * time is up — every `intervalSeconds` once {@link ChatRechecker.start}ed, or one round with
 * {@link ChatRechecker.runRound}. Run it in one app instance per database (the one whose
 * `OUTREACH_SENDER` is on).
 */
export class ChatRechecker {
  private readonly settings: ChatRecheckSettings;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<RecheckRound> | undefined;

  constructor(private readonly options: ChatRecheckerOptions) {
    this.settings = { ...DEFAULT_CHAT_RECHECK_SETTINGS, ...options.settings };
    this.now = options.now ?? (() => new Date());
  }

  /** One round; a round already running is waited for instead of run twice. */
  runRound(): Promise<RecheckRound> {
    this.round ??= this.roundNow().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /** Runs a round every `intervalSeconds` (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.runRound().catch((error: unknown) => this.options.onError?.(error, { spotCheckId: "*" }));
    }, this.settings.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the rounds and waits for one in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round?.catch(() => undefined);
  }

  private async roundNow(): Promise<RecheckRound> {
    const { store } = this.options;
    const now = this.now();
    const lang = this.options.officeLang ?? "zh-CN";
    const expired = await expireChatRechecks(store, { now, lang, replyDays: this.settings.replyDays });
    const result: RecheckRound = { asked: 0, deferred: 0, skipped: 0, expired: expired.noReply + expired.notDelivered };
    for (const open of await store.listOpenRechecks()) {
      // Delivered: the resident has the question, nothing to do but wait for the reply (or expiry).
      if (open.recheck.status === "asked" && open.recheck.deliveredAt !== undefined) continue;
      const next = open.recheck.nextAttemptAt ? Date.parse(open.recheck.nextAttemptAt) : Number.NaN;
      if (next > now.getTime()) continue;
      let step: Step;
      try {
        step = await this.attempt(open, now, lang);
      } catch (error) {
        // One broken spot check must not stop the others.
        this.options.onError?.(error, { spotCheckId: open.id });
        step = "deferred";
      }
      if (step !== "idle") result[step]++;
    }
    return result;
  }

  /** Asks (or asks again) one re-check. */
  private async attempt(open: OpenRecheckRecord, now: Date, lang: Lang): Promise<Step> {
    const { store } = this.options;
    const target = await store.getRecheckTarget(open.id);
    // Gone meanwhile: recorded by a verifier, or the resident's data was deleted.
    if (!target) return "idle";
    const skip = async (reason: "opted_out" | "no_account" | "no_questions" | "invalid"): Promise<Step> => {
      const notes = recheckText(lang, "notes.skipped", { reason: recheckText(lang, `notes.reason.${reason}` as RecheckKey) });
      return (await store.closeSpotCheckRecheck(open.id, { status: "skipped", reason, notes, now })) ? "skipped" : "idle";
    };
    // Opting out of messages covers this one too (the engine would refuse it as well).
    if (target.resident.optedOut) return open.recheck.status === "queued" ? skip("opted_out") : "idle";
    const accounts = accountsFor(target, this.options.platforms());
    if (accounts.length === 0) {
      if (open.recheck.status === "queued" && !target.identities.some((i) => CHAT_PLATFORMS.includes(i.platform))) return skip("no_account");
      return this.failed(open, now, "no running channel reaches the resident's chat accounts (or they are unreachable)", false);
    }
    if (open.recheck.status === "queued") {
      if (this.busy(target, now)) return "deferred";
      const request = this.request(open, target, now);
      if (request === "invalid" || request === "no_questions") return skip(request);
      return this.ask(open, accounts, { kind: "recheck", action: "start", request }, now);
    }
    // Asked before, but the questions never reached the resident: from the introduction again
    // (the engine needs only the id to find the open re-check; the rest names its questionnaire).
    const resend: RecheckRequest = { spotCheckId: open.id, questionnaireId: target.response.questionnaireKey, version: target.response.questionnaireVersion, questions: [], expiresAt: open.recheck.expiresAt ?? now.toISOString() };
    return this.ask(open, accounts, { kind: "recheck", action: "resend", request: resend }, now);
  }

  /** Someone typing an answer right now (to the survey, a rating …) is not interrupted. */
  private busy(target: RecheckTarget, now: Date): boolean {
    const last = target.conversationUpdatedAt?.getTime() ?? 0;
    const idle = target.conversationMode === null || target.conversationMode === "menu" || target.conversationMode === "cases";
    return !idle && now.getTime() - last < this.settings.quietMinutes * 60_000;
  }

  /** The re-check request for a queued spot check, or why there is none. */
  private request(open: OpenRecheckRecord, target: RecheckTarget, now: Date): RecheckRequest | "invalid" | "no_questions" {
    let questionnaire: Questionnaire;
    try {
      questionnaire = validateQuestionnaire(target.response.questionnaireDefinition);
    } catch {
      return "invalid";
    }
    const questions = chooseRecheckQuestions(questionnaire, target.answers, recheckKey(open));
    if (questions.length === 0) return "no_questions";
    return {
      spotCheckId: open.id,
      // The engine looks questionnaires up by key and version (as the runner stores them).
      questionnaireId: target.response.questionnaireKey,
      version: target.response.questionnaireVersion,
      questions,
      expiresAt: new Date(now.getTime() + this.settings.replyDays * DAY_MS).toISOString(),
    };
  }

  /** Runs the input through the runner on the resident's behalf and pushes the reply. */
  private async ask(open: OpenRecheckRecord, accounts: readonly IdentityRecord[], input: Extract<Input, { kind: "recheck" }>, now: Date): Promise<Step> {
    const { runner, push, store } = this.options;
    const [first] = accounts;
    if (!first) return "deferred";
    // A fresh message id per attempt: the engine itself makes a repeated start harmless (it
    // only asks again), and a refusal for now ("busy") must not block the next round.
    const reply = await runner.handle({ platform: first.platform, platformUserId: first.platformUserId, chatId: first.chatId, messageId: `recheck:${open.id}:${input.action}:${now.getTime()}`, input });
    const refused = reply.events.find((e): e is Extract<EngineEvent, { type: "RecheckRefused" }> => e.type === "RecheckRefused");
    // Final refusals were written with the turn (the spot check is skipped); "busy" waits.
    if (refused) return refused.reason === "busy" ? "deferred" : "skipped";
    if (reply.messages.length === 0) {
      // Nothing to resend: the re-check was answered, declined or expired in the chat meanwhile.
      return "idle";
    }
    const errors: string[] = [];
    let permanent = true;
    let retryAfterMs = 0;
    for (const account of accounts) {
      const result = await push(account.platform, account.chatId, reply.lang, reply.messages);
      if (result.ok) {
        await store.updateSpotCheckRecheck(open.id, ["asked"], { deliveredAt: this.now().toISOString(), platform: account.platform });
        return "asked";
      }
      errors.push(`${account.platform}: ${result.error}`);
      if (!result.permanent) permanent = false;
      retryAfterMs = Math.max(retryAfterMs, result.retryAfterMs ?? 0);
    }
    // Nobody saw the question: the resident must not be left answering something invisible.
    await runner.handle({ platform: first.platform, platformUserId: first.platformUserId, chatId: first.chatId, messageId: `recheck:${open.id}:withdraw:${now.getTime()}`, input: { ...input, action: "withdraw" } });
    return this.failed(open, now, errors.join("; "), permanent, retryAfterMs);
  }

  /** Notes a failed attempt and when to try again (later for failures retrying will not fix soon). */
  private async failed(open: OpenRecheckRecord, now: Date, error: string, permanent: boolean, retryAfterMs = 0): Promise<Step> {
    const waitMs = Math.max(retryAfterMs, permanent ? 60 * 60_000 : 5 * 60_000);
    await this.options.store.updateSpotCheckRecheck(open.id, ["queued", "asked"], {
      attempts: open.recheck.attempts + 1,
      lastError: error.slice(0, 500),
      nextAttemptAt: new Date(now.getTime() + waitMs).toISOString(),
    });
    return "deferred";
  }
}

/**
 * The accounts to ask a resident on, best first: reachable, on a platform with a running channel;
 * the channel they answered the survey on ("their own channel"), then the most recently active.
 */
export function accountsFor(target: Pick<RecheckTarget, "identities" | "response">, platforms: readonly string[]): IdentityRecord[] {
  const running = new Set(platforms);
  const own = target.response.channel;
  return target.identities
    .filter((identity) => identity.reachable && running.has(identity.platform))
    .sort((a, b) => Number(b.platform === own) - Number(a.platform === own) || (b.lastInboundAt?.getTime() ?? 0) - (a.lastInboundAt?.getTime() ?? 0));
}
