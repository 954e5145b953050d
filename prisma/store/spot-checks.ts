/** Spot checks of completed responses and their re-checks in chat (the SpotCheckStore port). The re-check writes of a resident's own turn are in conversations.ts. */
import { parseRecheck } from "../spot-check-recheck.js";
import { json, parse, type StoreContext } from "./context.js";
import { toResident, IDENTITY_FIELDS } from "./rows.js";
import { RECHECK_VERIFIER, type OpenRecheckRecord, type RecheckTarget, type SpotCheckOutcomeValue, type SpotCheckRecheck, type SpotCheckRecheckStatus, type SpotCheckRecord, type SpotCheckStore } from "../../core/model/index.js";

// What a spot-check row shows of its response: an interview has no resident, so its household's number is the one to call.
const SPOT_CHECK_RESPONSE = {
  channel: true,
  completedAt: true,
  region: { select: { code: true, path: true } },
  resident: { select: { phone: true, lang: true, deletedAt: true } },
  household: { select: { phone: true } },
} as const;

export class SpotCheckTables implements SpotCheckStore {
  constructor(private readonly db: StoreContext) {}

  /**
   * Records drawn spot checks for a wave (audited). Responses already drawn for the wave keep
   * their first draw; returns how many were new.
   */
  async createSpotChecks(input: { waveId: string; seed: string; method?: string; responseIds: readonly string[]; actorId?: string | null; now: Date }): Promise<{ created: number; existing: number }> {
    return this.db.client.$transaction(async (tx) => {
      const existing = await tx.spotCheck.findMany({ where: { waveId: input.waveId, responseId: { in: [...input.responseIds] } }, select: { responseId: true } });
      const taken = new Set(existing.map((row) => row.responseId));
      const fresh = [...new Set(input.responseIds)].filter((id) => !taken.has(id));
      if (fresh.length > 0) {
        await tx.spotCheck.createMany({
          data: fresh.map((responseId) => ({ waveId: input.waveId, responseId, seed: input.seed, method: input.method ?? "phone", drawnAt: input.now })),
        });
      }
      await tx.auditLog.create({
        data: { actorId: input.actorId ?? null, action: "spotcheck.draw", target: input.waveId, details: json({ seed: input.seed, drawn: fresh.length, alreadyDrawn: taken.size }), at: input.now },
      });
      return { created: fresh.length, existing: taken.size };
    });
  }

  /** The spot checks of a wave, with the resident's shared phone number, in drawing order. */
  async listSpotChecks(waveId: string): Promise<SpotCheckRecord[]> {
    const rows = await this.db.client.spotCheck.findMany({
      where: { waveId },
      include: {
        response: {
          select: SPOT_CHECK_RESPONSE,
        },
      },
      orderBy: [{ drawnAt: "asc" }, { id: "asc" }],
    });
    return rows.map(toSpotCheck);
  }

  /** Records a spot check's outcome (audited); null when there is no such spot check. */
  async recordSpotCheck(id: string, input: { outcome: SpotCheckOutcomeValue; verifier?: string | null; notes?: string | null; actorId?: string | null; now: Date }): Promise<SpotCheckRecord | null> {
    if (!["consistent", "inconsistent", "unreachable"].includes(input.outcome)) throw new Error(`unknown spot-check outcome ${String(input.outcome)}`);
    return this.db.client.$transaction(async (tx) => {
      const found = await tx.spotCheck.findUnique({ where: { id }, select: { id: true } });
      if (!found) return null;
      const row = await tx.spotCheck.update({
        where: { id },
        data: { outcome: input.outcome, verifier: input.verifier ?? null, notes: input.notes ?? null, checkedAt: input.now },
        include: {
          response: {
            select: SPOT_CHECK_RESPONSE,
          },
        },
      });
      await tx.auditLog.create({ data: { actorId: input.actorId ?? null, action: "spotcheck.record", target: id, details: json({ outcome: input.outcome }), at: input.now } });
      return toSpotCheck(row);
    });
  }

  /**
   * Asks for the re-check in chat of a wave's open `chat` spot checks not asked for yet (at most
   * `limit`, in drawing order); the running app's re-check service then asks them. Audited.
   */
  async queueSpotCheckRechecks(input: { waveId: string; limit?: number; actorId?: string | null; now: Date }): Promise<{ queued: number; remaining: number }> {
    return this.db.client.$transaction(async (tx) => {
      const open = { waveId: input.waveId, method: "chat", outcome: null, recheck: null };
      const rows = await tx.spotCheck.findMany({ where: open, select: { id: true }, orderBy: [{ drawnAt: "asc" }, { id: "asc" }], ...(input.limit !== undefined ? { take: input.limit } : {}) });
      const recheck: SpotCheckRecheck = { status: "queued", queuedAt: input.now.toISOString(), queuedBy: input.actorId ?? null, attempts: 0 };
      let queued = 0;
      for (const row of rows) {
        // `recheck: null` again: a concurrent request queues each spot check once.
        queued += (await tx.spotCheck.updateMany({ where: { id: row.id, ...open }, data: { recheck: json(recheck) } })).count;
      }
      await tx.auditLog.create({ data: { actorId: input.actorId ?? null, action: "spotcheck.reask", target: input.waveId, details: json({ queued, limit: input.limit ?? null }), at: input.now } });
      return { queued, remaining: await tx.spotCheck.count({ where: open }) };
    });
  }

  /** Re-checks in chat still to send, ask again or expire: queued or asked, on open spot checks. */
  async listOpenRechecks(): Promise<OpenRecheckRecord[]> {
    const rows = await this.db.client.spotCheck.findMany({
      where: { method: "chat", outcome: null, recheck: { not: null } },
      select: { id: true, waveId: true, responseId: true, seed: true, recheck: true },
      orderBy: [{ drawnAt: "asc" }, { id: "asc" }],
    });
    return rows.flatMap((row) => {
      const recheck = parseRecheck(row.recheck);
      return recheck && (recheck.status === "queued" || recheck.status === "asked") ? [{ id: row.id, waveId: row.waveId, responseId: row.responseId, seed: row.seed, recheck }] : [];
    });
  }

  /** The resident, accounts, answers and questionnaire behind an open re-check, or null. */
  async getRecheckTarget(spotCheckId: string): Promise<RecheckTarget | null> {
    const row = await this.db.client.spotCheck.findFirst({
      where: { id: spotCheckId, method: "chat", outcome: null },
      select: {
        id: true,
        waveId: true,
        responseId: true,
        seed: true,
        recheck: true,
        response: {
          select: {
            id: true,
            residentId: true,
            channel: true,
            status: true,
            questionnaire: { select: { key: true, version: true, definition: true } },
            answers: { select: { questionId: true, value: true } },
            resident: { include: { identities: { select: IDENTITY_FIELDS, orderBy: { createdAt: "asc" } }, conversation: { select: { updatedAt: true, state: true } } } },
          },
        },
      },
    });
    const recheck = parseRecheck(row?.recheck ?? null);
    // An interview has no resident to re-ask in chat.
    if (!row || !recheck || !row.response.resident || !row.response.residentId) return null;
    const { identities, conversation, ...resident } = row.response.resident;
    return {
      spotCheck: { id: row.id, waveId: row.waveId, responseId: row.responseId, seed: row.seed, recheck },
      response: {
        id: row.response.id,
        residentId: row.response.residentId,
        channel: row.response.channel,
        status: row.response.status,
        questionnaireKey: row.response.questionnaire.key,
        questionnaireVersion: row.response.questionnaire.version,
        questionnaireDefinition: parse<unknown>(row.response.questionnaire.definition, null),
      },
      answers: Object.fromEntries(row.response.answers.map((a) => [a.questionId, parse<unknown>(a.value, null)])),
      resident: toResident(resident),
      identities,
      conversationUpdatedAt: conversation?.updatedAt ?? null,
      conversationMode: modeOf(conversation ? parse<unknown>(conversation.state, null) : null),
    };
  }

  /**
   * Changes an open re-check's delivery bookkeeping (attempts, errors, deliveredAt …) while it is
   * in one of `statuses`; false when it is not (answered meanwhile, recorded by a verifier …).
   */
  async updateSpotCheckRecheck(spotCheckId: string, statuses: readonly SpotCheckRecheckStatus[], patch: Partial<Omit<SpotCheckRecheck, "status" | "queuedAt" | "queuedBy">>): Promise<boolean> {
    return this.db.client.$transaction(async (tx) => {
      const row = await tx.spotCheck.findFirst({ where: { id: spotCheckId, method: "chat", outcome: null }, select: { recheck: true } });
      const recheck = parseRecheck(row?.recheck ?? null);
      if (!recheck || !statuses.includes(recheck.status)) return false;
      const updated = await tx.spotCheck.updateMany({ where: { id: spotCheckId, outcome: null, recheck: row?.recheck ?? null }, data: { recheck: json({ ...recheck, ...patch }) } });
      return updated.count === 1;
    });
  }

  /**
   * Closes an open re-check from outside a resident's turn: `expired` (outcome unreachable,
   * verifier "chat") or `skipped` (no outcome: a verifier may still call). Audited; false when it
   * was no longer open.
   */
  async closeSpotCheckRecheck(spotCheckId: string, input: { status: "expired" | "skipped"; reason: string; notes: string; actorId?: string | null; now: Date }): Promise<boolean> {
    return this.db.client.$transaction(async (tx) => {
      const row = await tx.spotCheck.findFirst({ where: { id: spotCheckId, method: "chat", outcome: null }, select: { recheck: true } });
      const recheck = parseRecheck(row?.recheck ?? null);
      if (!recheck || (recheck.status !== "queued" && recheck.status !== "asked")) return false;
      const next: SpotCheckRecheck = { ...recheck, status: input.status, reason: input.reason, finishedAt: input.now.toISOString() };
      const data =
        input.status === "expired"
          ? { outcome: "unreachable", verifier: RECHECK_VERIFIER, checkedAt: input.now, notes: input.notes, recheck: json(next) }
          : { notes: input.notes, recheck: json(next) };
      const updated = await tx.spotCheck.updateMany({ where: { id: spotCheckId, outcome: null, recheck: row?.recheck ?? null }, data });
      if (updated.count !== 1) return false;
      await tx.auditLog.create({
        data: {
          actorId: input.actorId ?? null,
          action: input.status === "expired" ? "spotcheck.record" : "spotcheck.recheck.skip",
          target: spotCheckId,
          details: json(input.status === "expired" ? { outcome: "unreachable", verifier: RECHECK_VERIFIER, reason: input.reason } : { reason: input.reason }),
          at: input.now,
        },
      });
      return true;
    });
  }
}

function toSpotCheck(row: {
  id: string;
  waveId: string;
  responseId: string;
  seed: string;
  method: string;
  outcome: string | null;
  verifier: string | null;
  notes: string | null;
  drawnAt: Date;
  checkedAt: Date | null;
  recheck?: string | null;
  response: {
    channel: string;
    completedAt: Date | null;
    region: { code: string; path: string } | null;
    resident: { phone: string | null; lang: string; deletedAt: Date | null } | null;
    household: { phone: string | null } | null;
  };
}): SpotCheckRecord {
  const outcome = row.outcome === "consistent" || row.outcome === "inconsistent" || row.outcome === "unreachable" ? row.outcome : null;
  const recheck = parseRecheck(row.recheck ?? null);
  return {
    id: row.id,
    waveId: row.waveId,
    responseId: row.responseId,
    seed: row.seed,
    method: row.method,
    outcome,
    verifier: row.verifier,
    notes: row.notes,
    drawnAt: row.drawnAt,
    checkedAt: row.checkedAt,
    channel: row.response.channel,
    regionCode: row.response.region?.code ?? null,
    regionPath: row.response.region?.path ?? null,
    completedAt: row.response.completedAt,
    phone: spotCheckPhone(row.response.resident, row.response.household),
    lang: row.response.resident?.lang ?? DEFAULT_LANG,
    ...(recheck ? { recheck } : {}),
  };
}

/** The resident's language stands in for an interview's (read out in the office's language by default). */
const DEFAULT_LANG = "zh-CN";

/**
 * The number to call: the resident's own, else the household's (an interview, or a resident who
 * never shared one); none for an erased resident.
 */
function spotCheckPhone(resident: { phone: string | null; deletedAt: Date | null } | null, household: { phone: string | null } | null): string | null {
  if (resident?.deletedAt) return null;
  return resident?.phone ?? household?.phone ?? null;
}

/** The `mode` of a stored session state, or null. */
function modeOf(state: unknown): string | null {
  const mode = typeof state === "object" && state !== null ? (state as { mode?: unknown }).mode : undefined;
  return typeof mode === "string" ? mode : null;
}
