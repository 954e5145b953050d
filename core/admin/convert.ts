/**
 * Stored responses → the statistics' plain {@link StatResponse}. The conversion keeps only what
 * figures and quality flags read and shares identical answer objects, region paths and strings
 * between responses: cheap per row for the streamed report, and small for the callers that do
 * hold a whole wave (drawing a spot-check sample).
 */
import type { ResponseWithRegion } from "../model/index.js";
import type { StatAnswer, StatResponse } from "../stats/index.js";

/** Region codes from the root of a Region.path ("/330102/330102001/" → ["330102", "330102001"]). */
export function regionCodes(path: string | null): string[] {
  return path ? path.split("/").filter((part) => part !== "") : [];
}

/** A stored answer value as a statistics answer, or undefined when it is not one. */
export function toStatAnswer(value: unknown): StatAnswer | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  switch (v.kind) {
    case "choice":
      return typeof v.option === "string" ? { kind: "choice", option: v.option, ...(typeof v.other === "string" ? { other: v.other } : {}) } : undefined;
    case "choices":
      return Array.isArray(v.options) && v.options.every((o) => typeof o === "string")
        ? { kind: "choices", options: v.options as string[], ...(typeof v.other === "string" ? { other: v.other } : {}) }
        : undefined;
    case "number":
      return typeof v.value === "number" ? { kind: "number", value: v.value } : undefined;
    case "text":
      return typeof v.value === "string" ? { kind: "text", value: v.value } : undefined;
    case "bool":
      return typeof v.value === "boolean" ? { kind: "bool", value: v.value } : undefined;
    case "region":
      return typeof v.code === "string" && Array.isArray(v.path) ? { kind: "region", code: v.code, path: v.path.map(String) } : undefined;
    default:
      return undefined;
  }
}

/**
 * Converts responses for statistics, interning shared parts. One converter per computation: it
 * remembers every distinct answer it saw.
 */
export class StatConverter {
  private readonly strings = new Map<string, string>();
  private readonly paths = new Map<string, string[]>();
  private readonly answers = new Map<string, StatAnswer>();

  constructor(
    /** Questions whose answers figures or flags read; others are dropped (free text, regions). */
    private readonly keep?: ReadonlySet<string>,
  ) {}

  private intern(text: string): string {
    const found = this.strings.get(text);
    if (found !== undefined) return found;
    this.strings.set(text, text);
    return text;
  }

  /** The statistics view of one stored response. */
  convert(response: ResponseWithRegion): StatResponse {
    const pathKey = response.regionPath ?? "";
    let regionPath = this.paths.get(pathKey);
    if (!regionPath) {
      regionPath = regionCodes(response.regionPath);
      this.paths.set(pathKey, regionPath);
    }
    const answers: Record<string, StatAnswer> = {};
    for (const [questionId, value] of Object.entries(response.answers)) {
      if (this.keep && !this.keep.has(questionId)) {
        // Quality flags count answered questions, so a dropped answer still counts as answered.
        answers[this.intern(questionId)] = DROPPED;
        continue;
      }
      const answer = toStatAnswer(value);
      if (!answer) continue;
      if (answer.kind === "text" || answer.kind === "region" || answer.kind === "number") {
        answers[this.intern(questionId)] = answer;
        continue;
      }
      const key = JSON.stringify(answer);
      let shared = this.answers.get(key);
      if (!shared) {
        shared = Object.freeze(answer) as StatAnswer;
        this.answers.set(key, shared);
      }
      answers[this.intern(questionId)] = shared;
    }
    const stat: StatResponse = {
      id: response.id,
      waveId: this.intern(response.waveId),
      regionPath,
      channel: this.intern(response.channel),
      mode: response.mode,
      status: response.status,
      startedAt: response.startedAt.toISOString(),
      answers,
    };
    if (response.completedAt) stat.completedAt = response.completedAt.toISOString();
    return stat;
  }
}

/** Stands in for an answer that no figure reads (kept so that "answered questions" stay right). */
const DROPPED: StatAnswer = Object.freeze({ kind: "text", value: "" });
