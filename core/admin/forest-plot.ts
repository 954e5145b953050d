/**
 * A forest plot of odds ratios as SVG: one row per estimate, a point at the odds ratio and a
 * whisker over its 95 % interval on a logarithmic axis (so that 0.5 and 2 lie equally far from 1),
 * and a line at 1 (no association). A pure function from rows to markup: no chart library, no
 * browser; the dashboard and the printable report embed it as it is (print-friendly, strict CSP).
 *
 * Readability for older admins on paper: every text is at least 14 px, dark on white; significant
 * estimates have a filled point, the others a hollow one, so the difference survives greyscale.
 */

/** One estimate. */
export interface ForestRow {
  /** "Factor: level". */
  label: string;
  oddsRatio: number;
  lower: number;
  upper: number;
  /** Significant at 5 %: filled point. */
  significant: boolean;
}

/** Options of {@link forestPlotSvg}. */
export interface ForestPlotOptions {
  title: string;
  /** Axis caption, e.g. "Odds ratio (log scale)". */
  axisLabel: string;
  /** Shown instead of rows when there are none. */
  emptyText: string;
  /** Total width in px (default 760). */
  width?: number;
  /** Decimals of the printed odds ratios and bounds below 100 (default 2). */
  decimals?: number;
}

/** The plot's markup and size. */
export interface ForestPlot {
  svg: string;
  width: number;
  height: number;
}

const TEXT = "#1a1a1a";
const MUTED = "#4a4a4a";
const ACCENT = "#1f5fa8";
const FONT = "'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif";
const FONT_SIZE = 14;
const TITLE_SIZE = 16;
const ROW = 30;
/** The axis never extends beyond 1/100 … 100: a wider interval is cut with an arrow. */
const AXIS_LIMIT = 100;
const TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100];

/** Escapes text for SVG content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** Approximate width of a text in px at `size`: wide (CJK) characters one em, others about half. */
export function textWidth(text: string, size = FONT_SIZE): number {
  let em = 0;
  for (const ch of text) em += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 1 : 0.58;
  return em * size;
}

const fmt = (x: number, decimals: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(decimals));

/**
 * Renders the forest plot. Rows keep their order (pass them ranked). Non-finite or non-positive
 * values are refused rather than drawn somewhere arbitrary.
 * @throws RangeError for a row whose odds ratio or interval is not a positive finite number in order.
 */
export function forestPlotSvg(rows: readonly ForestRow[], options: ForestPlotOptions): ForestPlot {
  for (const r of rows) {
    const values = [r.lower, r.oddsRatio, r.upper];
    if (!values.every((v) => Number.isFinite(v) && v > 0) || r.lower > r.oddsRatio || r.oddsRatio > r.upper) {
      throw new RangeError(`forest plot: "${r.label}" needs 0 < lower ≤ odds ratio ≤ upper, got ${values.join(", ")}`);
    }
  }
  const decimals = options.decimals ?? 2;
  const width = options.width ?? 760;
  const pad = 16;
  const labelWidth = Math.min(width * 0.4, Math.max(80, ...rows.map((r) => textWidth(r.label))) + 12);
  const valueTexts = rows.map((r) => `${fmt(r.oddsRatio, decimals)} (${fmt(r.lower, decimals)}–${fmt(r.upper, decimals)})`);
  const valueWidth = Math.max(110, ...valueTexts.map((t) => textWidth(t))) + 12;
  const plotLeft = pad + labelWidth;
  const plotRight = width - pad - valueWidth;
  const top = pad + TITLE_SIZE + 16;
  const height = top + Math.max(1, rows.length) * ROW + 56;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}" font-family="${escapeXml(FONT)}">`);
  parts.push(`<title>${escapeXml(options.title)}</title>`, `<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${pad}" y="${pad + TITLE_SIZE}" font-size="${TITLE_SIZE}" font-weight="bold" fill="${TEXT}">${escapeXml(options.title)}</text>`);
  if (rows.length === 0 || plotRight - plotLeft < 80) {
    parts.push(`<text x="${pad}" y="${top + ROW / 2 + 5}" font-size="${FONT_SIZE}" fill="${TEXT}">${escapeXml(options.emptyText)}</text>`, "</svg>");
    return { svg: parts.join(""), width, height };
  }
  const lowest = Math.max(1 / AXIS_LIMIT, Math.min(1, ...rows.map((r) => r.lower)));
  const highest = Math.min(AXIS_LIMIT, Math.max(1, ...rows.map((r) => r.upper)));
  // A little room on both sides of the data, on the log scale.
  const logMin = Math.log(lowest) - 0.15;
  const logMax = Math.log(highest) + 0.15;
  const x = (v: number): number => plotLeft + ((Math.log(Math.min(AXIS_LIMIT, Math.max(1 / AXIS_LIMIT, v))) - logMin) / (logMax - logMin)) * (plotRight - plotLeft);
  const r2 = (v: number): string => v.toFixed(2);
  const bottom = top + rows.length * ROW;
  // Axis, ticks and the line of no association.
  parts.push(`<line x1="${r2(plotLeft)}" y1="${bottom}" x2="${r2(plotRight)}" y2="${bottom}" stroke="${MUTED}" stroke-width="1"/>`);
  for (const t of TICKS) {
    if (Math.log(t) < logMin || Math.log(t) > logMax) continue;
    parts.push(`<line x1="${r2(x(t))}" y1="${bottom}" x2="${r2(x(t))}" y2="${bottom + 5}" stroke="${MUTED}"/>`);
    parts.push(`<text x="${r2(x(t))}" y="${bottom + 21}" font-size="${FONT_SIZE}" text-anchor="middle" fill="${TEXT}">${t}</text>`);
  }
  parts.push(`<line class="no-effect" x1="${r2(x(1))}" y1="${top - 6}" x2="${r2(x(1))}" y2="${bottom}" stroke="${TEXT}" stroke-width="1.5" stroke-dasharray="5 4"/>`);
  parts.push(`<text x="${r2((plotLeft + plotRight) / 2)}" y="${bottom + 44}" font-size="${FONT_SIZE}" text-anchor="middle" fill="${TEXT}">${escapeXml(options.axisLabel)}</text>`);
  rows.forEach((row, i) => {
    const cy = top + i * ROW + ROW / 2;
    if (i % 2 === 1) parts.push(`<rect x="${pad}" y="${top + i * ROW}" width="${width - 2 * pad}" height="${ROW}" fill="#f3f5f8"/>`);
    parts.push(`<text x="${pad}" y="${cy + 5}" font-size="${FONT_SIZE}" fill="${TEXT}">${escapeXml(row.label)}</text>`);
    const x1 = x(row.lower);
    const x2 = x(row.upper);
    parts.push(`<line class="whisker" x1="${r2(x1)}" y1="${cy}" x2="${r2(x2)}" y2="${cy}" stroke="${ACCENT}" stroke-width="2"/>`);
    // Whisker ends; an interval cut by the axis limit ends in an arrow instead.
    for (const [end, value, dir] of [[x1, row.lower, -1], [x2, row.upper, 1]] as const) {
      const cut = dir < 0 ? value < 1 / AXIS_LIMIT : value > AXIS_LIMIT;
      parts.push(
        cut
          ? `<path class="cut" d="M${r2(end)} ${cy} l${-dir * 7} -5 v10 z" fill="${ACCENT}"/>`
          : `<line x1="${r2(end)}" y1="${cy - 6}" x2="${r2(end)}" y2="${cy + 6}" stroke="${ACCENT}" stroke-width="2"/>`,
      );
    }
    const fill = row.significant ? ACCENT : "#ffffff";
    parts.push(`<rect class="point" x="${r2(x(row.oddsRatio) - 6)}" y="${cy - 6}" width="12" height="12" fill="${fill}" stroke="${ACCENT}" stroke-width="2"/>`);
    parts.push(`<text x="${width - pad}" y="${cy + 5}" font-size="${FONT_SIZE}" text-anchor="end" fill="${TEXT}">${escapeXml(valueTexts[i]!)}</text>`);
  });
  parts.push("</svg>");
  return { svg: parts.join(""), width, height };
}
