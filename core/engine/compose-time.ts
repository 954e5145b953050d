/**
 * Times in the /broadcast dialogue: reading "when should it go out?" and showing the time a
 * broadcast is scheduled for, in the office's time zone (a fixed offset from UTC given by the
 * runner, {@link EngineContext.utcOffsetMinutes}). Pure: calendar arithmetic on milliseconds.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Calendar fields of a wall-clock time (month 1–12). */
interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The wall-clock fields of `ms` read as UTC (days-from-civil, inverted). */
function civil(ms: number): Civil {
  const days = Math.floor(ms / DAY);
  const rest = ms - days * DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day, hour: Math.floor(rest / 3_600_000), minute: Math.floor((rest % 3_600_000) / MINUTE) };
}

/** UTC milliseconds of a wall-clock time at `offset` minutes from UTC (fields may overflow, as Date.UTC allows). */
function fromLocal(year: number, month: number, day: number, hour: number, minute: number, offset: number): number {
  return Date.UTC(year, month - 1, day, hour, minute) - offset * MINUTE;
}

/**
 * Reads a time to send at: "2026-05-01 09:00", "05-01 09:00", "09:00" (today, or tomorrow once
 * past), "明天 9:00" / "tomorrow 9:00", "+30m", "+2h", "30分钟后", "2小时后". `now` is ISO 8601;
 * wall-clock times are at `offset` minutes from UTC. The time as an ISO string, or undefined when
 * unreadable or not in the future.
 */
export function parseSendTime(text: string, now: string, offset = 0): string | undefined {
  const nowMs = Date.parse(now);
  if (Number.isNaN(nowMs)) return undefined;
  const local = civil(nowMs + offset * MINUTE);
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
    if (hour > 23 || minute > 59) return undefined;
    const at = fromLocal(year, month, day, hour, minute, offset);
    // 30 February is not 2 March.
    const check = civil(at + offset * MINUTE);
    if (check.month !== month || check.day !== day) return undefined;
    return future(at);
  }
  const clock = /^(明天|tomorrow|今天|today)? ?(\d{1,2}):(\d{2})$/.exec(s);
  if (clock?.[2] && clock[3]) {
    const hour = Number(clock[2]);
    const minute = Number(clock[3]);
    if (hour > 23 || minute > 59) return undefined;
    const tomorrow = clock[1] === "明天" || clock[1] === "tomorrow";
    const today = clock[1] === "今天" || clock[1] === "today";
    let at = fromLocal(local.year, local.month, local.day, hour, minute, offset);
    if (tomorrow || (!today && at <= nowMs)) at = fromLocal(local.year, local.month, local.day + 1, hour, minute, offset);
    return future(at);
  }
  return undefined;
}

/** "2026-05-01 09:00": an ISO time as the wall clock at `offset` minutes from UTC shows it. */
export function formatSendTime(iso: string, offset = 0): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const { year, month, day, hour, minute } = civil(ms + offset * MINUTE);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}`;
}

/** ISO 8601 (UTC, milliseconds) of `ms`, as Date#toISOString writes it. */
function isoOf(ms: number): string {
  const { year, month, day, hour, minute } = civil(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const seconds = Math.floor((((ms % MINUTE) + MINUTE) % MINUTE) / 1000);
  const millis = ((ms % 1000) + 1000) % 1000;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(seconds)}.${pad(millis, 3)}Z`;
}
