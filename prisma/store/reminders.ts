/** Reminders to residents who started the survey and did not finish (the ReminderStore port). */
import { randomUUID } from "node:crypto";
import type { Prisma } from "../generated/sqlite/client.ts";
import { json, type StoreContext } from "./context.js";
import { IDENTITY_FIELDS } from "./rows.js";
import type { ReminderCandidate, ReminderFigureCounts, ReminderFigureQuery, ReminderStatus, ReminderStore } from "../../core/model/index.js";

/** Delivery statuses that mean the outbox has given a reminder up. */
const UNDELIVERED = ["failed", "blocked", "skipped", "undeliverable"];

/**
 * An in-progress response a resident answers themselves, with no activity since `idleSince`: its
 * start and every answer at or before it. Answers are written with the turn's clock, so this
 * is the resident's own last step in the survey, whatever the database's clock says.
 */
function idleWhere(idleSince: Date): Prisma.ResponseWhereInput {
  return {
    status: "in_progress",
    mode: "self",
    startedAt: { lte: idleSince },
    answers: { none: { answeredAt: { gt: idleSince } } },
    resident: { is: { role: "resident", deletedAt: null } },
  };
}

export class ReminderTables implements ReminderStore {
  constructor(private readonly db: StoreContext) {}

  /** See the port (core/model/ports.ts). */
  async reminderCandidates(input: { waveId: string; idleSince: Date; afterId?: string | null; limit: number }): Promise<ReminderCandidate[]> {
    const rows = await this.db.client.response.findMany({
      where: { ...idleWhere(input.idleSince), waveId: input.waveId, reminder: { is: null }, ...(input.afterId ? { id: { gt: input.afterId } } : {}) },
      select: {
        id: true,
        waveId: true,
        channel: true,
        residentId: true,
        resident: { select: { lang: true, optedOut: true, identities: { select: IDENTITY_FIELDS, orderBy: { createdAt: "asc" } } } },
      },
      orderBy: { id: "asc" },
      take: Math.min(Math.max(input.limit, 1), 1000),
    });
    return rows.flatMap((row) =>
      row.residentId && row.resident
        ? [{ responseId: row.id, residentId: row.residentId, waveId: row.waveId, channel: row.channel, resident: { lang: row.resident.lang, optedOut: row.resident.optedOut }, identities: row.resident.identities }]
        : [],
    );
  }

  /** See the port: the unique response id is the claim, the outbox row is written with it. */
  async recordReminder(input: { responseId: string; residentId: string; status: ReminderStatus; identityId: string | null; content: unknown; now: Date }): Promise<boolean> {
    return this.db.client.$transaction(async (tx) => {
      const id = randomUUID();
      // ON CONFLICT DO NOTHING, not a caught unique violation: PostgreSQL aborts a transaction on
      // an error, and a second process inserting the same response waits for the first to commit
      // and then inserts nothing. The response must still be in progress at that moment.
      const inserted = await tx.$executeRaw`INSERT INTO "Reminder" ("id", "responseId", "status", "createdAt")
        SELECT ${id}, ${input.responseId}, ${input.status}, ${input.now}
        WHERE EXISTS (SELECT 1 FROM "Response" WHERE "id" = ${input.responseId} AND "status" = 'in_progress')
        ON CONFLICT ("responseId") DO NOTHING`;
      if (inserted !== 1) return false;
      if (input.status !== "queued") return true;
      const broadcast = await tx.broadcast.create({
        data: {
          authorId: null,
          kind: "reminder",
          content: json(input.content),
          audience: json({ kind: "reminder", responseId: input.responseId }),
          status: "sending",
          startedAt: input.now,
          createdAt: input.now,
        },
        select: { id: true },
      });
      const delivery = await tx.delivery.create({
        data: { broadcastId: broadcast.id, residentId: input.residentId, identityId: input.identityId, status: input.identityId ? "pending" : "undeliverable", createdAt: input.now },
        select: { id: true },
      });
      await tx.reminder.update({ where: { id }, data: { deliveryId: delivery.id } });
      return true;
    });
  }

  /** See the port. */
  async abandonIdleResponses(idleSince: Date): Promise<number> {
    const updated = await this.db.client.response.updateMany({ where: idleWhere(idleSince), data: { status: "abandoned" } });
    return updated.count;
  }

  /** See the port. */
  async reminderFigures(query: ReminderFigureQuery): Promise<ReminderFigureCounts> {
    const response: Prisma.ResponseWhereInput = { waveId: query.waveId, ...(query.regionPath ? { region: { is: { path: { startsWith: query.regionPath } } } } : {}) };
    const count = (where: Prisma.ReminderWhereInput) => this.db.client.reminder.count({ where: { response: { is: response }, ...where } });
    const [reminded, finishedAfterReminder, pending, undelivered, outsideWindow] = await Promise.all([
      count({ status: "queued", delivery: { is: { status: "sent" } } }),
      count({ status: "queued", delivery: { is: { status: "sent" } }, response: { is: { ...response, status: "completed" } } }),
      count({ status: "queued", delivery: { is: { status: { in: ["pending", "sending"] } } } }),
      count({ status: "queued", OR: [{ delivery: { is: null } }, { delivery: { is: { status: { in: UNDELIVERED } } } }] }),
      count({ status: "outside_window" }),
    ]);
    return { reminded, finishedAfterReminder, pending, undelivered, outsideWindow };
  }
}
