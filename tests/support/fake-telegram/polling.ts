/** getUpdates: offset acknowledgement, `allowed_updates` filtering and long polling. */
import type { Update } from "grammy/types";
import type { CallContext, Params, PollWaiter } from "./internal-types.js";
import type { FakeState } from "./state.js";
import { ApiError, clone, numberParam } from "./util.js";

/** Update types delivered when `allowed_updates` is empty or was never given. */
const DEFAULT_EXCLUDED_UPDATES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

export async function getUpdates(s: FakeState, p: Params, ctx: CallContext): Promise<Update[]> {
  if (s.webhook) {
    throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
  }
  for (const w of [...s.pollWaiters]) w.conflict("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
  const offset = numberParam(p.offset);
  if (offset !== undefined && offset !== 0) {
    if (offset < 0) s.queue = s.queue.slice(offset);
    else s.queue = s.queue.filter((u) => u.update_id >= offset);
  }
  if (Array.isArray(p.allowed_updates)) s.allowedUpdates = p.allowed_updates.map(String);
  const limit = Math.min(100, Math.max(1, numberParam(p.limit) ?? 100));
  const timeout = Math.max(0, numberParam(p.timeout) ?? 0);
  const batch = takeBatch(s, limit);
  if (batch.length > 0 || timeout === 0 || s.stopped) return batch;
  return await new Promise<Update[]>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      s.pollWaiters.delete(waiter);
    };
    const waiter: PollWaiter = {
      wake: () => {
        if (s.webhook) return;
        const next = takeBatch(s, limit);
        if (next.length > 0) {
          done();
          resolve(next);
        }
      },
      conflict: (description) => {
        done();
        reject(new ApiError(409, description));
      },
      finish: () => {
        done();
        resolve([]);
      },
    };
    timer = setTimeout(() => waiter.finish(), timeout * 1000);
    s.pollWaiters.add(waiter);
    ctx.onClose(() => waiter.finish());
    s.notify();
  });
}

export function isAllowed(update: Update, allowed: string[] | undefined): boolean {
  const type = Object.keys(update).find((k) => k !== "update_id") ?? "";
  if (!allowed || allowed.length === 0) return !DEFAULT_EXCLUDED_UPDATES.has(type);
  return allowed.includes(type);
}

/** First `limit` allowed updates (without removing them); non-allowed ones are dropped. */
function takeBatch(s: FakeState, limit: number): Update[] {
  s.queue = s.queue.filter((u) => isAllowed(u, s.allowedUpdates));
  return clone(s.queue.slice(0, limit));
}
