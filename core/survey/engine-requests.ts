/**
 * The runner's side of the engine's request events (goflow style, see core/engine/README.md):
 * the engine emits a request for I/O it waits on (count an audience, check a broadcast) and
 * stops in a waiting step; this performs the request and resumes the engine at once with a
 * `{ kind: "system" }` input carrying the result — within the same turn, so the resident (the
 * officer) gets one reply and the turn commits once.
 */
import { canonicalJson } from "../engine/sha256.js";
import { wellFormed } from "../engine/normalize.js";
import { isRequestEvent } from "../engine/types.js";
import type { EngineContext, EngineEvent, EngineRequestEvent, Input, OutMessage, SessionState, StepFunction, StepResult, SystemResult } from "../engine/types.js";

/** Performs one request; undefined when nobody handles it (the dialogue then keeps waiting). */
export type RequestPerformer = (event: EngineRequestEvent) => Promise<SystemResult | undefined>;

/** Most resumptions in one turn (a dialogue asks one thing at a time; this only stops a runaway loop). */
const MAX_RESUMPTIONS = 4;

/**
 * Runs the engine for `input`, then answers each request the step ends waiting on and resumes
 * it, collecting every message and event in order.
 */
export async function stepWithRequests(step: StepFunction, ctx: EngineContext, state: SessionState, input: Input, perform: RequestPerformer): Promise<StepResult> {
  let result = step(ctx, state, input);
  const messages: OutMessage[] = [...result.messages];
  const events: EngineEvent[] = [...result.events];
  let internalError = result.internalError;
  for (let n = 0; n < MAX_RESUMPTIONS && !result.internalError; n++) {
    const request = result.events.filter(isRequestEvent).at(-1);
    if (!request) break;
    const answer = await perform(request);
    if (!answer) break;
    result = step(ctx, result.state, { kind: "system", result: answer });
    messages.push(...result.messages);
    events.push(...result.events);
    internalError ??= result.internalError;
  }
  return { state: result.state, messages, events, ...(internalError ? { internalError } : {}) };
}

/**
 * A performer that does each distinct request once per message: when the turn is run again
 * (the session changed under it), the earlier result is handed back instead of reading again.
 * Requests write nothing (a confirmed broadcast is a write of the turn's own commit), so this
 * saves work; it is not what keeps a broadcast from being scheduled twice.
 */
export function performOnce(perform: RequestPerformer): RequestPerformer {
  const done = new Map<string, SystemResult | undefined>();
  return async (event) => {
    const key = canonicalJson(event);
    if (done.has(key)) return done.get(key);
    const result = await perform(event);
    done.set(key, result);
    return result;
  };
}

/**
 * Inputs only the runner may give the engine: an adapter's are refused as an out-of-date button.
 * A typed text loses its lone surrogates here already, as staff commands read it before the engine.
 */
export function adapterInput(input: Input): Input {
  const kind = (input as { kind?: unknown } | null)?.kind;
  if (kind === "system") return { kind: "button", payload: "" };
  if (kind === "text" && typeof (input as { text?: unknown }).text === "string") {
    const text = (input as { text: string }).text;
    const fixed = wellFormed(text);
    return fixed === text ? input : { ...input, text: fixed } as Input;
  }
  return input;
}
