/**
 * Checks the rows of a region file against themselves and the stored tree, and orders them
 * parents first: the plan the store applies in one transaction (RegionStore.importRegions).
 *
 * Every problem is reported, each at its line: an empty or invalid code, an empty or too long
 * name, a code listed twice, a parent that is neither in the file nor stored, a region that is its
 * own parent or ancestor, and a stored region the file puts under another parent (moving a region
 * would silently move its residents' figures, so it is refused). Parents may come after their
 * children in the file, and a parent may be a stored region the file leaves out.
 */
import type { PlannedRegion, RegionImportPlan, RegionRecord } from "../model/index.js";
import { issue, type RegionIssue } from "./issues.js";
import type { RegionRow } from "./rows.js";

/** What a region code may be: it goes into the tree's paths ("/33/3301/"), so no "/" or space. */
const CODE = /^[0-9A-Za-z][0-9A-Za-z_.-]{0,63}$/;

/** The longest name, in characters. */
export const NAME_MAX = 100;

/** The plan, or (with any issue) none. */
export interface RegionPlanResult {
  plan: RegionImportPlan | null;
  issues: RegionIssue[];
}

/** The stored tree as the checks need it: each code's parent code (null at the top). */
function storedParents(stored: readonly RegionRecord[]): Map<string, string | null> {
  const codeOf = new Map(stored.map((r) => [r.id, r.code]));
  return new Map(stored.map((r) => [r.code, r.parentId ? (codeOf.get(r.parentId) ?? null) : null]));
}

/** The checks that need one row only. */
function rowIssues(row: RegionRow): RegionIssue[] {
  const out: RegionIssue[] = [];
  if (row.code === "") out.push(issue(row.line, "code_empty"));
  else if (!CODE.test(row.code)) out.push(issue(row.line, "code_invalid", { code: row.code }));
  const code = row.code || "?";
  if ((row.names["zh-CN"] ?? "") === "") out.push(issue(row.line, "name_empty", { code }));
  if (Object.values(row.names).some((n) => [...n].length > NAME_MAX)) out.push(issue(row.line, "name_too_long", { code, max: NAME_MAX }));
  if (row.parent !== "" && !CODE.test(row.parent)) out.push(issue(row.line, "code_invalid", { code: row.parent }));
  if (row.code !== "" && row.parent === row.code) out.push(issue(row.line, "parent_self", { code }));
  return out;
}

/**
 * Checks `rows` and orders them parents first (then in file order); `stored` is the tree as it
 * is now. Returns all issues found and, only when there are none, the plan.
 */
export function planRegionImport(rows: readonly RegionRow[], stored: readonly RegionRecord[]): RegionPlanResult {
  const parents = storedParents(stored);
  const issues: RegionIssue[] = [];
  const byCode = new Map<string, RegionRow>();
  for (const row of rows) {
    issues.push(...rowIssues(row));
    if (row.code === "") continue;
    const first = byCode.get(row.code);
    if (first) issues.push(issue(row.line, "duplicate_code", { code: row.code, first: first.line }));
    else byCode.set(row.code, row);
  }
  for (const row of byCode.values()) {
    // An invalid parent code was reported as such already.
    if (row.parent !== "" && row.parent !== row.code && CODE.test(row.parent) && !byCode.has(row.parent) && !parents.has(row.parent)) {
      issues.push(issue(row.line, "parent_unknown", { code: row.code, parent: row.parent }));
    }
    if (parents.has(row.code)) {
      const from = parents.get(row.code) ?? null;
      const to = row.parent === "" ? null : row.parent;
      if (from !== to) issues.push(issue(row.line, "moving_refused", { code: row.code, from: from ?? "", to: to ?? "" }));
    }
  }
  const depth = depths(byCode, issues);
  if (issues.length > 0) return { plan: null, issues };
  const ordered = [...byCode.values()].sort((a, b) => (depth.get(a.code) ?? 0) - (depth.get(b.code) ?? 0) || a.line - b.line);
  const regions = ordered.map((row): PlannedRegion => ({ code: row.code, name: { ...row.names }, parentCode: row.parent === "" ? null : row.parent }));
  return { plan: { regions }, issues: [] };
}

/**
 * Each listed region's depth below the file's own top (a region whose parent is stored, or
 * none, is at 0), following parents within the file; regions on a cycle get a `cycle` issue.
 */
function depths(byCode: ReadonlyMap<string, RegionRow>, issues: RegionIssue[]): Map<string, number> {
  const depth = new Map<string, number>();
  const onCycle = new Set<string>();
  for (const start of byCode.keys()) {
    if (depth.has(start) || onCycle.has(start)) continue;
    // Walk up until a known depth, the file's top, or a region already on this walk (a cycle).
    const walk: string[] = [];
    const seen = new Map<string, number>();
    let code: string | undefined = start;
    let base = -1;
    while (code !== undefined) {
      if (depth.has(code)) {
        base = depth.get(code) ?? 0;
        break;
      }
      if (onCycle.has(code)) break;
      const at = seen.get(code);
      if (at !== undefined) {
        const cycle = walk.slice(at);
        const chain = [...cycle, code].join(" → ");
        for (const c of cycle) {
          onCycle.add(c);
          const row = byCode.get(c);
          // A region naming itself was reported as such already.
          if (row && row.parent !== row.code) issues.push(issue(row.line, "cycle", { code: c, chain }));
        }
        break;
      }
      seen.set(code, walk.length);
      walk.push(code);
      const parent: string | undefined = byCode.get(code)?.parent;
      code = parent && byCode.has(parent) ? parent : undefined;
    }
    // Regions below a cycle get no depth; the cycle's issue already refuses the file.
    if (code !== undefined && base < 0) continue;
    for (let i = walk.length - 1, d = base + 1; i >= 0; i--, d++) depth.set(walk[i] as string, d);
  }
  return depth;
}
