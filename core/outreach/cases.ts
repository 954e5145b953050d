/**
 * Case feedback (小案件“破的告知结果，在侦的告知进展”): case and resident codes, the "My cases"
 * list, the {@link CaseNotifier} that brings every update to the reporter in their language on
 * the platform they use, and the satisfaction statistic of closed cases.
 *
 * The reporter's side of the dialogue (report a concern, rate a closed case) is in the engine
 * (core/engine/cases.ts); officers use the `/case` staff command (cases-commands.ts).
 */
import type { PushResult } from "../channel.js";
import { casesMenuMessage, ratingMessage } from "../engine/cases.js";
import { encodePayload } from "../engine/payload.js";
import { isLang } from "../engine/types.js";
import type { Lang, OutMessage } from "../engine/types.js";
import { meanWithInterval, proportion } from "../stats/distributions.js";
import type { MeanEstimate, Proportion } from "../stats/index.js";
import type { MenuHandler } from "../survey/runner.js";
import { CASE_STATUSES, type CaseRecord, type CaseStatus, type CaseUpdateRecord, type CaseWithLatest, type IdentityRecord, type CaseStore, type NoticeValues, type ResidentStore, type TemplateNotice } from "../model/index.js";
import { residentCode } from "./cases-codes.js";
import { caseText } from "./cases-i18n.js";
import type { CaseKey } from "./cases-i18n.js";
import { DEFAULT_OFFICE_TIME_ZONE, formatLocalDate, formatLocalDateTime } from "../util/time-zone.js";

// ---------------------------------------------------------------------------------------------
// Codes
// ---------------------------------------------------------------------------------------------

export { CASE_CODE_LENGTH, newCaseCode, normalizeCaseCode, residentCode } from "./cases-codes.js";

/** Words officers may use for a status (English, Simplified and Traditional Chinese). */
const STATUS_WORDS: Record<CaseStatus, readonly string[]> = {
  received: ["received", "receive", "受理", "已受理"],
  investigating: ["investigating", "investigate", "investigation", "调查", "调查中", "正在调查", "侦查", "侦查中", "調查", "調查中", "正在調查", "偵查", "偵查中"],
  solved: ["solved", "solve", "破案", "已破案"],
  closed: ["closed", "close", "结案", "已结案", "办结", "已办结", "結案", "已結案", "辦結", "已辦結"],
};

/** The status an officer typed, or undefined. */
export function parseCaseStatus(word: string): CaseStatus | undefined {
  const key = word.trim().toLowerCase();
  return CASE_STATUSES.find((status) => STATUS_WORDS[status].includes(key));
}

/** A status in the resident's (or officer's) language. */
export function statusLabel(lang: Lang, status: CaseStatus): string {
  return caseText(lang, `status_${status}` as CaseKey);
}

/** Long titles (a resident's whole report) are cut for one-line mentions. */
export function shortTitle(title: string, max = 40): string {
  const chars = [...title.replace(/\s+/g, " ").trim()];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : chars.join("");
}

/** YYYY-MM-DD: the office-local date in `timeZone` (an IANA name). */
export function formatDay(date: Date, timeZone: string): string {
  return formatLocalDate(date, timeZone);
}

/** The time zone dates are shown in unless configured (OFFICE_TIME_ZONE): the offices Anxin serves are in China. */
export const DEFAULT_TIME_ZONE = DEFAULT_OFFICE_TIME_ZONE;

// ---------------------------------------------------------------------------------------------
// "My cases"
// ---------------------------------------------------------------------------------------------

/** How many cases "My cases" lists. */
export const MY_CASES_LIMIT = 10;

/** The text of "My cases": the resident's cases, newest first, and their resident code. */
export function myCasesText(lang: Lang, residentId: string, cases: readonly CaseWithLatest[], timeZone: string = DEFAULT_TIME_ZONE): string {
  const lines: string[] = [];
  if (cases.length === 0) lines.push(caseText(lang, "list_empty"));
  else {
    lines.push(caseText(lang, "list_title"));
    cases.slice(0, MY_CASES_LIMIT).forEach((c, i) => {
      lines.push(caseText(lang, "list_item", { index: i + 1, code: c.code, title: shortTitle(c.title) }));
      const at = c.latest?.createdAt ?? c.createdAt;
      lines.push(caseText(lang, "list_status", { status: statusLabel(lang, c.status), date: formatDay(at, timeZone) }));
      if (c.latest?.note) lines.push(caseText(lang, "list_note", { note: shortTitle(c.latest.note, 120) }));
      if (c.rating !== null) lines.push(caseText(lang, "list_rating", { rating: c.rating }));
    });
    if (cases.length > MY_CASES_LIMIT) lines.push(caseText(lang, "list_more", { count: MY_CASES_LIMIT }));
  }
  lines.push("", caseText(lang, "resident_code", { code: residentCode(residentId) }));
  return lines.join("\n");
}

/**
 * The runner's handler of "My cases" (`menuHandlers.cases`): the resident's cases with the
 * engine's own options (report a concern / back to the menu), which the engine then reads.
 */
export function casesMenuHandler(store: Pick<CaseStore, "listCasesOfReporter">, options: { timeZone?: string } = {}): MenuHandler {
  return async ({ residentId, lang }) => {
    const cases = await store.listCasesOfReporter(residentId, MY_CASES_LIMIT + 1);
    return [casesMenuMessage(lang, myCasesText(lang, residentId, cases, options.timeZone))];
  };
}

// ---------------------------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------------------------

/** The message that tells a reporter about an update, in their language. */
export function caseUpdateMessage(lang: Lang, kase: Pick<CaseRecord, "code" | "title">, update: Pick<CaseUpdateRecord, "status" | "note">, first: boolean): OutMessage {
  const title = shortTitle(kase.title);
  const lines =
    first && update.status === "received"
      ? [caseText(lang, "notify_registered", { code: kase.code, title })]
      : [caseText(lang, "notify_update", { code: kase.code, title, status: statusLabel(lang, update.status) })];
  if (update.note) lines.push(caseText(lang, "notify_note", { note: update.note }));
  return { kind: "info", text: lines.join("\n") };
}

/** The values a case update offers a template's fields (core/outreach/notice-templates.ts). */
export function caseNoticeValues(lang: Lang, kase: Pick<CaseRecord, "code" | "title">, update: Pick<CaseUpdateRecord, "status" | "note" | "createdAt">, message: OutMessage, timeZone: string = DEFAULT_TIME_ZONE): NoticeValues {
  return { code: kase.code, title: shortTitle(kase.title), status: statusLabel(lang, update.status), note: update.note ?? "—", date: formatLocalDateTime(update.createdAt, timeZone), text: message.text };
}

/**
 * Sends messages to one chat of a platform (a running channel's `push`). With `target`, a push
 * refused outside the platform's reply window may go as a template message instead
 * (core/outreach/subscriptions.ts `noticePushVia`).
 */
export type CasePush = (platform: string, chatId: string, lang: Lang, messages: OutMessage[], target?: { identityId: string; notice: TemplateNotice }) => Promise<PushResult>;

/**
 * Asks the reporter to rate a closed case through the dialogue, so that their session expects
 * the rating (typed digits then count, which matters on WeChat). Returns the question to push, or
 * undefined when it was asked before (the same update twice).
 */
export type RatingPrompt = (identity: Pick<IdentityRecord, "platform" | "platformUserId" | "chatId">, code: string, updateId: string) => Promise<{ lang: Lang; messages: OutMessage[] } | undefined>;

/** A {@link CasePush} over the app's running channels (looked up at each push: they start after the runner). */
export function pushVia(channels: () => readonly { platform: string; push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult> }[]): CasePush {
  return async (platform, chatId, lang, messages) => {
    const channel = channels().find((c) => c.platform === platform);
    if (!channel) return { ok: false, error: `no ${platform} channel is running`, permanent: false };
    return channel.push(chatId, lang, messages);
  };
}

/**
 * A {@link RatingPrompt} that hands the conversation runner the "rate case" button on the
 * reporter's behalf (message id `case-rate:<update id>`, so it is asked once per update).
 */
export function ratingPromptVia(runner: { handle(message: { platform: string; platformUserId: string; chatId: string; messageId?: string; input: { kind: "button"; payload: string } }): Promise<{ lang: Lang; messages: OutMessage[]; duplicate: boolean }> }): RatingPrompt {
  return async (identity, code, updateId) => {
    const reply = await runner.handle({
      platform: identity.platform,
      platformUserId: identity.platformUserId,
      chatId: identity.chatId,
      messageId: `case-rate:${updateId}`,
      input: { kind: "button", payload: encodePayload({ op: "rateAsk", code }) },
    });
    return reply.duplicate ? undefined : { lang: reply.lang, messages: reply.messages };
  };
}

/** What became of telling a reporter about an update. */
export type NotifyOutcome =
  | { delivered: true; platform: string }
  /** `retry`: a later attempt may work (the sender tries again); otherwise it never will. */
  | { delivered: false; reason: string; retry: boolean };

/** Options of {@link CaseNotifier}. */
export interface CaseNotifierOptions {
  store: CaseStore & ResidentStore;
  push: CasePush;
  /** Without it, the rating question is pushed as plain buttons (typed digits then go to whatever the resident was doing). */
  askRating?: RatingPrompt;
  now?: () => Date;
  /** Updates older than this are no longer retried. Default 14 days. */
  maxAgeMs?: number;
  /** Time zone of the date a template message shows; default Asia/Shanghai. */
  timeZone?: string;
  onError?: (error: unknown, context: { updateId: string }) => void;
}

/**
 * Brings case updates to their reporters: on the reporter's most recently active reachable
 * platform account first, then the others; records `deliveredAt`; after a closing update, asks for
 * the satisfaction rating. Undelivered updates are retried by {@link CaseNotifier.deliverPending}
 * (run by {@link CaseNotifier.start} at an interval), oldest first, in order per reporter.
 */
export class CaseNotifier {
  private readonly now: () => Date;
  private readonly maxAgeMs: number;
  /** Updates being pushed right now, so a retry round and a command never push one twice. */
  private readonly inflight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<unknown> | undefined;

  constructor(private readonly options: CaseNotifierOptions) {
    this.now = options.now ?? (() => new Date());
    this.maxAgeMs = options.maxAgeMs ?? 14 * 24 * 60 * 60 * 1000;
  }

  /**
   * Tells the reporter about one update now. `actingResidentId`: the resident whose own turn
   * is running (an officer reporting on a case they reported themselves); their session cannot
   * take the rating question from inside that turn, so they get plain rating buttons.
   */
  async notify(kase: CaseRecord, update: CaseUpdateRecord, options: { actingResidentId?: string } = {}): Promise<NotifyOutcome> {
    if (update.deliveredAt) return { delivered: false, reason: "already delivered", retry: false };
    if (this.inflight.has(update.id)) return { delivered: false, reason: "being delivered", retry: true };
    this.inflight.add(update.id);
    try {
      return await this.deliver(kase, update, options.actingResidentId);
    } catch (error) {
      this.options.onError?.(error, { updateId: update.id });
      return { delivered: false, reason: error instanceof Error ? error.message : String(error), retry: true };
    } finally {
      this.inflight.delete(update.id);
    }
  }

  /** One retry round over undelivered updates; resolves with what happened. */
  async deliverPending(): Promise<{ delivered: number; failed: number }> {
    const since = new Date(this.now().getTime() - this.maxAgeMs);
    const pending = await this.options.store.pendingCaseUpdates({ since, limit: 500 });
    const blocked = new Set<string>();
    let delivered = 0;
    let failed = 0;
    for (const { update, case: kase } of pending) {
      const reporter = kase.reporterId ?? "";
      // Updates reach a reporter in the order they were posted: after a failure, wait.
      if (blocked.has(reporter)) continue;
      const outcome = await this.notify(kase, update);
      if (outcome.delivered) delivered++;
      else {
        failed++;
        blocked.add(reporter);
      }
    }
    return { delivered, failed };
  }

  /** Retries undelivered updates every `intervalMs` (the timer does not keep the process alive). */
  start(intervalMs = 5 * 60_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.round) return;
      this.round = this.deliverPending()
        .catch((error: unknown) => this.options.onError?.(error, { updateId: "*" }))
        .finally(() => {
          this.round = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the retries and waits for a round in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  private async deliver(kase: CaseRecord, update: CaseUpdateRecord, actingResidentId: string | undefined): Promise<NotifyOutcome> {
    const { store, push } = this.options;
    if (!kase.reporterId) return { delivered: false, reason: "the case has no reporter", retry: false };
    const resident = await store.getResident(kase.reporterId);
    if (!resident || resident.deletedAt) return { delivered: false, reason: "the reporter's data was deleted", retry: false };
    const lang: Lang = isLang(resident.lang) ? resident.lang : "zh-CN";
    const accounts = (await store.identitiesOf(kase.reporterId))
      .filter((identity) => identity.reachable)
      .sort((a, b) => (b.lastInboundAt?.getTime() ?? 0) - (a.lastInboundAt?.getTime() ?? 0));
    if (accounts.length === 0) return { delivered: false, reason: "the reporter has no reachable chat account", retry: true };
    const first = update.status === "received" && update.createdAt.getTime() === kase.createdAt.getTime();
    const message = caseUpdateMessage(lang, kase, update, first);
    const errors: string[] = [];
    let retry = false;
    for (const account of accounts) {
      const notice: TemplateNotice = { kind: "case_update", values: caseNoticeValues(lang, kase, update, message, this.options.timeZone) };
      const result = await push(account.platform, account.chatId, lang, [message], { identityId: account.id, notice });
      if (!result.ok) {
        errors.push(`${account.platform}: ${result.error}`);
        if (!result.permanent) retry = true;
        continue;
      }
      await store.markCaseUpdateDelivered(update.id, this.now());
      if (update.status === "closed" && kase.rating === null) await this.askForRating(account, kase, update, lang, actingResidentId === kase.reporterId);
      return { delivered: true, platform: account.platform };
    }
    return { delivered: false, reason: errors.join("; "), retry };
  }

  private async askForRating(account: IdentityRecord, kase: CaseRecord, update: CaseUpdateRecord, lang: Lang, ownTurn: boolean): Promise<void> {
    const { askRating, push } = this.options;
    try {
      const prompt = askRating && !ownTurn ? await askRating(account, kase.code, update.id) : { lang, messages: [ratingMessage(lang, kase.code)] };
      if (prompt && prompt.messages.length > 0) await push(account.platform, account.chatId, prompt.lang, prompt.messages);
    } catch (error) {
      // The update itself reached the resident; a missing rating question is not worth a resend.
      this.options.onError?.(error, { updateId: update.id });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Satisfaction
// ---------------------------------------------------------------------------------------------

/** Options of {@link caseFeedbackSatisfaction}. */
export interface CaseSatisfactionOptions {
  /** Ratings counted as satisfied: the top `rateTop` levels (default 3: ratings 5, 4, 3), as survey rates count the top three options. */
  rateTop?: number;
  /** Index score of ratings 5, 4, 3, 2, 1; default [100, 80, 60, 40, 20], as survey indices. */
  scores?: readonly [number, number, number, number, number];
}

/** Satisfaction of reporters with the handling of their closed cases. */
export interface CaseSatisfaction {
  /** Closed cases considered. */
  closed: number;
  /** Of them, rated (1–5). */
  rated: number;
  /** rated / closed, with a 95 % Wilson interval; null without closed cases. */
  responseRate: Proportion | null;
  /** How many ratings of each level, 5 first. */
  distribution: { rating: 1 | 2 | 3 | 4 | 5; count: number }[];
  /** Share of ratings in the top `rateTop` levels, with a 95 % Wilson interval; null without ratings. */
  rate: Proportion | null;
  /** Mean index score with a 95 % Student t interval; null with fewer than 2 ratings. */
  index: MeanEstimate | null;
  /** Mean rating (1–5); null without ratings. */
  meanRating: number | null;
}

/**
 * The satisfaction figure of case feedback: of closed cases, how many reporters rated, how they
 * rated, the share satisfied (top `rateTop` levels) and the index (scores averaged), computed the
 * way survey satisfaction is. Cases that are not closed, and ratings outside 1–5, are left out.
 */
export function caseFeedbackSatisfaction(cases: readonly { status: string; rating: number | null }[], options: CaseSatisfactionOptions = {}): CaseSatisfaction {
  const rateTop = options.rateTop ?? 3;
  if (!Number.isInteger(rateTop) || rateTop < 1 || rateTop > 5) throw new RangeError(`rateTop must be 1..5, got ${rateTop}`);
  const scores = options.scores ?? [100, 80, 60, 40, 20];
  const closed = cases.filter((c) => c.status === "closed");
  const ratings = closed.map((c) => c.rating).filter((r): r is 1 | 2 | 3 | 4 | 5 => r !== null && Number.isInteger(r) && r >= 1 && r <= 5);
  const distribution = ([5, 4, 3, 2, 1] as const).map((rating) => ({ rating, count: ratings.filter((r) => r === rating).length }));
  const satisfied = ratings.filter((r) => r > 5 - rateTop).length;
  const scoreOf = (r: 1 | 2 | 3 | 4 | 5): number => scores[5 - r] ?? 0;
  return {
    closed: closed.length,
    rated: ratings.length,
    responseRate: proportion(ratings.length, closed.length),
    distribution,
    rate: proportion(satisfied, ratings.length),
    index: meanWithInterval(ratings.map(scoreOf)),
    meanRating: ratings.length > 0 ? ratings.reduce((a, b) => a + b, 0) / ratings.length : null,
  };
}
