/** The forest plot SVG: geometry on a log axis, the line at 1, readable text, escaping, refusals. */

import { describe, expect, it } from "vitest";
import { escapeXml, forestPlotSvg, type ForestRow } from "../../core/admin/forest-plot.js";

const options = { title: "感到不安全的影响因素", axisLabel: "Odds ratio (log scale)", emptyText: "No estimate" };
const rows: ForestRow[] = [
  { label: "受害：是", oddsRatio: 3.5, lower: 1.9, upper: 6.6, significant: true },
  { label: "Patrols seen: often", oddsRatio: 0.5, lower: 0.3, upper: 0.8, significant: true },
  { label: "Age group: 30–44", oddsRatio: 1.1, lower: 0.6, upper: 2, significant: false },
];

const attrs = (svg: string, className: string): Record<string, number>[] =>
  [...svg.matchAll(new RegExp(`<(?:line|rect|path) class="${className}"([^>]*)>`, "g"))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/ (x1|x2|y1|y2|x|y|width)="(-?[\d.]+)"/g)].map((a) => [a[1]!, Number(a[2])])),
  );

describe("forestPlotSvg", () => {
  it("draws one whisker and one point per row, in order, on a logarithmic axis", () => {
    const { svg, height } = forestPlotSvg(rows, options);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    const whiskers = attrs(svg, "whisker");
    const points = attrs(svg, "point");
    expect(whiskers).toHaveLength(3);
    expect(points).toHaveLength(3);
    // Rows top to bottom in the given order.
    expect(whiskers.map((w) => w.y1)).toEqual([...whiskers.map((w) => w.y1!)].sort((a, b) => a - b));
    const [line1] = attrs(svg, "no-effect");
    const one = line1!.x1!;
    // Log scale: OR 0.5 lies as far left of 1 as OR 2 would lie right; check with the whiskers'
    // ends: ln(6.6/3.5) and ln(3.5/1.9) scale the same way as their pixel distances.
    const centre = (p: Record<string, number>): number => p.x! + p.width! / 2;
    const perLog = (centre(points[0]!) - one) / Math.log(3.5);
    expect((one - centre(points[1]!)) / Math.log(2)).toBeCloseTo(perLog, 1);
    expect((whiskers[0]!.x2! - centre(points[0]!)) / Math.log(6.6 / 3.5)).toBeCloseTo(perLog, 1);
    expect((centre(points[2]!) - one) / Math.log(1.1)).toBeCloseTo(perLog, 0);
    // Every whisker covers its point.
    points.forEach((p, i) => {
      expect(whiskers[i]!.x1!).toBeLessThanOrEqual(centre(p));
      expect(whiskers[i]!.x2!).toBeGreaterThanOrEqual(centre(p));
    });
    expect(height).toBeGreaterThan(3 * 28);
  });

  it("has the line at 1 spanning the rows, and tick labels including 1", () => {
    const { svg } = forestPlotSvg(rows, options);
    const [line] = attrs(svg, "no-effect");
    const whiskers = attrs(svg, "whisker");
    expect(line!.y1!).toBeLessThan(whiskers[0]!.y1!);
    expect(line!.y2!).toBeGreaterThan(whiskers[2]!.y1!);
    expect(svg).toMatch(/text-anchor="middle" fill="#1a1a1a">1<\/text>/);
  });

  it("uses text of at least 14 px in dark colours only", () => {
    const { svg } = forestPlotSvg(rows, options);
    const sizes = [...svg.matchAll(/font-size="(\d+)"/g)].map((m) => Number(m[1]));
    expect(sizes.length).toBeGreaterThan(5);
    for (const size of sizes) expect(size).toBeGreaterThanOrEqual(14);
    const textFills = [...svg.matchAll(/<text[^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(new Set(textFills)).toEqual(new Set(["#1a1a1a"]));
  });

  it("marks significant estimates with a filled point and the others with a hollow one", () => {
    const { svg } = forestPlotSvg(rows, options);
    const fills = [...svg.matchAll(/<rect class="point"[^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(fills).toEqual(["#1f5fa8", "#1f5fa8", "#ffffff"]);
  });

  it("cuts an interval beyond 1/100 … 100 with an arrow", () => {
    const { svg } = forestPlotSvg([{ label: "wide", oddsRatio: 40, lower: 3, upper: 900, significant: true }], options);
    expect(attrs(svg, "cut")).toHaveLength(1);
    expect(svg).toContain("40.00 (3.00–900)");
  });

  it("escapes labels and titles", () => {
    const { svg } = forestPlotSvg([{ ...rows[0]!, label: '<script>alert("x")</script> & co' }], { ...options, title: "a<b" });
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co");
    expect(svg).toContain("<title>a&lt;b</title>");
    expect(escapeXml("'")).toBe("&#39;");
  });

  it("says so when there is nothing to draw", () => {
    const { svg } = forestPlotSvg([], options);
    expect(svg).toContain("No estimate");
    expect(attrs(svg, "whisker")).toHaveLength(0);
  });

  it("refuses values that cannot be drawn on a log axis", () => {
    expect(() => forestPlotSvg([{ ...rows[0]!, lower: 0 }], options)).toThrow(/0 < lower/);
    expect(() => forestPlotSvg([{ ...rows[0]!, upper: Number.POSITIVE_INFINITY }], options)).toThrow(RangeError);
    expect(() => forestPlotSvg([{ ...rows[0]!, oddsRatio: 9 }], options)).toThrow(RangeError);
  });
});
