/**
 * Small helpers around broadcasts for staff: how an audience is described in lists, and times
 * read and shown in the office's time zone (the CLI's `--at`, `/broadcast list`), given by the
 * caller (OFFICE_TIME_ZONE through the composition root).
 *
 * The /broadcast dialogue itself is the engine's (core/engine/compose.ts); the store's side of it
 * is broadcast-requests.ts.
 */
import { describeAudience as describeDraftAudience } from "../engine/compose-options.js";
import { formatSendTime, parseSendTime } from "../engine/compose-time.js";
import type { Lang } from "../engine/types.js";
import type { Audience } from "./content.js";

/**
 * A short description of a stored audience for lists (`/broadcast list`, the CLI): the words the
 * /broadcast dialogue's preview uses, so both read alike.
 */
export function describeAudience(audience: Audience | undefined, lang: Lang): string {
  if (!audience) return "—";
  return describeDraftAudience(audience.kind === "region" ? { kind: "region", code: audience.regionCode } : { kind: audience.kind }, lang);
}

/**
 * Reads a time to send at, office time in `zone` (an IANA name; default Asia/Shanghai):
 * "2026-05-01 09:00", "05-01 09:00", "09:00" (today, or tomorrow once past), "明天 9:00" /
 * "tomorrow 9:00", "+30m", "+2h", "30分钟后", "2小时后". Undefined when unreadable or in the past.
 */
export function parseWhen(text: string, now: Date, zone?: string): Date | undefined {
  const at = parseSendTime(text, now.toISOString(), zone);
  return at === undefined ? undefined : new Date(at);
}

/** "2026-05-01 09:00", office time in `zone` (an IANA name; default Asia/Shanghai). */
export function formatTime(at: Date, zone?: string): string {
  return formatSendTime(at.toISOString(), zone);
}
