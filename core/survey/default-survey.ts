/**
 * What a fresh database needs to be useful at once: the default questionnaire stored, and a
 * survey wave running on it when no wave exists yet.
 */
import type { QuestionnaireRecord, WaveRecord, SurveyStore } from "../model/index.js";
import type { Questionnaire } from "../engine/types.js";
import { loadDefaultQuestionnaire } from "../definitions/load.js";
import { questionnaireTitle } from "./questionnaires.js";
import { DEFAULT_OFFICE_TIME_ZONE, formatLocalDate } from "../util/time-zone.js";

/** Stores a validated questionnaire version (idempotent). */
export async function storeQuestionnaire(store: Pick<SurveyStore, "saveQuestionnaire">, questionnaire: Questionnaire, source: string): Promise<{ record: QuestionnaireRecord; created: boolean }> {
  return store.saveQuestionnaire({
    key: questionnaire.id,
    version: questionnaire.version,
    title: questionnaireTitle(questionnaire),
    definition: questionnaire,
    checksum: questionnaire.checksum,
    source,
  });
}

/** Loads the default questionnaire and opens a first wave on it if there is none, named for the office's month ("… 2026-12", in `timeZone`). */
export async function ensureDefaultSurvey(store: SurveyStore, now: Date, timeZone: string = DEFAULT_OFFICE_TIME_ZONE): Promise<{ questionnaire: QuestionnaireRecord; wave: WaveRecord | null; createdWave: boolean }> {
  const { record } = await storeQuestionnaire(store, loadDefaultQuestionnaire(), "yaml");
  const waves = await store.listWaves();
  if (waves.length > 0) return { questionnaire: record, wave: await store.currentWave(now), createdWave: false };
  const wave = await store.createWave({ name: `${record.title} ${formatLocalDate(now, timeZone).slice(0, 7)}`, questionnaireId: record.id, opensAt: now });
  return { questionnaire: record, wave, createdWave: true };
}
