/**
 * Small-group suppression. A figure is either {@link Suppressed} — which by construction
 * carries no number derived from the data (its `n` is `undefined`) — or {@link Shown}.
 *
 * Every export, table and chart must go through {@link figureRows} / {@link formatFigure} (or
 * at least {@link matchFigure}), never read a figure's fields directly, so that a suppressed
 * group can only ever be rendered as "suppressed".
 */

import { StatsConfigError } from "./measures.js";
import type { MeasureValue } from "./types.js";

/** Default minimum group size: groups (and figure bases) below it are suppressed. */
export const DEFAULT_MIN_GROUP_SIZE = 10;

/** A suppressed figure: no value, no interval, no count. */
export interface Suppressed {
  /** Discriminant. */
  readonly suppressed: true;
  /** Always `undefined`: even the size of a suppressed group is not disclosed. */
  readonly n: undefined;
  /** The configured minimum (a setting, not data). */
  readonly minGroupSize: number;
}

/** A figure that may be shown. */
export type Shown<T> = { readonly suppressed: false } & T;

/** A figure for one group: shown, or suppressed with nothing in it. */
export type Figure<T extends { n: number } = MeasureValue> = Suppressed | Shown<T>;

/**
 * Checks a minimum group size: an integer ≥ 2 (below 2 an index has no interval, and a
 * "group" of one resident is never publishable).
 * @throws StatsConfigError otherwise.
 */
export function checkMinGroupSize(minGroupSize: number): number {
  if (!Number.isInteger(minGroupSize) || minGroupSize < 2) {
    throw new StatsConfigError(`minGroupSize must be an integer ≥ 2, got ${minGroupSize}`);
  }
  return minGroupSize;
}

/** The one suppressed value (frozen: nothing can be attached to it later). */
export function suppressed(minGroupSize: number): Suppressed {
  return Object.freeze({ suppressed: true as const, n: undefined, minGroupSize });
}

/**
 * Applies the suppression rule to a computed value: suppressed when the group has fewer than
 * `minGroupSize` responses, when there is no value, or when the value's own base `n` (valid
 * answers) is below `minGroupSize`. A suppressed result never contains any part of `value`.
 */
export function applySuppression<T extends { n: number }>(
  value: T | null,
  groupSize: number,
  minGroupSize: number,
): Figure<T> {
  checkMinGroupSize(minGroupSize);
  if (value === null || groupSize < minGroupSize || value.n < minGroupSize) return suppressed(minGroupSize);
  return { ...value, suppressed: false as const };
}

/** One group of a breakdown as complementary suppression sees it. */
export interface SiblingGroup<T extends { n: number }> {
  /** The group's figure after the primary rule ({@link applySuppression}). */
  figure: Figure<T>;
  /** Selected responses (or ratings) in the group; an empty group hides nobody. */
  size: number;
  /** Groups with the same value here add up to one published parent figure. */
  parent: string;
}

/**
 * Complementary (secondary) suppression. Sibling groups add up to their parent's figure, which
 * is published too (the overall figure, or the region one level up); when exactly one non-empty
 * sibling is suppressed, its counts would be the parent's minus the others'. So the shown
 * sibling with the fewest valid answers (the first in order on a tie) is suppressed as well.
 * Returns the figures in input order.
 */
export function complementSuppression<T extends { n: number }>(groups: readonly SiblingGroup<T>[], minGroupSize: number): Figure<T>[] {
  const figures = groups.map((g) => g.figure);
  const families = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const family = families.get(g.parent);
    if (family) family.push(i);
    else families.set(g.parent, [i]);
  });
  for (const members of families.values()) {
    const hidden = members.filter((i) => figures[i]!.suppressed && groups[i]!.size > 0);
    if (hidden.length !== 1) continue;
    let pick: { index: number; n: number } | undefined;
    for (const i of members) {
      const figure = figures[i]!;
      if (isShown(figure) && (pick === undefined || figure.n < pick.n)) pick = { index: i, n: figure.n };
    }
    if (pick) figures[pick.index] = suppressed(minGroupSize);
  }
  return figures;
}

/** Type guard: the figure may be shown. */
export function isShown<T extends { n: number }>(figure: Figure<T>): figure is Shown<T> {
  return figure.suppressed === false;
}

/** Exhaustive match on a figure: exactly one of the two callbacks runs. */
export function matchFigure<T extends { n: number }, R>(
  figure: Figure<T>,
  onShown: (value: Shown<T>) => R,
  onSuppressed: (value: Suppressed) => R,
): R {
  return figure.suppressed ? onSuppressed(figure) : onShown(figure);
}

/**
 * One flat row for exports and charts. When `suppressed` is true every number is `null`.
 * Values are raw (proportions 0–1 for rates and shares, scores for an index).
 */
export interface FigureRow {
  /** Measure kind, or `null` for a suppressed figure. */
  kind: MeasureValue["kind"] | null;
  /** Option id for `share`/`multi` rows; `null` for single-number figures. */
  option: string | null;
  /** Rank of the option (`multi`, `share`), else `null`. */
  rank: number | null;
  /** Whether the group is suppressed. */
  suppressed: boolean;
  /** Base (valid answers). */
  n: number | null;
  /** Numerator (rates and shares), else `null`. */
  numerator: number | null;
  /** The figure. */
  value: number | null;
  /** Lower bound of the 95 % interval. */
  lower: number | null;
  /** Upper bound of the 95 % interval. */
  upper: number | null;
}

const SUPPRESSED_ROW: FigureRow = Object.freeze({
  kind: null,
  option: null,
  rank: null,
  suppressed: true,
  n: null,
  numerator: null,
  value: null,
  lower: null,
  upper: null,
});

/**
 * Flattens a figure into export/chart rows: one row for a rate or index, one per option for a
 * share or multiple-choice figure, and a single all-`null` row for a suppressed figure.
 */
export function figureRows(figure: Figure<MeasureValue>): FigureRow[] {
  return matchFigure<MeasureValue, FigureRow[]>(
    figure,
    (v) => {
      switch (v.kind) {
        case "share":
        case "multi":
          return v.options.map((o) => ({
            kind: v.kind,
            option: o.option,
            rank: o.rank,
            suppressed: false,
            n: o.n,
            numerator: o.numerator,
            value: o.value,
            lower: o.ci.lower,
            upper: o.ci.upper,
          }));
        case "index":
          return [{ kind: v.kind, option: null, rank: null, suppressed: false, n: v.n, numerator: null, value: v.value, lower: v.ci.lower, upper: v.ci.upper }];
        default:
          return [{ kind: v.kind, option: null, rank: null, suppressed: false, n: v.n, numerator: v.numerator, value: v.value, lower: v.ci.lower, upper: v.ci.upper }];
      }
    },
    () => [{ ...SUPPRESSED_ROW }],
  );
}

/** Text rendering options for {@link formatFigure}. */
export interface FormatOptions {
  /** Decimals shown (default 1). */
  decimals?: number;
  /** Show proportions as percentages (default true; indices are never scaled). */
  percent?: boolean;
  /** Text shown for a suppressed figure (default `"—"`). */
  suppressedText?: string;
}

/** Text cells of one {@link FigureRow}. */
export interface FormattedRow {
  /** Option id or `""`. */
  option: string;
  /** Base n, or the suppressed text. */
  n: string;
  /** The value, or the suppressed text. */
  value: string;
  /** "lower–upper", or the suppressed text. */
  ci: string;
}

/**
 * Renders a figure as text cells (via {@link figureRows}); a suppressed figure renders as
 * `suppressedText` in every cell.
 */
export function formatFigure(figure: Figure<MeasureValue>, options: FormatOptions = {}): FormattedRow[] {
  const decimals = options.decimals ?? 1;
  const percent = options.percent ?? true;
  const blank = options.suppressedText ?? "—";
  return figureRows(figure).map((row) => {
    if (row.suppressed || row.value === null || row.lower === null || row.upper === null || row.n === null) {
      return { option: row.option ?? "", n: blank, value: blank, ci: blank };
    }
    const scale = percent && row.kind !== "index" ? 100 : 1;
    const unit = scale === 100 ? "%" : "";
    const fmt = (x: number): string => (x * scale).toFixed(decimals);
    return {
      option: row.option ?? "",
      n: String(row.n),
      value: `${fmt(row.value)}${unit}`,
      ci: `${fmt(row.lower)}–${fmt(row.upper)}${unit}`,
    };
  });
}
