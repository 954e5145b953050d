/** The region tree (the RegionStore port). */
import { json, parse, type StoreContext } from "./context.js";
import type { RegionRecord, RegionStore } from "../../core/model/index.js";

// The columns of a RegionRecord: readers get what the type promises, the same from every backend.
const REGION_FIELDS = { id: true, code: true, name: true, level: true, path: true, parentId: true } as const;

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
}
