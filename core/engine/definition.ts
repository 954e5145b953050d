/**
 * Questionnaire definitions: the zod schema of the YAML format, load-time validation with precise
 * messages (`questions[4].options[2].label.en: required`), the JSON Schema, and the defaults the
 * engine applies. Pure: takes text or objects, never touches files (see core/definitions/load.ts).
 */
import { z } from "zod";
import { LineCounter, parseDocument } from "yaml";
import { canonicalJson, sha256Hex } from "./sha256.js";
import { SUPPORTED_LANGS } from "./types.js";
import type {
  Lang,
  LocalizedText,
  MultipleQuestion,
  QuestionDefinition,
  Questionnaire,
  QuestionnaireDefinition,
  Scale5Question,
} from "./types.js";
import { checkExpressions } from "./definition-expressions.js";

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

/** Words of the expression language that therefore cannot be question ids. */
const RESERVED_IDS = new Set(["and", "or", "not", "true", "false"]);

const nonEmpty = z.string().trim().min(1, { error: "must not be empty" });

const LocalizedTextSchema = z
  .strictObject({ "zh-CN": nonEmpty.optional(), "zh-TW": nonEmpty.optional(), en: nonEmpty.optional() })
  .meta({ id: "LocalizedText", description: "Text per language; every language in `languages` is required." });

const QuestionIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, { error: "must be 1-32 chars: a lowercase letter, then a-z, 0-9 or _" })
  .refine((id) => !RESERVED_IDS.has(id), { error: "is a reserved word of the expression language" });

const OptionSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/, { error: "must be 1-32 chars of A-Z a-z 0-9 _ . -" }),
    label: LocalizedTextSchema,
    specify: z.boolean().optional().describe("'Other, please specify': ask for a text after this option"),
    exclusive: z.boolean().optional().describe("multiple only: this option clears all others ('none of these')"),
    valid: z.boolean().optional().describe("scale5 only: false = not a valid level (e.g. don't know)"),
    relevant: z
      .string()
      .optional()
      .describe("single and multiple only: expression over earlier answers; the option is offered only while true (XLSForm choice_filter, e.g. district == 'd1')"),
  })
  .meta({ id: "Option" });

const baseFields = {
  id: QuestionIdSchema,
  section: z.string().optional(),
  label: LocalizedTextSchema,
  hint: LocalizedTextSchema.optional(),
  read_aloud: LocalizedTextSchema.optional().describe("the question as an officer reads it out on a household visit (interviewer mode); default: the label"),
  required: z.boolean().optional().describe("default true"),
  required_message: LocalizedTextSchema.optional(),
  relevant: z.string().optional().describe("expression over earlier answers; ask only while true"),
};

/** Options a resident may be shown at once. */
const MAX_SHOWN_OPTIONS = 40;
/**
 * Options of one list when every option carries its own `relevant` (a cascading list such as all
 * villages of a county: only those of the chosen town are shown).
 */
const MAX_FILTERED_OPTIONS = 1000;

const count = z.number().int({ error: "must be an integer" }).min(0, { error: "must be 0 or more" });

const SingleSchema = z.strictObject({
  ...baseFields,
  type: z.literal("single"),
  options: z.array(OptionSchema).min(2, { error: "needs at least 2 options" }).max(MAX_FILTERED_OPTIONS, { error: `at most ${MAX_FILTERED_OPTIONS} options` }),
});
const MultipleSchema = z.strictObject({
  ...baseFields,
  type: z.literal("multiple"),
  options: z.array(OptionSchema).min(2, { error: "needs at least 2 options" }).max(MAX_FILTERED_OPTIONS, { error: `at most ${MAX_FILTERED_OPTIONS} options` }),
  min: count.optional(),
  max: count.min(1, { error: "must be 1 or more" }).optional(),
});
const Scale5Schema = z.strictObject({
  ...baseFields,
  type: z.literal("scale5"),
  options: z.array(OptionSchema).min(5, { error: "needs the 5 levels" }).max(10, { error: "at most 10 options" }),
  scores: z.array(z.number()).length(5, { error: "needs exactly 5 scores, one per level" }).optional(),
  rate_top: z.number().int().min(1).max(5).optional().describe("top levels counted as positive; default 3"),
});
const YesNoSchema = z.strictObject({
  ...baseFields,
  type: z.literal("yesno"),
  yes_label: LocalizedTextSchema.optional(),
  no_label: LocalizedTextSchema.optional(),
});
const NumberSchema = z.strictObject({
  ...baseFields,
  type: z.literal("number"),
  min: z.number().optional(),
  max: z.number().optional(),
  integer: z.boolean().optional().describe("default true"),
  constraint: z.string().optional(),
  constraint_message: LocalizedTextSchema.optional(),
});
const TextSchema = z.strictObject({
  ...baseFields,
  type: z.literal("text"),
  max_length: z.number().int().min(1).max(4000).optional().describe("default 500"),
  constraint: z.string().optional(),
  constraint_message: LocalizedTextSchema.optional(),
  suggestion: z.boolean().optional().describe("also emit SuggestionSubmitted"),
});
const RegionSchema = z.strictObject({
  ...baseFields,
  type: z.literal("region"),
  depth: z.number().int().min(1).max(6).optional().describe("levels to pick; default 1"),
});
const NoteSchema = z.strictObject({ ...baseFields, type: z.literal("note") });
const PhoneSchema = z
  .strictObject({
    // The base fields but required_message: the question is never required.
    id: baseFields.id,
    section: baseFields.section,
    label: baseFields.label,
    hint: baseFields.hint,
    read_aloud: baseFields.read_aloud,
    relevant: baseFields.relevant,
    type: z.literal("phone"),
    required: z.literal(false, { error: "a phone question is always optional: the resident may skip it" }).optional().describe("always optional (false or left out)"),
  })
  .describe(
    "a telephone number the resident may leave for telephone spot checks; always optional; stored with the resident, never as an answer; at most one per questionnaire",
  );

const QuestionSchema = z.discriminatedUnion("type", [
  SingleSchema,
  MultipleSchema,
  Scale5Schema,
  YesNoSchema,
  NumberSchema,
  TextSchema,
  RegionSchema,
  NoteSchema,
  PhoneSchema,
]);

/** The zod schema of a questionnaire file (structure only; see {@link checkQuestionnaire}). */
export const QuestionnaireSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { error: "must be 1-40 chars of a-z 0-9 _ -" }),
  version: z.number().int({ error: "must be an integer" }).min(1, { error: "must be 1 or more" }),
  title: LocalizedTextSchema,
  languages: z.array(z.enum(SUPPORTED_LANGS as [Lang, ...Lang[]])).min(1, { error: "declare at least one language" }),
  intro: LocalizedTextSchema.optional(),
  outro: LocalizedTextSchema.optional(),
  sections: z.array(z.strictObject({ id: QuestionIdSchema, title: LocalizedTextSchema })).optional(),
  questions: z.array(QuestionSchema).min(1, { error: "needs at least one question" }).max(200),
});

// The hand-written types in types.ts are the contract; fail the build if the schema drifts.
type Assert<T extends true> = T;
type SchemaOut = z.output<typeof QuestionnaireSchema>;
/** Compile-time check only: the zod schema and QuestionnaireDefinition describe the same shape. */
export type _SchemaMatchesTypes = Assert<SchemaOut extends QuestionnaireDefinition ? (QuestionnaireDefinition extends SchemaOut ? true : false) : false>;

/** JSON Schema (draft 2020-12) of the questionnaire file format, for editors and other tools. */
export function questionnaireJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(QuestionnaireSchema, { io: "input" }) as Record<string, unknown>;
  return { ...schema, title: "Anxin questionnaire definition" };
}

// ---------------------------------------------------------------------------------------------
// Issues and errors
// ---------------------------------------------------------------------------------------------

/** One problem found in a definition. `path` is like `questions[4].options[2].label.en`. */
export interface DefinitionIssue {
  path: string;
  message: string;
}

/** Thrown by {@link parseQuestionnaire} / {@link validateQuestionnaire}; lists every issue. */
export class DefinitionError extends Error {
  /** The file or source name given by the caller. */
  readonly source: string;
  readonly issues: DefinitionIssue[];
  constructor(source: string, issues: DefinitionIssue[]) {
    super(`${source}: invalid questionnaire\n${issues.map((i) => `  ${formatIssue(i)}`).join("\n")}`);
    this.name = "DefinitionError";
    this.source = source;
    this.issues = issues;
  }
}

/** `path: message`, or just the message for the whole document. */
export function formatIssue(issue: DefinitionIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** Joins path segments the way people write them: `questions[4].options[2].label.en`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function zodIssueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    case "invalid_union":
      // Discriminated unions report the allowed `type` values in `options`.
      if ("options" in issue && Array.isArray(issue.options)) {
        return `must be one of ${(issue.options as unknown[]).map(String).join(", ")}`;
      }
      return issue.message;
    case "invalid_value":
      // A single allowed value is a literal with its own explanation (a phone question's `required`).
      if (issue.values.length === 1) return issue.message;
      return `must be one of ${issue.values.map((v) => String(v)).join(", ")}`;
    default:
      return issue.message;
  }
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/** Result of {@link checkQuestionnaire}. */
export type CheckResult = { ok: true; questionnaire: Questionnaire } | { ok: false; issues: DefinitionIssue[] };

/**
 * Validates a parsed object (structure, then meaning); never throws. An object that already
 * carries a `checksum` (a stored Questionnaire) is accepted when the checksum still matches.
 */
export function checkQuestionnaire(obj: unknown): CheckResult {
  let claimed: unknown;
  if (obj !== null && typeof obj === "object" && !Array.isArray(obj) && "checksum" in obj) {
    const { checksum, ...rest } = obj as Record<string, unknown>;
    claimed = checksum;
    obj = rest;
  }
  const parsed = QuestionnaireSchema.safeParse(obj, {
    error: (iss) => (iss.input === undefined && iss.code === "invalid_type" ? "required" : undefined),
  });
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: zodIssueMessage(i) })),
    };
  }
  const def: QuestionnaireDefinition = parsed.data;
  const issues = [...checkStructure(def), ...checkLabels(def), ...checkExpressions(def)];
  const checksum = questionnaireChecksum(def);
  if (claimed !== undefined && claimed !== checksum) {
    issues.push({ path: "checksum", message: `does not match the content (expected ${checksum}); was the definition edited without a new version?` });
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, questionnaire: { ...def, checksum } };
}

/** Validates a parsed object; throws {@link DefinitionError} listing every issue. */
export function validateQuestionnaire(obj: unknown, sourceName = "questionnaire"): Questionnaire {
  const result = checkQuestionnaire(obj);
  if (!result.ok) throw new DefinitionError(sourceName, result.issues);
  return result.questionnaire;
}

/** Parses YAML text and validates it; throws {@link DefinitionError} (YAML errors give line:column). */
export function parseQuestionnaire(yamlText: string, sourceName: string): Questionnaire {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    throw new DefinitionError(
      sourceName,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { path: pos ? `line ${pos.line}, column ${pos.col}` : "", message: e.message.split("\n")[0] ?? e.message };
      }),
    );
  }
  return validateQuestionnaire(doc.toJS({ maxAliasCount: 100 }), sourceName);
}

/**
 * sha256 (hex) of the canonical JSON of a definition, without any `checksum` member. Formatting,
 * comments and key order don't change it; writing a default value explicitly does.
 */
export function questionnaireChecksum(def: QuestionnaireDefinition): string {
  const { checksum: _ignored, ...rest } = def as QuestionnaireDefinition & { checksum?: string };
  return sha256Hex(canonicalJson(rest));
}

function checkStructure(def: QuestionnaireDefinition): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const dupLangs = def.languages.filter((l, i) => def.languages.indexOf(l) !== i);
  for (const l of new Set(dupLangs)) issues.push({ path: "languages", message: `'${l}' is listed twice` });

  const sectionIds = new Set<string>();
  def.sections?.forEach((s, i) => {
    if (sectionIds.has(s.id)) issues.push({ path: `sections[${i}].id`, message: `duplicate section id '${s.id}'` });
    sectionIds.add(s.id);
  });

  const firstIndex = new Map<string, number>();
  let firstPhone: number | undefined;
  def.questions.forEach((q, qi) => {
    const at = `questions[${qi}]`;
    const earlier = firstIndex.get(q.id);
    if (earlier !== undefined) {
      issues.push({ path: `${at}.id`, message: `duplicate question id '${q.id}' (first used at questions[${earlier}])` });
    } else firstIndex.set(q.id, qi);
    if (q.section !== undefined && !sectionIds.has(q.section)) {
      issues.push({ path: `${at}.section`, message: `unknown section '${q.section}'` });
    }
    if (q.type === "note" && q.required === true) {
      issues.push({ path: `${at}.required`, message: "a note takes no answer and cannot be required" });
    }
    if (q.type === "phone" && firstPhone === undefined) firstPhone = qi;
    else if (q.type === "phone") {
      // One number per resident: a second phone question would silently replace the first.
      issues.push({ path: `${at}.type`, message: `only one phone question is allowed (the first is questions[${firstPhone}])` });
    }
    if ("options" in q) issues.push(...checkOptions(q, at));
    if (q.type === "multiple") issues.push(...checkMultipleBounds(q, at));
    if (q.type === "number" && q.min !== undefined && q.max !== undefined && q.min > q.max) {
      issues.push({ path: `${at}.min`, message: `min (${q.min}) is greater than max (${q.max})` });
    }
  });
  if (!def.questions.some((q) => q.type !== "note")) {
    issues.push({ path: "questions", message: "needs at least one question that takes an answer" });
  }
  return issues;
}

function checkOptions(q: Extract<QuestionDefinition, { options: unknown }>, at: string): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const seen = new Map<string, number>();
  q.options.forEach((o, oi) => {
    const first = seen.get(o.id);
    if (first !== undefined) {
      issues.push({ path: `${at}.options[${oi}].id`, message: `duplicate option id '${o.id}' (first used at options[${first}])` });
    } else seen.set(o.id, oi);
    if (o.exclusive !== undefined && q.type !== "multiple") {
      issues.push({ path: `${at}.options[${oi}].exclusive`, message: "only allowed in a multiple question" });
    }
    if (o.valid !== undefined && q.type !== "scale5") {
      issues.push({ path: `${at}.options[${oi}].valid`, message: "only allowed in a scale5 question" });
    }
    if (o.specify !== undefined && q.type === "scale5") {
      issues.push({ path: `${at}.options[${oi}].specify`, message: "not allowed in a scale5 question" });
    }
    if (o.relevant !== undefined && q.type === "scale5") {
      issues.push({ path: `${at}.options[${oi}].relevant`, message: "not allowed in a scale5 question (its five levels are always shown)" });
    }
  });
  if (q.options.length > MAX_SHOWN_OPTIONS && q.options.some((o) => o.relevant === undefined)) {
    issues.push({ path: `${at}.options`, message: `at most ${MAX_SHOWN_OPTIONS} options (a longer list needs a relevant on every option, so that fewer are shown at once)` });
  }
  if (q.type === "scale5") {
    const valid = q.options.filter((o) => o.valid !== false).length;
    if (valid !== 5) {
      issues.push({ path: `${at}.options`, message: `needs exactly 5 valid levels, found ${valid} (mark extras like "don't know" with valid: false)` });
    }
    const firstInvalid = q.options.findIndex((o) => o.valid === false);
    if (firstInvalid >= 0 && q.options.slice(firstInvalid).some((o) => o.valid !== false)) {
      issues.push({ path: `${at}.options`, message: "the 5 levels must come first, options with valid: false after them" });
    }
  }
  return issues;
}

function checkMultipleBounds(q: MultipleQuestion, at: string): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const n = q.options.length;
  if (q.min !== undefined && q.max !== undefined && q.min > q.max) {
    issues.push({ path: `${at}.min`, message: `min (${q.min}) is greater than max (${q.max})` });
  }
  if (q.min !== undefined && q.min > n) issues.push({ path: `${at}.min`, message: `min (${q.min}) is more than the ${n} options` });
  if (q.max !== undefined && q.max > n) issues.push({ path: `${at}.max`, message: `max (${q.max}) is more than the ${n} options` });
  if (q.required === false && q.min !== undefined && q.min > 0) {
    issues.push({ path: `${at}.min`, message: "an optional question cannot have min above 0" });
  }
  return issues;
}

/** Every localized text in the definition with its path, for the declared-language check. */
function* localizedTexts(def: QuestionnaireDefinition): Generator<[string, LocalizedText]> {
  yield ["title", def.title];
  if (def.intro) yield ["intro", def.intro];
  if (def.outro) yield ["outro", def.outro];
  for (const [i, s] of (def.sections ?? []).entries()) yield [`sections[${i}].title`, s.title];
  for (const [qi, q] of def.questions.entries()) {
    const at = `questions[${qi}]`;
    yield [`${at}.label`, q.label];
    if (q.hint) yield [`${at}.hint`, q.hint];
    if (q.read_aloud) yield [`${at}.read_aloud`, q.read_aloud];
    if (q.required_message) yield [`${at}.required_message`, q.required_message];
    if ("constraint_message" in q && q.constraint_message) yield [`${at}.constraint_message`, q.constraint_message];
    if (q.type === "yesno") {
      if (q.yes_label) yield [`${at}.yes_label`, q.yes_label];
      if (q.no_label) yield [`${at}.no_label`, q.no_label];
    }
    if ("options" in q) for (const [oi, o] of q.options.entries()) yield [`${at}.options[${oi}].label`, o.label];
  }
}

function checkLabels(def: QuestionnaireDefinition): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  for (const [path, text] of localizedTexts(def)) {
    for (const lang of def.languages) {
      if (text[lang] === undefined) issues.push({ path: `${path}.${lang}`, message: "required" });
    }
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Defaults (the engine and the statistics read definitions through these)
// ---------------------------------------------------------------------------------------------

/** Default index scores of the five scale levels, top first. */
export const DEFAULT_SCALE_SCORES: readonly number[] = [100, 80, 60, 40, 20];

/** Does the question take an answer (everything but `note`)? */
export function isAnswerable(q: QuestionDefinition): boolean {
  return q.type !== "note";
}

/** Must the question be answered? Default true; a note and a phone question never. */
export function isRequired(q: QuestionDefinition): boolean {
  return q.type !== "note" && q.type !== "phone" && q.required !== false;
}

/** The five level scores of a scale5 question (top first). */
export function scaleScores(q: Scale5Question): readonly number[] {
  return q.scores ?? DEFAULT_SCALE_SCORES;
}

/** How many top levels count as positive in a rate (default 3). */
export function scaleRateTop(q: Scale5Question): number {
  return q.rate_top ?? 3;
}

/** The score of an answered scale option; undefined for invalid options ("don't know"). */
export function scaleScoreOf(q: Scale5Question, optionId: string): number | undefined {
  const levels = q.options.filter((o) => o.valid !== false);
  const index = levels.findIndex((o) => o.id === optionId);
  return index < 0 ? undefined : scaleScores(q)[index];
}

/** Selection bounds of a multiple question with defaults applied. */
export function multipleBounds(q: MultipleQuestion): { min: number; max: number } {
  const max = Math.min(q.max ?? q.options.length, q.options.length);
  const min = q.min ?? (isRequired(q) ? 1 : 0);
  return { min: Math.min(min, max), max };
}

/** Longest text accepted by a text question (default 500). */
export function textMaxLength(q: Extract<QuestionDefinition, { type: "text" }>): number {
  return q.max_length ?? 500;
}

/** Levels a region question goes down (default 1). */
export function regionDepth(q: Extract<QuestionDefinition, { type: "region" }>): number {
  return q.depth ?? 1;
}

/** Does a number question refuse decimals (default true)? */
export function isIntegerOnly(q: Extract<QuestionDefinition, { type: "number" }>): boolean {
  return q.integer !== false;
}

/**
 * The text for `lang`, falling back to the questionnaire's languages in order, then any text.
 * Never undefined for a validated questionnaire.
 */
export function localize(text: LocalizedText | undefined, lang: Lang, fallbacks: readonly Lang[] = []): string {
  if (!text) return "";
  const direct = text[lang];
  if (direct !== undefined) return direct;
  // Traditional and Simplified readers can read each other's script better than English.
  const sibling = lang === "zh-TW" ? text["zh-CN"] : lang === "zh-CN" ? text["zh-TW"] : undefined;
  if (sibling !== undefined) return sibling;
  for (const l of fallbacks) {
    const t = text[l];
    if (t !== undefined) return t;
  }
  return Object.values(text).find((t) => typeof t === "string") ?? "";
}
