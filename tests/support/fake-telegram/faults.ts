/**
 * Fault injection ({@link FakeTelegram.fail}) and the optional flood-control limiter: the two ways
 * the fake makes a call fail although the request itself is fine.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import type { ChatState, FaultRule, Outcome, Params } from "./internal-types.js";
import type { FakeState } from "./state.js";
import type { FailOptions, FaultHandle, RateLimitOptions } from "./types.js";
import { ApiError, canonicalName } from "./util.js";

/** Methods counted by the flood-control limiter. */
const RATE_LIMITED = /^(send(?!ChatAction)\w+|copyMessages?|forwardMessages?|editMessage\w+)$/;

export function addFault(s: FakeState, method: string, options: FailOptions = {}): FaultHandle {
  const rule: FaultRule = { method: method === "*" ? "*" : canonicalName(method, s.handlers), remaining: options.times ?? 1, triggered: 0, opts: options };
  s.faults.push(rule);
  return {
    get remaining() {
      return rule.remaining;
    },
    get triggered() {
      return rule.triggered;
    },
    cancel: () => {
      rule.remaining = 0;
      s.faults = s.faults.filter((r) => r !== rule);
    },
  };
}

export function takeFault(s: FakeState, method: string, params: Params): Outcome | undefined {
  const rule = s.faults.find(
    (r) =>
      r.remaining > 0 &&
      (r.method === method || (r.method === "*" && method !== "getUpdates")) &&
      (r.opts.chatId === undefined || String(r.opts.chatId) === String(params.chat_id)),
  );
  if (!rule) return undefined;
  rule.remaining -= 1;
  rule.triggered += 1;
  if (rule.remaining <= 0) s.faults = s.faults.filter((r) => r !== rule);
  if (rule.opts.disconnect) return { ok: false, description: "connection destroyed (injected)", injected: true, disconnect: true };
  const code = rule.opts.errorCode ?? 400;
  const retryAfter = code === 429 ? (rule.opts.retryAfter ?? 1) : rule.opts.retryAfter;
  return {
    ok: false,
    errorCode: code,
    description: rule.opts.description ?? defaultDescription(code, retryAfter),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    injected: true,
  };
}

export function checkRate(s: FakeState, method: string, state: ChatState): void {
  const limits = s.rateLimit;
  if (!limits || !RATE_LIMITED.test(method)) return;
  const now = performance.now();
  const prune = (list: number[], windowMs: number) => list.filter((t) => now - t < windowMs);
  const waitMsFor = (list: number[], windowMs: number, max: number): number => {
    if (list.length < max) return 0;
    const oldest = list[list.length - max] ?? now;
    return oldest + windowMs - now;
  };
  s.botWindow = prune(s.botWindow, 1_000);
  const chatId = state.chat.id;
  const chatList = prune(s.chatWindows.get(chatId) ?? [], 1_000);
  const isGroup = state.chat.type !== "private";
  const groupList = isGroup ? prune(s.groupWindows.get(chatId) ?? [], 60_000) : [];
  const waitMs = Math.max(
    waitMsFor(s.botWindow, 1_000, limits.perBotPerSecond),
    waitMsFor(chatList, 1_000, limits.perChatPerSecond),
    isGroup ? waitMsFor(groupList, 60_000, limits.perGroupPerMinute) : 0,
  );
  if (waitMs > 0) {
    s.chatWindows.set(chatId, chatList);
    const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    throw new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
  }
  s.botWindow.push(now);
  chatList.push(now);
  s.chatWindows.set(chatId, chatList);
  if (isGroup) {
    groupList.push(now);
    s.groupWindows.set(chatId, groupList);
  }
}

export function setRateLimit(s: FakeState, options: RateLimitOptions | null): void {
  s.rateLimit = options
    ? {
        perBotPerSecond: options.perBotPerSecond ?? 30,
        perChatPerSecond: options.perChatPerSecond ?? 1,
        perGroupPerMinute: options.perGroupPerMinute ?? 20,
      }
    : null;
  s.botWindow = [];
  s.chatWindows.clear();
  s.groupWindows.clear();
}

function defaultDescription(code: number, retryAfter?: number): string {
  switch (code) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 429:
      return `Too Many Requests: retry after ${retryAfter ?? 1}`;
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    default:
      return http.STATUS_CODES[code] ?? "Error";
  }
}
