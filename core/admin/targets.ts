/**
 * Targets (benchmark figures such as the provincial and municipal averages) as the dashboard's
 * Waves page takes them: rates and yes-shares typed as percentages (95.3 → stored 0.953),
 * indices as scores within the measure's score range; a label of at most
 * {@link TARGET_LABEL_MAX} characters. Stored with `Store.setWaveTarget`, as `anxin targets set`
 * and `PUT /admin/api/targets` store them (rates as proportions).
 */
import type { Lang } from "../engine/types.js";
import type { AdminMeasure } from "./measures.js";
import { at, type AdminKey } from "./i18n.js";
import type { TextVars } from "../util/translator.js";

/** The longest target label (e.g. 省均, 市均). */
export const TARGET_LABEL_MAX = 40;

/** How a target of a measure is typed: as a percentage (rates, yes-shares) or as a score (indices), and its bounds in those units. */
export interface TargetScale {
  percent: boolean;
  min: number;
  max: number;
}

/** A target that cannot be set: a message key of locales/<lang>/admin.json with its values; the message is the English text. */
export class TargetError extends Error {
  /**
   * @param key the admin string that says what is wrong
   * @param vars its placeholders
   */
  constructor(
    readonly key: AdminKey,
    readonly vars: TextVars = {},
  ) {
    super(at("en", key, vars));
  }

  /** The message in `lang`. */
  text(lang: Lang): string {
    return at(lang, this.key, this.vars);
  }
}

/** How targets of `measure` are typed: indices within the range of their scores (0–100 when unknown), everything else as a percentage 0–100. */
export function targetScale(measure: AdminMeasure): TargetScale {
  const spec = measure.spec;
  if (spec.kind !== "index") return { percent: true, min: 0, max: 100 };
  const scores = Object.values(spec.scores ?? {});
  return scores.length > 0 ? { percent: false, min: Math.min(...scores), max: Math.max(...scores) } : { percent: false, min: 0, max: 100 };
}

/** A stored target value as it is typed (0.953 → 95.3 for a rate), rid of floating-point noise. */
export function typedTargetValue(measure: AdminMeasure, stored: number): number {
  return targetScale(measure).percent ? Number((stored * 100).toPrecision(12)) : stored;
}

/** A stored target value for display: "95.3%" for a rate, "85.25" for an index (up to two decimals); the bare number for a measure the wave does not have. */
export function formatTargetValue(measure: AdminMeasure | undefined, stored: number): string {
  if (!measure) return String(stored);
  const typed = typedTargetValue(measure, stored);
  const text = String(Number(typed.toFixed(2)));
  return targetScale(measure).percent ? `${text}%` : text;
}

/**
 * Checks a target typed on the dashboard against the wave's targetable (scalar) measures.
 * @returns the measure, the trimmed label and the value as stored (a proportion for rates)
 * @throws TargetError for an unknown measure, an empty or overlong label, or a value out of range
 */
export function checkTypedTarget(measures: readonly AdminMeasure[], input: { measure: string; label: string; value: number }): { measure: AdminMeasure; label: string; value: number } {
  const measure = measures.find((m) => m.scalar && m.spec.id === input.measure);
  if (!measure) throw new TargetError("waves.target_unknown_measure", { measure: input.measure });
  const label = input.label.trim();
  if (!label) throw new TargetError("waves.target_label_empty");
  if ([...label].length > TARGET_LABEL_MAX) throw new TargetError("waves.target_label_long", { max: TARGET_LABEL_MAX });
  const scale = targetScale(measure);
  if (!Number.isFinite(input.value) || input.value < scale.min || input.value > scale.max) {
    throw new TargetError(scale.percent ? "waves.target_range_percent" : "waves.target_range_score", { min: scale.min, max: scale.max });
  }
  return { measure, label, value: scale.percent ? Number((input.value / 100).toPrecision(12)) : input.value };
}

/**
 * Checks a target given as stored (rates as proportions 0–1, as `anxin targets set` and the JSON
 * API take them) by the same rules as {@link checkTypedTarget}.
 * @throws TargetError as {@link checkTypedTarget}
 */
export function checkStoredTarget(measures: readonly AdminMeasure[], input: { measure: string; label: string; value: number }): { measure: AdminMeasure; label: string; value: number } {
  const measure = measures.find((m) => m.scalar && m.spec.id === input.measure);
  if (!measure) throw new TargetError("waves.target_unknown_measure", { measure: input.measure });
  return checkTypedTarget(measures, { ...input, value: typedTargetValue(measure, input.value) });
}
