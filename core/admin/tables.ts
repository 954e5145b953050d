/**
 * The tables admins export: suggestions, raw responses (one row per response, question and
 * option labels in the chosen language), statistics and spot checks. Each table pages through
 * the store lazily, so an export holds one page at a time.
 *
 * Suppression: statistics tables leave suppressed groups out entirely (core/stats'
 * figureRows/matchFigure decide what is shown). The raw response table generalises the region of
 * a response to the nearest enclosing region with at least the minimum group size among the
 * exported responses (or leaves it blank), so that no region smaller than that can be read off.
 * The outreach sheets (tip awareness, case satisfaction) likewise leave out suppressed tips and
 * groups: their figures arrive already suppressed from core/admin/outreach-figures.ts.
 */
import { SURVEY_MODES, type ExportSource, type RegionRecord, type ResponseRecord, type ResponseQuery, type SpotCheckRecord, type SuggestionQuery, type SurveyMode } from "../model/index.js";
import { localize } from "../engine/definition.js";
import type { Lang, QuestionDefinition, Questionnaire } from "../engine/types.js";
import { figureRows, isShown, qualityFlagsOf, type Breakdown, type FigureRow, type QualityConfig, type StatAnswer } from "../stats/index.js";
import { regionCodes, toStatAnswer } from "./convert.js";
import type { Cell, Column, ExportTable } from "./export-writers.js";
import { at, type AdminKey } from "./i18n.js";
import { measureName, optionName, type AdminMeasure } from "./measures.js";
import type { StatsReport } from "./stats-service.js";
import { spotCheckMethodText } from "./spot-checks.js";
// Types only: the figures module loads Prisma through core/outreach/cases.ts (see its header).
import type { CaseSatisfactionValue, OutreachFigures, TipAwarenessFigure } from "./outreach-figures.js";


function columns(lang: Lang, keys: readonly (readonly [string, AdminKey])[]): Column[] {
  return keys.map(([key, label]) => ({ key, header: at(lang, label) }));
}

/** A region's name in a language (its code when it has none). */
export function regionName(region: RegionRecord | undefined | null, lang: Lang, code = ""): string {
  if (!region) return code;
  return region.name[lang] ?? (lang === "zh-TW" ? region.name["zh-CN"] : region.name["zh-TW"]) ?? region.name["zh-CN"] ?? region.name.en ?? region.code;
}

// ------------------------------------------------------------------------------------ suggestions

/** The suggestions table. */
export function suggestionsTable(store: Pick<ExportSource, "streamSuggestions">, query: Omit<SuggestionQuery, "cursor" | "limit">, lang: Lang, waveNames: ReadonlyMap<string, string> = new Map()): ExportTable {
  return {
    name: at(lang, "app.suggestions"),
    columns: columns(lang, [
      ["id", "table.suggestion_id"],
      ["created_at", "table.created_at"],
      ["wave", "table.wave"],
      ["region_code", "table.region_code"],
      ["region", "table.region"],
      ["status", "table.status"],
      ["tags", "table.tags"],
      ["lang", "table.lang"],
      ["text", "table.text"],
    ]),
    rows: (async function* () {
      for await (const s of store.streamSuggestions(query)) {
        yield [
          s.id,
          s.createdAt,
          s.waveId ? (waveNames.get(s.waveId) ?? s.waveId) : null,
          s.regionCode,
          s.regionName ? (s.regionName[lang] ?? s.regionName["zh-CN"] ?? s.regionCode) : null,
          at(lang, `status.${s.status}`),
          s.tags.join(", "),
          s.lang,
          s.text,
        ] satisfies Cell[];
      }
    })(),
  };
}

// ------------------------------------------------------------------------------------ responses

/**
 * For each region code, the code to publish: itself when its subtree holds at least `min` of the
 * counted responses, else the nearest ancestor that does, else null.
 */
export function generalisedRegions(regions: readonly RegionRecord[], counts: readonly { regionId: string | null; count: number }[], min: number): Map<string, string | null> {
  const byId = new Map(regions.map((r) => [r.id, r]));
  const subtree = new Map<string, number>();
  for (const { regionId, count } of counts) {
    const region = regionId ? byId.get(regionId) : undefined;
    if (!region) continue;
    for (const code of regionCodes(region.path)) subtree.set(code, (subtree.get(code) ?? 0) + count);
  }
  const out = new Map<string, string | null>();
  for (const r of regions) {
    const path = regionCodes(r.path);
    let published: string | null = null;
    for (let i = path.length - 1; i >= 0; i--) {
      const code = path[i] as string;
      if ((subtree.get(code) ?? 0) >= min) {
        published = code;
        break;
      }
    }
    out.set(r.code, published);
  }
  return out;
}

/**
 * How one question's answers read in a cell, with its option labels looked up once: an export
 * formats millions of answers of a few dozen questions.
 */
function answerFormatter(question: QuestionDefinition, lang: Lang, fallbacks: readonly Lang[]): (answer: StatAnswer) => Cell {
  const labels = new Map<string, string>();
  if ("options" in question) {
    // The first option with an id wins, as a search through the list would find it.
    for (const option of question.options) if (!labels.has(option.id)) labels.set(option.id, localize(option.label, lang, fallbacks));
  }
  const label = (id: string): string => labels.get(id) ?? id;
  const separator = lang === "en" ? "; " : "；";
  const yesLabel = question.type === "yesno" ? question.yes_label : undefined;
  const noLabel = question.type === "yesno" ? question.no_label : undefined;
  const yes = yesLabel ? localize(yesLabel, lang, fallbacks) : lang === "en" ? "Yes" : "是";
  const no = noLabel ? localize(noLabel, lang, fallbacks) : lang === "en" ? "No" : "否";
  return (answer) => {
    switch (answer.kind) {
      case "choice":
        return answer.other ? `${label(answer.option)}${separator}${answer.other}` : label(answer.option);
      case "choices":
        return [...answer.options.map(label), ...(answer.other ? [answer.other] : [])].join(separator);
      case "bool":
        return answer.value ? yes : no;
      case "number":
        return answer.value;
      case "text":
        return answer.value;
      case "region":
        // Region answers are personal location data: they are published like the response's region.
        return null;
    }
  };
}

/** A function remembering its result per argument (a handful of statuses, modes, regions). */
function remembered<T>(compute: (key: string) => T): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    if (known.has(key)) return known.get(key) as T;
    const value = compute(key);
    known.set(key, value);
    return value;
  };
}

/** Options of {@link responsesTable}. */
export interface ResponsesTableOptions {
  query: ResponseQuery;
  questionnaire: Questionnaire;
  lang: Lang;
  regions: readonly RegionRecord[];
  quality: QualityConfig;
  minGroupSize: number;
  waveNames?: ReadonlyMap<string, string>;
}

/** The raw answers: one row per response, question labels as headers, option labels as values. */
export async function responsesTable(store: Pick<ExportSource, "countResponsesByRegion" | "streamResponses">, options: ResponsesTableOptions): Promise<ExportTable> {
  const { questionnaire, lang, quality } = options;
  const fallbacks = questionnaire.languages;
  // A phone question has no answers to show (the number is the resident's, for spot checks only),
  // and it gets no column: a raw-answer export must not even suggest where numbers would be.
  const questions = questionnaire.questions.filter((q) => q.type !== "note" && q.type !== "region" && q.type !== "phone");
  const regionByCode = new Map(options.regions.map((r) => [r.code, r]));
  const publish = generalisedRegions(options.regions, await store.countResponsesByRegion(options.query), options.minGroupSize);
  const formatters = questions.map((q) => answerFormatter(q, lang, fallbacks));
  const statusName = remembered((status) => at(lang, `status.${status as ResponseRecord["status"]}`));
  const modeLabel = remembered((mode) => modeName(mode, lang));
  const publishedRegion = remembered((code): [string | null, string | null] => {
    const published = publish.get(code) ?? null;
    return [published, published ? regionName(regionByCode.get(published), lang, published) : null];
  });
  const unpublished: [null, null] = [null, null];
  return {
    name: at(lang, "app.overview"),
    columns: [
      ...columns(lang, [
        ["response_id", "table.response_id"],
        ["wave", "table.wave"],
        ["status", "table.status"],
        ["channel", "table.channel"],
        ["mode", "table.mode"],
        ["household", "table.household"],
        ["region_code", "table.region_code"],
        ["region", "table.region"],
        ["started_at", "table.started_at"],
        ["completed_at", "table.completed_at"],
        ["speeder", "table.speeder"],
        ["straight_liner", "table.straight_liner"],
      ]),
      ...questions.map((q) => ({ key: q.id, header: `${q.id} ${localize(q.label, lang, fallbacks)}` })),
    ],
    rows: (async function* () {
      for await (const r of store.streamResponses(options.query)) {
        // The statistics' reading of each answer (what the flags count), made once for the cells too.
        const answers: Record<string, StatAnswer> = {};
        for (const questionId in r.answers) {
          const answer = toStatAnswer(r.answers[questionId]);
          if (answer) answers[questionId] = answer;
        }
        const completion = r.status === "completed" && r.completedAt ? { startedMs: r.startedAt.getTime(), completedMs: r.completedAt.getTime() } : null;
        const flags = qualityFlagsOf(answers, completion, quality);
        const [code, region] = r.regionCode ? publishedRegion(r.regionCode) : unpublished;
        const row: Cell[] = [
          r.id,
          options.waveNames?.get(r.waveId) ?? r.waveId,
          statusName(r.status),
          r.channel,
          modeLabel(r.mode),
          // An opaque id, not an address: it lets analysts keep one answer per household without
          // publishing where anyone lives.
          r.householdId,
          code,
          region,
          r.startedAt,
          r.completedAt,
          flags.speeder,
          flags.straightLiner,
        ];
        for (let i = 0; i < questions.length; i++) {
          const answer = answers[(questions[i] as QuestionDefinition).id];
          row.push(answer ? (formatters[i] as (answer: StatAnswer) => Cell)(answer) : null);
        }
        yield row;
      }
    })(),
  };
}

// ------------------------------------------------------------------------------------ statistics

const STAT_COLUMNS: readonly (readonly [string, AdminKey])[] = [
  ["section", "table.section"],
  ["measure_id", "table.measure_id"],
  ["measure", "table.measure"],
  ["group_key", "table.group_key"],
  ["group", "table.group"],
  ["option_id", "table.option_id"],
  ["option", "table.option"],
  ["rank", "table.rank"],
  ["n", "table.n"],
  ["numerator", "table.numerator"],
  ["value", "table.value"],
  ["ci_lower", "table.ci_lower"],
  ["ci_upper", "table.ci_upper"],
  ["target_label", "table.target_label"],
  ["target", "table.target"],
  ["difference", "table.difference"],
  ["direction", "table.direction"],
  ["significant", "table.significant"],
];

const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e6) / 1e6);

function figureCells(section: string, measure: AdminMeasure, groupKey: string, group: string, row: FigureRow, lang: Lang): Cell[] {
  return [
    section,
    measure.spec.id,
    measureName(measure, lang),
    groupKey,
    group,
    row.option,
    row.option ? optionName(measure, row.option, lang) : null,
    row.rank,
    row.n,
    row.numerator,
    round(row.value),
    round(row.lower),
    round(row.upper),
    null,
    null,
    null,
    null,
    null,
  ];
}

/** A survey mode's name in `lang` (`self` → "Self (chat)"); an unknown mode as it is. */
export function modeName(mode: string, lang: Lang): string {
  return (SURVEY_MODES as readonly string[]).includes(mode) ? at(lang, `modes.${mode as SurveyMode}`) : mode;
}

/** A breakdown group's label: a region's name, a wave's name, a survey mode's name, or the channel. */
export function groupLabel(report: StatsReport, breakdownOf: Breakdown, key: string, lang: Lang): string {
  switch (breakdownOf.by.kind) {
    case "region":
      return regionName(report.regions.get(key), lang, key);
    case "wave":
      return report.waves.find((w) => w.id === key)?.name ?? key;
    case "mode":
      return modeName(key, lang);
    default:
      return key === "all" ? at(lang, "app.all") : key;
  }
}

function* breakdownRows(report: StatsReport, list: readonly Breakdown[], section: AdminKey, lang: Lang): Generator<Cell[]> {
  for (const b of list) {
    const measure = report.measures.find((m) => m.spec.id === b.measureId);
    if (!measure) continue;
    for (const g of b.groups) {
      // Suppressed groups are left out of exports entirely.
      if (!isShown(g.figure)) continue;
      for (const row of figureRows(g.figure)) yield figureCells(at(lang, section), measure, g.key, groupLabel(report, b, g.key, lang), row, lang);
    }
  }
}

/** A tip's title in `lang` (its id when the library no longer has it). */
export function tipTitle(tip: Pick<TipAwarenessFigure, "tipId" | "title">, lang: Lang): string {
  return tip.title?.[lang] ?? tip.title?.["zh-CN"] ?? tip.tipId;
}

/** A row of the statistics columns for an outreach figure (no measure definition behind it). */
function outreachCells(section: string, measureId: string, measure: string, groupKey: string, group: string, p: { n: number; numerator: number | null; value: number; lower: number; upper: number }): Cell[] {
  return [section, measureId, measure, groupKey, group, null, null, null, p.n, p.numerator, round(p.value), round(p.lower), round(p.upper), null, null, null, null, null];
}

/**
 * The outreach sheets: tip awareness (one row per shown tip) and case-feedback satisfaction (the
 * rated share, satisfaction rate and index of the whole area and of every shown region). Same
 * columns as the survey sheets, so a CSV stays one table.
 */
export function outreachTables(report: StatsReport, outreach: OutreachFigures, lang: Lang): ExportTable[] {
  const cols = columns(lang, STAT_COLUMNS);
  const awarenessSection = at(lang, "outreach.sheet_awareness");
  const awareness: Cell[][] = [];
  for (const tip of outreach.awareness) {
    if (!isShown(tip.figure)) continue;
    const f = tip.figure;
    awareness.push(outreachCells(awarenessSection, "tip_awareness", at(lang, "outreach.measure_awareness"), tip.tipId, tipTitle(tip, lang), { n: f.n, numerator: f.numerator, value: f.value, lower: f.ci.lower, upper: f.ci.upper }));
  }
  const satisfactionSection = at(lang, "outreach.sheet_case_satisfaction");
  const satisfaction: Cell[][] = [];
  const groupRows = (key: string, label: string, v: CaseSatisfactionValue): void => {
    satisfaction.push(
      outreachCells(satisfactionSection, "case_feedback.response_rate", at(lang, "outreach.measure_response_rate"), key, label, { n: v.responseRate.n, numerator: v.responseRate.numerator, value: v.responseRate.value, lower: v.responseRate.ci.lower, upper: v.responseRate.ci.upper }),
      outreachCells(satisfactionSection, "case_feedback.rate", at(lang, "outreach.measure_rate"), key, label, { n: v.rate.n, numerator: v.rate.numerator, value: v.rate.value, lower: v.rate.ci.lower, upper: v.rate.ci.upper }),
      outreachCells(satisfactionSection, "case_feedback.index", at(lang, "outreach.measure_index"), key, label, { n: v.index.n, numerator: null, value: v.index.mean, lower: v.index.ci.lower, upper: v.index.ci.upper }),
    );
  };
  const overall = outreach.satisfaction.overall;
  if (isShown(overall)) groupRows(report.region?.code ?? "all", report.region ? regionName(report.region, lang) : at(lang, "app.all"), overall);
  for (const g of outreach.satisfaction.byRegion) {
    // Suppressed regions are left out entirely, as in the survey's region sheet.
    if (isShown(g.figure)) groupRows(g.key, regionName(report.regions.get(g.key), lang, g.key), g.figure);
  }
  return [
    { name: awarenessSection, columns: cols, rows: awareness },
    { name: satisfactionSection, columns: cols, rows: satisfaction },
  ];
}

/**
 * The statistics tables of a report (one XLSX sheet each; one long CSV with a section column).
 * With `outreach` (core/admin/outreach-figures.ts), two more: tip awareness and case satisfaction.
 */
export function statsTables(report: StatsReport, lang: Lang, outreach?: OutreachFigures): ExportTable[] {
  const cols = columns(lang, STAT_COLUMNS);
  const all = at(lang, "app.all");
  const where = report.region ? regionName(report.region, lang) : all;
  const overall: Cell[][] = [];
  const targets: Cell[][] = [];
  const hot: Cell[][] = [];
  for (const { measure, figure, comparisons } of report.overall) {
    if (!isShown(figure)) continue;
    const rows = figureRows(figure).map((row) => figureCells(at(lang, measure.spec.kind === "multi" ? "sections.hot" : "sections.overall"), measure, report.region?.code ?? "all", where, row, lang));
    (measure.spec.kind === "multi" ? hot : overall).push(...rows);
    for (const c of comparisons) {
      if (c.suppressed) continue;
      const base = figureCells(at(lang, "sections.targets"), measure, report.region?.code ?? "all", where, figureRows(figure)[0] as FigureRow, lang);
      base[13] = c.label;
      base[14] = c.target;
      base[15] = round(c.difference);
      base[16] = at(lang, `direction.${c.direction}`);
      base[17] = c.significant;
      targets.push(base);
    }
  }
  const quality: Cell[][] = [];
  if (report.quality) {
    const q = report.quality;
    const row = (key: AdminKey, count: number): Cell[] => [at(lang, "sections.quality"), key.split(".")[1] ?? key, at(lang, key), report.region?.code ?? "all", where, null, null, null, q.completed, count, round(count / q.completed), null, null, null, null, null, null, null];
    quality.push(row("quality.speeders", q.speeders), row("quality.straight_liners", q.straightLiners), row("quality.flagged", q.flagged));
  }
  const c = report.consistency;
  // The consistency rate describes the verification calls, not a group of residents: no suppression.
  if (c.rate) {
    quality.push([at(lang, "sections.quality"), "consistency", at(lang, "spot.consistency"), report.region?.code ?? "all", where, null, null, null, c.rate.n, c.rate.numerator, round(c.rate.value), round(c.rate.ci.lower), round(c.rate.ci.upper), null, null, null, null, null]);
  }
  return [
    { name: at(lang, "sections.overall"), columns: cols, rows: overall },
    { name: at(lang, "sections.targets"), columns: cols, rows: targets },
    { name: at(lang, "sections.trend"), columns: cols, rows: breakdownRows(report, report.trend, "sections.trend", lang) },
    { name: at(lang, "sections.regions"), columns: cols, rows: breakdownRows(report, report.byRegion, "sections.regions", lang) },
    { name: at(lang, "sections.channels"), columns: cols, rows: breakdownRows(report, report.byChannel, "sections.channels", lang) },
    { name: at(lang, "sections.modes"), columns: cols, rows: breakdownRows(report, report.byMode, "sections.modes", lang) },
    { name: at(lang, "sections.hot"), columns: cols, rows: hot },
    { name: at(lang, "sections.quality"), columns: cols, rows: quality },
    ...(outreach ? outreachTables(report, outreach, lang) : []),
  ];
}

// ------------------------------------------------------------------------------------ spot checks

/** The spot-check list for verifiers (with the phone number the resident shared). */
export function spotChecksTable(checks: readonly SpotCheckRecord[], lang: Lang, regions: ReadonlyMap<string, RegionRecord>): ExportTable {
  return {
    name: at(lang, "spot.title"),
    columns: columns(lang, [
      ["id", "table.spot_check_id"],
      ["response_id", "table.response_id"],
      ["region_code", "table.region_code"],
      ["region", "table.region"],
      ["channel", "table.channel"],
      ["completed_at", "table.completed_at"],
      ["method", "table.method"],
      ["phone", "table.phone"],
      ["lang", "table.lang"],
      ["outcome", "table.outcome"],
      ["verifier", "table.verifier"],
      ["notes", "table.notes"],
      ["checked_at", "table.checked_at"],
      ["seed", "table.seed"],
    ]),
    rows: checks.map((c) => [
      c.id,
      c.responseId,
      c.regionCode,
      c.regionCode ? regionName(regions.get(c.regionCode), lang, c.regionCode) : null,
      c.channel,
      c.completedAt,
      spotCheckMethodText(c, lang),
      c.phone,
      c.lang,
      c.outcome ? at(lang, `spot.${c.outcome}`) : at(lang, "spot.pending"),
      c.verifier,
      c.notes,
      c.checkedAt,
      c.seed,
    ]),
  };
}
