/**
 * Whose leaflet a staff member may print: the rules behind the web chat's staff QR and leaflet
 * pages, which only authenticate the staff member and draw what this decides.
 */
import type { RegionRecord, RegionStore, ResidentRecord, ResidentStore, StaffStore } from "../model/index.js";

/** What a staff member asks for: an officer's leaflet (default their own) in a region (default the officer's). */
export interface LeafletRequest {
  /** The authenticated staff member. */
  staffId: string;
  officerId?: string;
  regionCode?: string;
}

/** Why a leaflet is refused. */
export type LeafletRefusal =
  /** The holder is no (longer) staff. */
  | "staff-only"
  /** An officer asked for another officer's leaflet. */
  | "other-officer"
  /** The officer asked for is no officer. */
  | "no-officer"
  /** No region was named and the officer has none, or the code is unknown. */
  | "no-region"
  /** An officer asked for a region outside their own area. */
  | "outside-area";

/** The staff member, whose leaflet it is and for which region; or why not. */
export type LeafletTarget =
  | {
      ok: true;
      staff: ResidentRecord;
      officer: ResidentRecord;
      region: RegionRecord;
      /** The regions right under `region` (an officer of a town prints one leaflet per village). */
      below: RegionRecord[];
      /** The region above `region`, when the staff member may print there too. */
      above: RegionRecord | undefined;
    }
  | { ok: false; refusal: LeafletRefusal };

/** Decides a {@link LeafletRequest}. */
export async function leafletTarget(store: Pick<ResidentStore, "getResident"> & Pick<StaffStore, "getOfficer"> & Pick<RegionStore, "listRegions">, request: LeafletRequest): Promise<LeafletTarget> {
  const staff = await store.getResident(request.staffId);
  if (!staff || staff.deletedAt || staff.role === "resident") return { ok: false, refusal: "staff-only" };
  const officerId = request.officerId ?? staff.id;
  if (staff.role === "officer" && officerId !== staff.id) return { ok: false, refusal: "other-officer" };
  const officer = officerId === staff.id ? staff : await store.getOfficer(officerId);
  if (!officer) return { ok: false, refusal: "no-officer" };
  const regions = await store.listRegions();
  const code = request.regionCode ?? regions.find((r) => r.id === officer.regionId)?.code;
  const region = code ? regions.find((r) => r.code === code) : undefined;
  if (!region) return { ok: false, refusal: "no-region" };
  // An officer with an area of their own hands out leaflets inside it only; an admin may send an
  // officer elsewhere (covering for a colleague, say).
  const area = staff.role === "officer" && officer.regionId ? regions.find((r) => r.id === officer.regionId) : undefined;
  if (area && !region.path.startsWith(area.path)) return { ok: false, refusal: "outside-area" };
  const parent = region.parentId ? regions.find((r) => r.id === region.parentId) : undefined;
  const above = parent && (!area || parent.path.startsWith(area.path)) ? parent : undefined;
  return { ok: true, staff, officer, region, below: regions.filter((r) => r.parentId === region.id), above };
}
