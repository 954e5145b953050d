/**
 * Reading a sync body from the phone (docs/field-api.md, `POST /field/api/sync`). The body comes
 * from a device we do not control and may be anything: every field is checked by hand here, with
 * a bound on every length, so that nothing malformed reaches the store and nothing here throws
 * except for a body that is not a sync body at all ({@link FieldSyncError}, a 400). A malformed
 * item is one refused item (`bad-input`, with what is wrong), never a failed request. Pure.
 */
import { normalizePhone } from "../engine/phone.js";
import { TIP_ID_PATTERN } from "../engine/payload.js";
import { isLang, type Lang } from "../engine/types.js";
import { MAX_VISIT_NOTES, VISIT_SURVEY_OUTCOMES, type FieldRecheckOutcome, type HandedOver, type VisitSurveyOutcome } from "../model/index.js";
import { isInterviewInput, MAX_INTERVIEW_INPUTS } from "./interview.js";
import { ft, type FieldKey } from "./i18n.js";
import type { TextVars } from "../util/translator.js";

/** At most this many items of each kind per request (more: the whole request is a 400). */
export const MAX_SYNC_ITEMS = 200;
/** Longest household address, in characters (the import's limit too). */
export const MAX_ADDRESS = 200;
/** Longest head-of-household name, in characters. */
export const MAX_HEAD_NAME = 100;
/** Most safety tips one visit can record as handed over. */
export const MAX_VISIT_TIPS = 20;
/** Longest re-check note, in characters. */
export const MAX_RECHECK_NOTES = 1000;
/** Most question ids a re-check may name as differing. */
export const MAX_DIFFERS = 50;
/** How far ahead of the server's clock a phone's time may be (clocks drift, zones get mixed up). */
export const FUTURE_SLACK_MS = 24 * 3600 * 1000;
/** How far back a recorded time may lie: a year (older is a phone with a wrong clock). */
export const PAST_LIMIT_MS = 366 * 24 * 3600 * 1000;

/** A phone's client id: 8–64 characters of `A-Za-z0-9_-`. */
export const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** A server id (cuid-like) as the phone sends it back. */
const SERVER_ID = /^[A-Za-z0-9_-]{1,100}$/;
/** A region code, as the region import accepts them. */
const REGION_CODE = /^[A-Za-z0-9._-]{1,64}$/;
/** A questionnaire key or question id. */
const KEY = /^[A-Za-z0-9_.-]{1,100}$/;
/** ISO 8601 with a date, a time and a zone (what `Date.toISOString()` and the page write). */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;
/** A UTF-16 surrogate without its partner: not text (it cannot even be stored as UTF-8). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Control characters; notes may keep line breaks and tabs. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The kinds of items a sync carries, in the order they are handled. */
export const SYNC_KINDS = ["households", "visits", "interviews", "rechecks"] as const;
/** One kind of sync item. */
export type SyncKind = (typeof SYNC_KINDS)[number];

/** Thrown for a body that is not a sync body (not an object, a list that is not one, too many items): the routes answer 400. */
export class FieldSyncError extends Error {
  /** What the routes recognise a malformed body by (bots/web/field-routes.ts isBadSyncBody). */
  readonly code = "bad_sync_body";

  constructor(
    /** The text's key (locales field.json `body.*`). */
    readonly key: FieldKey,
    readonly vars: TextVars = {},
  ) {
    super(ft("en", key, vars));
    this.name = "FieldSyncError";
  }

  /** The message in `lang`, for the 400 answer. */
  messageIn(lang: Lang): string {
    return ft(lang, this.key, this.vars);
  }
}

/** What is wrong with an item: the text key of `bad.*` and its placeholders. */
export interface BadInput {
  key: FieldKey;
  vars?: TextVars;
}

/** The household an item is for: a stored one by id, or one added on the phone by its client id. */
export type HouseholdRef = { id: string } | { clientId: string };

/** A household added on the phone. */
export interface HouseholdItem {
  clientId: string;
  regionCode: string;
  address: string;
  headName: string | null;
  /** Canonical (normalizePhone). */
  phone: string | null;
}

/** A visit as recorded on the phone. */
export interface VisitItem {
  clientId: string;
  household: HouseholdRef;
  visitedAt: Date;
  handedOver: HandedOver;
  survey: VisitSurveyOutcome;
  notes: string | null;
}

/** An interview as run on the phone: its inputs, to be replayed. */
export interface InterviewItem {
  clientId: string;
  household: HouseholdRef;
  visitClientId: string | null;
  waveId: string;
  questionnaireId: string;
  version: number;
  lang: Lang;
  inputs: unknown[];
  startedAt: Date;
  completedAt: Date;
}

/** A field re-check's outcome as the verifier recorded it. */
export interface RecheckItem {
  clientId: string;
  spotCheckId: string;
  outcome: FieldRecheckOutcome;
  /** Question ids whose answer differs now (outcome `differs` only). */
  differs: string[];
  notes: string | null;
}

/** An item read, or why it cannot be (with the client id, when it has a readable one, to answer with). */
export type Parsed<T> = { ok: true; item: T } | { ok: false; clientId: string | null; bad: BadInput };

/** The four lists of a sync body, each item still unchecked. */
export type SyncLists = Record<SyncKind, unknown[]>;

/** Splits a body into its four lists; throws {@link FieldSyncError} for a body that is not a sync body. */
export function syncLists(body: unknown): SyncLists {
  if (!isRecord(body)) throw new FieldSyncError("body.not_object");
  const lists = {} as SyncLists;
  for (const kind of SYNC_KINDS) {
    const value = body[kind];
    if (value === undefined || value === null) lists[kind] = [];
    else if (!Array.isArray(value)) throw new FieldSyncError("body.not_array", { kind });
    else if (value.length > MAX_SYNC_ITEMS) throw new FieldSyncError("body.too_many", { kind, max: MAX_SYNC_ITEMS });
    else lists[kind] = value;
  }
  return lists;
}

/** Thrown inside the readers below and caught by {@link readItem}: it never leaves this module. */
class Bad extends Error {
  constructor(readonly bad: BadInput) {
    super(bad.key);
  }
}

const fail = (key: FieldKey, vars?: TextVars): never => {
  throw new Bad(vars ? { key, vars } : { key });
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The client id an answer can name: the item's own when it is a readable string. */
function echoClientId(raw: unknown): string | null {
  if (!isRecord(raw)) return null;
  const id = raw.clientId;
  return typeof id === "string" && CLIENT_ID.test(id) ? id : null;
}

/** Runs a reader on one raw item, turning its first problem into a `bad-input` result. */
function readItem<T>(raw: unknown, read: (item: Record<string, unknown>) => T): Parsed<T> {
  try {
    if (!isRecord(raw)) fail("bad.not_object");
    return { ok: true, item: read(raw as Record<string, unknown>) };
  } catch (error) {
    if (error instanceof Bad) return { ok: false, clientId: echoClientId(raw), bad: error.bad };
    throw error;
  }
}

function clientId(item: Record<string, unknown>, field = "clientId"): string {
  const value = item[field];
  if (typeof value !== "string" || !CLIENT_ID.test(value)) fail("bad.client_id");
  return value as string;
}

function serverId(item: Record<string, unknown>, field: string): string {
  const value = item[field];
  if (typeof value !== "string" || !SERVER_ID.test(value)) fail("bad.missing", { field });
  return value as string;
}

/** A text field: a string of at most `max` characters that is text; trimmed; `required` refuses an empty one. */
function text(item: Record<string, unknown>, field: string, max: number, options: { required: boolean; lines?: boolean }): string | null {
  const value = item[field];
  if (value === undefined || value === null) return options.required ? fail("bad.missing", { field }) : null;
  if (typeof value !== "string") fail("bad.missing", { field });
  const raw = value as string;
  // Checked before trimming so a megabyte of spaces is refused as too long, not accepted as empty.
  if ([...raw].length > max) fail("bad.too_long", { field, max });
  if (LONE_SURROGATE.test(raw) || (options.lines ? CONTROL_BUT_LINES : CONTROL).test(raw)) fail("bad.text", { field });
  const trimmed = raw.trim();
  if (trimmed === "") return options.required ? fail("bad.empty", { field }) : null;
  return trimmed;
}

/**
 * A time the phone recorded: strict ISO 8601 with a zone, a real calendar date (2026-02-30 is
 * refused, not rolled over into March), not more than a day ahead of `now` nor a year behind.
 */
export function readTime(value: unknown, field: string, now: Date): Date {
  if (typeof value !== "string" || value.length > 40) return fail("bad.date", { field });
  const m = ISO.exec(value);
  if (!m) return fail("bad.date", { field });
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return fail("bad.date", { field });
  const zone = m[8] as string;
  if (zone !== "Z" && (Number(zone.slice(1, 3)) > 14 || Number(zone.slice(4, 6)) > 59)) return fail("bad.date", { field });
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return fail("bad.date", { field });
  if (at.getTime() > now.getTime() + FUTURE_SLACK_MS) return fail("bad.future", { field });
  if (at.getTime() < now.getTime() - PAST_LIMIT_MS) return fail("bad.past", { field });
  return at;
}

function householdRef(item: Record<string, unknown>): HouseholdRef {
  const hasId = item.householdId !== undefined && item.householdId !== null;
  const hasClient = item.householdClientId !== undefined && item.householdClientId !== null;
  if (hasId && hasClient) fail("bad.household_both");
  if (hasClient) return { clientId: clientId(item, "householdClientId") };
  return { id: serverId(item, "householdId") };
}

/** Reads one household item. */
export function readHousehold(raw: unknown): Parsed<HouseholdItem> {
  return readItem(raw, (item) => {
    const id = clientId(item);
    const regionCode = item.regionCode;
    if (typeof regionCode !== "string" || !REGION_CODE.test(regionCode.trim())) fail("bad.missing", { field: "regionCode" });
    const address = text(item, "address", MAX_ADDRESS, { required: true }) as string;
    const headName = text(item, "headName", MAX_HEAD_NAME, { required: false });
    const phoneText = text(item, "phone", 40, { required: false });
    let phone: string | null = null;
    if (phoneText !== null) phone = normalizePhone(phoneText) ?? fail("bad.phone", { phone: phoneText });
    return { clientId: id, regionCode: (regionCode as string).trim(), address, headName, phone };
  });
}

/** Reads one visit item (times against the server's `now`). */
export function readVisit(raw: unknown, now: Date): Parsed<VisitItem> {
  return readItem(raw, (item) => {
    const id = clientId(item);
    const household = householdRef(item);
    const visitedAt = readTime(item.visitedAt, "visitedAt", now);
    const handed = item.handedOver;
    if (!isRecord(handed) || typeof handed.leaflet !== "boolean") fail("bad.missing", { field: "handedOver.leaflet" });
    const tipsRaw = (handed as Record<string, unknown>).tips ?? [];
    if (!Array.isArray(tipsRaw) || tipsRaw.length > MAX_VISIT_TIPS || !tipsRaw.every((t) => typeof t === "string" && TIP_ID_PATTERN.test(t))) fail("bad.tips", { max: MAX_VISIT_TIPS });
    const survey = item.survey;
    if (typeof survey !== "string" || !(VISIT_SURVEY_OUTCOMES as readonly string[]).includes(survey)) fail("bad.choice", { field: "survey", choices: VISIT_SURVEY_OUTCOMES.join(", ") });
    const notes = text(item, "notes", MAX_VISIT_NOTES, { required: false, lines: true });
    // The same tip twice is one tip handed over.
    const tips = [...new Set(tipsRaw as string[])];
    return { clientId: id, household, visitedAt, handedOver: { leaflet: (handed as { leaflet: boolean }).leaflet, tips }, survey: survey as VisitSurveyOutcome, notes };
  });
}

/** Reads one interview item (its inputs are only checked for shape here: the replay judges them). */
export function readInterview(raw: unknown, now: Date): Parsed<InterviewItem> {
  return readItem(raw, (item) => {
    const id = clientId(item);
    const household = householdRef(item);
    const visitClientId = item.visitClientId === undefined || item.visitClientId === null ? null : clientId(item, "visitClientId");
    const waveId = serverId(item, "waveId");
    const questionnaireId = item.questionnaireId;
    if (typeof questionnaireId !== "string" || !KEY.test(questionnaireId)) fail("bad.missing", { field: "questionnaireId" });
    const version = item.version;
    if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) fail("bad.missing", { field: "version" });
    const lang = item.lang;
    if (!isLang(lang)) fail("bad.choice", { field: "lang", choices: "zh-CN, zh-TW, en" });
    const inputs = item.inputs;
    if (!Array.isArray(inputs) || inputs.length > MAX_INTERVIEW_INPUTS || !inputs.every(isInterviewInput)) fail("bad.inputs", { max: MAX_INTERVIEW_INPUTS });
    const startedAt = readTime(item.startedAt, "startedAt", now);
    const completedAt = readTime(item.completedAt, "completedAt", now);
    if (completedAt < startedAt) fail("bad.order");
    return {
      clientId: id,
      household,
      visitClientId,
      waveId,
      questionnaireId: questionnaireId as string,
      version: version as number,
      lang: lang as Lang,
      inputs: inputs as unknown[],
      startedAt,
      completedAt,
    };
  });
}

const RECHECK_OUTCOMES: readonly FieldRecheckOutcome[] = ["confirmed", "differs", "not_found"];

/** Reads one field re-check item. */
export function readRecheck(raw: unknown): Parsed<RecheckItem> {
  return readItem(raw, (item) => {
    const id = clientId(item);
    const spotCheckId = serverId(item, "spotCheckId");
    const outcome = item.outcome;
    if (typeof outcome !== "string" || !(RECHECK_OUTCOMES as readonly string[]).includes(outcome)) fail("bad.choice", { field: "outcome", choices: RECHECK_OUTCOMES.join(", ") });
    const differsRaw = item.differs ?? [];
    if (!Array.isArray(differsRaw) || differsRaw.length > MAX_DIFFERS || !differsRaw.every((q) => typeof q === "string" && KEY.test(q))) fail("bad.differs", { max: MAX_DIFFERS });
    const differs = [...new Set(differsRaw as string[])];
    if (outcome !== "differs" && differs.length > 0) fail("bad.differs", { max: MAX_DIFFERS });
    const notes = text(item, "notes", MAX_RECHECK_NOTES, { required: false, lines: true });
    return { clientId: id, spotCheckId, outcome: outcome as FieldRecheckOutcome, differs, notes };
  });
}
