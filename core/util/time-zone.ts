/**
 * The office's time zone (an IANA name such as "Asia/Shanghai" or "Europe/Berlin"): every time a
 * person sees or types is office-local, while records keep instants (UTC). Pure and deterministic:
 * the zone's rules come from Intl.DateTimeFormat (the ICU data bundled with Node), never from the
 * clock or the server's own zone, so the dialogue engine may use it too.
 *
 * Daylight saving, when a local time is typed:
 * - a time that does not exist (in a spring-forward gap, e.g. 02:30 on the day Berlin goes from
 *   02:00 to 03:00) moves forward by the length of the gap (03:30 summer time), as a wall clock
 *   that was not yet put forward would show it;
 * - a time that exists twice (in a fall-back overlap, e.g. 02:30 on the day Berlin goes back
 *   from 03:00 to 02:00) is the earlier of the two instants (02:30 summer time).
 * This is Temporal's "compatible" disambiguation; an explicit offset in the text ("+01:00", "Z")
 * always wins over the zone.
 */

/** The office time zone when none is configured: the offices Anxin serves are in China. */
export const DEFAULT_OFFICE_TIME_ZONE = "Asia/Shanghai";

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Wall-clock fields (month 1–12). */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
  millisecond?: number;
}

// One formatter per zone: building one is slow, using one is not (a memo, not state).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric", era: "short" });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is a time zone this runtime knows ("Asia/Shanghai", "UTC", "Europe/Berlin" …). */
export function isTimeZone(zone: string): boolean {
  if (zone.trim() === "" || zone !== zone.trim()) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The instant `at` (a Date or milliseconds since the epoch) as milliseconds. */
function msOf(at: Date | number): number {
  return typeof at === "number" ? at : at.getTime();
}

/** The wall-clock fields of `ms` in `zone` as Intl reads them (the slow path). */
function intlLocal(ms: number, zone: string): Required<LocalDateTime> {
  const fields: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(ms)) fields[part.type] = part.value;
  const yearOfEra = Number(fields.year);
  const year = fields.era === "BC" || fields.era === "B" ? 1 - yearOfEra : yearOfEra;
  // Some ICU versions write midnight as 24 even with h23.
  const hour = Number(fields.hour) % 24;
  return { year, month: Number(fields.month), day: Number(fields.day), hour, minute: Number(fields.minute), second: Number(fields.second), millisecond: ((ms % 1000) + 1000) % 1000 };
}

/** The offset in minutes that makes the wall-clock fields `l` of instant `ms`. */
function offsetOf(l: Required<LocalDateTime>, ms: number): number {
  const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second, l.millisecond);
  // Date.UTC maps years 0–99 to 1900–1999; no office schedules a wave then.
  return Math.round((wall - ms) / MINUTE);
}

// Offsets per zone and quarter hour (UTC). Intl costs some 10 µs a call, too much for an export
// of 200,000 rows; a zone's offset changes rarely, and today's zones change on a quarter hour,
// so a quarter whose first and last millisecond agree has one offset throughout (one that does
// not is never cached). A bounded memo of the zone's rules: it changes no result.
const QUARTER = 15 * MINUTE;
const MAX_CACHED = 50_000;
const offsets = new Map<string, Map<number, number>>();

/** Minutes east of UTC of `zone` at instant `at` (480 for Asia/Shanghai; 60 or 120 for Europe/Berlin). Throws a RangeError for an unknown zone. */
export function zoneOffsetMinutes(zone: string, at: Date | number): number {
  const ms = msOf(at);
  const quarter = Math.floor(ms / QUARTER);
  let byZone = offsets.get(zone);
  const cached = byZone?.get(quarter);
  if (cached !== undefined) return cached;
  const offset = offsetOf(intlLocal(ms, zone), ms);
  const first = quarter * QUARTER;
  const last = first + QUARTER - 1;
  if (offsetOf(intlLocal(first, zone), first) === offset && offsetOf(intlLocal(last, zone), last) === offset) {
    if (!byZone) offsets.set(zone, (byZone = new Map()));
    if (byZone.size >= MAX_CACHED) byZone.clear();
    byZone.set(quarter, offset);
  }
  return offset;
}

/** The wall-clock fields of instant `at` in `zone`. Throws a RangeError for an unknown zone. */
export function localDateTime(at: Date | number, zone: string): Required<LocalDateTime> {
  const ms = msOf(at);
  // The instant moved by the offset: its UTC fields are the zone's wall clock.
  const shifted = new Date(ms + zoneOffsetMinutes(zone, ms) * MINUTE);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
    millisecond: shifted.getUTCMilliseconds(),
  };
}

/**
 * The instant a wall-clock time in `zone` names (fields may overflow, as Date.UTC allows:
 * day 32 is the next month's first). Gaps move forward, overlaps take the earlier instant (see
 * the module's comment).
 */
export function instantOfLocal(local: LocalDateTime, zone: string): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second ?? 0, local.millisecond ?? 0);
  // A zone changes its offset at most once within a day or so: the offsets a day before and a
  // day after are the only candidates.
  const before = zoneOffsetMinutes(zone, wall - DAY);
  const after = zoneOffsetMinutes(zone, wall + DAY);
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset * MINUTE)
    .filter((ms) => zoneOffsetMinutes(zone, ms) * MINUTE === wall - ms)
    .sort((a, b) => a - b);
  const earliest = candidates[0];
  // None: the time falls in a gap; read with the offset before it, it lands after the gap.
  return earliest ?? wall - before * MINUTE;
}

function pad(n: number, width = 2): string {
  const s = String(Math.abs(n)).padStart(width, "0");
  return n < 0 ? `-${s}` : s;
}

/** "2026-12-08": the office-local date of `at`. */
export function formatLocalDate(at: Date | number, zone: string): string {
  const l = localDateTime(at, zone);
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}`;
}

/** "2026-12-08 09:00": the office-local date and time of `at`, to the minute (seconds cut, not rounded). */
export function formatLocalDateTime(at: Date | number, zone: string): string {
  const l = localDateTime(at, zone);
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}`;
}

/** "+08:00", "-05:00", "+00:00": an offset in minutes as ISO 8601 writes it. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * ISO 8601 with the zone's offset at that instant: "2026-12-08T09:00:00+08:00" (milliseconds only
 * when there are some: "…09:00:00.250+08:00"). The same instant as Date#toISOString, readable as
 * office time, and parsed back by `new Date(…)` and spreadsheets alike.
 */
export function formatIsoInZone(at: Date | number, zone: string): string {
  const ms = msOf(at);
  const l = localDateTime(ms, zone);
  const fraction = l.millisecond ? `.${pad(l.millisecond, 3)}` : "";
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}${fraction}${formatOffset(zoneOffsetMinutes(zone, ms))}`;
}

/** "Asia/Shanghai (UTC+08:00)": the zone named once on a page or in a listing, with its offset at `at`. */
export function describeTimeZone(zone: string, at: Date | number): string {
  return `${zone} (UTC${formatOffset(zoneOffsetMinutes(zone, at))})`;
}

/** Minutes east of UTC of a written offset: "Z" 0, "+08:00" 480, "-0130" −90; null when malformed. */
export function parseOffset(text: string): number | null {
  if (text.trim().toUpperCase() === "Z") return 0;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(text.trim());
  if (!offset || Number(offset[2]) > 23 || Number(offset[3]) > 59) return null;
  return (offset[1] === "-" ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
}

/**
 * Whether the wall-clock fields name a real calendar date and time (no February 30th, no 24:00).
 * Daylight-saving gaps do not count against it: {@link instantOfLocal} moves those forward.
 */
export function isCalendarTime(local: LocalDateTime): boolean {
  const { year, month, day, hour, minute } = local;
  const second = local.second ?? 0;
  if (![year, month, day, hour, minute, second].every(Number.isInteger) || month < 1 || month > 12) return false;
  const daysInMonth = (Date.UTC(year, month, 1) - Date.UTC(year, month - 1, 1)) / DAY;
  return day >= 1 && day <= daysInMonth && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
}

/**
 * Reads an ISO 8601 date ("2026-12-01", local midnight) or date and time ("2026-12-01T08:00",
 * "2026-12-01 08:00:30", an HTML datetime-local field's value) as office time in `zone`, unless the
 * text carries its own offset ("2026-12-01T08:00Z", "…+08:00", "…-0130"), which wins. `zone` may
 * itself be a fixed offset ("Z", "+08:00") instead of an IANA name. Null for anything else,
 * impossible dates (February 30th) included.
 */
export function parseLocalDateTime(text: string, zone: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? 0)) as [number, number, number, number, number, number];
  const millisecond = Number((match[7] ?? "").padEnd(3, "0"));
  const local: LocalDateTime = { year, month, day, hour, minute, second, millisecond };
  if (!isCalendarTime(local)) return null;
  const explicit = match[8] ?? (isTimeZone(zone) ? undefined : zone);
  if (explicit !== undefined) {
    const minutes = parseOffset(explicit);
    return minutes === null ? null : Date.UTC(year, month - 1, day, hour, minute, second, millisecond) - minutes * MINUTE;
  }
  return instantOfLocal(local, zone);
}
