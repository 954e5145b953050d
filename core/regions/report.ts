/**
 * What an import says, in the reader's language: each issue as "Line 12: …" (capped, with
 * "… and N more"), and the summary of what was (or, dry, would be) added, renamed, unchanged,
 * removed and kept. The CLI prints these lines; the Regions page shows them.
 */
import type { RegionImportCounts } from "../model/index.js";
import type { Lang } from "../engine/types.js";
import { rt } from "./i18n.js";
import { ISSUES_SHOWN, sortedIssues, type RegionIssue } from "./issues.js";

/** One issue's text, with its line when it has one. */
export function issueText(lang: Lang, problem: RegionIssue): string {
  const vars = { ...problem.vars };
  // An empty parent in moving_refused is the top level.
  if (problem.key === "moving_refused") {
    for (const k of ["from", "to"] as const) if (vars[k] === "") vars[k] = rt(lang, "report.root");
  }
  const message = rt(lang, `issues.${problem.key}`, vars);
  return problem.line === null ? message : rt(lang, "report.line", { line: problem.line, message });
}

/** The refusal: a headline, the first `max` issues in line order, and how many more there are. */
export function issueLines(lang: Lang, issues: readonly RegionIssue[], max = ISSUES_SHOWN): string[] {
  const sorted = sortedIssues(issues);
  const lines = [rt(lang, "report.refused", { count: issues.length }), ...sorted.slice(0, max).map((i) => issueText(lang, i))];
  if (sorted.length > max) lines.push(rt(lang, "report.more", { count: sorted.length - max }));
  return lines;
}

/** The summary of an import (dry: what it would do), then the kept regions (at most `max`). */
export function summaryLines(lang: Lang, counts: RegionImportCounts, dryRun: boolean, max = ISSUES_SHOWN): string[] {
  const vars = { added: counts.added, renamed: counts.renamed, unchanged: counts.unchanged, removed: counts.removed, kept: counts.kept.length };
  const lines = [rt(lang, dryRun ? "report.dry" : "report.done", vars)];
  for (const k of counts.kept.slice(0, max)) {
    const name = k.name[lang] ?? k.name["zh-CN"] ?? "";
    lines.push(rt(lang, k.reason === "data" ? "report.kept_data" : "report.kept_children", { code: k.code, name }));
  }
  if (counts.kept.length > max) lines.push(rt(lang, "report.more", { count: counts.kept.length - max }));
  return lines;
}
