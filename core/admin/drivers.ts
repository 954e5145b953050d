/**
 * Drivers of low security and satisfaction for admins: which answers go with "feels unsafe" and
 * "dissatisfied" in one wave (logistic regression, core/stats/drivers.ts), the models specified
 * from the wave's questionnaire, their labels in the admin's language, the export table and the
 * chat text. Suppressed levels are named, never given a number.
 */
import type { ExportSource, RegionRecord, WaveRecord } from "../model/index.js";
import { localize } from "../engine/definition.js";
import type { Lang, QuestionDefinition, Questionnaire } from "../engine/types.js";
import { computeDrivers, NO_ANSWER_LEVEL, type DriverFactorSpec, type DriverLevel, type DriverOutcomeSpec, type DriversResult } from "../stats/index.js";
import { StatConverter } from "./convert.js";
import type { Cell, ExportTable } from "./export-writers.js";
import { at, type AdminKey } from "./i18n.js";
import { forestPlotSvg, type ForestPlot } from "./forest-plot.js";
import type { AdminMeasure } from "./measures.js";
import type { AdminSettings } from "./settings.js";
import { loadStatResponses, reportScope } from "./stats-service.js";
import { modeName, regionName } from "./tables.js";

/** The two outcomes, in report order. */
export const DRIVER_OUTCOMES = ["unsafe", "dissatisfied"] as const;
export type DriverOutcomeId = (typeof DRIVER_OUTCOMES)[number];

/** The factors the models use, when the questionnaire has the question. */
export const DRIVER_FACTORS = ["hot", "victim", "reported", "patrols", "publicity", "age", "region", "channel"] as const;
export type DriverFactorId = (typeof DRIVER_FACTORS)[number];

/** One outcome's model with what its labels need. */
export interface DriversModel {
  outcome: DriverOutcomeId;
  /** The outcome's definition (question and bad levels). */
  spec: DriverOutcomeSpec;
  /** The questions behind the factors, by factor id (none for region and channel). */
  questions: Partial<Record<DriverFactorId, QuestionDefinition>>;
  result: DriversResult;
}

/** What `anxin export drivers`, `/stats drivers` and a forest plot show. */
export interface DriversReport {
  wave: WaveRecord;
  region: RegionRecord | null;
  /** The region level of the region factor. */
  level: number;
  regions: Map<string, RegionRecord>;
  questionnaire: Questionnaire;
  settings: AdminSettings;
  /** One model per outcome the questionnaire has (none when it has no such scale question). */
  models: DriversModel[];
}

/** What to compute. */
export interface DriversRequest {
  waveId?: string;
  regionCode?: string;
  /** Region level of the region factor; default the first level inside the filter with several regions. */
  level?: number;
  settings?: Partial<AdminSettings>;
  now?: Date;
}

const byId = (q: Questionnaire, pattern: RegExp, type: QuestionDefinition["type"]): QuestionDefinition | undefined =>
  q.questions.find((x) => x.type === type && pattern.test(x.id));

/** The outcome of a scale question: its valid levels outside the rate's positive ones. */
function outcomeSpec(id: DriverOutcomeId, measures: readonly AdminMeasure[], question: QuestionDefinition | undefined): DriverOutcomeSpec | undefined {
  const rate = question && measures.find((m) => m.questionId === question.id && m.spec.kind === "rate");
  const spec = rate?.spec;
  if (!rate || spec?.kind !== "rate") return undefined;
  return { id, questionId: rate.questionId, levels: [...spec.levels], bad: spec.levels.filter((l) => !spec.positive.includes(l)) };
}

/**
 * The models of a questionnaire. Outcomes: the first scale question whose id speaks of safety
 * (`safe`, `secur`) — else the first scale question — for "feels unsafe", and the first whose id
 * speaks of satisfaction (`sat`) for "dissatisfied"; the bad levels are those its rate does not
 * count (default: the bottom two of five). Factors: the first multiple-choice question (each
 * option but the exclusive "none of these"), the victimisation and reporting questions (as the
 * statistics derive them), and the questions whose ids name patrols, publicity and age; the
 * region at `regionLevel`; survey mode / channel.
 */
export function driversSpecs(questionnaire: Questionnaire, measures: readonly AdminMeasure[], regionLevel: number): { outcome: DriverOutcomeId; spec: DriverOutcomeSpec; factors: DriverFactorSpec[]; questions: Partial<Record<DriverFactorId, QuestionDefinition>> }[] {
  const scales = questionnaire.questions.filter((q) => q.type === "scale5");
  const security = scales.find((q) => /safe|secur/i.test(q.id)) ?? scales[0];
  const satisfaction = scales.find((q) => q !== security && /sat/i.test(q.id));
  const questionOf = (id: string): QuestionDefinition | undefined => questionnaire.questions.find((q) => q.id === id);
  const hot = questionnaire.questions.find((q) => q.type === "multiple");
  const victim = measures.find((m) => m.spec.kind === "victimisation");
  const reporting = measures.find((m) => m.spec.kind === "reporting");
  const questions: Partial<Record<DriverFactorId, QuestionDefinition>> = {};
  const factors: DriverFactorSpec[] = [];
  if (hot?.type === "multiple") {
    questions.hot = hot;
    factors.push({ id: "hot", kind: "multi", questionId: hot.id, options: hot.options.filter((o) => !o.exclusive).map((o) => o.id) });
  }
  if (victim) {
    questions.victim = questionOf(victim.questionId);
    factors.push({ id: "victim", kind: "yesno", questionId: victim.questionId });
  }
  if (reporting?.spec.among) {
    questions.reported = questionOf(reporting.questionId);
    factors.push({ id: "reported", kind: "yesno", questionId: reporting.questionId, among: reporting.spec.among });
  }
  const patrols = byId(questionnaire, /patrol/i, "single");
  if (patrols?.type === "single") {
    questions.patrols = patrols;
    factors.push({ id: "patrols", kind: "single", questionId: patrols.id, levels: patrols.options.map((o) => o.id) });
  }
  const publicity = byId(questionnaire, /publicity/i, "yesno");
  if (publicity) {
    questions.publicity = publicity;
    factors.push({ id: "publicity", kind: "yesno", questionId: publicity.id });
  }
  const age = byId(questionnaire, /(^|_)age(_|$)/i, "single");
  if (age?.type === "single") {
    questions.age = age;
    factors.push({ id: "age", kind: "single", questionId: age.id, levels: age.options.map((o) => o.id) });
  }
  factors.push({ id: "region", kind: "region", level: regionLevel }, { id: "channel", kind: "channel" });
  const out: ReturnType<typeof driversSpecs> = [];
  const unsafe = outcomeSpec("unsafe", measures, security);
  if (unsafe) out.push({ outcome: "unsafe", spec: unsafe, factors, questions });
  const dissatisfied = outcomeSpec("dissatisfied", measures, satisfaction);
  if (dissatisfied) out.push({ outcome: "dissatisfied", spec: dissatisfied, factors, questions });
  return out;
}

/**
 * The drivers of one wave's completed responses (in the region filter).
 * @throws ReportRequestError for an unknown wave or region.
 */
export async function computeDriversReport(store: ExportSource, request: DriversRequest = {}): Promise<DriversReport> {
  const { settings, wave, questionnaire, measures, regions, region, level } = await reportScope(store, request);
  const specs = driversSpecs(questionnaire, measures, level);
  const keep = new Set(specs.flatMap((s) => [s.spec.questionId, ...s.factors.flatMap((f) => ("questionId" in f ? [f.questionId, ...(f.kind === "yesno" && f.among ? [f.among.questionId] : [])] : []))]));
  const responses = await loadStatResponses(store, { waveIds: [wave.id], statuses: ["completed"], ...(region ? { regionPath: region.path } : {}) }, new StatConverter(keep));
  const models = specs.map((s) => ({ outcome: s.outcome, spec: s.spec, questions: s.questions, result: computeDrivers(responses, { outcome: s.spec, factors: s.factors }, settings.minGroupSize) }));
  return { wave, region, level, regions, questionnaire, settings, models };
}

// ------------------------------------------------------------------------------------ labels

function optionLabel(question: QuestionDefinition | undefined, id: string, lang: Lang, fallbacks: readonly Lang[]): string {
  if (question && "options" in question) {
    const option = question.options.find((o) => o.id === id);
    if (option) return localize(option.label, lang, fallbacks);
  }
  return id;
}

/** The outcome's name, with the levels it counts (e.g. "Feels unsafe (Not very safe, Unsafe)"). */
export function outcomeName(report: DriversReport, model: DriversModel, lang: Lang): string {
  const question = report.questionnaire.questions.find((q) => q.id === model.spec.questionId);
  const levels = model.spec.bad.map((l) => optionLabel(question, l, lang, report.questionnaire.languages)).join(lang === "en" ? ", " : "、");
  return at(lang, `drivers.outcome_${model.outcome}`, { levels });
}

/** A factor's name in `lang`. */
export function factorName(factorId: string, lang: Lang): string {
  return (DRIVER_FACTORS as readonly string[]).includes(factorId) ? at(lang, `drivers.factor_${factorId as DriverFactorId}` as AdminKey) : factorId;
}

/** A level's name in `lang`: the option's label, the region's name, the channel or mode. */
export function levelName(report: DriversReport, model: DriversModel, level: DriverLevel, lang: Lang): string {
  if (level.level === NO_ANSWER_LEVEL) return at(lang, "drivers.no_answer");
  const factor = level.factorId as DriverFactorId;
  switch (factor) {
    case "region":
      return regionName(report.regions.get(level.level), lang, level.level);
    case "channel":
      return level.level === "interviewer" ? modeName("interviewer", lang) : level.level;
    case "victim":
    case "reported":
    case "publicity":
      return at(lang, level.level === "yes" ? "drivers.yes" : "drivers.no");
    case "hot":
      return optionLabel(model.questions.hot, level.level, lang, report.questionnaire.languages);
    default:
      return optionLabel(model.questions[factor], level.level, lang, report.questionnaire.languages);
  }
}

/** "Factor: level". */
export function levelLabel(report: DriversReport, model: DriversModel, level: DriverLevel, lang: Lang): string {
  return `${factorName(level.factorId, lang)}${lang === "en" ? ": " : "："}${levelName(report, model, level, lang)}`;
}

/** The reference a level is compared with ("not named" for a hot problem). */
export function referenceName(report: DriversReport, model: DriversModel, factorId: string, lang: Lang): string {
  if (factorId === "hot") return at(lang, "drivers.not_named");
  const reference = model.result.references.find((r) => r.factorId === factorId);
  return reference ? levelName(report, model, reference, lang) : "";
}

/** One forest-plot row of each estimate, in rank order. */
export function forestRows(report: DriversReport, model: DriversModel, lang: Lang): { label: string; oddsRatio: number; lower: number; upper: number; significant: boolean }[] {
  if (model.result.status !== "ok") return [];
  return model.result.estimates.map((e) => ({ label: levelLabel(report, model, e, lang), oddsRatio: e.oddsRatio, lower: e.lower, upper: e.upper, significant: e.p < 0.05 }));
}

/** The forest plot of one model, titled with its outcome (no rows when it has no estimate). */
export function driversForestPlot(report: DriversReport, model: DriversModel, lang: Lang, width?: number): ForestPlot {
  return forestPlotSvg(forestRows(report, model, lang), {
    title: outcomeName(report, model, lang),
    axisLabel: at(lang, "drivers.forest_axis"),
    emptyText: at(lang, "drivers.forest_empty"),
    ...(width ? { width } : {}),
  });
}

// ------------------------------------------------------------------------------------ export

const round = (x: number, digits = 6): number => Number(x.toPrecision(digits + 1));

const COLUMNS: readonly (readonly [string, AdminKey])[] = [
  ["outcome_id", "drivers.col_outcome_id"],
  ["outcome", "drivers.col_outcome"],
  ["status", "drivers.col_status"],
  ["rank", "table.rank"],
  ["factor_id", "drivers.col_factor_id"],
  ["factor", "drivers.col_factor"],
  ["level_id", "drivers.col_level_id"],
  ["level", "drivers.col_level"],
  ["reference", "drivers.col_reference"],
  ["n", "table.n"],
  ["events", "drivers.col_events"],
  ["odds_ratio", "drivers.col_odds_ratio"],
  ["ci_lower", "table.ci_lower"],
  ["ci_upper", "table.ci_upper"],
  ["p", "drivers.col_p"],
  ["significant", "table.significant"],
];

/** A model's status in `lang`. */
export function statusName(status: DriversResult["status"] | "suppressed_level", lang: Lang, min: number): string {
  return at(lang, `drivers.status_${status}`, { min });
}

/**
 * The drivers table: per model one summary row (status, residents and those with the outcome),
 * then its estimates in rank order, its separated levels (no odds ratio: it is 0 or infinite) and
 * its suppressed levels (named, every number empty).
 */
export function driversTable(report: DriversReport, lang: Lang): ExportTable {
  const min = report.settings.minGroupSize;
  const rows: Cell[][] = [];
  for (const model of report.models) {
    const r = model.result;
    const outcome = outcomeName(report, model, lang);
    const head: Cell[] = [model.outcome, outcome, statusName(r.status, lang, min), null, null, null, null, null, null, null, null, null, null, null, null, null];
    if (r.status !== "suppressed") {
      head[9] = r.n;
      head[10] = r.events;
    }
    rows.push(head);
    const levelCells = (l: DriverLevel): Cell[] => [l.factorId, factorName(l.factorId, lang), l.level, levelName(report, model, l, lang), referenceName(report, model, l.factorId, lang)];
    if (r.status === "ok") {
      for (const e of r.estimates) {
        rows.push([model.outcome, outcome, statusName("ok", lang, min), e.rank, ...levelCells(e), e.n, e.events, round(e.oddsRatio), round(e.lower), round(e.upper), round(e.p), e.p < 0.05]);
      }
    }
    if (r.status !== "suppressed") {
      for (const s of r.separated) rows.push([model.outcome, outcome, at(lang, s.outcome === "all" ? "drivers.separated_all" : "drivers.separated_none"), null, ...levelCells(s), null, null, null, null, null, null, null]);
    }
    for (const s of r.suppressed) rows.push([model.outcome, outcome, statusName("suppressed_level", lang, min), null, ...levelCells(s), null, null, null, null, null, null, null]);
  }
  return { name: at(lang, "drivers.title"), columns: COLUMNS.map(([key, header]) => ({ key, header: at(lang, header) })), rows };
}

// ------------------------------------------------------------------------------------ chat

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtP = (p: number): string => (p < 0.001 ? "p<0.001" : `p=${p.toFixed(3)}`);

/** The chat text of the drivers: per outcome its strongest levels, separated and suppressed ones. */
export function driversText(report: DriversReport, lang: Lang, shown = 8): string {
  const min = report.settings.minGroupSize;
  const where = report.region ? (lang === "en" ? ` (${regionName(report.region, lang)})` : `（${regionName(report.region, lang)}）`) : "";
  const lines = [at(lang, "drivers.chat_header", { where, wave: report.wave.name })];
  if (report.models.length === 0) lines.push(at(lang, "drivers.no_outcome"));
  const sep = lang === "en" ? "; " : "；";
  for (const model of report.models) {
    const r = model.result;
    lines.push("", outcomeName(report, model, lang));
    if (r.status === "suppressed") {
      lines.push(statusName("suppressed", lang, min));
      continue;
    }
    lines.push(at(lang, "drivers.chat_model", { n: r.n, events: r.events }));
    if (r.status !== "ok") {
      lines.push(statusName(r.status, lang, min) + (r.columns.length > 0 ? ` ${r.columns.map((c) => levelLabel(report, model, c, lang)).join(sep)}` : ""));
    } else {
      for (const e of r.estimates.slice(0, shown)) {
        const vs = referenceName(report, model, e.factorId, lang);
        lines.push(
          at(lang, "drivers.chat_line", { rank: e.rank, level: levelLabel(report, model, e, lang), reference: vs, or: fmt(e.oddsRatio), lower: fmt(e.lower), upper: fmt(e.upper), p: fmtP(e.p) }) +
            (e.p < 0.05 ? " *" : ""),
        );
      }
      if (r.estimates.length > shown) lines.push(at(lang, "drivers.chat_more", { count: r.estimates.length - shown }));
    }
    for (const s of r.separated) lines.push(`${levelLabel(report, model, s, lang)}: ${at(lang, s.outcome === "all" ? "drivers.separated_all" : "drivers.separated_none")}`);
    if (r.suppressed.length > 0) lines.push(at(lang, "drivers.chat_suppressed", { min, levels: r.suppressed.map((s) => levelLabel(report, model, s, lang)).join(sep) }));
  }
  lines.push("", at(lang, "drivers.chat_note"));
  return lines.join("\n");
}
