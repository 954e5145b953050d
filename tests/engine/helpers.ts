/**
 * Test helpers: a context around a questionnaire, a small region tree, and a Session that plays
 * inputs through the pure engine and remembers what came back.
 */
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { validateQuestionnaire } from "../../core/engine/definition.js";
import { step } from "../../core/engine/step.js";
import { initialState } from "../../core/engine/types.js";
import type {
  AnswerValue,
  EngineContext,
  EngineEvent,
  Input,
  Lang,
  OutMessage,
  OutOption,
  QuestionDefinition,
  Questionnaire,
  RegionNode,
  SessionState,
  WaveInfo,
} from "../../core/engine/types.js";

/** A two-level region tree (town → village/community) with names in three languages. */
export const REGIONS: RegionNode[] = [
  {
    code: "110101",
    name: { "zh-CN": "城关镇", "zh-TW": "城關鎮", en: "Chengguan Town" },
    children: [
      { code: "110101001", name: { "zh-CN": "东街社区", "zh-TW": "東街社區", en: "East Street" } },
      { code: "110101002", name: { "zh-CN": "西街社区", "zh-TW": "西街社區", en: "West Street" } },
    ],
  },
  {
    code: "110102",
    name: { "zh-CN": "河口乡", "zh-TW": "河口鄉", en: "Hekou Township" },
    children: [
      { code: "110102001", name: { "zh-CN": "河口村", "zh-TW": "河口村", en: "Hekou Village" } },
      { code: "110102002", name: "柳树湾村" },
    ],
  },
  { code: "110103", name: "新区" },
];

let cachedDefault: Questionnaire | undefined;
/** The bundled default questionnaire (read once per test file). */
export function defaultQuestionnaire(): Questionnaire {
  cachedDefault ??= loadDefaultQuestionnaire();
  return cachedDefault;
}

/** A small validated questionnaire in zh-CN and en around the given questions. */
export function miniQuestionnaire(questions: QuestionDefinition[], version = 1): Questionnaire {
  return validateQuestionnaire({
    id: "mini",
    version,
    title: { "zh-CN": "测试", en: "Test" },
    languages: ["zh-CN", "en"],
    questions,
  });
}

/** Shorthand for a label in zh-CN and en. */
export const L = (zh: string, en: string): { "zh-CN": string; en: string } => ({ "zh-CN": zh, en });

/** A context serving `questionnaires`, with an open wave on the first one unless told otherwise. */
export function makeCtx(
  questionnaires: Questionnaire | Questionnaire[],
  options: { wave?: WaveInfo | null; regions?: RegionNode[]; now?: string; botName?: string } = {},
): EngineContext {
  const list = Array.isArray(questionnaires) ? questionnaires : [questionnaires];
  const first = list[0];
  const wave =
    options.wave !== undefined ? options.wave : first ? { id: "wave-1", questionnaireId: first.id, version: first.version, open: true } : null;
  return {
    now: options.now ?? "2026-03-01T08:00:00.000Z",
    wave,
    questionnaire: (id, version) => list.find((q) => q.id === id && q.version === version),
    regions: options.regions ?? REGIONS,
    ...(options.botName ? { botName: options.botName } : {}),
  };
}

/** Plays inputs through step() and keeps the state, the last replies and all events. */
export class Session {
  state: SessionState;
  last: OutMessage[] = [];
  events: EngineEvent[] = [];
  /** Every reply so far, oldest first. */
  history: OutMessage[] = [];

  constructor(
    public ctx: EngineContext,
    lang: Lang = "zh-CN",
  ) {
    this.state = initialState(lang);
  }

  /** Sends any input; returns the replies. */
  input(input: Input): OutMessage[] {
    const before = JSON.stringify(this.state);
    const result = step(this.ctx, this.state, input);
    if (JSON.stringify(this.state) !== before) throw new Error("step() mutated its state argument");
    this.state = result.state;
    this.last = result.messages;
    this.events.push(...result.events);
    this.history.push(...result.messages);
    return result.messages;
  }

  /** Types a text. */
  send(text: string): OutMessage[] {
    return this.input({ kind: "text", text });
  }

  /** First contact. */
  start(arg?: string): OutMessage[] {
    return this.input(arg === undefined ? { kind: "start" } : { kind: "start", arg });
  }

  /** Taps the option with this label (or key) in the latest reply that has options. */
  tap(labelOrKey: string): OutMessage[] {
    return this.input({ kind: "button", payload: this.option(labelOrKey).payload });
  }

  /** Sends a raw payload. */
  press(payload: string): OutMessage[] {
    return this.input({ kind: "button", payload });
  }

  /** Finds an option in the latest reply with options. */
  option(labelOrKey: string): OutOption {
    const withOptions = [...this.last].reverse().find((m) => m.options && m.options.length > 0);
    const options = withOptions?.options ?? [];
    const found = options.find((o) => o.label === labelOrKey) ?? options.find((o) => o.key === labelOrKey);
    if (!found) throw new Error(`no option "${labelOrKey}" in: ${options.map((o) => `${o.key}=${o.label}`).join(", ")}`);
    return found;
  }

  /** The latest question message. */
  get question(): OutMessage | undefined {
    return [...this.last].reverse().find((m) => m.kind === "question");
  }

  /** All reply texts of the last step joined (for `toContain` checks). */
  get text(): string {
    return this.last.map((m) => m.text).join("\n");
  }

  /** Answers as the runner would store them (latest AnswerRecorded wins, retractions remove). */
  get answers(): Record<string, AnswerValue> {
    return answersFromEvents(this.events);
  }

  /** Consent + open the survey (replies of the last step). */
  begin(): OutMessage[] {
    this.start();
    return this.send("1");
  }
}

/** Folds events into the answers a runner would keep. */
export function answersFromEvents(events: readonly EngineEvent[]): Record<string, AnswerValue> {
  const answers: Record<string, AnswerValue> = {};
  for (const e of events) {
    if (e.type === "AnswerRecorded") answers[e.questionId] = e.value;
    else if (e.type === "AnswerRetracted") delete answers[e.questionId];
    else if (e.type === "DeletionRequested") for (const k of Object.keys(answers)) delete answers[k];
  }
  return answers;
}
