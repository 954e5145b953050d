/** The call log and the waiting helpers built on it ({@link FakeTelegram.waitFor} and friends). */
import { performance } from "node:perf_hooks";
import type { CallContext, Outcome, Params } from "./internal-types.js";
import type { FakeState } from "./state.js";
import type { CallMatcher, CallRecord, UploadedFile } from "./types.js";
import { clone } from "./util.js";

export function record(s: FakeState, method: string, params: Params, files: Record<string, UploadedFile>, ctx: CallContext, at: number, timestamp: number, outcome: Outcome): void {
  const rec: CallRecord = {
    seq: s.seq++,
    method,
    params,
    files,
    at,
    timestamp,
    durationMs: performance.now() - at,
    ok: outcome.ok,
    source: ctx.source,
    encoding: ctx.encoding,
  };
  if (outcome.ok) rec.result = clone(outcome.result);
  if (outcome.errorCode !== undefined) rec.errorCode = outcome.errorCode;
  if (outcome.description !== undefined) rec.description = outcome.description;
  if (outcome.retryAfter !== undefined) rec.retryAfter = outcome.retryAfter;
  if (outcome.injected) rec.injected = true;
  s.records.push(rec);
  s.notify();
}

export function waitUntil<T>(s: FakeState, check: () => T | undefined | null | false, timeoutMs = 5_000, label = "condition"): Promise<T> {
  const first = check();
  if (first) return Promise.resolve(first);
  return new Promise<T>((resolve, reject) => {
    const listener = () => {
      if (s.stopped) {
        cleanup();
        reject(new Error(`FakeTelegram stopped while waiting for ${label}`));
        return;
      }
      let value: T | undefined | null | false;
      try {
        value = check();
      } catch (error) {
        cleanup();
        reject(error as Error);
        return;
      }
      if (value) {
        cleanup();
        resolve(value);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`FakeTelegram: timed out after ${timeoutMs} ms waiting for ${label}.\n${summary(s)}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      s.listeners.delete(listener);
    };
    s.listeners.add(listener);
  });
}

export function summary(s: FakeState, n = 15): string {
  const tail = s.records.slice(-n);
  if (tail.length === 0) return "(no API calls recorded)";
  return tail
    .map((c) => {
      const p = c.params;
      const detail = p.text ?? p.caption ?? p.callback_query_id ?? p.action ?? "";
      const where = p.chat_id !== undefined ? ` chat=${String(p.chat_id)}` : "";
      const status = c.ok ? "ok" : `${c.errorCode} ${c.description}`;
      return `#${c.seq} ${c.method}${where} ${detail ? JSON.stringify(detail).slice(0, 60) : ""} → ${status}`;
    })
    .join("\n");
}

export function toPredicate(matcher: CallMatcher): (c: CallRecord) => boolean {
  return typeof matcher === "string" ? (c) => c.method === matcher : matcher;
}

export function describeMatcher(matcher: CallMatcher): string {
  return typeof matcher === "string" ? `method ${matcher}` : matcher.toString().replace(/\s+/g, " ").slice(0, 160);
}
