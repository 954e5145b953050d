/**
 * The store's side of the engine's /broadcast dialogue (core/engine/compose.ts): who the speaker
 * is as staff (their role and the tips they may send, for the engine's context), and the I/O the
 * dialogue waits for — counting an audience for the preview, and checking that a broadcast may go
 * out — answered as the `system` results the runner resumes the engine with. Answering writes
 * nothing: the broadcast the officer then confirms (`BroadcastConfirmed`) becomes the
 * `broadcast.schedule` write of {@link broadcastWrite}, committed with the turn (audited there),
 * and the sender is woken only once that turn is committed.
 */
import type { DomainWrite, ResidentRecord, Store } from "../model/index.js";
import type { BroadcastAudience, BroadcastDraft, EngineEvent, EngineRequestEvent, StaffContext, SystemResult } from "../engine/types.js";
import { hasRole } from "../model/roles.js";
import { countAudience, mayAddress } from "./audience.js";
import type { Audience, BroadcastContent } from "./content.js";
import type { TipLibrary } from "./tip-library.js";

/** What an id drawn for a broadcast looks like (core/outreach/broadcast-ids.ts; cuid-like). */
const BROADCAST_ID = /^[a-z0-9]{1,40}$/;

/** What the broadcast requests need. */
export interface BroadcastRequestDeps {
  store: Store;
  tips: () => TipLibrary;
  /** Platforms broadcasts can go out on now (for the preview's count). */
  platforms: () => ReadonlySet<string>;
  /** Wakes the sender after a turn that scheduled a broadcast was committed. */
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
 * member may address the audience is checked here, against the store, every time. A broadcast
 * is only checked (it may go out under the request's id): nothing is written here.
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
  // Without an id from the runner's context the turn could not store it under the id it tells.
  const id = event.broadcastId;
  if (typeof id !== "string" || !BROADCAST_ID.test(id)) return { type: "BroadcastRefused", reason: "failed" };
  if (Number.isNaN(at.getTime()) || Object.keys(contentOf(event.content).text).length === 0) return { type: "BroadcastRefused", reason: "failed" };
  return { type: "BroadcastScheduled", broadcastId: id, scheduledAt: at.toISOString() };
}

/**
 * The `broadcast.schedule` write of a broadcast the staff member confirmed in this turn (the
 * request was checked by {@link performBroadcastRequest} moments before, in the same turn).
 * Throws when it can no longer be stored as asked (the speaker is no longer staff, the region is
 * gone): the message then fails before anything is committed, and its redelivery runs the
 * dialogue again, which refuses it properly.
 */
export async function broadcastWrite(store: Store, staff: ResidentRecord | null, event: Extract<EngineEvent, { type: "BroadcastConfirmed" }>): Promise<DomainWrite> {
  const audience = staff && hasRole(staff.role, "officer") ? await resolveAudience(store, staff, event.audience) : undefined;
  const at = new Date(event.scheduledAt);
  if (!staff || !audience || Number.isNaN(at.getTime()) || !BROADCAST_ID.test(event.broadcastId)) throw new Error(`broadcast ${event.broadcastId} can no longer be stored as confirmed`);
  return { type: "broadcast.schedule", id: event.broadcastId, authorId: staff.id, content: contentOf(event.content), audience, scheduledAt: at };
}

/** Broadcast.content of a composed draft. */
function contentOf(draft: BroadcastDraft): BroadcastContent {
  return { text: { ...draft.text }, ...(draft.image ? { image: draft.image } : {}), ...(draft.tipId ? { tipId: draft.tipId } : {}) };
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
