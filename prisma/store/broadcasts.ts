/** Broadcasts, the outbox of their deliveries, read confirmations and tip quiz answers (the BroadcastStore port). */
import type { Prisma } from "../generated/sqlite/client.ts";
import { json, parse, type StoreContext } from "./context.js";
import { IDENTITY_FIELDS } from "./rows.js";
import type { AudienceMember, AudienceQuery, BroadcastRecord, BroadcastStatus, BroadcastStore, BroadcastSummary, DeliveryCounts, DeliveryJob, DeliveryPlan, DeliverySettlement, DeliveryStatus, TipQuizAnswerRecord } from "../../core/model/index.js";

const BROADCAST_STATUSES: readonly BroadcastStatus[] = ["draft", "scheduled", "sending", "done", "cancelled"];

export class BroadcastTables implements BroadcastStore {
  constructor(private readonly db: StoreContext) {}

  /** Creates a broadcast (a draft unless `status` says otherwise). */
  async createBroadcast(input: { authorId: string | null; content: unknown; audience: unknown; status?: BroadcastStatus; scheduledAt?: Date | null; now: Date }): Promise<BroadcastRecord> {
    const row = await this.db.client.broadcast.create({
      data: { authorId: input.authorId, content: json(input.content), audience: json(input.audience), status: input.status ?? "draft", scheduledAt: input.scheduledAt ?? null, createdAt: input.now },
    });
    return toBroadcast(row);
  }

  /** Replaces a draft's content and audience; null when it is no longer a draft. */
  async updateDraft(id: string, change: { content?: unknown; audience?: unknown }): Promise<BroadcastRecord | null> {
    const updated = await this.db.client.broadcast.updateMany({
      where: { id, status: "draft" },
      data: { ...(change.content !== undefined ? { content: json(change.content) } : {}), ...(change.audience !== undefined ? { audience: json(change.audience) } : {}) },
    });
    return updated.count === 1 ? this.getBroadcast(id) : null;
  }

  /** The broadcast with this id, or null. */
  async getBroadcast(id: string): Promise<BroadcastRecord | null> {
    const row = await this.db.client.broadcast.findUnique({ where: { id } });
    return row ? toBroadcast(row) : null;
  }

  /** The newest draft of an author created at or after `since`, or null. */
  async findDraft(authorId: string, since: Date): Promise<BroadcastRecord | null> {
    const row = await this.db.client.broadcast.findFirst({ where: { authorId, status: "draft", createdAt: { gte: since } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    return row ? toBroadcast(row) : null;
  }

  /** Deletes an author's drafts (a draft is the compose dialogue's scratch pad, never sent). */
  async deleteDrafts(authorId: string): Promise<number> {
    const deleted = await this.db.client.broadcast.deleteMany({ where: { authorId, status: "draft" } });
    return deleted.count;
  }

  /** Broadcasts, newest first, with delivery counts; only one author's when `authorId` is given. Drafts are left out, and so are residents' reminders (kind `reminder`), which are no notices. */
  async listBroadcasts(filter: { authorId?: string; limit?: number } = {}): Promise<BroadcastSummary[]> {
    const rows = await this.db.client.broadcast.findMany({
      where: { status: { not: "draft" }, kind: "notice", ...(filter.authorId ? { authorId: filter.authorId } : {}) },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: Math.min(Math.max(filter.limit ?? 20, 1), 500),
    });
    const counts = await this.deliveryCounts(rows.map((row) => row.id));
    return rows.map((row) => ({ ...toBroadcast(row), counts: counts.get(row.id) ?? emptyCounts() }));
  }

  /** Delivery counts by status (and read) of each broadcast. */
  async deliveryCounts(broadcastIds: readonly string[]): Promise<Map<string, DeliveryCounts>> {
    const out = new Map<string, DeliveryCounts>();
    if (broadcastIds.length === 0) return out;
    const ids = [...new Set(broadcastIds)];
    const [byStatus, read, doubled] = await Promise.all([
      this.db.client.delivery.groupBy({ by: ["broadcastId", "status"], where: { broadcastId: { in: ids } }, _count: { _all: true } }),
      this.db.client.delivery.groupBy({ by: ["broadcastId"], where: { broadcastId: { in: ids }, readAt: { not: null } }, _count: { _all: true } }),
      this.db.client.delivery.groupBy({ by: ["broadcastId"], where: { broadcastId: { in: ids }, status: "sent", possiblyDuplicated: true }, _count: { _all: true } }),
    ]);
    for (const row of byStatus) {
      const counts = out.get(row.broadcastId) ?? emptyCounts();
      const status = row.status as DeliveryStatus;
      if (status in counts) counts[status] += row._count._all;
      counts.total += row._count._all;
      out.set(row.broadcastId, counts);
    }
    for (const row of read) {
      const counts = out.get(row.broadcastId) ?? emptyCounts();
      counts.read = row._count._all;
      out.set(row.broadcastId, counts);
    }
    for (const row of doubled) {
      const counts = out.get(row.broadcastId) ?? emptyCounts();
      counts.possiblyDuplicated = row._count._all;
      out.set(row.broadcastId, counts);
    }
    return out;
  }

  /** Moves a draft to `scheduled` for `at` (now or later), audited; null when it is not a draft. */
  async scheduleBroadcast(id: string, at: Date, actorId: string | null, now: Date): Promise<BroadcastRecord | null> {
    return this.db.client.$transaction(async (tx) => {
      const updated = await tx.broadcast.updateMany({ where: { id, status: "draft" }, data: { status: "scheduled", scheduledAt: at } });
      if (updated.count !== 1) return null;
      const row = await tx.broadcast.findUniqueOrThrow({ where: { id } });
      await tx.auditLog.create({ data: { actorId, action: "broadcast.schedule", target: id, details: json({ at: at.toISOString(), audience: parse<unknown>(row.audience, null) }), at: now } });
      return toBroadcast(row);
    });
  }

  /**
   * Cancels a scheduled or sending broadcast (audited): deliveries not yet attempted are marked
   * skipped at once; one being sent right now finishes. Null when it is already done or cancelled.
   */
  async cancelBroadcast(id: string, actorId: string | null, now: Date): Promise<BroadcastRecord | null> {
    return this.db.client.$transaction(async (tx) => {
      const updated = await tx.broadcast.updateMany({ where: { id, status: { in: ["draft", "scheduled", "sending"] } }, data: { status: "cancelled", finishedAt: now } });
      if (updated.count !== 1) return null;
      const skipped = await tx.delivery.updateMany({ where: { broadcastId: id, status: "pending" }, data: { status: "skipped", lastError: "cancelled", nextAttemptAt: null } });
      await tx.auditLog.create({ data: { actorId, action: "broadcast.cancel", target: id, details: json({ skipped: skipped.count }), at: now } });
      return toBroadcast(await tx.broadcast.findUniqueOrThrow({ where: { id } }));
    });
  }

  /** Scheduled broadcasts whose time has come, oldest first. */
  async dueBroadcasts(now: Date, limit = 20): Promise<BroadcastRecord[]> {
    const rows = await this.db.client.broadcast.findMany({ where: { status: "scheduled", scheduledAt: { lte: now } }, orderBy: [{ scheduledAt: "asc" }, { id: "asc" }], take: limit });
    return rows.map(toBroadcast);
  }

  /**
   * The residents an audience reaches, with their accounts: one officer's households (in a
   * region subtree, when given), a region subtree (residents living, assigned or answering
   * there) or everyone; with `unfinishedWaveId`,
   * only those without a completed response to that wave. Staff and erased residents are left out.
   */
  async audienceMembers(query: AudienceQuery): Promise<AudienceMember[]> {
    const where: Prisma.ResidentWhereInput = { role: "resident", deletedAt: null };
    const inRegion = query.regionPath ? { path: { startsWith: query.regionPath } } : undefined;
    if (query.officerId) where.officers = { some: { officerId: query.officerId, ...(inRegion ? { region: inRegion } : {}) } };
    else if (inRegion) where.OR = [{ region: inRegion }, { officers: { some: { region: inRegion } } }, { responses: { some: { region: inRegion } } }];
    if (query.unfinishedWaveId) where.responses = { none: { waveId: query.unfinishedWaveId, status: "completed" } };
    // Keyset pages: loading the accounts of a page takes one bound parameter per resident, and
    // SQLite allows only so many in one statement.
    const members: AudienceMember[] = [];
    let after: string | undefined;
    for (;;) {
      const rows = await this.db.client.resident.findMany({
        where: after ? { AND: [where, { id: { gt: after } }] } : where,
        select: { id: true, lang: true, optedOut: true, identities: { select: IDENTITY_FIELDS, orderBy: { createdAt: "asc" } } },
        orderBy: { id: "asc" },
        take: 500,
      });
      for (const row of rows) members.push({ residentId: row.id, lang: row.lang, optedOut: row.optedOut, identities: row.identities });
      if (rows.length < 500) return members;
      after = rows[rows.length - 1]?.id;
    }
  }

  /**
   * Writes the outbox of a scheduled broadcast — one Delivery per recipient — and moves it to
   * `sending`, in one transaction: a crash leaves either no rows or all of them. False when the
   * broadcast is no longer scheduled (another sender got there first, or it was cancelled).
   */
  async fanOutBroadcast(id: string, plans: readonly DeliveryPlan[], now: Date): Promise<boolean> {
    return this.db.client.$transaction(async (tx) => {
      const updated = await tx.broadcast.updateMany({ where: { id, status: "scheduled" }, data: { status: "sending", startedAt: now } });
      if (updated.count !== 1) return false;
      const seen = new Set<string>();
      const data = plans
        .filter((plan) => !seen.has(plan.residentId) && seen.add(plan.residentId))
        .map((plan) => ({ broadcastId: id, residentId: plan.residentId, identityId: plan.identityId, status: plan.status, lastError: plan.lastError ?? null, createdAt: now }));
      for (let i = 0; i < data.length; i += 100) await tx.delivery.createMany({ data: data.slice(i, i + 100) });
      return true;
    }, { timeout: 60_000 });
  }

  /**
   * Deliveries a sender should work on now, oldest first: pending ones of broadcasts being sent
   * whose time has come, and `sending` ones whose lease ran out (their send may or may not have
   * happened; see core/outreach/README.md). Only accounts on `platform` when given; residents in
   * `excludeResidentIds` are left out.
   */
  async nextDeliveries(input: { now: Date; limit: number; platform?: string; excludeResidentIds?: readonly string[] }): Promise<DeliveryJob[]> {
    const due = { OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: input.now } }] };
    const rows = await this.db.client.delivery.findMany({
      where: {
        OR: [{ status: "pending", broadcast: { status: "sending" }, ...due }, { status: "sending", nextAttemptAt: { lte: input.now } }],
        ...(input.platform ? { identity: { platform: input.platform } } : {}),
        ...(input.excludeResidentIds && input.excludeResidentIds.length > 0 ? { residentId: { notIn: [...input.excludeResidentIds] } } : {}),
      },
      include: {
        resident: { select: { lang: true, optedOut: true, deletedAt: true } },
        identity: { select: IDENTITY_FIELDS },
        broadcast: { select: { status: true } },
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: Math.min(Math.max(input.limit, 1), 5000),
    });
    return rows.map((row) => ({
      id: row.id,
      broadcastId: row.broadcastId,
      residentId: row.residentId,
      identityId: row.identityId,
      status: row.status === "sending" ? "sending" : "pending",
      attempts: row.attempts,
      platformMessageId: row.platformMessageId,
      possiblyDuplicated: row.possiblyDuplicated,
      broadcastStatus: toBroadcastStatus(row.broadcast.status),
      resident: { lang: row.resident.lang, optedOut: row.resident.optedOut, deleted: row.resident.deletedAt !== null },
      identity: row.identity,
    }));
  }

  /** See the port: nextDeliveries, with the pending rows reserved for `owner` by a conditional write. */
  async reserveDeliveries(input: { now: Date; limit: number; platform?: string; excludeResidentIds?: readonly string[]; owner: string; until: Date }): Promise<DeliveryJob[]> {
    const candidates = await this.nextDeliveries(input);
    const pending = candidates.filter((job) => job.status === "pending").map((job) => job.id);
    if (pending.length === 0) return candidates;
    // Another sender may have read the same rows: the write re-checks that each is still free
    // (row locks make the loser of a race see the winner's reservation), and only the rows this
    // write got are kept.
    await this.db.client.delivery.updateMany({
      where: { id: { in: pending }, status: "pending", OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: input.now } }] },
      data: { nextAttemptAt: input.until, leaseOwner: input.owner },
    });
    const mine = await this.db.client.delivery.findMany({ where: { id: { in: pending }, status: "pending", leaseOwner: input.owner, nextAttemptAt: input.until }, select: { id: true } });
    const kept = new Set(mine.map((row) => row.id));
    return candidates.filter((job) => job.status === "sending" || kept.has(job.id));
  }

  /** See the port. */
  async releaseDeliveryReservations(owner: string): Promise<number> {
    const released = await this.db.client.delivery.updateMany({ where: { status: "pending", leaseOwner: owner }, data: { nextAttemptAt: null, leaseOwner: null } });
    return released.count;
  }

  /**
   * Claims a pending delivery for sending, right before the platform call (see the port). The
   * lease is renewed by its owner's heartbeat ({@link renewDeliveryLeases}).
   */
  async claimDelivery(id: string, input: { leaseUntil: Date; owner?: string }): Promise<boolean> {
    const claimed = await this.db.client.delivery.updateMany({
      where: { id, status: "pending", resident: { deliveries: { none: { status: "sending" } } } },
      data: { status: "sending", attempts: { increment: 1 }, nextAttemptAt: input.leaseUntil, leaseOwner: input.owner ?? null, platformMessageId: null },
    });
    return claimed.count === 1;
  }

  /** Extends the lease of every `sending` delivery of `owner`, and its reservations; the number renewed. */
  async renewDeliveryLeases(owner: string, leaseUntil: Date): Promise<number> {
    // A pending row keeps a lease owner only while reserved (every settlement and deferral clears it).
    const renewed = await this.db.client.delivery.updateMany({ where: { status: { in: ["sending", "pending"] }, leaseOwner: owner }, data: { nextAttemptAt: leaseUntil } });
    return renewed.count;
  }

  /** A `sending` delivery whose lease ran out goes back to `pending`, marked possibly duplicated. */
  async recoverDelivery(id: string, now: Date): Promise<boolean> {
    const recovered = await this.db.client.delivery.updateMany({
      where: { id, status: "sending", nextAttemptAt: { lte: now } },
      data: { status: "pending", possiblyDuplicated: true, leaseOwner: null, nextAttemptAt: null, lastError: "interrupted: its sender stopped during the call" },
    });
    return recovered.count === 1;
  }

  /**
   * Records what became of a delivery that was `from` (default `sending`); false when it had
   * moved on meanwhile (nothing written). A blocked outcome also marks the account unreachable.
   */
  async settleDelivery(id: string, outcome: DeliverySettlement, now: Date, from: "pending" | "sending" = "sending"): Promise<boolean> {
    const data: Prisma.DeliveryUpdateManyMutationInput = { status: outcome.status, nextAttemptAt: outcome.nextAttemptAt ?? null };
    if (outcome.status !== "sending") data.leaseOwner = null;
    if (outcome.possiblyDuplicated) data.possiblyDuplicated = true;
    if (outcome.lastError !== undefined) data.lastError = outcome.lastError;
    if (outcome.platformMessageId !== undefined) data.platformMessageId = outcome.platformMessageId;
    if (outcome.status === "sent") data.sentAt = now;
    // The common outcomes are one statement; only "blocked" touches a second table.
    if (outcome.status !== "blocked") return (await this.db.client.delivery.updateMany({ where: { id, status: from }, data })).count === 1;
    return this.db.client.$transaction(async (tx) => {
      const updated = await tx.delivery.updateMany({ where: { id, status: from }, data });
      if (updated.count !== 1) return false;
      const row = await tx.delivery.findUniqueOrThrow({ where: { id }, select: { identityId: true } });
      if (row.identityId) {
        await tx.identity.update({ where: { id: row.identityId }, data: { reachable: false, unreachableAt: now, unreachableWhy: outcome.lastError ?? "blocked" } });
      }
      return true;
    });
  }

  /**
   * Web chat delivery, atomic with the outbox: the push goes into the resident's web inbox and
   * the delivery is marked sent in one transaction. False when the delivery was not pending.
   */
  async deliverToWebInbox(deliveryId: string, item: { sessionId: string; residentId: string; lang: string; messages: unknown[] }, now: Date): Promise<boolean> {
    return this.db.client.$transaction(async (tx) => {
      const updated = await tx.delivery.updateMany({ where: { id: deliveryId, status: "pending" }, data: { status: "sent", sentAt: now, attempts: { increment: 1 }, nextAttemptAt: null } });
      if (updated.count !== 1) return false;
      await tx.webInboxItem.create({ data: { sessionId: item.sessionId, residentId: item.residentId, lang: item.lang, messages: json(item.messages), createdAt: now } });
      return true;
    });
  }

  /** The message ids of the newest deliveries sent to an account, newest first. */
  async sentMessageIds(identityId: string, limit = 20): Promise<string[]> {
    const rows = await this.db.client.delivery.findMany({
      where: { identityId, status: "sent", platformMessageId: { not: null } },
      select: { platformMessageId: true },
      orderBy: [{ sentAt: "desc" }, { id: "desc" }],
      take: limit,
    });
    return rows.flatMap((row) => (row.platformMessageId ? [row.platformMessageId] : []));
  }

  /** Moves a pending delivery's next attempt (e.g. the chat's own rate limit); false when it is not pending. */
  async deferDelivery(id: string, until: Date): Promise<boolean> {
    const updated = await this.db.client.delivery.updateMany({ where: { id, status: "pending" }, data: { nextAttemptAt: until, leaseOwner: null } });
    return updated.count === 1;
  }

  /** Marks `sending` broadcasts with nothing left to send as done; returns their ids. */
  async finishBroadcasts(now: Date): Promise<string[]> {
    const sending = await this.db.client.broadcast.findMany({ where: { status: "sending" }, select: { id: true } });
    const done: string[] = [];
    for (const { id } of sending) {
      // One row still to do is enough to know (the sender calls this often: keep it cheap).
      const left = await this.db.client.delivery.findFirst({ where: { broadcastId: id, status: { in: ["pending", "sending"] } }, select: { id: true } });
      if (left) continue;
      const updated = await this.db.client.broadcast.updateMany({
        where: { id, status: "sending", deliveries: { none: { status: { in: ["pending", "sending"] } } } },
        data: { status: "done", finishedAt: now },
      });
      if (updated.count === 1) done.push(id);
    }
    return done;
  }

  /**
   * A resident confirmed reading a delivery ("I've read it ✓"). A delivery still `sending` is
   * thereby proven sent. "unknown": no such delivery of this resident.
   */
  async markDeliveryRead(deliveryId: string, residentId: string, now: Date): Promise<{ outcome: "read" | "already" | "unknown"; broadcastId: string | null }> {
    return this.db.client.$transaction(async (tx) => {
      const row = await tx.delivery.findUnique({ where: { id: deliveryId }, select: { residentId: true, readAt: true, status: true, broadcastId: true } });
      if (!row || row.residentId !== residentId) return { outcome: "unknown" as const, broadcastId: null };
      if (row.readAt) return { outcome: "already" as const, broadcastId: row.broadcastId };
      await tx.delivery.update({
        where: { id: deliveryId },
        data: { readAt: now, ...(row.status === "sending" || row.status === "pending" ? { status: "sent", sentAt: now, nextAttemptAt: null } : {}) },
      });
      return { outcome: "read" as const, broadcastId: row.broadcastId };
    });
  }

  /** Marks the newest unread notice delivered to a resident at or after `since` as read (a reminder asks for no reading); its id, or null when there is none. */
  async markLatestDeliveryRead(residentId: string, since: Date, now: Date): Promise<string | null> {
    const row = await this.db.client.delivery.findFirst({
      where: { residentId, status: "sent", readAt: null, sentAt: { gte: since }, broadcast: { is: { kind: "notice" } } },
      orderBy: [{ sentAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    if (!row) return null;
    const updated = await this.db.client.delivery.updateMany({ where: { id: row.id, readAt: null }, data: { readAt: now } });
    return updated.count === 1 ? row.id : null;
  }

  /** Stored quiz answers (one per resident and tip: the first), oldest first. */
  async listTipQuizAnswers(filter: { since?: Date; until?: Date; tipIds?: readonly string[] } = {}): Promise<TipQuizAnswerRecord[]> {
    const rows = await this.db.client.tipQuizAnswer.findMany({
      where: {
        ...(filter.tipIds ? { tipId: { in: [...filter.tipIds] } } : {}),
        ...(filter.since || filter.until ? { answeredAt: { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) } } : {}),
      },
      orderBy: [{ answeredAt: "asc" }, { id: "asc" }],
    });
    return rows.map((row) => ({ residentId: row.residentId, tipId: row.tipId, option: row.option, correct: row.correct, broadcastId: row.broadcastId, answeredAt: row.answeredAt }));
  }
}

function toBroadcastStatus(status: string): BroadcastStatus {
  return (BROADCAST_STATUSES as readonly string[]).includes(status) ? (status as BroadcastStatus) : "draft";
}

function toBroadcast(row: {
  id: string;
  authorId: string | null;
  content: string;
  audience: string;
  status: string;
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}): BroadcastRecord {
  return {
    id: row.id,
    authorId: row.authorId,
    content: parse<unknown>(row.content, null),
    audience: parse<unknown>(row.audience, null),
    status: toBroadcastStatus(row.status),
    scheduledAt: row.scheduledAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    createdAt: row.createdAt,
  };
}

function emptyCounts(): DeliveryCounts {
  return { pending: 0, sending: 0, sent: 0, failed: 0, blocked: 0, skipped: 0, undeliverable: 0, total: 0, read: 0, possiblyDuplicated: 0 };
}
