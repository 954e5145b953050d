/** What the reminders to residents (core/outreach/reminders.ts) read and write. */
import type { IdentityRecord } from "./residents.js";

/**
 * What a response's one reminder came to: `queued` — handed to the outbox (its delivery says
 * whether it reached the resident); `outside_window` — the platform no longer allowed a message
 * (WeChat answers only within 48 hours of the resident's last message), so none was sent.
 */
export type ReminderStatus = "queued" | "outside_window";

/** An unfinished response that may be due for its reminder, with what deciding needs. */
export interface ReminderCandidate {
  responseId: string;
  residentId: string;
  waveId: string;
  /** The platform the response was started on ("their channel"). */
  channel: string;
  resident: { lang: string; optedOut: boolean };
  identities: IdentityRecord[];
}

/** Which reminders {@link ReminderFigureCounts} counts: those of one wave's responses, in a region subtree. */
export interface ReminderFigureQuery {
  waveId: string;
  /** A `Region.path` prefix of the responses' region. */
  regionPath?: string;
}

/** Reminders of a wave's responses, counted. */
export interface ReminderFigureCounts {
  /** Reminders the outbox sent. */
  reminded: number;
  /** Of those, responses completed since (a response is reminded only while in progress). */
  finishedAfterReminder: number;
  /** Reminders still waiting in the outbox. */
  pending: number;
  /** Reminders the outbox could not deliver (account blocked, opted out meanwhile, refused). */
  undelivered: number;
  /** Reminders not sent because the platform's window had closed. */
  outsideWindow: number;
}
