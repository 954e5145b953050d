/**
 * Households: the one place where a resident becomes an officer's household and their responses
 * become that officer's.
 *
 * Two doors lead here — a household link in a Telegram deep link (`/start h_<officer>_<sig>`,
 * read by the outreach interceptor) and a leaflet's QR code opening the web chat (the runner's
 * `openSession`; a household's own QR also links the dwelling) — and the runner calls {@link Households.afterTurn} after every committed turn of
 * every channel, so a response started after either door was used is attributed the same way.
 */
import type { EngineEvent } from "../engine/types.js";
import type { FieldStore, RegionStore, StaffStore } from "../model/index.js";

/** What attribution reads and writes. */
export type HouseholdStore = Pick<StaffStore, "getOfficer" | "assignHousehold" | "attributeResponses"> &
  Pick<RegionStore, "getRegionByCode"> &
  Pick<FieldStore, "getHousehold" | "householdOfResident" | "linkHouseholdResident">;

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
  async join(link: HouseholdLink, residentId: string, dwellingId?: string): Promise<boolean> {
    if (link.officerId === residentId) return false;
    await this.store.assignHousehold({ officerId: link.officerId, householdId: residentId, regionId: link.regionId });
    if (dwellingId !== undefined) await this.linkDwelling(link, residentId, dwellingId);
    return true;
  }

  /**
   * A household's own QR (left at a visit for self-completion) links the resident to that
   * dwelling — while it is still the QR's officer's, in the QR's village, and the resident is not
   * linked elsewhere already (a neighbour scanning the QR on the table must not move a linked
   * resident; the officer can relink by hand). A QR that no longer fits links nothing.
   */
  private async linkDwelling(link: HouseholdLink, residentId: string, dwellingId: string): Promise<void> {
    const [dwelling, current] = await Promise.all([this.store.getHousehold(dwellingId), this.store.householdOfResident(residentId)]);
    if (!dwelling || dwelling.officerId !== link.officerId || dwelling.regionId !== link.regionId) return;
    if (current || dwelling.residentId) return;
    await this.store.linkHouseholdResident(dwelling.id, residentId, link.officerId);
  }

  /**
   * After a committed turn: the runner stores a new response without an officer, and one
   * started after the household was assigned belongs to that officer.
   */
  async afterTurn(residentId: string, events: readonly EngineEvent[]): Promise<void> {
    if (events.some((event) => event.type === "ResponseStarted")) await this.store.attributeResponses(residentId);
  }
}
