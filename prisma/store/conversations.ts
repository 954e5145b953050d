/** Dialogue sessions (the ConversationStore port): loading a resident's session, and committing a turn with every domain write it carries. */
import { randomUUID } from "node:crypto";
import { parseRecheck } from "../spot-check-recheck.js";
import { json, parse, isUniqueViolation, type StoreContext, type Tx } from "./context.js";
import { checkpointAfterErasure, eraseResident } from "./erasure.js";
import { linkCompletedResponse } from "./interviews.js";
import { RECHECK_VERIFIER, type ConversationRecord, type ConversationStore, type DomainWrite, type SpotCheckRecheck, type Turn, type TurnOutcome } from "../../core/model/index.js";

/** Longest telephone number stored (the engine's canonical forms are at most 16 characters). */
const MAX_PHONE_LENGTH = 32;

class TurnConflict extends Error {}

export class ConversationTables implements ConversationStore {
  constructor(private readonly db: StoreContext) {}

  /** The stored session state of a resident, or null before their first turn. */
  async loadConversation(residentId: string): Promise<ConversationRecord | null> {
    const row = await this.db.client.conversation.findUnique({ where: { residentId } });
    return row ? { state: parse<unknown>(row.state, null), revision: row.revision } : null;
  }

  /** True when this platform message was already handled. */
  async isProcessed(platform: string, messageId: string): Promise<boolean> {
    const row = await this.db.client.processedMessage.findUnique({ where: { platform_messageId: { platform, messageId } } });
    return row !== null;
  }

  /**
   * Commits one dialogue turn atomically: the inbound message id, the new session state and every
   * domain write. "duplicate": the message id was already handled, nothing written. "conflict":
   * the state moved on since it was read, nothing written (the caller reruns the turn).
   */
  async commitTurn(turn: Turn): Promise<TurnOutcome> {
    // After the commit, not inside the transaction: a checkpoint copies committed pages only.
    const outcome = await this.commit(turn);
    if (outcome === "committed" && turn.writes.some((write) => write.type === "resident.erase")) await checkpointAfterErasure(this.db);
    return outcome;
  }

  private async commit(turn: Turn): Promise<TurnOutcome> {
    try {
      return await this.db.client.$transaction(async (tx) => {
        // Every message passes here, so the three statements it always runs are plain SQL (valid
        // on SQLite and PostgreSQL alike): Prisma's model queries cost several times more.
        if (turn.inbound) {
          await tx.$executeRaw`INSERT INTO "ProcessedMessage" ("platform", "messageId", "residentId", "processedAt")
            VALUES (${turn.inbound.platform}, ${turn.inbound.messageId}, ${turn.residentId}, ${turn.now})`;
        }
        const stateText = json(turn.state);
        if (turn.expectedRevision === 0) {
          const existing = await tx.conversation.findUnique({ where: { residentId: turn.residentId }, select: { revision: true } });
          if (existing) throw new TurnConflict();
          await tx.conversation.create({ data: { residentId: turn.residentId, state: stateText, revision: 1 } });
        } else {
          const updated = await tx.$executeRaw`UPDATE "Conversation"
            SET "state" = ${stateText}, "revision" = ${turn.expectedRevision + 1}, "updatedAt" = ${turn.now}
            WHERE "residentId" = ${turn.residentId} AND "revision" = ${turn.expectedRevision}`;
          if (updated !== 1) throw new TurnConflict();
        }
        await applyWrites(tx, turn);
        return "committed" as const;
      });
    } catch (error) {
      if (error instanceof TurnConflict) return "conflict";
      if (turn.inbound && isUniqueViolation(error)) {
        if (await this.isProcessed(turn.inbound.platform, turn.inbound.messageId)) return "duplicate";
        return "conflict";
      }
      throw error;
    }
  }
}

/**
 * A re-check write, inside the resident's turn (so a redelivered reply records nothing twice).
 * Only the resident's own open `chat` spot check is touched, and never the survey's answers; a
 * spot check a verifier recorded meanwhile keeps the verifier's outcome.
 */
async function applyRecheckWrite(tx: Tx, turn: Turn, write: Extract<DomainWrite, { type: `spotCheck.${string}` }>): Promise<void> {
  const row = await tx.spotCheck.findFirst({
    where: { id: write.spotCheckId, method: "chat", outcome: null, response: { residentId: turn.residentId } },
    select: { id: true, recheck: true },
  });
  const recheck = parseRecheck(row?.recheck ?? null);
  if (!row || !recheck) return;
  const at = turn.now.toISOString();
  const guard = { id: row.id, outcome: null, recheck: row.recheck };
  const audit = (action: string, details: object) => tx.auditLog.create({ data: { actorId: null, action, target: row.id, details: json(details), at: turn.now } });
  switch (write.type) {
    case "spotCheck.recheckStart": {
      if (recheck.status !== "queued" && recheck.status !== "asked") return;
      const next: SpotCheckRecheck = { ...recheck, status: "asked", platform: turn.channel, askedAt: at, expiresAt: write.expiresAt, questions: write.questions };
      delete next.deliveredAt;
      if ((await tx.spotCheck.updateMany({ where: guard, data: { notes: write.notes, recheck: json(next) } })).count === 1) {
        await audit("spotcheck.recheck.ask", { platform: turn.channel, questions: write.questions.map((q) => q.id) });
      }
      return;
    }
    case "spotCheck.recheckAnswer": {
      if (recheck.status !== "asked") return;
      // The answers must be to the questions this spot check asked.
      const asked = (recheck.questions ?? []).map((q) => q.id).join("\n");
      if (asked !== write.questions.map((q) => q.id).join("\n")) return;
      const outcome = write.consistent ? "consistent" : "inconsistent";
      const next: SpotCheckRecheck = { ...recheck, status: "answered", questions: write.questions, finishedAt: at };
      if ((await tx.spotCheck.updateMany({ where: guard, data: { outcome, verifier: RECHECK_VERIFIER, checkedAt: turn.now, notes: write.notes, recheck: json(next) } })).count === 1) {
        await audit("spotcheck.record", { outcome, verifier: RECHECK_VERIFIER });
      }
      return;
    }
    case "spotCheck.recheckDecline": {
      if (recheck.status !== "asked") return;
      const next: SpotCheckRecheck = { ...recheck, status: "declined", reason: write.reason, finishedAt: at };
      if ((await tx.spotCheck.updateMany({ where: guard, data: { outcome: "unreachable", verifier: RECHECK_VERIFIER, checkedAt: turn.now, notes: write.notes, recheck: json(next) } })).count === 1) {
        await audit("spotcheck.record", { outcome: "unreachable", verifier: RECHECK_VERIFIER, reason: write.reason });
      }
      return;
    }
    case "spotCheck.recheckSkip": {
      if (recheck.status !== "queued") return;
      const next: SpotCheckRecheck = { ...recheck, status: "skipped", reason: write.reason, finishedAt: at };
      if ((await tx.spotCheck.updateMany({ where: guard, data: { notes: write.notes, recheck: json(next) } })).count === 1) {
        await audit("spotcheck.recheck.skip", { reason: write.reason });
      }
      return;
    }
  }
}

async function applyWrites(tx: Tx, turn: Turn): Promise<void> {
  // Responses touched in this turn, so a turn with several writes looks each one up once.
  const responseIds = new Map<string, string>();
  // Responses found abandoned by the lookup: one set aside for being idle (core/outreach/reminders.ts)
  // is in progress again at the resident's next answer.
  const abandoned = new Set<string>();
  const responseId = async (waveId: string): Promise<string> => {
    const cached = responseIds.get(waveId);
    if (cached) return cached;
    const [row] = await tx.$queryRaw<{ id: string; status: string }[]>`SELECT "id", "status" FROM "Response" WHERE "residentId" = ${turn.residentId} AND "waveId" = ${waveId}`;
    if (!row) throw new Error(`no response of resident ${turn.residentId} to wave ${waveId}`);
    responseIds.set(waveId, row.id);
    if (row.status === "abandoned") abandoned.add(row.id);
    return row.id;
  };

  for (const write of turn.writes) {
    switch (write.type) {
      case "response.start": {
        // A survey started again on a wave whose earlier attempt was abandoned (the wave was
        // replaced and came back): the new attempt starts from nothing, as the engine does.
        const earlier = await tx.response.findUnique({ where: { residentId_waveId: { residentId: turn.residentId, waveId: write.waveId } }, select: { id: true, status: true } });
        if (earlier?.status === "abandoned") {
          await tx.answer.deleteMany({ where: { responseId: earlier.id } });
          await tx.response.update({ where: { id: earlier.id }, data: { status: "in_progress", startedAt: turn.now, completedAt: null, channel: turn.channel } });
        }
        const row = await tx.response.upsert({
          where: { residentId_waveId: { residentId: turn.residentId, waveId: write.waveId } },
          create: {
            residentId: turn.residentId,
            waveId: write.waveId,
            questionnaireId: write.questionnaireId,
            channel: turn.channel,
            officerId: write.officerId ?? null,
            regionId: write.regionId ?? null,
            startedAt: turn.now,
          },
          update: {},
          select: { id: true },
        });
        responseIds.set(write.waveId, row.id);
        break;
      }
      case "answer.put": {
        const id = await responseId(write.waveId);
        if (abandoned.delete(id)) await tx.response.updateMany({ where: { id, status: "abandoned" }, data: { status: "in_progress" } });
        await tx.$executeRaw`INSERT INTO "Answer" ("id", "responseId", "questionId", "value", "answeredAt")
          VALUES (${randomUUID()}, ${id}, ${write.questionId}, ${json(write.value)}, ${turn.now})
          ON CONFLICT ("responseId", "questionId") DO UPDATE SET "value" = excluded."value", "answeredAt" = excluded."answeredAt"`;
        break;
      }
      case "answer.delete": {
        const id = await responseId(write.waveId);
        await tx.answer.deleteMany({ where: { responseId: id, questionId: write.questionId } });
        break;
      }
      case "response.complete": {
        const id = await responseId(write.waveId);
        await tx.response.update({ where: { id }, data: { status: "completed", completedAt: turn.now } });
        // The resident's household (field work) counts as surveyed by this response, unless it was first.
        await linkCompletedResponse(tx, turn.residentId, id, write.waveId);
        break;
      }
      case "response.abandon": {
        const id = await responseId(write.waveId);
        await tx.response.updateMany({ where: { id, status: "in_progress" }, data: { status: "abandoned" } });
        break;
      }
      case "response.region": {
        const id = await responseId(write.waveId);
        const region = await tx.region.findUnique({ where: { code: write.regionCode }, select: { id: true } });
        if (region) {
          await tx.response.update({ where: { id }, data: { regionId: region.id } });
          // Where the resident says they live is where their case feedback and quiz answers count.
          await tx.resident.update({ where: { id: turn.residentId }, data: { regionId: region.id } });
        }
        break;
      }
      case "suggestion.add": {
        const waveId = write.waveId ?? null;
        const response = waveId
          ? await tx.response.findUnique({
              where: { residentId_waveId: { residentId: turn.residentId, waveId } },
              select: { id: true, regionId: true },
            })
          : null;
        await tx.suggestion.create({
          data: {
            residentId: turn.residentId,
            responseId: response?.id ?? null,
            waveId,
            regionId: response?.regionId ?? null,
            text: write.text,
            lang: write.lang,
            createdAt: turn.now,
          },
        });
        break;
      }
      case "resident.update": {
        await tx.resident.update({
          where: { id: turn.residentId },
          data: {
            ...(write.lang !== undefined ? { lang: write.lang } : {}),
            ...(write.consentAt !== undefined ? { consentAt: write.consentAt } : {}),
            ...(write.consentDeclinedAt !== undefined ? { consentDeclinedAt: write.consentDeclinedAt } : {}),
            ...(write.optedOut !== undefined ? { optedOut: write.optedOut } : {}),
          },
        });
        break;
      }
      case "resident.phone": {
        // Canonical numbers are short; anything else is not a number the engine produced.
        if (write.phone !== null && (typeof write.phone !== "string" || write.phone.length > MAX_PHONE_LENGTH)) break;
        await tx.resident.update({ where: { id: turn.residentId }, data: { phone: write.phone } });
        break;
      }
      case "tipQuiz.answer": {
        // The first answer counts for the awareness rate: a later one leaves it as it is.
        await tx.tipQuizAnswer.upsert({
          where: { residentId_tipId: { residentId: turn.residentId, tipId: write.tipId } },
          create: { residentId: turn.residentId, tipId: write.tipId, option: write.option, correct: write.correct, broadcastId: write.broadcastId ?? null, answeredAt: turn.now },
          update: {},
        });
        break;
      }
      case "case.report": {
        // The resident was already told this code: a taken one must rerun the turn with another.
        if (await tx.case.findUnique({ where: { code: write.code }, select: { id: true } })) throw new TurnConflict();
        const reporter = await tx.resident.findUnique({ where: { id: turn.residentId }, select: { regionId: true } });
        const created = await tx.case.create({
          data: { code: write.code, reporterId: turn.residentId, regionId: reporter?.regionId ?? null, title: write.title, status: "received", createdAt: turn.now },
        });
        // The resident saw the confirmation in this very turn: nothing left to deliver.
        await tx.caseUpdate.create({ data: { caseId: created.id, authorId: turn.residentId, status: "received", createdAt: turn.now, deliveredAt: turn.now } });
        break;
      }
      case "broadcast.schedule": {
        // The officer was told this id in this very turn. A taken one is never this turn's own
        // broadcast: it is created only here, in the transaction that also records the message as
        // processed and moves the session past the preview, so a turn that committed is not run
        // again (a redelivery is a duplicate, a resent button finds no draft). So it is someone
        // else's, and a no-op would confirm a broadcast that is not the officer's and send
        // nothing: like a taken case code, the turn is run again, with a fresh id.
        if (await tx.broadcast.findUnique({ where: { id: write.id }, select: { id: true } })) throw new TurnConflict();
        const audience = json(write.audience);
        await tx.broadcast.create({
          data: { id: write.id, authorId: write.authorId, content: json(write.content), audience, status: "scheduled", scheduledAt: write.scheduledAt, createdAt: turn.now },
        });
        // The audit row scheduling a draft writes (BroadcastTables.scheduleBroadcast).
        await tx.auditLog.create({
          data: { actorId: write.authorId, action: "broadcast.schedule", target: write.id, details: json({ at: write.scheduledAt.toISOString(), audience: parse<unknown>(audience, null) }), at: turn.now },
        });
        break;
      }
      case "case.rate": {
        if (!Number.isInteger(write.rating) || write.rating < 1 || write.rating > 5) break;
        await tx.case.updateMany({ where: { code: write.code, reporterId: turn.residentId, status: "closed" }, data: { rating: write.rating } });
        break;
      }
      case "spotCheck.recheckStart":
      case "spotCheck.recheckAnswer":
      case "spotCheck.recheckDecline":
      case "spotCheck.recheckSkip":
        await applyRecheckWrite(tx, turn, write);
        break;
      case "resident.erase": {
        // The resident asked for deletion (see eraseResident for what goes and what stays).
        // Their next message starts afresh as a new resident.
        await eraseResident(tx, turn.residentId, turn.now);
        break;
      }
    }
  }
}
