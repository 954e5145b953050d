/**
 * Officer-administered interviews and field re-checks (part of the FieldStore port). An interview
 * is a completed response with mode `interviewer`, no resident, the officer and the household;
 * one response per household and wave counts, whichever mode came first.
 */
import { isUniqueViolation, json, parse, type StoreContext, type Tx } from "./context.js";
import { householdWaveSlot, isAdmin } from "./households.js";
import { CLIENT_ID } from "./visits.js";
import { FieldRequestError, type FieldRecheckRecord, type InterviewInput, type InterviewOutcome, type SurveyMode } from "../../core/model/index.js";

const modeOf = (mode: string): SurveyMode => (mode === "interviewer" ? "interviewer" : "self");

/**
 * Gives a resident's just-completed self response its household, inside the turn's transaction:
 * when the resident is linked to a household that has no completed response to the wave yet.
 * Otherwise the response stays without one (the household was surveyed another way first).
 */
export async function linkCompletedResponse(tx: Tx, residentId: string, responseId: string, waveId: string): Promise<void> {
  const household = await tx.household.findUnique({ where: { residentId }, select: { id: true } });
  if (!household) return;
  const taken = await householdWaveSlot(tx, household.id, waveId);
  if (!taken) await tx.response.update({ where: { id: responseId }, data: { householdId: household.id } });
}

/** The interview half of the FieldStore port on Prisma (see the module comment). */
export class InterviewTables {
  constructor(private readonly db: StoreContext) {}

  /**
   * See FieldStore.storeInterview. Besides the contract: refuses `bad-input` (client id),
   * `unknown-household`, `not-yours` (the household is not the officer's, as for visits) and
   * `unknown-wave`. A completed self response of the household's linked resident that is not
   * linked to it (answered before it was linked elsewhere) also counts as `already-surveyed`.
   */
  async storeInterview(input: InterviewInput & { now: Date }): Promise<InterviewOutcome> {
    if (typeof input.clientId !== "string" || !CLIENT_ID.test(input.clientId)) throw new FieldRequestError("bad-input", "client id");
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.client.$transaction((tx) => this.store(tx, input));
      } catch (error) {
        // A concurrent sync of the same interview, or another interview of the household: the
        // second pass reports what the first stored.
        if (attempt === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  private async store(tx: Tx, input: InterviewInput & { now: Date }): Promise<InterviewOutcome> {
    const earlier = await tx.response.findFirst({ where: { officerId: input.officerId, clientId: input.clientId }, select: { id: true } });
    if (earlier) return { outcome: "duplicate", responseId: earlier.id };
    const household = await tx.household.findUnique({ where: { id: input.householdId }, select: { id: true, officerId: true, regionId: true, residentId: true, phone: true } });
    if (!household) throw new FieldRequestError("unknown-household");
    // Admins may record at any household (the office stands in for an absent officer).
    if (household.officerId !== input.officerId && !(await isAdmin(tx, input.officerId))) throw new FieldRequestError("not-yours");
    const wave = await tx.wave.findUnique({ where: { id: input.waveId }, select: { id: true } });
    if (!wave) throw new FieldRequestError("unknown-wave");
    const taken = await householdWaveSlot(tx, household.id, input.waveId);
    if (taken) return { outcome: "already-surveyed", responseId: taken.id, mode: modeOf(taken.mode) };
    if (household.residentId) {
      const own = await tx.response.findFirst({ where: { residentId: household.residentId, waveId: input.waveId, status: "completed" }, select: { id: true, mode: true } });
      if (own) return { outcome: "already-surveyed", responseId: own.id, mode: modeOf(own.mode) };
    }
    const response = await tx.response.create({
      data: {
        residentId: null,
        waveId: input.waveId,
        questionnaireId: input.questionnaireId,
        status: "completed",
        channel: "field",
        mode: "interviewer",
        officerId: input.officerId,
        householdId: household.id,
        regionId: input.regionId ?? household.regionId,
        clientId: input.clientId,
        startedAt: input.startedAt,
        completedAt: input.completedAt,
      },
      select: { id: true },
    });
    const answers = Object.entries(input.answers).filter(([, value]) => value !== undefined);
    if (answers.length > 0) {
      await tx.answer.createMany({ data: answers.map(([questionId, value]) => ({ responseId: response.id, questionId, value: json(value), answeredAt: input.completedAt })) });
    }
    // A number left at the interview's phone question is for the household's spot checks; one on
    // file already (the office's list) is not overwritten by what was typed at the door.
    const phoneKept = typeof input.phone === "string" && input.phone.length <= 32 && household.phone === null;
    if (phoneKept) await tx.household.update({ where: { id: household.id }, data: { phone: input.phone } });
    const linked = input.visitClientId
      ? (await tx.visit.updateMany({ where: { officerId: input.officerId, clientId: input.visitClientId }, data: { responseId: response.id } })).count
      : 0;
    await tx.auditLog.create({
      data: {
        actorId: input.officerId,
        action: "interview.store",
        target: response.id,
        details: json({ householdId: household.id, waveId: input.waveId, lang: input.lang, answers: answers.length, visit: linked > 0 ? input.visitClientId : null, phoneKept }),
        at: input.now,
      },
    });
    return { outcome: "stored", responseId: response.id };
  }

  /**
   * See FieldStore.listFieldRechecks, in drawing order. The household is the response's; a self
   * response without one falls back to the household its resident is linked to now (where the
   * verifier will find them).
   */
  async listFieldRechecks(filter: { waveId?: string } = {}): Promise<FieldRecheckRecord[]> {
    const household = { select: { id: true, address: true, headName: true, phone: true, officerId: true } } as const;
    const rows = await this.db.client.spotCheck.findMany({
      where: { method: "visit", ...(filter.waveId ? { waveId: filter.waveId } : {}) },
      select: {
        id: true,
        waveId: true,
        responseId: true,
        outcome: true,
        checkedAt: true,
        response: {
          select: {
            mode: true,
            officerId: true,
            questionnaireId: true,
            regionId: true,
            region: { select: { code: true, path: true, name: true } },
            answers: { select: { questionId: true, value: true } },
            household,
            resident: { select: { dwelling: household } },
          },
        },
      },
      orderBy: [{ drawnAt: "asc" }, { id: "asc" }],
    });
    return rows.map((row) => {
      const r = row.response;
      const mode = modeOf(r.mode);
      const home = r.household ?? r.resident?.dwelling ?? null;
      return {
        spotCheckId: row.id,
        waveId: row.waveId,
        responseId: row.responseId,
        mode,
        officerId: mode === "interviewer" ? r.officerId : (home?.officerId ?? r.officerId),
        household: home ? { id: home.id, address: home.address, headName: home.headName, phone: home.phone } : null,
        regionId: r.regionId,
        regionCode: r.region?.code ?? null,
        regionPath: r.region?.path ?? null,
        regionName: r.region ? parse<Record<string, string>>(r.region.name, {}) : null,
        questionnaireId: r.questionnaireId,
        answers: Object.fromEntries(r.answers.map((a) => [a.questionId, parse<unknown>(a.value, null)])),
        outcome: row.outcome,
        checkedAt: row.checkedAt,
      };
    });
  }
}
