/**
 * A scripted resident: reads the bot's last question and answers it with a seeded random choice,
 * tapping buttons or typing, and remembers what it chose so that tests can compare the stored
 * answers with its choices. The same seed gives the same choices, whatever happens in between
 * (restarts, redeliveries), because only answers consume randomness.
 */
import { mulberry32 } from "../../core/stats/sampling.js";
import type { AnswerValue, Input, Lang, OutMessage, OutOption, Questionnaire, RegionNode } from "../../core/engine/types.js";

/** A seeded PRNG (mulberry32, the one the spot-check sampler uses). */
export const seeded = mulberry32;

/** One planned input and the answer it should record when acknowledged. */
export interface PlannedInput {
  input: Input;
  /** The question this input answers (or undefined for consent, region levels, skips …). */
  questionId?: string;
  /** The answer the input records; undefined when it records none (a skip, a region level). */
  answer?: AnswerValue;
  /** The input skips an optional question. */
  skip?: boolean;
  /** The telephone number (canonical form) the input leaves at a phone question: the resident's, never an answer. */
  phone?: string;
}

/** How the scripted resident answers: by tapping buttons, typing, or either. */
export type AnswerStyle = "tap" | "type" | "mixed";

/** A resident who completes a questionnaire by itself. */
export class AutoResident {
  private readonly rng: () => number;
  private regionPath: string[] = [];
  /** A one-option answer to a multiple-choice question: toggled, waiting to tap Done. */
  private pendingMulti: { questionId: string; answer: AnswerValue & { kind: "choices" } } | undefined;
  /** Answers the bot acknowledged, by question id. */
  readonly acknowledged: Record<string, AnswerValue> = {};
  /** Question ids in the order they were asked (consecutive repeats folded). */
  readonly asked: string[] = [];
  /** The resident's free-text suggestion, if it typed one. */
  suggestion: string | undefined;
  /**
   * The telephone number (canonical form) it left at the phone question, if it left one: what the
   * store should hold as the resident's phone — and what no answer of the response may contain.
   */
  phone: string | undefined;
  done = false;

  constructor(
    private readonly questionnaire: Questionnaire,
    private readonly regions: RegionNode[],
    seed: number,
    private readonly style: AnswerStyle = "mixed",
    private readonly name = `r${seed}`,
  ) {
    this.rng = seeded(seed);
  }

  /**
   * Decides the next input from the bot's latest messages; undefined once the survey is
   * complete (or when there is nothing to answer).
   */
  plan(messages: OutMessage[]): PlannedInput | undefined {
    if (this.done) return undefined;
    const last = [...messages].reverse().find((m) => m.options?.length || m.kind === "question");
    if (!last) return undefined;
    if (last.kind !== "question") {
      const consent = last.options?.find((o) => o.payload === "c:y");
      if (consent) return { input: this.style === "type" ? { kind: "text", text: consent.key } : { kind: "button", payload: consent.payload } };
      const survey = last.options?.find((o) => o.payload === "m:survey");
      if (survey) return { input: this.style === "type" ? { kind: "text", text: survey.key } : { kind: "button", payload: survey.payload } };
      return undefined;
    }
    const question = this.questionnaire.questions.find((q) => q.id === last.questionId);
    if (!question) throw new Error(`${this.name}: asked an unknown question ${String(last.questionId)}`);
    if (this.asked.at(-1) !== question.id) this.asked.push(question.id);
    const options = (last.options ?? []).filter((o) => o.key !== "0");
    const skip = (last.options ?? []).find((o) => o.key === "0");
    if (question.type === "multiple") {
      // Options shown as ticked: a toggle sent earlier (its reply maybe lost) is already in place.
      const ticked = options.filter((o) => o.selected).map((o) => question.options[Number(o.key) - 1]?.id);
      const waiting = this.pendingMulti?.questionId === question.id ? this.pendingMulti : undefined;
      this.pendingMulti = undefined;
      if (waiting && skip && ticked.join() === waiting.answer.options.join()) {
        return { input: this.choose(skip), questionId: question.id, answer: waiting.answer };
      }
    }
    if (question.required === false && skip && this.rng() < 0.2) {
      return { input: this.choose(skip), questionId: question.id, skip: true };
    }
    switch (question.type) {
      case "single":
      case "scale5": {
        const candidates = question.options.map((o, i) => ({ o, i })).filter(({ o }) => !o.specify);
        const pick = candidates[Math.floor(this.rng() * candidates.length)]!;
        return { input: this.choose(byKey(options, pick.i)), questionId: question.id, answer: { kind: "choice", option: pick.o.id } };
      }
      case "yesno": {
        const yes = this.rng() < 0.5;
        return { input: this.choose(byKey(options, yes ? 0 : 1)), questionId: question.id, answer: { kind: "bool", value: yes } };
      }
      case "multiple": {
        const candidates = question.options.map((o, i) => ({ o, i })).filter(({ o }) => !o.specify && !o.exclusive);
        const max = Math.min(question.max ?? candidates.length, 2, candidates.length);
        const count = 1 + Math.floor(this.rng() * max);
        const chosen = shuffle(candidates, this.rng).slice(0, count).sort((a, b) => a.i - b.i);
        const answer = { kind: "choices" as const, options: chosen.map((c) => c.o.id) };
        if (chosen.length === 1) {
          // One typed number or tap only ticks the option; Done (or 0) then records it.
          this.pendingMulti = { questionId: question.id, answer };
          return { input: this.choose(byKey(options, chosen[0]!.i)), questionId: question.id };
        }
        return {
          input: { kind: "text", text: chosen.map((c) => String(c.i + 1)).join(this.rng() < 0.5 ? " " : "，") },
          questionId: question.id,
          answer,
        };
      }
      case "number": {
        const min = question.min ?? 0;
        const max = question.max ?? min + 100;
        const value = Math.round(min + this.rng() * (max - min));
        return { input: { kind: "text", text: String(value) }, questionId: question.id, answer: { kind: "number", value } };
      }
      case "text": {
        const value = `${this.name}：希望晚上多一些巡逻 ${Math.floor(this.rng() * 1000)}`;
        return { input: { kind: "text", text: value }, questionId: question.id, answer: { kind: "text", value } };
      }
      case "region": {
        const level = this.childrenAt(this.regionPath);
        if (options.length === 0 || level.length === 0) return undefined;
        const index = Math.floor(this.rng() * level.length);
        const node = level[index]!;
        const path = [...this.regionPath, node.code];
        const depth = question.depth ?? 1;
        const final = path.length >= depth || !node.children?.length;
        this.regionPath = final ? [] : path;
        return { input: this.choose(byKey(options, index)), questionId: question.id, answer: final ? { kind: "region", code: node.code, path } : undefined };
      }
      case "phone": {
        // A mobile number typed the ways residents do; it goes to Resident.phone, not the answers.
        const digits = `139${String(Math.floor(this.rng() * 1e8)).padStart(8, "0")}`;
        const typed = [digits, `${digits.slice(0, 3)} ${digits.slice(3, 7)} ${digits.slice(7)}`, `+86 ${digits}`][Math.floor(this.rng() * 3)] ?? digits;
        return { input: { kind: "text", text: typed }, questionId: question.id, phone: digits };
      }
      case "note":
        return undefined;
    }
  }

  /** Records what the bot acknowledged after `planned` was handled. */
  acknowledge(planned: PlannedInput, completed: boolean): void {
    if (planned.phone !== undefined) this.phone = planned.phone;
    if (planned.questionId && planned.answer) {
      this.acknowledged[planned.questionId] = planned.answer;
      const question = this.questionnaire.questions.find((q) => q.id === planned.questionId);
      if (question?.type === "text" && question.suggestion) this.suggestion = planned.answer.kind === "text" ? planned.answer.value : undefined;
    }
    if (completed) this.done = true;
  }

  private childrenAt(path: string[]): RegionNode[] {
    let level = this.regions;
    for (const code of path) level = level.find((n) => n.code === code)?.children ?? [];
    return level;
  }

  private choose(option: OutOption): Input {
    const tap = this.style === "tap" || (this.style === "mixed" && this.rng() < 0.5);
    return tap ? { kind: "button", payload: option.payload } : { kind: "text", text: option.key };
  }
}

function byKey(options: OutOption[], index: number): OutOption {
  const option = options.find((o) => o.key === String(index + 1));
  if (!option) throw new Error(`no option with key ${index + 1} among ${options.map((o) => o.key).join(",")}`);
  return option;
}

function shuffle<T>(items: T[], rng: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** A small region tree (district → street → community) for tests. */
export const TEST_REGIONS: { code: string; name: Partial<Record<Lang, string>>; parentCode?: string }[] = [
  { code: "330102", name: { "zh-CN": "上城区", "zh-TW": "上城區", en: "Shangcheng" } },
  { code: "330102001", name: { "zh-CN": "清波街道", "zh-TW": "清波街道", en: "Qingbo" }, parentCode: "330102" },
  { code: "330102001001", name: { "zh-CN": "柳翠井社区", "zh-TW": "柳翠井社區", en: "Liucuijing" }, parentCode: "330102001" },
  { code: "330102001002", name: { "zh-CN": "劳动路社区", "zh-TW": "勞動路社區", en: "Laodong Road" }, parentCode: "330102001" },
  { code: "330102002", name: { "zh-CN": "湖滨街道", "zh-TW": "湖濱街道", en: "Hubin" }, parentCode: "330102" },
  { code: "330102002001", name: { "zh-CN": "东坡路社区", "zh-TW": "東坡路社區", en: "Dongpo Road" }, parentCode: "330102002" },
  { code: "330106", name: { "zh-CN": "西湖区", "zh-TW": "西湖區", en: "Xihu" } },
  { code: "330106001", name: { "zh-CN": "北山街道", "zh-TW": "北山街道", en: "Beishan" }, parentCode: "330106" },
];
