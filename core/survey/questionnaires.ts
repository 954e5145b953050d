/**
 * Questionnaire records as the engine needs them: validated definitions looked up by id and
 * version, cached because a stored version never changes.
 */
import type { SurveyStore } from "../model/index.js";
import type { Questionnaire } from "../engine/types.js";
import { validateQuestionnaire } from "../engine/definition.js";

/** The title of a questionnaire in its first declared language. */
export function questionnaireTitle(questionnaire: Questionnaire): string {
  const first = questionnaire.languages[0];
  return (first && questionnaire.title[first]) ?? questionnaire.title["zh-CN"] ?? questionnaire.id;
}

/** A cache of validated questionnaire versions over the store. */
export class QuestionnaireCache {
  private readonly byKey = new Map<string, Questionnaire>();

  constructor(private readonly store: Pick<SurveyStore, "getQuestionnaire">) {}

  /** Loads (once) the questionnaire `id` at `version`; undefined when it is not stored. */
  async load(id: string, version: number): Promise<Questionnaire | undefined> {
    const key = `${id}@${version}`;
    const cached = this.byKey.get(key);
    if (cached) return cached;
    const record = await this.store.getQuestionnaire(id, version);
    if (!record) return undefined;
    const questionnaire = validateQuestionnaire(record.definition);
    this.byKey.set(key, questionnaire);
    return questionnaire;
  }

  /** The questionnaire already loaded, without I/O (the engine's synchronous lookup). */
  peek(id: string, version: number): Questionnaire | undefined {
    return this.byKey.get(`${id}@${version}`);
  }
}
