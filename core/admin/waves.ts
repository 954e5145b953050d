/**
 * Survey waves for admins: where each wave stands (scheduled, open, current, closed) with its
 * response counts, opening the next wave (on the bundled default questionnaire's newest stored
 * version unless told otherwise, optionally with the current wave's targets), closing one and
 * cancelling one that has not opened yet.
 *
 * The engine asks residents the *current* wave: the most recently opened wave that is open
 * (`Store.currentWave`). One wave runs at a time: opening one ends every wave still open at its
 * opening time, then — residents part-way through the old wave are offered the new one on their
 * next message. Closing the current wave hands over to an earlier still-open wave only where one
 * was left open by other means (an install from before this rule, `survey import --open-wave`
 * of an older release); else residents are told the survey has ended. Cancelling a scheduled wave
 * deletes it and undoes what scheduling it did: the waves it was to end get their end back.
 */
import { QuestionnaireConflictError, type QuestionnaireRecord, type Store, type WaveRecord } from "../model/index.js";
import { loadDefaultQuestionnaire } from "../definitions/load.js";
import { storeQuestionnaire } from "../survey/default-survey.js";
import { resolveWave } from "./stats-service.js";
import { at as adminText, type AdminKey } from "./i18n.js";
import type { Lang } from "../engine/types.js";
import type { TextVars } from "../util/translator.js";
import { DEFAULT_OFFICE_TIME_ZONE, formatLocalDate, formatLocalDateTime, formatOffset, parseLocalDateTime, parseOffset, zoneOffsetMinutes } from "../util/time-zone.js";

/** What the wave functions need of the store. */
export type WaveStore = Pick<
  Store,
  "listWaves" | "currentWave" | "createWave" | "closeWave" | "setWaveEnd" | "deleteWave" | "copyWaveTargets" | "waveTargets" | "responseCountsByWave" | "listQuestionnaires" | "saveQuestionnaire"
>;

/** Where a wave stands at a moment: not open yet, open and asked, open but not asked (a later wave is current), or ended. */
export type WaveStatus = "scheduled" | "current" | "open" | "closed";

/**
 * A request that cannot be met (unknown questionnaire or wave, bad dates, a name in use): a
 * message key of locales/<lang>/admin.json (`waves.error_*`) with its values; the message is
 * the English text, one line for the admin.
 */
export class WaveError extends Error {
  /**
   * @param key the admin string that says what is wrong
   * @param vars its placeholders
   */
  constructor(
    readonly key: AdminKey,
    readonly vars: TextVars = {},
  ) {
    super(adminText("en", key, vars));
  }

  /** The message in `lang`. */
  text(lang: Lang): string {
    return adminText(lang, this.key, this.vars);
  }
}

/** Text typed by an admin as a message shows it between quotes: quotes, backslashes and control characters escaped as in JSON (the message stays one line). */
export function quotedText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** How far in the past a new wave may open, or a wave be closed (a command typed "now" takes a moment). */
export const BACKDATE_TOLERANCE_MS = 60_000;

/** A wave with its status and counts, as `anxin wave list` shows it. */
export interface WaveSummary {
  wave: WaveRecord;
  status: WaveStatus;
  counts: { completed: number; inProgress: number; abandoned: number };
  /** How many targets (benchmark figures) are set for the wave. */
  targets: number;
}

/** What {@link openWave} is asked. */
export interface OpenWaveRequest {
  /** "key" (its newest stored version) or "key@version"; default: the current wave's questionnaire key (else the bundled default's), newest version. */
  questionnaire?: string;
  /** Default: "<questionnaire title> <YYYY-MM-DD of opensAt>", made unique with " (2)", " (3)" … */
  name?: string;
  /** Default: now. Not earlier than a minute ago. */
  opensAt?: Date;
  /** Default: open-ended (or, when a later wave is scheduled, when that one opens). */
  closesAt?: Date | null;
  /** Copy the targets of the wave current now (else the newest wave). Default false. */
  copyTargets?: boolean;
}

/** What {@link openWave} did. */
export interface OpenedWave {
  wave: WaveRecord;
  questionnaire: QuestionnaireRecord;
  /** "current" when residents are asked it from now on, "scheduled" when it opens later ("open" if a wave opened after it is current). */
  status: WaveStatus;
  /** The wave that was current before, when the new wave is current now and replaced it. */
  replaced: WaveRecord | null;
  /** The wave current now (the new one, or another when the new one is scheduled or opened earlier than it). */
  current: WaveRecord | null;
  /** Where targets were copied from, and how many. */
  copiedTargets: { from: WaveRecord; count: number } | null;
  /** Waves that were to stay open past the new wave's opening, now closing when it opens. */
  ended: WaveRecord[];
  /** A wave scheduled to open while the new one would still run: the new one closes when it opens. */
  endsAtNext: WaveRecord | null;
}

/** What {@link closeWave} is asked. */
export interface CloseWaveRequest {
  /** A wave id or name; default the current wave. */
  wave?: string;
  /** Default: now. Not earlier than a minute ago, and after the wave opens. */
  at?: Date;
}

/** What {@link closeWave} did. */
export interface ClosedWave {
  wave: WaveRecord;
  /** False when the close time lies in the future (the wave stays open until then). */
  closedNow: boolean;
  /** Whether it was the current wave before closing. */
  wasCurrent: boolean;
  /** The wave current now, after closing (null: no wave is open). */
  current: WaveRecord | null;
}

/** What {@link cancelWave} is asked. */
export interface CancelWaveRequest {
  /** A wave id or name: a wave that has not opened yet. */
  wave: string;
}

/** What {@link cancelWave} did. */
export interface CancelledWave {
  /** The wave as it was before it was deleted. */
  wave: WaveRecord;
  /** Waves that were to end when it opened, with the end they have now (the next scheduled wave's opening, or open-ended). */
  restored: WaveRecord[];
}

/**
 * A time as `anxin wave` and the wave messages print it: office time in `zone` to the minute with
 * the zone's offset at that moment, e.g. "2026-12-08 09:00+08:00" — readable as office time, and
 * unambiguous (it reads back through {@link parseWaveTimeText} whatever the zone).
 */
export function formatWaveTime(at: Date, zone: string = DEFAULT_OFFICE_TIME_ZONE): string {
  return `${formatLocalDateTime(at, zone)}${formatOffset(zoneOffsetMinutes(zone, at))}`;
}

/**
 * Reads an ISO 8601 date ("2026-12-01", midnight) or date and time ("2026-12-01T08:00",
 * "2026-12-01 08:00:30"; an HTML datetime-local field sends one of these) as office time in
 * `zone` — an IANA name (default Asia/Shanghai; daylight-saving gaps move forward, overlaps take
 * the earlier time) or a fixed offset ("Z", "+08:00") — unless the text carries its own offset
 * ("2026-12-01 08:00Z", "2026-12-01T08:00+08:00"), which wins. Null for anything else,
 * impossible dates (February 30th) included.
 */
export function parseWaveTimeText(text: string, zone: string = DEFAULT_OFFICE_TIME_ZONE): Date | null {
  const ms = parseLocalDateTime(text, zone);
  return ms === null ? null : new Date(ms);
}

/** Minutes east of UTC of a UTC offset: "Z" 0, "+08:00" 480, "-0130" −90; null when malformed. */
export function utcOffsetMinutes(zone: string): number | null {
  return parseOffset(zone);
}

/** The status of `wave` at `now`, given the wave current at `now`. */
export function waveStatus(wave: WaveRecord, current: WaveRecord | null, now: Date): WaveStatus {
  if (wave.closesAt && wave.closesAt.getTime() <= now.getTime()) return "closed";
  if (wave.opensAt.getTime() > now.getTime()) return "scheduled";
  return current?.id === wave.id ? "current" : "open";
}

/** Every wave, newest first, with its status at `now`, response counts and number of targets. */
export async function listWaveSummaries(store: Pick<WaveStore, "listWaves" | "currentWave" | "responseCountsByWave" | "waveTargets">, now: Date): Promise<WaveSummary[]> {
  const [waves, current, counts] = await Promise.all([store.listWaves(), store.currentWave(now), store.responseCountsByWave()]);
  const byWave = new Map<string, WaveSummary["counts"]>();
  for (const row of counts) {
    const c = byWave.get(row.waveId) ?? { completed: 0, inProgress: 0, abandoned: 0 };
    if (row.status === "completed") c.completed += row.count;
    else if (row.status === "abandoned") c.abandoned += row.count;
    else c.inProgress += row.count;
    byWave.set(row.waveId, c);
  }
  const summaries: WaveSummary[] = [];
  for (const wave of waves) {
    summaries.push({
      wave,
      status: waveStatus(wave, current, now),
      counts: byWave.get(wave.id) ?? { completed: 0, inProgress: 0, abandoned: 0 },
      targets: (await store.waveTargets(wave.id)).length,
    });
  }
  return summaries;
}

/**
 * Opens a wave (now, or scheduled for later), optionally copying the targets of the wave current
 * now (else the newest). Everything is checked before anything is written: a refused request
 * changes nothing, except that the bundled default questionnaire may have been stored (idempotent,
 * as `anxin start` does) when the questionnaire was looked up.
 */
export async function openWave(store: WaveStore, request: OpenWaveRequest, now: Date, zone: string = DEFAULT_OFFICE_TIME_ZONE): Promise<OpenedWave> {
  const formatWaveTime = (at: Date) => formatWaveTimeIn(at, zone);
  const opensAt = request.opensAt ?? now;
  const closesAt = request.closesAt ?? null;
  if (Number.isNaN(opensAt.getTime())) throw new WaveError("waves.error_opens_invalid");
  if (closesAt && Number.isNaN(closesAt.getTime())) throw new WaveError("waves.error_closes_invalid");
  if (opensAt.getTime() < now.getTime() - BACKDATE_TOLERANCE_MS) throw new WaveError("waves.error_opens_past", { opens: formatWaveTime(opensAt) });
  if (closesAt && closesAt.getTime() <= opensAt.getTime()) throw new WaveError("waves.error_closes_not_after_opens", { closes: formatWaveTime(closesAt), opens: formatWaveTime(opensAt) });
  if (closesAt && closesAt.getTime() <= now.getTime()) throw new WaveError("waves.error_closes_past", { closes: formatWaveTime(closesAt) });

  const waves = await store.listWaves();
  const givenName = request.name === undefined ? undefined : checkName(waves, request.name);
  const previous = await store.currentWave(now);
  let targetSource: WaveRecord | null = null;
  if (request.copyTargets) {
    targetSource = previous ?? waves[0] ?? null;
    if (!targetSource) throw new WaveError("waves.error_no_target_source");
  }
  const questionnaire = await chooseQuestionnaire(store, request.questionnaire, now);
  const name = givenName ?? defaultName(waves, questionnaire, formatLocalDate(opensAt, zone));

  // … and a wave already scheduled after this one ends it when it opens.
  const next = waves.filter((w) => w.opensAt.getTime() > opensAt.getTime()).sort((a, b) => a.opensAt.getTime() - b.opensAt.getTime())[0];
  const endsAtNext = next && (!closesAt || closesAt.getTime() > next.opensAt.getTime()) ? next : null;
  const wave = await store.createWave({ name, questionnaireId: questionnaire.id, opensAt, closesAt: endsAtNext ? endsAtNext.opensAt : closesAt });
  const copiedTargets = targetSource ? { from: targetSource, count: await store.copyWaveTargets(targetSource.id, wave.id) } : null;
  // One wave at a time: a wave left open would come back as the current one when this one closes.
  const ended: WaveRecord[] = [];
  for (const w of waves) {
    if (w.opensAt.getTime() <= opensAt.getTime() && (!w.closesAt || w.closesAt.getTime() > opensAt.getTime())) {
      const closed = await store.closeWave(w.id, opensAt);
      if (closed) ended.push(closed);
    }
  }
  const current = await store.currentWave(now);
  const status = waveStatus(wave, current, now);
  const replaced = status === "current" && previous && previous.id !== wave.id ? previous : null;
  return { wave, questionnaire, status, replaced, current, copiedTargets, ended, endsAtNext };
}

/** What the audit log records of an opened wave (`wave.open`; the caller adds where it came from, e.g. `via: "cli"`). */
export function openedAuditDetails(opened: OpenedWave): Record<string, unknown> {
  const w = opened.wave;
  return {
    name: w.name,
    questionnaire: `${w.questionnaireKey}@${w.questionnaireVersion}`,
    opensAt: w.opensAt.toISOString(),
    closesAt: w.closesAt?.toISOString() ?? null,
    ...(opened.copiedTargets ? { targetsFrom: opened.copiedTargets.from.id, targets: opened.copiedTargets.count } : {}),
    ...(opened.replaced ? { replaces: opened.replaced.id } : {}),
    ...(opened.ended.length > 0 ? { ends: opened.ended.map((e) => e.id) } : {}),
  };
}

/** Closes a wave now or at a later time (default: the current wave, now). */
export async function closeWave(store: Pick<WaveStore, "listWaves" | "currentWave" | "closeWave">, request: CloseWaveRequest, now: Date, zone: string = DEFAULT_OFFICE_TIME_ZONE): Promise<ClosedWave> {
  const formatWaveTime = (at: Date) => formatWaveTimeIn(at, zone);
  const at = request.at ?? now;
  if (Number.isNaN(at.getTime())) throw new WaveError("waves.error_closes_invalid");
  const before = await store.currentWave(now);
  let wave: WaveRecord | null;
  if (request.wave !== undefined) {
    wave = await resolveWave(store, request.wave, now);
    if (!wave) throw new WaveError("waves.error_no_such_wave", { wave: quotedText(request.wave) });
  } else {
    wave = before;
    if (!wave) throw new WaveError("waves.error_none_open");
  }
  if (wave.closesAt && wave.closesAt.getTime() <= now.getTime()) throw new WaveError("waves.error_already_closed", { name: wave.name, since: formatWaveTime(wave.closesAt) });
  if (at.getTime() < now.getTime() - BACKDATE_TOLERANCE_MS) throw new WaveError("waves.error_close_past", { at: formatWaveTime(at) });
  if (at.getTime() <= wave.opensAt.getTime()) throw new WaveError("waves.error_close_before_open", { name: wave.name, opens: formatWaveTime(wave.opensAt), at: formatWaveTime(at) });
  const closed = await store.closeWave(wave.id, at);
  if (!closed) throw new WaveError("waves.error_wave_gone", { wave: quotedText(wave.id) });
  return { wave: closed, closedNow: at.getTime() <= now.getTime(), wasCurrent: before?.id === wave.id, current: await store.currentWave(now) };
}

/**
 * Cancels a wave that has not opened yet (`opensAt` after `now`): deletes it with its targets and
 * undoes what scheduling it did. Every other wave that opened before it and was to end exactly
 * when it opens gets its end back: the opening of the next wave scheduled after that wave (the
 * cancelled one left out), else none (open-ended). Refused, changing nothing, for an unknown wave
 * or one that has opened (close it instead).
 */
export async function cancelWave(
  store: Pick<WaveStore, "listWaves" | "currentWave" | "responseCountsByWave" | "deleteWave" | "setWaveEnd">,
  request: CancelWaveRequest,
  now: Date,
  zone: string = DEFAULT_OFFICE_TIME_ZONE,
): Promise<CancelledWave> {
  const formatWaveTime = (at: Date) => formatWaveTimeIn(at, zone);
  const wave = await resolveWave(store, request.wave, now);
  if (!wave) throw new WaveError("waves.error_no_such_wave", { wave: quotedText(request.wave) });
  if (wave.opensAt.getTime() <= now.getTime()) throw new WaveError("waves.error_cancel_opened", { name: wave.name, opens: formatWaveTime(wave.opensAt) });
  // A scheduled wave has no responses; should one have some, they belong to it and it stays.
  if ((await store.responseCountsByWave()).some((c) => c.waveId === wave.id && c.count > 0)) throw new WaveError("waves.error_cancel_responses", { name: wave.name });
  const others = (await store.listWaves()).filter((w) => w.id !== wave.id);
  if (!(await store.deleteWave(wave.id))) throw new WaveError("waves.error_wave_gone", { wave: quotedText(wave.id) });
  const restored: WaveRecord[] = [];
  const opensAt = wave.opensAt.getTime();
  for (const w of others) {
    if (w.closesAt?.getTime() !== opensAt || w.opensAt.getTime() >= opensAt) continue;
    const next = others.filter((x) => x.opensAt.getTime() > w.opensAt.getTime()).sort((a, b) => a.opensAt.getTime() - b.opensAt.getTime())[0];
    const back = await store.setWaveEnd(w.id, next ? next.opensAt : null);
    if (back) restored.push(back);
  }
  return { wave, restored };
}

/** What the audit log records of a cancelled wave (`wave.cancel`; the caller adds where it came from, e.g. `via: "cli"`). */
export function cancelledAuditDetails(cancelled: CancelledWave): Record<string, unknown> {
  return { name: cancelled.wave.name, restored: cancelled.restored.map((w) => w.id) };
}

/** Parses "key" or "key@version" (also "key@v2"); undefined when malformed. */
export function parseQuestionnaireRef(text: string): { key: string; version?: number } | undefined {
  const match = /^([^@\s]+)(?:@v?(\d+))?$/.exec(text.trim());
  if (!match?.[1]) return undefined;
  return match[2] === undefined ? { key: match[1] } : { key: match[1], version: Number(match[2]) };
}

async function chooseQuestionnaire(store: WaveStore, ref: string | undefined, now: Date): Promise<QuestionnaireRecord> {
  const bundled = loadDefaultQuestionnaire();
  let wanted: { key: string; version?: number };
  if (ref === undefined) {
    await storeBundled(store, bundled);
    const base = await resolveWave(store, undefined, now);
    wanted = { key: base?.questionnaireKey ?? bundled.id };
  } else {
    const parsed = parseQuestionnaireRef(ref);
    if (!parsed) throw new WaveError("waves.error_questionnaire_ref", { ref: quotedText(ref), example: `${bundled.id}@${bundled.version}` });
    // An upgraded install that has not been restarted yet may not have stored the bundled version.
    if (parsed.key === bundled.id) await storeBundled(store, bundled);
    wanted = parsed;
  }
  const stored = await store.listQuestionnaires();
  const versions = stored.filter((q) => q.key === wanted.key).sort((a, b) => b.version - a.version);
  const record = wanted.version === undefined ? versions[0] : versions.find((q) => q.version === wanted.version);
  if (record) return record;
  const list = describeStored(stored);
  if (wanted.version !== undefined) throw new WaveError("waves.error_questionnaire_version", { questionnaire: wanted.key, version: wanted.version, stored: list });
  throw new WaveError(list ? "waves.error_questionnaire_unknown" : "waves.error_questionnaire_none", { questionnaire: wanted.key, stored: list });
}

async function storeBundled(store: WaveStore, bundled: ReturnType<typeof loadDefaultQuestionnaire>): Promise<void> {
  try {
    await storeQuestionnaire(store, bundled, "yaml");
  } catch (error) {
    if (error instanceof QuestionnaireConflictError) throw new WaveError("waves.error_bundled_conflict", { questionnaire: bundled.id, version: bundled.version });
    throw error;
  }
}

/** "public-safety v1, v2; other v3", or "" when none is stored. */
function describeStored(stored: readonly QuestionnaireRecord[]): string {
  const byKey = new Map<string, number[]>();
  for (const q of stored) byKey.set(q.key, [...(byKey.get(q.key) ?? []), q.version]);
  if (byKey.size === 0) return "";
  return [...byKey]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, versions]) => `${key} ${versions.sort((a, b) => a - b).map((v) => `v${v}`).join(", ")}`)
    .join("; ");
}

/** Whether some wave is already called `name` (or has it as id: `--wave` takes either). */
function nameTaken(waves: readonly WaveRecord[], name: string): WaveRecord | undefined {
  return waves.find((w) => w.name === name || w.id === name);
}

function checkName(waves: readonly WaveRecord[], raw: string): string {
  const name = raw.trim();
  if (!name) throw new WaveError("waves.error_name_empty");
  const taken = nameTaken(waves, name);
  if (taken) throw new WaveError("waves.error_name_taken", { name, wave: taken.id });
  return name;
}

/** "<title> <office-local date of opening>", numbered when taken. */
function defaultName(waves: readonly WaveRecord[], questionnaire: QuestionnaireRecord, opensOn: string): string {
  const base = `${questionnaire.title} ${opensOn}`;
  if (!nameTaken(waves, base)) return base;
  for (let n = 2; ; n++) {
    const name = `${base} (${n})`;
    if (!nameTaken(waves, name)) return name;
  }
}

// The exported formatter under another name, for the functions that shadow it with their zone's.
function formatWaveTimeIn(at: Date, zone: string): string {
  return formatWaveTime(at, zone);
}
