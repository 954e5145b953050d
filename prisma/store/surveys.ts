/** Questionnaire versions, survey waves and their targets (the SurveyStore port). */
import { json, parse, type StoreContext } from "./context.js";
import { QuestionnaireConflictError, type QuestionnaireRecord, type ResponseRecord, type SurveyStore, type WaveRecord } from "../../core/model/index.js";

export class SurveyTables implements SurveyStore {
  constructor(private readonly db: StoreContext) {}

  /**
   * Stores a questionnaire version. Storing the same key, version and checksum again is a no-op;
   * other content under an existing key and version is refused (bump the version instead).
   */
  async saveQuestionnaire(input: {
    key: string;
    version: number;
    title: string;
    definition: unknown;
    checksum: string;
    source?: string;
  }): Promise<{ record: QuestionnaireRecord; created: boolean }> {
    const existing = await this.db.client.questionnaire.findUnique({ where: { key_version: { key: input.key, version: input.version } } });
    if (existing) {
      if (existing.checksum !== input.checksum) {
        throw new QuestionnaireConflictError(
          `questionnaire ${input.key} version ${input.version} is already stored with other content; raise its version`,
        );
      }
      return { record: toQuestionnaire(existing), created: false };
    }
    const row = await this.db.client.questionnaire.create({
      data: {
        key: input.key,
        version: input.version,
        title: input.title,
        definition: json(input.definition),
        checksum: input.checksum,
        source: input.source ?? null,
      },
    });
    return { record: toQuestionnaire(row), created: true };
  }

  /** A stored questionnaire version, or null. */
  async getQuestionnaire(key: string, version: number): Promise<QuestionnaireRecord | null> {
    const row = await this.db.client.questionnaire.findUnique({ where: { key_version: { key, version } } });
    return row ? toQuestionnaire(row) : null;
  }

  /** A stored questionnaire by row id, or null. */
  async getQuestionnaireById(id: string): Promise<QuestionnaireRecord | null> {
    const row = await this.db.client.questionnaire.findUnique({ where: { id } });
    return row ? toQuestionnaire(row) : null;
  }

  /** Every stored questionnaire version, newest first within a key. */
  async listQuestionnaires(): Promise<QuestionnaireRecord[]> {
    const rows = await this.db.client.questionnaire.findMany({ orderBy: [{ key: "asc" }, { version: "desc" }] });
    return rows.map(toQuestionnaire);
  }

  /** Opens a survey wave for a stored questionnaire version. */
  async createWave(input: { name: string; questionnaireId: string; opensAt: Date; closesAt?: Date | null }): Promise<WaveRecord> {
    const row = await this.db.client.wave.create({
      data: { name: input.name, questionnaireId: input.questionnaireId, opensAt: input.opensAt, closesAt: input.closesAt ?? null },
      include: { questionnaire: true },
    });
    return toWave(row);
  }

  /** The wave open at `now` (the most recently opened one when several are), or null. */
  async currentWave(now: Date): Promise<WaveRecord | null> {
    const row = await this.db.client.wave.findFirst({
      where: { opensAt: { lte: now }, OR: [{ closesAt: null }, { closesAt: { gt: now } }] },
      orderBy: { opensAt: "desc" },
      include: { questionnaire: true },
    });
    return row ? toWave(row) : null;
  }

  /** All waves, newest first. */
  async listWaves(): Promise<WaveRecord[]> {
    const rows = await this.db.client.wave.findMany({ orderBy: { opensAt: "desc" }, include: { questionnaire: true } });
    return rows.map(toWave);
  }

  /** Sets a comparison figure (e.g. the provincial average) for a measure in a wave. */
  async setWaveTarget(waveId: string, measureId: string, label: string, value: number): Promise<void> {
    await this.db.client.waveTarget.upsert({
      where: { waveId_measureId_label: { waveId, measureId, label } },
      create: { waveId, measureId, label, value },
      update: { value },
    });
  }

  /**
   * Removes one target of a wave (the figure for `measureId` under `label`).
   * @returns whether there was such a target
   */
  async deleteWaveTarget(waveId: string, measureId: string, label: string): Promise<boolean> {
    const { count } = await this.db.client.waveTarget.deleteMany({ where: { waveId, measureId, label } });
    return count > 0;
  }

  /** The targets of a wave. */
  async waveTargets(waveId: string): Promise<{ measureId: string; label: string; value: number }[]> {
    return this.db.client.waveTarget.findMany({ where: { waveId }, select: { measureId: true, label: true, value: true } });
  }

  /**
   * Copies every target of one wave to another (one transaction); a target the other wave
   * already has for the same measure and label takes the copied value. Returns how many were copied.
   */
  async copyWaveTargets(fromWaveId: string, toWaveId: string): Promise<number> {
    return this.db.client.$transaction(async (tx) => {
      const targets = await tx.waveTarget.findMany({ where: { waveId: fromWaveId }, select: { measureId: true, label: true, value: true } });
      for (const { measureId, label, value } of targets) {
        await tx.waveTarget.upsert({
          where: { waveId_measureId_label: { waveId: toWaveId, measureId, label } },
          create: { waveId: toWaveId, measureId, label, value },
          update: { value },
        });
      }
      return targets.length;
    });
  }

  /** Sets when a wave closes (ends it at `at`); null when there is no such wave. */
  async closeWave(id: string, at: Date): Promise<WaveRecord | null> {
    const { count } = await this.db.client.wave.updateMany({ where: { id }, data: { closesAt: at } });
    if (count === 0) return null;
    const row = await this.db.client.wave.findUnique({ where: { id }, include: { questionnaire: true } });
    return row ? toWave(row) : null;
  }

  /**
   * Sets or clears when a wave closes (`null`: open-ended), e.g. to give a wave back the end it had
   * before a wave scheduled after it was cancelled.
   * @returns the wave as it is now, or null when there is no such wave
   */
  async setWaveEnd(id: string, closesAt: Date | null): Promise<WaveRecord | null> {
    const { count } = await this.db.client.wave.updateMany({ where: { id }, data: { closesAt } });
    if (count === 0) return null;
    const row = await this.db.client.wave.findUnique({ where: { id }, include: { questionnaire: true } });
    return row ? toWave(row) : null;
  }

  /**
   * Deletes a wave that has no responses (one transaction): its targets and spot checks go with
   * it, its suggestions stay without a wave. A wave with responses is kept (they belong to it).
   * @returns whether the wave was deleted (false: no such wave, or it has responses)
   */
  async deleteWave(id: string): Promise<boolean> {
    return this.db.client.$transaction(async (tx) => {
      if ((await tx.response.count({ where: { waveId: id } })) > 0) return false;
      const { count } = await tx.wave.deleteMany({ where: { id } });
      return count > 0;
    });
  }

  /** How many responses each wave has in each status (waves without responses are left out). */
  async responseCountsByWave(): Promise<{ waveId: string; status: ResponseRecord["status"]; count: number }[]> {
    const rows = await this.db.client.response.groupBy({ by: ["waveId", "status"], _count: { _all: true } });
    return rows.map((row) => ({
      waveId: row.waveId,
      status: row.status === "completed" || row.status === "abandoned" ? row.status : "in_progress",
      count: row._count._all,
    }));
  }
}

function toQuestionnaire(row: {
  id: string;
  key: string;
  version: number;
  title: string;
  definition: string;
  checksum: string;
  source: string | null;
  createdAt: Date;
}): QuestionnaireRecord {
  return { ...row, definition: parse<unknown>(row.definition, null) };
}

function toWave(row: {
  id: string;
  name: string;
  questionnaireId: string;
  opensAt: Date;
  closesAt: Date | null;
  questionnaire: { key: string; version: number };
}): WaveRecord {
  return {
    id: row.id,
    name: row.name,
    questionnaireId: row.questionnaireId,
    questionnaireKey: row.questionnaire.key,
    questionnaireVersion: row.questionnaire.version,
    opensAt: row.opensAt,
    closesAt: row.closesAt,
  };
}
