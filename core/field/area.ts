/**
 * Whose field work is whose: an officer's area (their region's subtree, or — for an officer
 * without a region — the villages of their households), the villages they may add households in,
 * and the field re-checks they may verify. Bootstrap and sync both decide through here, so the
 * phone is never shown something the server would then refuse (nor the other way round).
 */
import type { Lang } from "../engine/types.js";
import type { FieldRecheckRecord, HouseholdRecord, RegionRecord, ResidentRecord } from "../model/index.js";

/** Most households and villages an admin's bootstrap carries (a phone cannot hold a whole county). */
export const ADMIN_LIST_CAP = 5000;

/** The officer or admin a request is for, with their area. */
export interface FieldScope {
  staff: ResidentRecord;
  admin: boolean;
  regions: readonly RegionRecord[];
  regionsById: ReadonlyMap<string, RegionRecord>;
  regionsByCode: ReadonlyMap<string, RegionRecord>;
  /** Ids of regions with nothing under them: villages (communities). */
  leafIds: ReadonlySet<string>;
  /** Region.path prefixes of the area; null: everywhere (an admin). */
  prefixes: readonly string[] | null;
  /** The households assigned to this staff member, and their ids. */
  own: readonly HouseholdRecord[];
  ownHouseholdIds: ReadonlySet<string>;
}

/** Works out a staff member's scope from the region list and their own households. */
export function fieldScope(staff: ResidentRecord, regions: readonly RegionRecord[], own: readonly HouseholdRecord[]): FieldScope {
  const regionsById = new Map(regions.map((r) => [r.id, r]));
  const regionsByCode = new Map(regions.map((r) => [r.code, r]));
  const parents = new Set(regions.flatMap((r) => (r.parentId ? [r.parentId] : [])));
  const leafIds = new Set(regions.filter((r) => !parents.has(r.id)).map((r) => r.id));
  const admin = staff.role === "admin";
  let prefixes: string[] | null = null;
  if (!admin) {
    const home = staff.regionId ? regionsById.get(staff.regionId) : undefined;
    // Without a region of their own an officer works where their households are, and nowhere else.
    prefixes = home ? [home.path] : [...new Set(own.map((h) => h.regionPath))];
  }
  return { staff, admin, regions, regionsById, regionsByCode, leafIds, prefixes, own, ownHouseholdIds: new Set(own.map((h) => h.id)) };
}

/** Whether a Region.path lies in the scope's area. */
export function inArea(scope: FieldScope, path: string | null | undefined): boolean {
  if (scope.prefixes === null) return true;
  if (!path) return false;
  return scope.prefixes.some((prefix) => path.startsWith(prefix));
}

/** The villages (leaf regions) of the area, in the stored order; an admin's capped at {@link ADMIN_LIST_CAP}. */
export function areaVillages(scope: FieldScope): { villages: RegionRecord[]; truncated: boolean } {
  const all = scope.regions.filter((r) => scope.leafIds.has(r.id) && inArea(scope, r.path));
  return all.length > ADMIN_LIST_CAP ? { villages: all.slice(0, ADMIN_LIST_CAP), truncated: true } : { villages: all, truncated: false };
}

/**
 * Why a village code cannot take a new household from this staff member, or null when it can:
 * it must exist, be a village, and lie in their area.
 */
export function villageRefusal(scope: FieldScope, code: string): "unknown-region" | "not-a-village" | "outside-area" | null {
  const region = scope.regionsByCode.get(code);
  if (!region) return "unknown-region";
  if (!scope.leafIds.has(region.id)) return "not-a-village";
  return inArea(scope, region.path) ? null : "outside-area";
}

/**
 * Whether this staff member may verify a field re-check: an admin any; an officer one whose
 * response region or household lies in their area — but never their own work (a response they
 * made, or a household assigned to them): a verifier checks someone else's.
 */
export function mayVerify(scope: FieldScope, recheck: FieldRecheckRecord, householdPath: string | null): boolean {
  if (scope.admin) return true;
  if (isOwnWork(scope, recheck)) return false;
  return inArea(scope, recheck.regionPath) || inArea(scope, householdPath);
}

/** Whether a re-check is of this staff member's own work (their interview, or their household). */
export function isOwnWork(scope: FieldScope, recheck: FieldRecheckRecord): boolean {
  if (recheck.officerId === scope.staff.id) return true;
  const householdId = recheck.household?.id;
  return householdId !== undefined && scope.ownHouseholdIds.has(householdId);
}

/** A region's name in `lang`: Simplified and Traditional readers read each other's script before English. */
export function nameIn(name: Readonly<Record<string, string>> | null | undefined, lang: Lang, fallback: string): string {
  if (!name) return fallback;
  return name[lang] ?? (lang === "zh-TW" ? name["zh-CN"] : name["zh-TW"]) ?? name["zh-CN"] ?? name.en ?? fallback;
}

/** The names along a region's path, top first, in `lang`. */
export function pathNames(scope: FieldScope, region: RegionRecord, lang: Lang): string[] {
  const names: string[] = [];
  let at: RegionRecord | undefined = region;
  // Bounded by the tree's depth; the guard stops a corrupt parent cycle.
  for (let depth = 0; at && depth < 32; depth++) {
    names.unshift(nameIn(at.name, lang, at.code));
    at = at.parentId ? scope.regionsById.get(at.parentId) : undefined;
  }
  return names;
}
