/**
 * axe-core in a Playwright page: the page audit every browser suite uses, so "0 violations of any
 * impact" means the same rules everywhere (WCAG 2.x A/AA and best practices, as axe ships them).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** One axe violation, reduced to what a failing assertion should print. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe on the page as it is now and returns its violations (empty when the page passes).
 * The page's browser context must be created with `bypassCSP: true`: the app's CSP forbids the inline
 * script axe arrives as (the audit then sees the page exactly as served otherwise).
 * `exclude` lists selectors left out of the audit (for third-party widgets; use sparingly and say why).
 */
export async function axeViolations(page: Page, exclude: string[] = []): Promise<AxeViolation[]> {
  const injected = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe !== "undefined");
  if (!injected) await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async (excluded) => {
    interface AxeResult {
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
    }
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<AxeResult> } }).axe;
    const context = excluded.length > 0 ? { include: [["html"]], exclude: excluded.map((s) => [s]) } : document;
    const result = await axe.run(context, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.map(String).join(" ")),
    }));
  }, exclude);
}

/** A one-line-per-violation summary for an assertion message. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.impact ?? "?"} ${v.id}: ${v.help} — ${v.targets.slice(0, 3).join(", ")}`).join("\n");
}
