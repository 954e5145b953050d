/**
 * Scenario files (tests/scenarios/*.yaml) and the one driver that plays them. Transport-neutral:
 * give it a `send(input) => Promise<OutMessage[]>` (the pure engine here, the persistent runner
 * elsewhere) and it plays the steps and throws on the first unmet expectation.
 *
 * File format:
 *   name: what the scenario shows
 *   lang: zh-CN | zh-TW | en          # the resident's platform language (initial state)
 *   wave: open | none | closed        # default open (the default questionnaire, wave id "wave-1")
 *   regions: true | false             # default true: the tree in SCENARIO_REGIONS
 *   staff:                            # optional: the speaker is staff (the /broadcast dialogue)
 *     role: officer | admin
 *     region: "110101"                #   their area (a code of SCENARIO_REGIONS), if any
 *     households: 2                   #   how many households they have (default 0), all reachable
 *   clock:                            # optional: a fixed time instead of the test's own
 *     now: "2026-05-01T10:30:00+08:00"
 *     timeZone: Asia/Shanghai         #   the office's time zone, an IANA name (default Asia/Shanghai)
 *   expectQuizAnswers:                # optional: the first quiz answer per tip at the end
 *     <tip id>: { option: <option id>, correct: true | false }
 *   steps:
 *     - start: true | "<deep link arg>"   # one of start / send / tap / tapEarlier / press
 *       send: "text the resident types"
 *       tap: "<option label or key>"      # in the latest reply that has options
 *       tapEarlier: "<option label>"      # an option of an older reply (stale buttons)
 *       press: "<raw payload>"             # {v} and {ck} = version and checksum tag of the
 *                                           # latest survey button (to forge precise stale ones)
 *       expect: ["substring", "/regex/flags"]   # all must match this step's transcript
 *       expectNot: ["substring"]                # none may match
 *       expectAnswers: { questionId: value }    # see matchesAnswer(); null = not answered
 *
 * A step's transcript is every reply's text followed by its options as "key. label", with ticked
 * options written "key. [x] label".
 *
 * Every scenario also checks the question counter ("（k/N）"): while the position k does not go
 * back, N never grows. Only going back to an earlier question (/back, or a new response at 1)
 * starts the comparison afresh, since a changed answer may open a branch again.
 */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { SUPPORTED_LANGS } from "../../core/engine/types.js";
import type { AnswerValue, EngineContext, EngineRequestEvent, Input, Lang, OutMessage, RegionNode, SystemResult } from "../../core/engine/types.js";
import { REGIONS } from "./helpers.js";

/** The region tree scenarios assume (when `regions` is not false). */
export const SCENARIO_REGIONS: RegionNode[] = REGIONS;

/** Folder of the scenario files. */
export const SCENARIO_DIR: string = fileURLToPath(new URL("../scenarios/", import.meta.url));

const StepSchema = z
  .strictObject({
    start: z.union([z.literal(true), z.string()]).optional(),
    send: z.string().optional(),
    tap: z.union([z.string(), z.number().transform(String)]).optional(),
    tapEarlier: z.string().optional(),
    press: z.string().optional(),
    expect: z.array(z.string()).optional(),
    expectNot: z.array(z.string()).optional(),
    expectAnswers: z.record(z.string(), z.unknown()).optional(),
    note: z.string().optional(),
  })
  .refine((s) => [s.start, s.send, s.tap, s.tapEarlier, s.press].filter((x) => x !== undefined).length === 1, {
    error: "each step needs exactly one of start, send, tap, tapEarlier, press",
  });

const ScenarioSchema = z.strictObject({
  name: z.string(),
  lang: z.enum(SUPPORTED_LANGS as [Lang, ...Lang[]]),
  wave: z.enum(["open", "none", "closed"]).default("open"),
  regions: z.boolean().default(true),
  staff: z
    .strictObject({ role: z.enum(["officer", "admin"]), region: z.string().optional(), households: z.number().int().min(0).default(0) })
    .optional(),
  clock: z.strictObject({ now: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not a time"), timeZone: z.string().default("Asia/Shanghai") }).optional(),
  expectQuizAnswers: z.record(z.string(), z.strictObject({ option: z.string(), correct: z.boolean() })).optional(),
  steps: z.array(StepSchema).min(1),
});

/** One step of a scenario. */
export type ScenarioStep = z.output<typeof StepSchema>;

/** A loaded scenario. */
export type Scenario = z.output<typeof ScenarioSchema> & { file: string };

/**
 * What a scenario adds to the engine's context: the speaker's staff role and the fixed clock
 * (the tip library and the rest are the test's, as for every scenario).
 */
export function scenarioContext(scenario: Scenario): Partial<EngineContext> {
  return {
    ...(scenario.staff ? { staff: { role: scenario.staff.role } } : {}),
    ...(scenario.clock ? { now: new Date(scenario.clock.now).toISOString(), timeZone: scenario.clock.timeZone } : {}),
  };
}

/**
 * The store's side of a request event, for playing a scenario through the pure engine: the
 * staff member's households are all the residents there are (reachable, none finished the
 * survey), living in their area; a region outside it (or unknown) is refused, and so is
 * "everyone" for an officer; broadcasts get ids b1, b2 …
 */
export function scenarioRequests(scenario: Scenario): (event: EngineRequestEvent) => SystemResult {
  let broadcasts = 0;
  const households = scenario.staff?.households ?? 0;
  const admin = scenario.staff?.role === "admin";
  const area = scenario.staff?.region;
  const regions = scenario.regions ? SCENARIO_REGIONS : [];
  const pathOf = (code: string, nodes: readonly RegionNode[] = regions, above: string[] = []): string[] | undefined => {
    for (const node of nodes) {
      if (node.code === code) return [...above, code];
      const below = pathOf(code, node.children ?? [], [...above, node.code]);
      if (below) return below;
    }
    return undefined;
  };
  const reach = (audience: EngineRequestEvent["audience"]): number | "not-allowed" | "unknown-region" => {
    if (audience.kind === "everyone") return admin ? households : "not-allowed";
    if (audience.kind !== "region") return households;
    const path = pathOf(audience.code);
    if (!path || (!admin && !(area && path.includes(area)))) return "unknown-region";
    // The households live in the staff member's area: a region reaches them when it contains it.
    return area && (pathOf(area) ?? []).includes(audience.code) ? households : 0;
  };
  return (event) => {
    const outcome = reach(event.audience);
    if (event.type === "AudienceCountRequested") {
      return typeof outcome === "number" ? { type: "AudienceCounted", reach: outcome, notReached: 0 } : { type: "AudienceRefused", reason: outcome };
    }
    if (typeof outcome !== "number") return { type: "BroadcastRefused", reason: "not-allowed" };
    return { type: "BroadcastScheduled", broadcastId: `b${++broadcasts}`, scheduledAt: event.scheduledAt };
  };
}

/** Reads and checks a scenario file. */
export function loadScenario(file: string): Scenario {
  const parsed = ScenarioSchema.safeParse(parseYaml(readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return { ...parsed.data, file };
}

/** All scenario files, sorted. */
export function listScenarioFiles(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => `${SCENARIO_DIR}${f}`);
}

/** The transcript of some replies, as expectations see it. */
export function transcript(messages: readonly OutMessage[]): string {
  return messages
    .map((m) => [m.text, ...(m.options ?? []).map((o) => `${o.key}. ${o.selected ? "[x] " : ""}${o.label}`)].join("\n"))
    .join("\n");
}

/** Does `text` satisfy an expectation ("substring" or "/regex/flags")? */
export function matchesExpectation(text: string, expectation: string): boolean {
  const re = /^\/(.+)\/([a-z]*)$/s.exec(expectation);
  return re ? new RegExp(re[1] ?? "", re[2]).test(text) : text.includes(expectation);
}

/**
 * Does a stored answer match a scenario's expected value? Shorthands: a string matches an option
 * id, a text, a region code, or "yes"/"no"; a number a number; a boolean a yes/no; an array the
 * options of a multiple choice; null = not answered; an object = those fields of the answer.
 */
export function matchesAnswer(expected: unknown, actual: AnswerValue | undefined): boolean {
  if (expected === null) return actual === undefined;
  if (actual === undefined) return false;
  if (typeof expected === "string") {
    switch (actual.kind) {
      case "choice":
        return actual.option === expected;
      case "text":
        return actual.value === expected;
      case "region":
        return actual.code === expected;
      case "bool":
        return (actual.value ? "yes" : "no") === expected;
      default:
        return false;
    }
  }
  if (typeof expected === "number") return actual.kind === "number" && actual.value === expected;
  if (typeof expected === "boolean") return actual.kind === "bool" && actual.value === expected;
  if (Array.isArray(expected)) return actual.kind === "choices" && JSON.stringify(actual.options) === JSON.stringify(expected);
  if (typeof expected === "object") {
    return Object.entries(expected as Record<string, unknown>).every(
      ([k, v]) => JSON.stringify((actual as Record<string, unknown>)[k]) === JSON.stringify(v),
    );
  }
  return false;
}

/** How the driver talks to the bot. */
export interface ScenarioTransport {
  /** Delivers one input and resolves with the bot's replies to it. */
  send(input: Input): Promise<OutMessage[]>;
  /**
   * The answers currently stored for the resident in the running wave. Needed for steps with
   * `expectAnswers`; without it those steps fail unless `skipAnswerChecks` is set.
   */
  answers?(): Promise<Record<string, AnswerValue>>;
  /** Ignore `expectAnswers` (for transports that cannot read answers back). */
  skipAnswerChecks?: boolean;
}

/** Plays a scenario; throws an Error naming the file, step and transcript on the first failure. */
export async function playScenario(scenario: Scenario, transport: ScenarioTransport): Promise<void> {
  const history: OutMessage[][] = [];
  let counter: { index: number; total: number } | undefined;
  for (const [index, stepDef] of scenario.steps.entries()) {
    const where = `${scenario.file} step ${index + 1} (${describeStep(stepDef)})`;
    const input = inputFor(stepDef, history, where);
    const replies = await transport.send(input);
    history.push(replies);
    for (const { progress } of replies) {
      if (!progress) continue;
      if (counter && progress.index >= counter.index && progress.total > counter.total) {
        throw new Error(`${where}: the question counter grew from ${counter.index}/${counter.total} to ${progress.index}/${progress.total}`);
      }
      counter = progress;
    }
    const text = transcript(replies);
    for (const e of stepDef.expect ?? []) {
      if (!matchesExpectation(text, e)) throw new Error(`${where}: expected ${JSON.stringify(e)} in the replies:\n${indent(text)}`);
    }
    for (const e of stepDef.expectNot ?? []) {
      if (matchesExpectation(text, e)) throw new Error(`${where}: did not expect ${JSON.stringify(e)} in the replies:\n${indent(text)}`);
    }
    if (stepDef.expectAnswers && !transport.skipAnswerChecks) {
      if (!transport.answers) throw new Error(`${where}: expectAnswers needs a transport with answers()`);
      const answers = await transport.answers();
      for (const [id, expected] of Object.entries(stepDef.expectAnswers)) {
        if (!matchesAnswer(expected, answers[id])) {
          throw new Error(`${where}: answer ${id} expected ${JSON.stringify(expected)}, got ${JSON.stringify(answers[id])}`);
        }
      }
    }
  }
}

/** Replaces {v} and {ck} with the questionnaire version and checksum tag of the latest survey button. */
function fillPayload(template: string, history: readonly OutMessage[][]): string {
  if (!template.includes("{")) return template;
  const latest = history
    .flat()
    .flatMap((m) => m.options ?? [])
    .map((o) => /^[adsru]:(\d+):([0-9a-f]{4}):/.exec(o.payload))
    .filter((m) => m !== null)
    .at(-1);
  return template.replaceAll("{v}", latest?.[1] ?? "0").replaceAll("{ck}", latest?.[2] ?? "0000");
}

function describeStep(s: ScenarioStep): string {
  if (s.start !== undefined) return `start ${s.start === true ? "" : s.start}`.trim();
  if (s.send !== undefined) return `send ${JSON.stringify(s.send)}`;
  if (s.tap !== undefined) return `tap ${JSON.stringify(s.tap)}`;
  if (s.tapEarlier !== undefined) return `tapEarlier ${JSON.stringify(s.tapEarlier)}`;
  return `press ${JSON.stringify(s.press)}`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    | ${l}`)
    .join("\n");
}

function inputFor(s: ScenarioStep, history: readonly OutMessage[][], where: string): Input {
  if (s.start !== undefined) return s.start === true || s.start === "" ? { kind: "start" } : { kind: "start", arg: s.start };
  if (s.send !== undefined) return { kind: "text", text: s.send };
  if (s.press !== undefined) return { kind: "button", payload: fillPayload(s.press, history) };
  if (s.tap !== undefined) {
    // The latest reply with options is what the resident sees at the bottom of the chat.
    const options = history.flat().filter((m) => m.options?.length).at(-1)?.options ?? [];
    const option = options.find((o) => o.label === s.tap) ?? options.find((o) => o.key === s.tap);
    if (!option) {
      throw new Error(`${where}: no option ${JSON.stringify(s.tap)} among: ${options.map((o) => `${o.key}. ${o.label}`).join(" | ") || "(none)"}`);
    }
    return { kind: "button", payload: option.payload };
  }
  // tapEarlier: an option of an older reply, skipping the latest reply with options.
  const withOptions = history.flat().filter((m) => m.options?.length);
  for (const message of withOptions.slice(0, -1).reverse()) {
    const option = message.options?.find((o) => o.label === s.tapEarlier);
    if (option) return { kind: "button", payload: option.payload };
  }
  throw new Error(`${where}: no earlier option ${JSON.stringify(s.tapEarlier)}`);
}
