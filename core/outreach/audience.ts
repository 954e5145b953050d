/**
 * Who a broadcast reaches: resolving an {@link Audience} to residents, choosing the account each
 * one is reached on, and what staff may address.
 */
import type { AudienceMember, AudienceQuery, DeliveryPlan, IdentityRecord, ResidentRecord, BroadcastStore, RegionStore, SurveyStore } from "../model/index.js";
import type { Audience } from "./content.js";

/** Platforms in the order a resident with several accounts is reached on. */
export const PLATFORM_PREFERENCE = ["telegram", "wechat", "web"] as const;

/** The store query of an audience, given the current wave (for "not finished the survey"). */
export async function audienceQuery(store: SurveyStore & RegionStore, audience: Audience, now: Date): Promise<AudienceQuery> {
  switch (audience.kind) {
    case "households":
      return { officerId: audience.officerId };
    case "region":
      return { regionPath: audience.regionPath };
    case "everyone":
      return {};
    case "unfinished": {
      // The wave running now, else the latest one: "finished" is always about a wave.
      const wave = (await store.currentWave(now)) ?? (await store.listWaves())[0] ?? null;
      return { ...(audience.officerId ? { officerId: audience.officerId } : {}), ...(wave ? { unfinishedWaveId: wave.id } : {}) };
    }
  }
}

/** The account a resident is reached on: a reachable one on a platform that can send, by preference. */
export function chooseIdentity(identities: readonly IdentityRecord[], platforms: ReadonlySet<string>): IdentityRecord | undefined {
  const usable = identities.filter((identity) => platforms.has(identity.platform));
  const rank = (platform: string) => {
    const at = (PLATFORM_PREFERENCE as readonly string[]).indexOf(platform);
    return at < 0 ? PLATFORM_PREFERENCE.length : at;
  };
  const ordered = [...usable].sort((a, b) => Number(b.reachable) - Number(a.reachable) || rank(a.platform) - rank(b.platform));
  return ordered[0];
}

/** One outbox row per resident: pending, or why not (opted out, no account, blocked). */
export function planDelivery(member: AudienceMember, platforms: ReadonlySet<string>): DeliveryPlan {
  const identity = chooseIdentity(member.identities, platforms);
  if (member.optedOut) return { residentId: member.residentId, identityId: identity?.id ?? null, status: "skipped", lastError: "opted out" };
  if (!identity) return { residentId: member.residentId, identityId: null, status: "undeliverable", lastError: "no account on a running channel" };
  if (!identity.reachable) return { residentId: member.residentId, identityId: identity.id, status: "blocked", lastError: "account unreachable" };
  return { residentId: member.residentId, identityId: identity.id, status: "pending" };
}

/** How many of an audience would receive it now, and how many not (opted out, unreachable). */
export async function countAudience(store: SurveyStore & RegionStore & BroadcastStore, audience: Audience, platforms: ReadonlySet<string>, now: Date): Promise<{ reach: number; not: number }> {
  const members = await store.audienceMembers(await audienceQuery(store, audience, now));
  let reach = 0;
  for (const member of members) if (planDelivery(member, platforms).status === "pending") reach++;
  return { reach, not: members.length - reach };
}

/**
 * Whether a staff member may address an audience: admins anything; officers their own
 * households (all, in a part of their area, or those who have not finished the survey) and
 * regions inside their own area — never everyone.
 */
export async function mayAddress(store: RegionStore, staff: ResidentRecord, audience: Audience): Promise<boolean> {
  if (staff.role === "admin") return true;
  if (staff.role !== "officer") return false;
  switch (audience.kind) {
    case "households":
      return audience.officerId === staff.id;
    case "unfinished":
      return audience.officerId === staff.id;
    case "everyone":
      return false;
    case "region": {
      if (!staff.regionId) return false;
      const area = (await store.listRegions()).find((region) => region.id === staff.regionId);
      return area !== undefined && audience.regionPath.startsWith(area.path);
    }
  }
}
