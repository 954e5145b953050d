/**
 * Reminders to residents who started the survey and did not finish (issue 18, point 4), and the
 * marking of long-idle responses as abandoned.
 *
 * A response idle for the reminder delay (its start and last answer that long ago; default 24 h)
 * gets ONE reminder, in the resident's language, on the channel the response was started on:
 *
 * - only between 08:00 and 21:00 office time (OFFICE_TIME_ZONE): a resident due at 22:30 is
 *   reminded by the first run after 08:00 the next morning;
 * - never to a resident who opted out (退订 / stop; the outbox checks again at sending);
 * - within the platform's window: a WeChat Official Account may write only within 48 hours of
 *   the resident's last message, so a reminder that could not arrive in time is recorded as
 *   `outside_window` and not sent (Telegram and the web chat have no window);
 * - through the outbox (core/outreach/sender.ts): the reminder is a one-recipient broadcast of
 *   kind `reminder` whose delivery the sender sends like any notice — rate limits, retries,
 *   blocked accounts, the web inbox — shown with a way to continue instead of "I've read it"
 *   (core/outreach/content.ts).
 *
 * "Once" is the database's: the reminder record is unique per response and written in the same
 * transaction as its outbox row, so two runs — in one process or several — can never queue two.
 *
 * Responses idle for ABANDON_AFTER_DAYS (default 7) are marked abandoned, so they stop counting
 * as in progress; they stay resumable (the resident's next answer makes one in progress again).
 *
 * All the work is {@link ReminderService.runOnce}, for any clock; {@link ReminderService.start}
 * only runs it on a timer, so a shared job scheduler can call `runOnce` instead.
 */
import type { IdentityRecord, ReminderCandidate, ReminderStore, SurveyStore } from "../model/index.js";
import { SUPPORTED_LANGS, type LocalizedText } from "../engine/types.js";
import { DEFAULT_OFFICE_TIME_ZONE, localDateTime } from "../util/time-zone.js";
import { outreachText } from "./i18n.js";
import { PLATFORM_PREFERENCE } from "./audience.js";
import type { BroadcastContent } from "./content.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** When reminders run; a null duration turns that part off. */
export interface ReminderSettings {
  /** How long a response must be idle before its reminder (null: no reminders). Default 24 h. */
  delayMs: number | null;
  /** How long a response must be idle before it is marked abandoned (null: never). Default 7 days. */
  abandonMs: number | null;
}

/** The defaults: a reminder after 24 hours, abandoned after 7 days. */
export const DEFAULT_REMINDER_SETTINGS: ReminderSettings = { delayMs: 24 * HOUR, abandonMs: 7 * DAY };

/** Office hours in which reminders go out: from 08:00 to before 21:00 office time. */
export const REMINDER_HOURS = { from: 8, until: 21 } as const;

/**
 * How long after the resident's last message a platform still lets us write: WeChat's Official
 * Account customer-service messages, 48 hours. Platforms not listed have no window.
 */
export const PLATFORM_WINDOWS_MS: Readonly<Record<string, number>> = { wechat: 48 * HOUR };

/**
 * Time a queued reminder is given to leave the outbox before the window closes: one due within
 * this margin of the window's end is recorded outside the window rather than risk a refused send.
 */
export const WINDOW_MARGIN_MS = 15 * 60_000;

/** What one {@link ReminderService.runOnce} did. */
export interface ReminderRunSummary {
  /** Responses idle for the delay without a reminder, looked at this run. */
  due: number;
  /** Reminders queued in the outbox. */
  reminded: number;
  /** Due, but outside office hours: left for the next run in them. */
  skippedQuietHours: number;
  /** Due, but the resident opted out: never reminded. */
  skippedOptedOut: number;
  /** Recorded as outside the platform's window: never sent. */
  skippedWindow: number;
  /** Due, but no account of the resident on a running channel can be reached now: tried again next run. */
  skippedNoChannel: number;
  /** Recorded by another run or process first (or finished meanwhile): nothing written. */
  alreadyRecorded: number;
  /** Responses marked abandoned. */
  abandoned: number;
}

/** Minimal logger (pino's fits). */
export interface ReminderLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link ReminderService}. */
export interface ReminderServiceOptions {
  /** The reminders' port, and the current wave (only its responses are reminded). */
  store: ReminderStore & Pick<SurveyStore, "currentWave">;
  /** Default {@link DEFAULT_REMINDER_SETTINGS}. */
  settings?: ReminderSettings;
  /** The office's time zone (IANA name) of the office hours; default Asia/Shanghai. */
  timeZone?: string;
  /** The platforms the outbox sends on now (the running channels); a resident is reminded on one of these. */
  platforms: () => ReadonlySet<string>;
  /**
   * Whether an account whose platform's window has closed can still be reached another way (a
   * WeChat subscription / template message the resident consented to for reminders): its
   * reminder is then queued like any other, and the channel's transport chooses the way.
   * Default: never — it is recorded outside the window.
   */
  reachableOutsideWindow?: (identity: IdentityRecord) => Promise<boolean>;
  /** Called after a run queued reminders (wakes the outbox sender). */
  onQueued?: () => void;
  logger?: ReminderLogger;
  /** Responses read per query. Default 200. */
  batchSize?: number;
}

/** The reminder as the outbox stores it: its text in every language, picked at sending. */
export function reminderContent(): BroadcastContent {
  const text: LocalizedText = {};
  for (const lang of SUPPORTED_LANGS) text[lang] = outreachText(lang, "reminder.text");
  return { text, reminder: true };
}

/** Whether `at` lies in the office hours of reminders in `timeZone`. */
export function inReminderHours(at: Date, timeZone: string): boolean {
  const { hour } = localDateTime(at, timeZone);
  return hour >= REMINDER_HOURS.from && hour < REMINDER_HOURS.until;
}

/**
 * The accounts a reminder may go to, best first: reachable ones on a running platform, the
 * platform the response was started on first, then by the outbox's usual preference, then the
 * most recently heard from.
 */
export function reminderAccounts(candidate: ReminderCandidate, platforms: ReadonlySet<string>): IdentityRecord[] {
  const usable = candidate.identities.filter((identity) => identity.reachable && platforms.has(identity.platform));
  const rank = (identity: IdentityRecord): number => {
    if (identity.platform === candidate.channel) return -1;
    const at = (PLATFORM_PREFERENCE as readonly string[]).indexOf(identity.platform);
    return at < 0 ? PLATFORM_PREFERENCE.length : at;
  };
  return [...usable].sort((a, b) => rank(a) - rank(b) || (b.lastInboundAt?.getTime() ?? 0) - (a.lastInboundAt?.getTime() ?? 0));
}

/** Whether a message to `identity` queued at `now` still falls inside its platform's window. */
export function withinWindow(identity: IdentityRecord, now: Date): boolean {
  const window = PLATFORM_WINDOWS_MS[identity.platform];
  if (window === undefined) return true;
  if (!identity.lastInboundAt) return false;
  return now.getTime() + WINDOW_MARGIN_MS <= identity.lastInboundAt.getTime() + window;
}

/** See the module comment. */
export class ReminderService {
  /** The settings the service runs with. */
  readonly settings: ReminderSettings;
  private readonly store: ReminderStore & Pick<SurveyStore, "currentWave">;
  private readonly timeZone: string;
  private readonly batch: number;

  constructor(private readonly options: ReminderServiceOptions) {
    this.store = options.store;
    this.settings = options.settings ?? DEFAULT_REMINDER_SETTINGS;
    this.timeZone = options.timeZone ?? DEFAULT_OFFICE_TIME_ZONE;
    this.batch = options.batchSize ?? 200;
  }

  /**
   * One pass at `now`: marks long-idle responses abandoned, then queues the reminders due. Safe
   * to run again at any time and from several processes at once (see the module comment).
   */
  async runOnce(now: Date): Promise<ReminderRunSummary> {
    const summary: ReminderRunSummary = { due: 0, reminded: 0, skippedQuietHours: 0, skippedOptedOut: 0, skippedWindow: 0, skippedNoChannel: 0, alreadyRecorded: 0, abandoned: 0 };
    const { delayMs, abandonMs } = this.settings;
    // First, so that a response idle past both is abandoned rather than reminded.
    if (abandonMs !== null) summary.abandoned = await this.store.abandonIdleResponses(new Date(now.getTime() - abandonMs));
    if (delayMs === null) return summary;
    // Only the wave running now: a closed or replaced wave's survey cannot be continued.
    const wave = await this.store.currentWave(now);
    if (!wave) return summary;
    const quiet = !inReminderHours(now, this.timeZone);
    const platforms = this.options.platforms();
    const content = reminderContent();
    let afterId: string | null = null;
    for (;;) {
      const candidates = await this.store.reminderCandidates({ waveId: wave.id, idleSince: new Date(now.getTime() - delayMs), afterId, limit: this.batch });
      for (const candidate of candidates) {
        summary.due++;
        if (quiet) summary.skippedQuietHours++;
        else await this.remind(candidate, platforms, content, now, summary);
      }
      if (candidates.length < this.batch) break;
      afterId = candidates[candidates.length - 1]?.responseId ?? null;
    }
    if (summary.reminded > 0) this.options.onQueued?.();
    if (summary.reminded > 0 || summary.abandoned > 0 || summary.skippedWindow > 0) this.options.logger?.info({ ...summary }, "reminders to residents");
    return summary;
  }

  private async remind(candidate: ReminderCandidate, platforms: ReadonlySet<string>, content: BroadcastContent, now: Date, summary: ReminderRunSummary): Promise<void> {
    // Not recorded: a resident who opts back in (订阅) is reminded then, if still due.
    if (candidate.resident.optedOut) {
      summary.skippedOptedOut++;
      return;
    }
    const accounts = reminderAccounts(candidate, platforms);
    const first = accounts[0];
    if (!first) {
      summary.skippedNoChannel++;
      return;
    }
    // The best account whose platform still lets us write; none: recorded, never sent.
    let identity = accounts.find((account) => withinWindow(account, now));
    const other = this.options.reachableOutsideWindow;
    if (!identity && other) for (const account of accounts) if (!identity && (await other(account))) identity = account;
    const inWindow = identity !== undefined;
    const recorded = await this.store.recordReminder({
      responseId: candidate.responseId,
      residentId: candidate.residentId,
      status: inWindow ? "queued" : "outside_window",
      identityId: (identity ?? first).id,
      content,
      now,
    });
    if (!recorded) summary.alreadyRecorded++;
    else if (inWindow) summary.reminded++;
    else summary.skippedWindow++;
  }
}
