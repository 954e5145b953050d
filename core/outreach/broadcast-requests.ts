/**
 * The store's side of the engine's /broadcast dialogue (core/engine/compose.ts): who the speaker
 * is as staff (their role and the tips they may send, for the engine's context), and the I/O the
 * dialogue waits for — counting an audience for the preview, and storing and scheduling the
 * broadcast (audited) — answered as the `system` results the runner resumes the engine with.
 */
import type { ResidentRecord, Store } from "../model/index.js";
import type { BroadcastAudience, EngineRequestEvent, StaffContext, SystemResult } from "../engine/types.js";
import { hasRole } from "../model/roles.js";
import { countAudience, mayAddress } from "./audience.js";
import type { Audience, BroadcastContent } from "./content.js";
import type { TipLibrary } from "./tip-library.js";

/** What the broadcast requests need. */
export interface BroadcastRequestDeps {
  store: Store;
  tips: () => TipLibrary;
  /** Platforms broadcasts can go out on now (for the preview's count). */
  platforms: () => ReadonlySet<string>;
  /** Wakes the sender after a broadcast was scheduled. */
  notify?: () => void;
}

/** The engine's view of a staff member (undefined for residents). */
export async function staffContextOf(deps: BroadcastRequestDeps, staff: ResidentRecord | null): Promise<StaffContext | undefined> {
  if (!staff || !hasRole(staff.role, "officer")) return undefined;
  const tips = await deps.tips().listTips();
  return { role: staff.role === "admin" ? "admin" : "officer", tips };
}

/**
 * Performs one request of the dialogue for `staff` and says how it went. Whether the staff
 * member may address the audience is checked here, against the store, every time.
 */
export async function performBroadcastRequest(deps: BroadcastRequestDeps, staff: ResidentRecord | null, event: EngineRequestEvent, now: Date): Promise<SystemResult> {
  const { store } = deps;
  const refused = event.type === "AudienceCountRequested" ? "AudienceRefused" : "BroadcastRefused";
  if (!staff || !hasRole(staff.role, "officer")) return { type: refused, reason: "not-allowed" };
  const audience = await resolveAudience(store, staff, event.audience);
  if (!audience) return event.type === "AudienceCountRequested" ? { type: "AudienceRefused", reason: "unknown-region" } : { type: "BroadcastRefused", reason: "not-allowed" };
  if (!(await mayAddress(store, staff, audience))) {
    // Outside one's area reads like an unknown code: the dialogue asks for another.
    return event.type === "AudienceCountRequested" ? { type: "AudienceRefused", reason: audience.kind === "region" ? "unknown-region" : "not-allowed" } : { type: "BroadcastRefused", reason: "not-allowed" };
  }
  if (event.type === "AudienceCountRequested") {
    const { reach, not } = await countAudience(store, audience, deps.platforms(), now);
    return { type: "AudienceCounted", reach, notReached: not };
  }
  const at = new Date(event.scheduledAt);
  const content: BroadcastContent = { text: { ...event.content.text }, ...(event.content.image ? { image: event.content.image } : {}), ...(event.content.tipId ? { tipId: event.content.tipId } : {}) };
  if (Number.isNaN(at.getTime()) || Object.keys(content.text).length === 0) return { type: "BroadcastRefused", reason: "failed" };
  // Created, then scheduled: scheduling is the audited step (and what the sender looks for).
  const created = await store.createBroadcast({ authorId: staff.id, content, audience, now });
  const scheduled = await store.scheduleBroadcast(created.id, at, staff.id, now);
  if (!scheduled) {
    await store.deleteDrafts(staff.id);
    return { type: "BroadcastRefused", reason: "failed" };
  }
  deps.notify?.();
  return { type: "BroadcastScheduled", broadcastId: scheduled.id, scheduledAt: (scheduled.scheduledAt ?? at).toISOString() };
}

/** The store's audience for what the staff member chose; undefined for an unknown region. */
async function resolveAudience(store: Store, staff: ResidentRecord, audience: BroadcastAudience): Promise<Audience | undefined> {
  switch (audience.kind) {
    case "households":
      return { kind: "households", officerId: staff.id };
    case "unfinished":
      return staff.role === "admin" ? { kind: "unfinished" } : { kind: "unfinished", officerId: staff.id };
    case "everyone":
      return { kind: "everyone" };
    case "region": {
      const region = await store.getRegionByCode(audience.code);
      return region ? { kind: "region", regionCode: region.code, regionPath: region.path } : undefined;
    }
  }
}
