/**
 * Measure specifications derived from a questionnaire definition, so that the statistics follow
 * the questionnaire (its scores, its rate_top, its "don't know" options) instead of a second,
 * hand-kept configuration that could drift from it.
 *
 * Rules (ids are `<question>.<kind>`):
 * - `scale5` → `<q>.rate` (share of the top `rate_top` valid levels), `<q>.index` (mean of the
 *   definition's `scores`) and `<q>.share` (distribution over the five levels); options with
 *   `valid: false` are "invalid" (left out of the denominator).
 * - `yesno` → one yes-share measure `<q>.yes`: kind `victimisation` for a question whose id
 *   contains "victim"; kind `reporting` for one whose id contains "report" and whose `relevant`
 *   condition is on a victimisation question; `awareness` otherwise.
 * - `multiple` → `<q>.multi`: ranked shares of every option (an exclusive "none of these" is a
 *   valid answer and is ranked too).
 * - `single` → `<q>.share`: the distribution; options whose id is `dont_know` are invalid.
 * - A simple `relevant` of the form `q == 'option'` (or `or`-joined ones on the same question)
 *   becomes the measure's `among` condition, so that residents never asked are "not
 *   applicable" rather than "missing".
 * Overrides can rename the kind of any yes/no question (e.g. a questionnaire whose victim
 * question is called `crime_experienced`).
 */
import type { MeasureSpec } from "../stats/index.js";
import type { Lang, LocalizedText, QuestionDefinition, Questionnaire, Scale5Question } from "../engine/types.js";
import { scaleRateTop, scaleScores, localize } from "../engine/definition.js";
import { at, atMaybe } from "./i18n.js";

/** A measure with what reports need to name it. */
export interface AdminMeasure {
  /** The statistics specification. */
  spec: MeasureSpec;
  /** The question measured. */
  questionId: string;
  /** The question's text. */
  questionLabel: LocalizedText;
  /** Option labels by option id (`yes`/`no` for yes/no questions). */
  optionLabels: Record<string, LocalizedText>;
  /** Whether this is a headline figure (rates, indices, yes-shares) comparable with targets. */
  scalar: boolean;
}

/** Overrides of the derivation rules. */
export interface MeasureOverrides {
  /** Kind of a yes/no question by question id. */
  yesNoKinds?: Record<string, "awareness" | "victimisation" | "reporting">;
}

const YES_LABEL: LocalizedText = { "zh-CN": "是", "zh-TW": "是", en: "Yes" };
const NO_LABEL: LocalizedText = { "zh-CN": "否", "zh-TW": "否", en: "No" };

/** Parses `q == 'a'` / `q == 'a' or q == 'b'` into a condition; anything else gives undefined. */
export function conditionFromRelevant(relevant: string | undefined): { questionId: string; anyOf: string[] } | undefined {
  if (!relevant) return undefined;
  const parts = relevant.split(/\s+or\s+/);
  let questionId: string | undefined;
  const anyOf: string[] = [];
  for (const part of parts) {
    const match = /^\s*\$?\{?([a-z][a-z0-9_]*)\}?\s*==?\s*'([^']*)'\s*$/.exec(part);
    if (!match?.[1] || match[2] === undefined) return undefined;
    if (questionId !== undefined && questionId !== match[1]) return undefined;
    questionId = match[1];
    anyOf.push(match[2]);
  }
  return questionId ? { questionId, anyOf } : undefined;
}

function labelsOf(options: readonly { id: string; label: LocalizedText }[]): Record<string, LocalizedText> {
  return Object.fromEntries(options.map((o) => [o.id, o.label]));
}

function scaleMeasures(q: Scale5Question, among: MeasureSpec["among"]): AdminMeasure[] {
  const levels = q.options.filter((o) => o.valid !== false).map((o) => o.id);
  const invalid = q.options.filter((o) => o.valid === false).map((o) => o.id);
  const scores = scaleScores(q);
  const base = { questionId: q.id, questionLabel: q.label, optionLabels: labelsOf(q.options) };
  const common = { questionId: q.id, levels, invalid, ...(among ? { among } : {}) };
  return [
    { ...base, scalar: true, spec: { id: `${q.id}.rate`, kind: "rate", ...common, positive: levels.slice(0, scaleRateTop(q)) } },
    {
      ...base,
      scalar: true,
      spec: { id: `${q.id}.index`, kind: "index", ...common, positive: [], scores: Object.fromEntries(levels.map((l, i) => [l, scores[i] as number])) },
    },
    { ...base, scalar: false, spec: { id: `${q.id}.share`, kind: "share", ...common, positive: [] } },
  ];
}

/** The measures of a questionnaire, in question order. */
export function measuresFromDefinition(questionnaire: Questionnaire, overrides: MeasureOverrides = {}): AdminMeasure[] {
  const byId = new Map<string, QuestionDefinition>(questionnaire.questions.map((q) => [q.id, q]));
  const victimIds = new Set<string>();
  const measures: AdminMeasure[] = [];
  for (const q of questionnaire.questions) {
    const among = conditionFromRelevant(q.relevant);
    const amongField = among && byId.has(among.questionId) ? { among } : {};
    switch (q.type) {
      case "scale5":
        measures.push(...scaleMeasures(q, amongField.among));
        break;
      case "yesno": {
        let kind = overrides.yesNoKinds?.[q.id];
        if (!kind) {
          if (/victim/i.test(q.id)) kind = "victimisation";
          else if (/report/i.test(q.id) && among && victimIds.has(among.questionId)) kind = "reporting";
          else kind = "awareness";
        }
        if (kind === "victimisation") victimIds.add(q.id);
        // A reporting rate needs its "among the victims" condition; without one it is a plain yes-share.
        if (kind === "reporting" && !amongField.among) kind = "awareness";
        measures.push({
          spec: { id: `${q.id}.yes`, kind, questionId: q.id, ...amongField },
          questionId: q.id,
          questionLabel: q.label,
          optionLabels: { yes: q.yes_label ?? YES_LABEL, no: q.no_label ?? NO_LABEL },
          scalar: true,
        });
        break;
      }
      case "multiple":
        measures.push({
          spec: { id: `${q.id}.multi`, kind: "multi", questionId: q.id, options: q.options.map((o) => o.id), ...amongField },
          questionId: q.id,
          questionLabel: q.label,
          optionLabels: labelsOf(q.options),
          scalar: false,
        });
        break;
      case "single": {
        const invalid = q.options.filter((o) => o.id === "dont_know").map((o) => o.id);
        measures.push({
          spec: {
            id: `${q.id}.share`,
            kind: "share",
            questionId: q.id,
            levels: q.options.filter((o) => !invalid.includes(o.id)).map((o) => o.id),
            positive: [],
            invalid,
            ...amongField,
          },
          questionId: q.id,
          questionLabel: q.label,
          optionLabels: labelsOf(q.options),
          scalar: false,
        });
        break;
      }
      default:
        break;
    }
  }
  return measures;
}

/** A short, human name of a measure: the configured name of its question, else the question text. */
export function measureName(measure: AdminMeasure, lang: Lang): string {
  const named = atMaybe(lang, `measures.${measure.questionId}`);
  const base = named ?? localize(measure.questionLabel, lang);
  switch (measure.spec.kind) {
    case "rate":
      // 满意度 → 满意率: the usual name of the rate in Chinese reports.
      return lang === "en" ? `${base} ${at(lang, "kinds.rate")}` : `${base.replace(/[度]$/, "")}${at(lang, "kinds.rate")}`;
    case "index":
      return `${base}${lang === "en" ? " " : ""}${at(lang, "kinds.index")}`;
    case "awareness":
    case "victimisation":
    case "reporting":
      // Configured names of yes/no measures already say what share they are.
      return named ?? `${base}${lang === "en" ? " — " : ""}${at(lang, `kinds.${measure.spec.kind}`)}`;
    default:
      return base;
  }
}

/** An option's label in `lang` (the id when the measure does not know it). */
export function optionName(measure: AdminMeasure, option: string, lang: Lang): string {
  const label = measure.optionLabels[option];
  return label ? localize(label, lang) : option;
}
