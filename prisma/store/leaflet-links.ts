/** Leaflets' short links (the LeafletLinkStore port). */
import { isUniqueViolation, type StoreContext } from "./context.js";
import type { LeafletLinkStore } from "../../core/model/index.js";

export class LeafletLinkTables implements LeafletLinkStore {
  constructor(private readonly db: StoreContext) {}

  /**
   * The stored short code of an officer's leaflet in a region, else `code` stored now; null when
   * `code` stands for another leaflet already. Two printings at once store one code: the loser of
   * the race on (officer, region) reads the winner's.
   */
  async leafletLinkCode(input: { officerId: string; regionCode: string; code: string; now: Date }): Promise<string | null> {
    const where = { officerId_regionCode: { officerId: input.officerId, regionCode: input.regionCode } };
    const existing = await this.db.client.leafletLink.findUnique({ where });
    if (existing) return existing.code;
    try {
      await this.db.client.leafletLink.create({ data: { code: input.code, officerId: input.officerId, regionCode: input.regionCode, createdAt: input.now } });
      return input.code;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Either this leaflet got its code meanwhile, or the drawn code is another leaflet's.
      return (await this.db.client.leafletLink.findUnique({ where }))?.code ?? null;
    }
  }

  /** The officer and region a stored short code stands for, or null. */
  async leafletLinkTarget(code: string): Promise<{ officerId: string; regionCode: string } | null> {
    const row = await this.db.client.leafletLink.findUnique({ where: { code } });
    return row ? { officerId: row.officerId, regionCode: row.regionCode } : null;
  }
}
