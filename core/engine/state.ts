/**
 * Reading session state and answers that come back from storage: anything that is not a valid
 * v1 state becomes a fresh state (keeping the language when it can be read), so a corrupted or
 * hand-edited row can never crash the engine.
 */
import { z } from "zod";
import { SUPPORTED_LANGS, initialState, isLang } from "./types.js";
import type { AnswerValue, Lang, SessionState } from "./types.js";

const LangSchema = z.enum(SUPPORTED_LANGS as [Lang, ...Lang[]]);
const shortId = z.string().max(200);

/** zod schema of {@link AnswerValue}. */
export const AnswerValueSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("choice"), option: shortId, other: z.string().max(4000).optional() }),
  z.object({ kind: z.literal("choices"), options: z.array(shortId).max(100), other: z.string().max(4000).optional() }),
  z.object({ kind: z.literal("number"), value: z.number().finite() }),
  z.object({ kind: z.literal("text"), value: z.string().max(100_000) }),
  z.object({ kind: z.literal("bool"), value: z.boolean() }),
  z.object({ kind: z.literal("region"), code: shortId, path: z.array(shortId).max(20) }),
]);

const ModeSchema = z.enum(["new", "consent", "menu", "survey", "language", "privacy", "confirmDeletion", "tips", "cases", "reportCase", "rateCase", "recheck", "compose"]);

const TipProgressSchema = z.object({ id: shortId, stage: z.enum(["reading", "quiz", "explained"]) });
const CaseRatingSchema = z.object({ code: shortId, returnMode: ModeSchema });
const RecheckQuestionSchema = z.object({ id: shortId, original: AnswerValueSchema });
const RecheckSchema = z.object({
  spotCheckId: shortId,
  questionnaireId: shortId,
  version: z.number().int(),
  questions: z.array(RecheckQuestionSchema).min(1).max(10),
  answers: z.array(AnswerValueSchema).max(10),
  expiresAt: z.string().max(100),
  returnMode: ModeSchema,
});

const LocalizedSchema = z.partialRecord(LangSchema, z.string().max(10_000));
const AudienceSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("households") }),
  z.object({ kind: z.literal("unfinished") }),
  z.object({ kind: z.literal("everyone") }),
  z.object({ kind: z.literal("region"), code: shortId }),
]);
const ComposeSchema = z.object({
  step: z.enum(["text", "menu", "tips", "image", "audience", "region", "counting", "preview", "schedule", "sending"]),
  lang: LangSchema.optional(),
  draft: z.object({ text: LocalizedSchema, image: z.string().max(600).optional(), tipId: shortId.optional() }),
  audience: AudienceSchema.optional(),
  reach: z.object({ count: z.number().int().min(0), notReached: z.number().int().min(0) }).optional(),
  startedAt: z.string().max(100),
  returnMode: ModeSchema,
});

const PendingSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("multi"), questionId: shortId, selected: z.array(shortId).max(100) }),
  z.object({ kind: z.literal("region"), questionId: shortId, path: z.array(shortId).max(20) }),
  z.object({
    kind: z.literal("other"),
    questionId: shortId,
    value: z.union([
      z.object({ kind: z.literal("choice"), option: shortId }),
      z.object({ kind: z.literal("choices"), options: z.array(shortId).max(100) }),
    ]),
  }),
]);

const SurveySchema = z.object({
  waveId: shortId,
  questionnaireId: shortId,
  version: z.number().int(),
  startedAt: z.string().max(100),
  answers: z.record(shortId, AnswerValueSchema),
  skipped: z.array(shortId).max(500),
  order: z.array(shortId).max(500),
  current: shortId.nullable(),
  pending: PendingSchema.nullable(),
});

/** zod schema of {@link SessionState} (version 1). */
export const SessionStateSchema = z.object({
  v: z.literal(1),
  lang: LangSchema,
  langChosen: z.boolean(),
  consent: z.enum(["unknown", "given", "declined"]),
  optedOut: z.boolean(),
  mode: ModeSchema,
  returnMode: ModeSchema.optional(),
  wantsSurvey: z.boolean().optional(),
  survey: SurveySchema.nullable(),
  completedWaves: z.array(shortId).max(10_000),
  tip: TipProgressSchema.optional(),
  rating: CaseRatingSchema.optional(),
  recheck: RecheckSchema.optional(),
  phoneShared: z.boolean().optional(),
  // An unreadable draft is dropped on its own (see parseSessionState), not the whole session.
  compose: ComposeSchema.optional(),
});

// Fail the build if the schema and the hand-written type drift apart.
type Assert<T extends true> = T;
type Parsed = z.output<typeof SessionStateSchema>;
/** Compile-time check only: the zod schema and SessionState describe the same shape. */
export type _StateSchemaMatches = Assert<Parsed extends SessionState ? (SessionState extends Parsed ? true : false) : false>;

/**
 * A valid session state from stored JSON (object or string). Always returns a new object; an
 * unreadable state becomes `initialState` in the stored language, if any.
 */
export function parseSessionState(json: unknown): SessionState {
  let value = json;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return initialState();
    }
  }
  const parsed = SessionStateSchema.safeParse(value);
  if (parsed.success) return stripUndefined(parsed.data);
  const withoutDraft = withoutCompose(value);
  if (withoutDraft) {
    // A staff member's broadcast draft that cannot be read is forgotten; the rest of the session stays.
    const again = SessionStateSchema.safeParse(withoutDraft);
    if (again.success) return stripUndefined(again.data);
  }
  const lang = value !== null && typeof value === "object" && "lang" in value ? (value as { lang: unknown }).lang : undefined;
  return initialState(isLang(lang) ? lang : "zh-CN");
}

/** `value` without its compose sub-state (out of mode `compose`), or undefined when it has none. */
function withoutCompose(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== "object" || !("compose" in value)) return undefined;
  const { compose: _dropped, ...rest } = value as Record<string, unknown>;
  if (rest.mode === "compose") rest.mode = "menu";
  if (rest.returnMode === "compose") rest.returnMode = "menu";
  for (const side of ["recheck", "rating"]) {
    const inner = rest[side];
    if (inner !== null && typeof inner === "object" && (inner as { returnMode?: unknown }).returnMode === "compose") rest[side] = { ...inner, returnMode: "menu" };
  }
  return rest;
}

/** Is `value` a valid AnswerValue? */
export function isAnswerValue(value: unknown): value is AnswerValue {
  return AnswerValueSchema.safeParse(value).success;
}

/** Drops optional members that are undefined, so states compare and serialize cleanly. */
function stripUndefined(s: SessionState): SessionState {
  const out: SessionState = { ...s };
  if (out.returnMode === undefined) delete out.returnMode;
  if (out.wantsSurvey === undefined) delete out.wantsSurvey;
  if (out.tip === undefined) delete out.tip;
  if (out.rating === undefined) delete out.rating;
  if (out.recheck === undefined) delete out.recheck;
  if (out.phoneShared === undefined) delete out.phoneShared;
  if (out.compose === undefined) delete out.compose;
  return out;
}
