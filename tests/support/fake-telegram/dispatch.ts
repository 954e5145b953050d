/** The pipeline every API call goes through, whether it came over HTTP or in a webhook answer. */
import { performance } from "node:perf_hooks";
import { takeFault } from "./faults.js";
import type { CallContext, Outcome, Params } from "./internal-types.js";
import { record } from "./recorder.js";
import type { FakeState } from "./state.js";
import type { UploadedFile } from "./types.js";
import { ApiError, canonicalName, sleep } from "./util.js";

/** Runs one API call end to end (latency, faults, handler) and records it. */
export async function dispatch(s: FakeState, rawMethod: string, params: Params, files: Record<string, UploadedFile>, ctx: CallContext): Promise<Outcome> {
  const at = performance.now();
  const timestamp = Date.now();
  const method = canonicalName(rawMethod, s.handlers);
  let outcome: Outcome;
  try {
    s.active.set(method, (s.active.get(method) ?? 0) + 1);
    const delay = (s.methodLatency.get(method) ?? s.latencyMs) + Math.random() * (s.latencyJitter.get(method) ?? s.latencyJitter.get("*") ?? 0);
    if (delay > 0) await sleep(delay);
    const fault = takeFault(s, method, params);
    if (fault) {
      outcome = fault;
    } else {
      const handler = s.handlers.get(rawMethod.toLowerCase());
      if (!handler) throw new ApiError(404, "Not Found");
      const result = await handler.fn(params, files, ctx);
      outcome = { ok: true, result, ...(ctx.description ? { description: ctx.description } : {}) };
    }
  } catch (error) {
    if (error instanceof ApiError) {
      outcome = {
        ok: false,
        errorCode: error.code,
        description: error.description,
        ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
      };
    } else {
      outcome = { ok: false, errorCode: 500, description: `Internal Server Error: ${(error as Error).message}` };
    }
  }
  s.active.set(method, Math.max(0, (s.active.get(method) ?? 1) - 1));
  record(s, method, params, files, ctx, at, timestamp, outcome);
  return outcome;
}
