/** The region tree (the RegionStore port): single regions, bulk imports and what hangs on each region. */
import { randomUUID } from "node:crypto";
import { importTransaction, json, parse, type StoreContext, type Tx } from "./context.js";
import { hasRegionData } from "../../core/model/index.js";
import type { KeptRegion, RegionDataCounts, RegionImportCounts, RegionImportOptions, RegionImportPlan, RegionRecord, RegionStore } from "../../core/model/index.js";

// The columns of a RegionRecord: readers get what the type promises, the same from every backend.
const REGION_FIELDS = { id: true, code: true, name: true, level: true, path: true, parentId: true } as const;

/** Rows per bulk statement: well under SQLite's and PostgreSQL's limits on bound parameters. */
const CHUNK = 400;

/** A plan that no longer fits the stored tree (changed since it was validated): nothing is stored. */
export class RegionImportConflict extends Error {}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Names after a change: the languages given replace the stored ones, an empty one removes it, the rest stay. */
function mergedNames(stored: Record<string, string>, given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...stored };
  for (const [lang, text] of Object.entries(given)) {
    if (text === "") delete out[lang];
    else out[lang] = text;
  }
  return out;
}

function sameNames(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** A stored region, as the import reads the whole tree once. */
type StoredRegion = RegionRecord;

/** The RegionStore port on Prisma (see the module comment). */
export class RegionTables implements RegionStore {
  constructor(private readonly db: StoreContext) {}

  /** Creates or renames a region under its parent (by code). Parents must exist first. */
  async upsertRegion(input: { code: string; name: Record<string, string>; parentCode?: string | null }): Promise<RegionRecord> {
    const parent = input.parentCode ? await this.db.client.region.findUnique({ where: { code: input.parentCode } }) : null;
    if (input.parentCode && !parent) throw new Error(`region ${input.code}: parent ${input.parentCode} does not exist`);
    const level = parent ? parent.level + 1 : 0;
    const path = `${parent ? parent.path : "/"}${input.code}/`;
    const row = await this.db.client.region.upsert({
      where: { code: input.code },
      create: { code: input.code, name: json(input.name), level, path, parentId: parent?.id ?? null },
      update: { name: json(input.name) },
    });
    return { ...row, name: parse<Record<string, string>>(row.name, {}) };
  }

  /** All regions, parents before children. */
  async listRegions(): Promise<RegionRecord[]> {
    const rows = await this.db.client.region.findMany({ select: REGION_FIELDS, orderBy: [{ level: "asc" }, { code: "asc" }] });
    return rows.map((row) => ({ ...row, name: parse<Record<string, string>>(row.name, {}) }));
  }

  /** The region with this code, or null. */
  async getRegionByCode(code: string): Promise<RegionRecord | null> {
    const row = await this.db.client.region.findUnique({ where: { code }, select: REGION_FIELDS });
    return row ? { ...row, name: parse<Record<string, string>>(row.name, {}) } : null;
  }

  /** Sets a region's names (see RegionStore.renameRegion). */
  async renameRegion(code: string, name: Record<string, string>): Promise<RegionRecord | null> {
    return this.db.client.$transaction(async (tx) => {
      const row = await tx.region.findUnique({ where: { code }, select: REGION_FIELDS });
      if (!row) return null;
      const merged = mergedNames(parse<Record<string, string>>(row.name, {}), name);
      const updated = await tx.region.update({ where: { id: row.id }, data: { name: json(merged) }, select: REGION_FIELDS });
      return { ...updated, name: merged };
    });
  }

  /** See RegionStore.importRegions: one transaction, bulk statements, a dry run rolled back. */
  async importRegions(plan: RegionImportPlan, options: RegionImportOptions): Promise<RegionImportCounts> {
    return importTransaction(this.db.client, options.dryRun, (tx) => this.applyPlan(tx, plan, options));
  }


  /** Whether any region exists. */
  async hasRegions(): Promise<boolean> {
    return (await this.db.client.region.findFirst({ select: { id: true } })) !== null;
  }

  /** What hangs on each region: one grouped query per table (not one per region). */
  async countRegionData(): Promise<RegionDataCounts[]> {
    return this.dataCounts(this.db.client);
  }

  private async dataCounts(tx: Tx | StoreContext["client"]): Promise<RegionDataCounts[]> {
    const where = { regionId: { not: null } };
    const count = { _count: { _all: true } } as const;
    const [residents, assignments, officers, dwellings, dwellingOfficers, responses, suggestions, cases, invitations] = await Promise.all([
      tx.resident.groupBy({ by: ["regionId"], where, ...count }),
      tx.assignment.groupBy({ by: ["regionId"], where, ...count }),
      tx.assignment.groupBy({ by: ["regionId", "officerId"], where }),
      // Field-work households are household assignments too (a dwelling assigned to an officer),
      // and their region may not be removed (Household.region is onDelete: Restrict).
      tx.household.groupBy({ by: ["regionId"], ...count }),
      tx.household.groupBy({ by: ["regionId", "officerId"], where: { officerId: { not: null } } }),
      tx.response.groupBy({ by: ["regionId"], where, ...count }),
      tx.suggestion.groupBy({ by: ["regionId"], where, ...count }),
      tx.case.groupBy({ by: ["regionId"], where, ...count }),
      tx.invitation.groupBy({ by: ["regionId"], where, ...count }),
    ]);
    const byRegion = new Map<string, RegionDataCounts>();
    const entry = (regionId: string): RegionDataCounts => {
      let e = byRegion.get(regionId);
      if (!e) {
        e = { regionId, residents: 0, assignments: 0, officers: 0, responses: 0, suggestions: 0, cases: 0, invitations: 0 };
        byRegion.set(regionId, e);
      }
      return e;
    };
    const add = (rows: { regionId: string | null; _count: { _all: number } }[], field: Exclude<keyof RegionDataCounts, "regionId" | "officers">) => {
      for (const row of rows) if (row.regionId) entry(row.regionId)[field] += row._count._all;
    };
    add(residents, "residents");
    add(assignments, "assignments");
    add(dwellings, "assignments");
    add(responses, "responses");
    add(suggestions, "suggestions");
    add(cases, "cases");
    add(invitations, "invitations");
    const officersOf = new Set<string>();
    for (const row of [...officers, ...dwellingOfficers]) {
      if (row.regionId && row.officerId && !officersOf.has(`${row.regionId}\n${row.officerId}`)) {
        officersOf.add(`${row.regionId}\n${row.officerId}`);
        entry(row.regionId).officers += 1;
      }
    }
    return [...byRegion.values()];
  }

  /** The import itself, inside the transaction. */
  private async applyPlan(tx: Tx, plan: RegionImportPlan, options: RegionImportOptions): Promise<RegionImportCounts> {
    const stored = (await tx.region.findMany({ select: REGION_FIELDS })).map((r): StoredRegion => ({ ...r, name: parse<Record<string, string>>(r.name, {}) }));
    const byCode = new Map(stored.map((r) => [r.code, r]));
    const creates: { id: string; code: string; name: string; level: number; path: string; parentId: string | null }[] = [];
    const renames: { id: string; name: string }[] = [];
    const planned = new Set<string>();
    let unchanged = 0;
    for (const region of plan.regions) {
      planned.add(region.code);
      const parent = region.parentCode === null ? null : byCode.get(region.parentCode);
      if (region.parentCode !== null && !parent) throw new RegionImportConflict(`region ${region.code}: parent ${region.parentCode} does not exist`);
      const existing = byCode.get(region.code);
      if (existing) {
        if (existing.parentId !== (parent?.id ?? null)) throw new RegionImportConflict(`region ${region.code} is stored under another parent: moving a region is refused`);
        const name = mergedNames(existing.name, region.name);
        if (sameNames(name, existing.name)) unchanged += 1;
        else renames.push({ id: existing.id, name: json(name) });
        continue;
      }
      const row: StoredRegion = {
        id: randomUUID(),
        code: region.code,
        name: mergedNames({}, region.name),
        level: parent ? parent.level + 1 : 0,
        path: `${parent ? parent.path : "/"}${region.code}/`,
        parentId: parent?.id ?? null,
      };
      byCode.set(row.code, row);
      creates.push({ ...row, name: json(row.name) });
    }
    // Parents come before their children in the plan, so each chunk finds its parents stored.
    const createdAt = new Date();
    for (const chunk of chunks(creates, CHUNK / 2)) await this.insertMany(tx, chunk, createdAt);
    for (const chunk of chunks(renames)) await this.renameMany(tx, chunk);
    const { removed, kept } = options.replace ? await this.removeUnplanned(tx, stored, planned, plan) : { removed: 0, kept: [] };
    return { added: creates.length, renamed: renames.length, unchanged, removed, kept };
  }

  /** Placeholders for raw statements: `?` on SQLite, `$n` on PostgreSQL, numbered as `params` grows. */
  private binder(params: unknown[]): (value: unknown) => string {
    return (value) => {
      params.push(value);
      return this.db.provider === "postgresql" ? `$${params.length}` : "?";
    };
  }

  /**
   * One multi-row INSERT per chunk: Prisma's createMany spends ~0.5 ms a row here, which makes a
   * province (25,000 regions) take most of a minute; plain SQL takes a second or two.
   */
  private async insertMany(tx: Tx, chunk: readonly { id: string; code: string; name: string; level: number; path: string; parentId: string | null }[], createdAt: Date): Promise<void> {
    const params: unknown[] = [];
    const bind = this.binder(params);
    // SQLite keeps DateTime as the ISO text Prisma writes; PostgreSQL takes the value as a timestamp.
    // (Bound once per row: SQLite's "?" placeholders are positional.)
    const at = (): string => (this.db.provider === "postgresql" ? `CAST(${bind(createdAt.toISOString())} AS TIMESTAMP(3))` : bind(createdAt.toISOString().replace("Z", "+00:00")));
    const values = chunk.map((r) => `(${bind(r.id)}, ${bind(r.code)}, ${bind(r.name)}, ${bind(r.level)}, ${bind(r.path)}, ${bind(r.parentId)}, ${at()})`).join(", ");
    await tx.$executeRawUnsafe(`INSERT INTO "Region" ("id", "code", "name", "level", "path", "parentId", "createdAt") VALUES ${values}`, ...params);
  }

  /** One UPDATE … CASE for a chunk of renames (a province's worth in seconds, not one statement each). */
  private async renameMany(tx: Tx, chunk: readonly { id: string; name: string }[]): Promise<void> {
    const params: unknown[] = [];
    const mark = this.binder(params);
    const cases = chunk.map((r) => `WHEN ${mark(r.id)} THEN ${mark(r.name)}`).join(" ");
    const ids = chunk.map((r) => mark(r.id)).join(", ");
    await tx.$executeRawUnsafe(`UPDATE "Region" SET "name" = CASE "id" ${cases} END WHERE "id" IN (${ids})`, ...params);
  }

  /**
   * With --replace: removes the stored regions the plan leaves out, unless data hangs on them or
   * on a descendant that stays (a planned region, or one kept for its data). Deepest first, since
   * a region's parent may not go before it.
   */
  private async removeUnplanned(tx: Tx, stored: readonly StoredRegion[], planned: ReadonlySet<string>, plan: RegionImportPlan): Promise<{ removed: number; kept: KeptRegion[] }> {
    const unplanned = stored.filter((r) => !planned.has(r.code));
    if (unplanned.length === 0) return { removed: 0, kept: [] };
    const withData = new Set((await this.dataCounts(tx)).filter((c) => hasRegionData(c)).map((c) => c.regionId));
    const storedById = new Map(stored.map((r) => [r.id, r]));
    const byCode = new Map(stored.map((r) => [r.code, r]));
    // Regions a staying child needs: the parents of planned regions first.
    const needed = new Set<string>();
    for (const region of plan.regions) {
      const parent = region.parentCode === null ? undefined : byCode.get(region.parentCode);
      if (parent) needed.add(parent.id);
    }
    const kept: KeptRegion[] = [];
    const removeByLevel = new Map<number, string[]>();
    for (const region of [...unplanned].sort((a, b) => b.level - a.level)) {
      const reason = withData.has(region.id) ? "data" : needed.has(region.id) ? "children" : null;
      if (reason) {
        kept.push({ code: region.code, name: region.name, reason });
        if (region.parentId && storedById.has(region.parentId)) needed.add(region.parentId);
      } else {
        const list = removeByLevel.get(region.level);
        if (list) list.push(region.id);
        else removeByLevel.set(region.level, [region.id]);
      }
    }
    let removed = 0;
    for (const level of [...removeByLevel.keys()].sort((a, b) => b - a)) {
      for (const chunk of chunks(removeByLevel.get(level) ?? [])) {
        const params: unknown[] = [];
        const bind = this.binder(params);
        // Plain SQL for the same reason as insertMany.
        removed += await tx.$executeRawUnsafe(`DELETE FROM "Region" WHERE "id" IN (${chunk.map((id) => bind(id)).join(", ")})`, ...params);
      }
    }
    kept.sort((a, b) => (byCode.get(a.code)?.level ?? 0) - (byCode.get(b.code)?.level ?? 0) || a.code.localeCompare(b.code));
    return { removed, kept };
  }
}
