/**
 * Times in the /broadcast dialogue: reading "when should it go out?" and showing the time a
 * broadcast is scheduled for, in the office's time zone (an IANA name the runner passes,
 * {@link EngineContext.timeZone}). Pure: the zone is data, its rules come from
 * core/util/time-zone.ts (daylight-saving gaps move forward, overlaps take the earlier time).
 */
import { DEFAULT_OFFICE_TIME_ZONE, instantOfLocal, isCalendarTime, isTimeZone, localDateTime, formatLocalDateTime } from "../util/time-zone.js";

const MINUTE = 60_000;

/**
 * `zone` when given and known to the runtime; else the default office zone (Asia/Shanghai), or
 * UTC for a zone the runtime does not know: the engine never throws on a bad context.
 */
export function safeZone(zone: string | undefined): string {
  if (zone === undefined) return DEFAULT_OFFICE_TIME_ZONE;
  return isTimeZone(zone) ? zone : "UTC";
}

/**
 * Reads a time to send at: "2026-05-01 09:00", "05-01 09:00", "09:00" (today, or tomorrow once
 * past), "明天 9:00" / "tomorrow 9:00", "+30m", "+2h", "30分钟后", "2小时后". `now` is ISO 8601;
 * wall-clock times are office time in `zone` (IANA name; default Asia/Shanghai). The time as an ISO string,
 * or undefined when unreadable or not in the future.
 */
export function parseSendTime(text: string, now: string, zone?: string): string | undefined {
  const nowMs = Date.parse(now);
  if (Number.isNaN(nowMs)) return undefined;
  const tz = safeZone(zone);
  const local = localDateTime(nowMs, tz);
  const future = (ms: number): string | undefined => (Number.isFinite(ms) && ms > nowMs ? isoOf(ms) : undefined);
  const s = text.trim().toLowerCase().replace(/：/g, ":").replace(/\s+/g, " ");
  const relative = /^\+?\s*(\d{1,4})\s*(m|min|分钟|分鐘|h|hour|hours|小时|小時)\s*(后|後)?$/.exec(s);
  if (relative?.[1] && relative[2]) {
    const n = Number(relative[1]);
    const minutes = /^(m|min|分钟|分鐘)$/.test(relative[2]) ? n : n * 60;
    return minutes > 0 ? future(nowMs + minutes * MINUTE) : undefined;
  }
  const full = /^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})[ t](\d{1,2}):(\d{2})$/.exec(s);
  if (full) {
    const year = full[1] ? Number(full[1]) : local.year;
    const [month, day, hour, minute] = [Number(full[2]), Number(full[3]), Number(full[4]), Number(full[5])];
    // 30 February is not 2 March.
    if (!isCalendarTime({ year, month, day, hour, minute })) return undefined;
    return future(instantOfLocal({ year, month, day, hour, minute }, tz));
  }
  const clock = /^(明天|tomorrow|今天|today)? ?(\d{1,2}):(\d{2})$/.exec(s);
  if (clock?.[2] && clock[3]) {
    const hour = Number(clock[2]);
    const minute = Number(clock[3]);
    if (hour > 23 || minute > 59) return undefined;
    const tomorrow = clock[1] === "明天" || clock[1] === "tomorrow";
    const today = clock[1] === "今天" || clock[1] === "today";
    let at = instantOfLocal({ year: local.year, month: local.month, day: local.day, hour, minute }, tz);
    if (tomorrow || (!today && at <= nowMs)) at = instantOfLocal({ year: local.year, month: local.month, day: local.day + 1, hour, minute }, tz);
    return future(at);
  }
  return undefined;
}

/** "2026-05-01 09:00": an ISO time as the office's wall clock in `zone` (IANA name; default Asia/Shanghai) shows it. */
export function formatSendTime(iso: string, zone?: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return formatLocalDateTime(ms, safeZone(zone));
}

/** ISO 8601 (UTC, milliseconds) of `ms`, as Date#toISOString writes it. */
function isoOf(ms: number): string {
  const { year, month, day, hour, minute, second, millisecond } = localDateTime(ms, "UTC");
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.${pad(millisecond, 3)}Z`;
}
