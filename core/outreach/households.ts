/**
 * Households: the one place where a resident becomes an officer's household and their responses
 * become that officer's.
 *
 * Two doors lead here — a household link in a Telegram deep link (`/start h_<officer>_<sig>`,
 * read by the outreach interceptor) and a leaflet's QR code opening the web chat (the runner's
 * `openSession`) — and the runner calls {@link Households.afterTurn} after every committed turn of
 * every channel, so a response started after either door was used is attributed the same way.
 */
import type { EngineEvent } from "../engine/types.js";
import type { RegionStore, StaffStore } from "../model/index.js";

/** What attribution reads and writes. */
export type HouseholdStore = Pick<StaffStore, "getOfficer" | "assignHousehold" | "attributeResponses"> & Pick<RegionStore, "getRegionByCode">;

/** Whose household a link or leaflet makes a resident, and the region it is counted in. */
export interface HouseholdLink {
  officerId: string;
  regionId: string | null;
}

/** See the module comment. */
export class Households {
  constructor(private readonly store: HouseholdStore) {}

  /**
   * The officer behind a household link or a leaflet, or null when it is stale (the officer left,
   * or the leaflet's region is gone). A leaflet names the region its households are counted in;
   * a bare link counts them in the officer's own region.
   */
  async link(officerId: string, regionCode?: string): Promise<HouseholdLink | null> {
    if (regionCode === undefined) {
      const officer = await this.store.getOfficer(officerId);
      return officer ? { officerId: officer.id, regionId: officer.regionId } : null;
    }
    const [officer, region] = await Promise.all([this.store.getOfficer(officerId), this.store.getRegionByCode(regionCode)]);
    return officer && region ? { officerId: officer.id, regionId: region.id } : null;
  }

  /**
   * Makes the resident one of the link's officer's households (idempotent; the store also gives
   * their unfinished, unattributed responses to the officer). Returns false, changing nothing,
   * for an officer trying out their own link: they are not their own household.
   */
  async join(link: HouseholdLink, residentId: string): Promise<boolean> {
    if (link.officerId === residentId) return false;
    await this.store.assignHousehold({ officerId: link.officerId, householdId: residentId, regionId: link.regionId });
    return true;
  }

  /**
   * After a committed turn: the runner stores a new response without an officer, and one
   * started after the household was assigned belongs to that officer.
   */
  async afterTurn(residentId: string, events: readonly EngineEvent[]): Promise<void> {
    if (events.some((event) => event.type === "ResponseStarted")) await this.store.attributeResponses(residentId);
  }
}
