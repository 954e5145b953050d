/**
 * The safety-tip library: YAML files in core/tips (one file per topic, tips in display order),
 * validated with zod into {@link Tip}s, plus the awareness statistic their quizzes feed.
 *
 * The dialogue engine never reads files: the runner hands it the library through
 * `EngineContext.tips`. Officers' broadcasts (core/outreach) pick tips with {@link listTips} /
 * {@link getTip} and can send them with the engine's `tipMessage`, whose buttons lead into the
 * same quiz.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { LineCounter, parseDocument } from "yaml";
import { formatPath } from "../engine/definition.js";
import { TIP_ID_PATTERN } from "../engine/payload.js";
import type { LocalizedText, TipContent, TipQuiz } from "../engine/types.js";
import { wilsonInterval } from "../stats/distributions.js";
import type { Interval } from "../stats/types.js";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** The topics of the library, in the order the list shows them. */
export const TIP_TOPICS = ["telecom_fraud", "burglary", "robbery", "elderly_scams", "school_safety", "traffic", "drugs"] as const;

/** A topic of safety tips. */
export type TipTopic = (typeof TIP_TOPICS)[number];

/** What each topic is called, for officers picking a tip to broadcast. */
export const TIP_TOPIC_NAMES: Readonly<Record<TipTopic, Required<LocalizedText>>> = {
  telecom_fraud: { "zh-CN": "电信网络诈骗", "zh-TW": "電信網路詐騙", en: "Telecom and online fraud" },
  burglary: { "zh-CN": "防盗", "zh-TW": "防竊", en: "Burglary and theft" },
  robbery: { "zh-CN": "防抢劫、抢夺", "zh-TW": "防搶劫、搶奪", en: "Robbery and snatching" },
  elderly_scams: { "zh-CN": "针对老年人的骗局", "zh-TW": "針對長輩的騙局", en: "Scams aimed at older people" },
  school_safety: { "zh-CN": "校园周边安全", "zh-TW": "校園周邊安全", en: "Safety around schools" },
  traffic: { "zh-CN": "交通安全", "zh-TW": "交通安全", en: "Road safety" },
  drugs: { "zh-CN": "禁毒", "zh-TW": "反毒", en: "Drugs" },
};

/** A safety tip of the library: what the engine shows, plus its topic. Every text is in zh-CN, zh-TW and en. */
export interface Tip extends TipContent {
  topic: TipTopic;
  quiz?: TipQuiz;
}

/** One problem in a tip file: `path` like `tips[1].quiz.options[2].label.en`. */
export interface TipIssue {
  path: string;
  message: string;
}

/** Thrown when a tip file (or the library as a whole) is invalid; lists every issue. */
export class TipLibraryError extends Error {
  /** The file (or other source name) the issues are in. */
  readonly source: string;
  readonly issues: TipIssue[];
  constructor(source: string, issues: TipIssue[]) {
    super(`${source}: invalid tip file\n${issues.map((i) => `  ${i.path ? `${i.path}: ` : ""}${i.message}`).join("\n")}`);
    this.name = "TipLibraryError";
    this.source = source;
    this.issues = issues;
  }
}

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

/** Longest title: it is a button label, and buttons cut long labels off. */
export const MAX_TIP_TITLE = 40;
/** Longest quiz option label (also a button). */
export const MAX_OPTION_LABEL = 40;
/** Longest tip text: one chat message an elderly resident reads in one go. */
export const MAX_TIP_TEXT = 1000;

const localized = (max: number) => {
  const text = z
    .string()
    .trim()
    .min(1, { error: "must not be empty" })
    .max(max, { error: `at most ${max} characters` });
  // Every tip reaches residents in all three languages, so none may be missing.
  return z.strictObject({ "zh-CN": text, "zh-TW": text, en: text });
};

const OptionSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,15}$/, { error: "must be 1-16 chars of a-z 0-9 _ -" }),
  label: localized(MAX_OPTION_LABEL),
  correct: z.boolean().default(false),
});

const QuizSchema = z
  .strictObject({
    question: localized(300),
    options: z.array(OptionSchema).min(2, { error: "needs 2 to 4 options" }).max(4, { error: "needs 2 to 4 options" }),
    explanation: localized(500),
  })
  .superRefine((quiz, ctx) => {
    const correct = quiz.options.filter((o) => o.correct).length;
    if (correct !== 1) ctx.addIssue({ code: "custom", path: ["options"], message: `exactly one option must have 'correct: true' (found ${correct})` });
    const seen = new Set<string>();
    quiz.options.forEach((o, i) => {
      if (seen.has(o.id)) ctx.addIssue({ code: "custom", path: ["options", i, "id"], message: `duplicate option id '${o.id}'` });
      seen.add(o.id);
    });
  });

const TipSchema = z.strictObject({
  id: z.string().regex(TIP_ID_PATTERN, { error: "must be 1-28 chars: a-z or 0-9, then a-z, 0-9 or -" }),
  title: localized(MAX_TIP_TITLE),
  text: localized(MAX_TIP_TEXT),
  quiz: QuizSchema.optional(),
});

/** The zod schema of one tip file. */
export const TipFileSchema = z
  .strictObject({
    topic: z.enum(TIP_TOPICS),
    tips: z.array(TipSchema).min(1, { error: "needs at least one tip" }),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.tips.forEach((tip, i) => {
      if (seen.has(tip.id)) ctx.addIssue({ code: "custom", path: ["tips", i, "id"], message: `duplicate tip id '${tip.id}'` });
      seen.add(tip.id);
    });
  });

// ---------------------------------------------------------------------------------------------
// Parsing and loading
// ---------------------------------------------------------------------------------------------

/** Validates a parsed tip file; never throws. */
export function checkTipFile(obj: unknown): { ok: true; tips: Tip[] } | { ok: false; issues: TipIssue[] } {
  const parsed = TipFileSchema.safeParse(obj, {
    error: (issue) => (issue.input === undefined && issue.code === "invalid_type" ? "required" : undefined),
  });
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: issue.code === "unrecognized_keys" ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}` : issue.code === "invalid_value" ? `must be one of ${issue.values.map(String).join(", ")}` : issue.message,
      })),
    };
  }
  const { topic } = parsed.data;
  return { ok: true, tips: parsed.data.tips.map((tip) => ({ ...tip, topic })) };
}

/** Parses and validates the YAML text of one tip file; throws {@link TipLibraryError} (YAML errors give line and column). */
export function parseTipFile(yamlText: string, source: string): Tip[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    throw new TipLibraryError(
      source,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { path: pos ? `line ${pos.line}, column ${pos.col}` : "", message: e.message.split("\n")[0] ?? e.message };
      }),
    );
  }
  const result = checkTipFile(doc.toJS({ maxAliasCount: 100 }));
  if (!result.ok) throw new TipLibraryError(source, result.issues);
  return result.tips;
}

/** The folder of the bundled tip library. */
export const DEFAULT_TIPS_DIR: string = fileURLToPath(new URL("../tips/", import.meta.url));

/**
 * Reads every `*.yaml` file of `dir` into one library: topics in {@link TIP_TOPICS} order (files
 * of one topic by name), tips in file order. Throws {@link TipLibraryError} naming the file for
 * an invalid file or a tip id used twice.
 */
export function loadTipLibrary(dir: string = DEFAULT_TIPS_DIR): Tip[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".yaml") || name.endsWith(".yml"))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      return { name, tips: parseTipFile(readFileSync(path, "utf8"), path) };
    });
  const topicOrder = (tips: Tip[]) => TIP_TOPICS.indexOf(tips[0]?.topic ?? "drugs");
  files.sort((a, b) => topicOrder(a.tips) - topicOrder(b.tips) || a.name.localeCompare(b.name));
  const owner = new Map<string, string>();
  const library: Tip[] = [];
  for (const file of files) {
    const issues: TipIssue[] = [];
    file.tips.forEach((tip, i) => {
      const other = owner.get(tip.id);
      if (other) issues.push({ path: `tips[${i}].id`, message: `tip id '${tip.id}' is already used in ${other}` });
      owner.set(tip.id, file.name);
    });
    if (issues.length > 0) throw new TipLibraryError(join(dir, file.name), issues);
    library.push(...file.tips);
  }
  return library;
}

let bundled: readonly Tip[] | undefined;

/** The bundled tip library (core/tips), read and validated once; do not mutate. */
export function listTips(): readonly Tip[] {
  bundled ??= Object.freeze(loadTipLibrary());
  return bundled;
}

/** A tip of the bundled library by id. */
export function getTip(id: string): Tip | undefined {
  return listTips().find((tip) => tip.id === id);
}

// ---------------------------------------------------------------------------------------------
// Awareness
// ---------------------------------------------------------------------------------------------

/** One quiz answer as stored (TipQuizAnswer), or as any other source has it. */
export interface QuizAnswerFact {
  tipId: string;
  correct: boolean;
  /** When given, only each resident's first answer to a tip counts. */
  residentId?: string;
  answeredAt?: Date;
}

/** The awareness of one tip's message: the share of residents whose first quiz answer was right. */
export interface TipAwareness {
  tipId: string;
  /** Residents who answered the quiz (first answers). */
  n: number;
  /** Of them, answered correctly. */
  correct: number;
  /** correct / n; null when nobody answered. */
  rate: number | null;
  /** 95 % Wilson interval of the rate; null when nobody answered. */
  ci: Interval | null;
}

/**
 * Awareness per tip: the share of correct first answers, with n and a 95 % Wilson interval
 * (core/stats). Answers carrying a `residentId` are reduced to each resident's first answer to a
 * tip (earliest `answeredAt`, else the first in the input), so raw answer logs give the same
 * figure as the stored first answers. With `tips`, every tip of that list is reported in its
 * order (n = 0 for unanswered ones), followed by any other tip ids answered, sorted.
 */
export function awarenessFromQuizzes(answers: readonly QuizAnswerFact[], tips?: readonly { id: string }[]): TipAwareness[] {
  const counts = new Map<string, { n: number; correct: number }>();
  for (const answer of firstQuizAnswers(answers)) {
    const count = counts.get(answer.tipId) ?? { n: 0, correct: 0 };
    count.n += 1;
    if (answer.correct) count.correct += 1;
    counts.set(answer.tipId, count);
  }
  const order = tips ? tips.map((tip) => tip.id) : [];
  const rest = [...counts.keys()].filter((id) => !order.includes(id)).sort();
  return [...order, ...rest].map((tipId) => {
    const { n, correct } = counts.get(tipId) ?? { n: 0, correct: 0 };
    return { tipId, n, correct, rate: n > 0 ? correct / n : null, ci: n > 0 ? wilsonInterval(correct, n) : null };
  });
}

/**
 * Each resident's first answer to each tip (earliest `answeredAt`, else the first in the input);
 * answers without a `residentId` are kept as they are.
 */
export function firstQuizAnswers<T extends QuizAnswerFact>(answers: readonly T[]): T[] {
  const firsts = new Map<string, T>();
  const anonymous: T[] = [];
  for (const answer of answers) {
    if (answer.residentId === undefined) {
      anonymous.push(answer);
      continue;
    }
    const key = `${answer.residentId}\u0000${answer.tipId}`;
    const earlier = firsts.get(key);
    // An earlier instant wins, even later in the input (not `<=`: at the same instant the first in the input stays).
    const sooner = earlier && earlier.answeredAt && answer.answeredAt ? answer.answeredAt < earlier.answeredAt : false;
    if (!earlier || sooner) firsts.set(key, answer);
  }
  return [...firsts.values(), ...anonymous];
}
