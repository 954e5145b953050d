/**
 * The long-polling loop's bookkeeping (bots/telegram/poll-window.ts): the offset never passes an
 * update still being handled, updates sent again are not handed over twice, and a stuck turn
 * stops holding the offset back after the bound.
 */
import { describe, expect, it } from "vitest";
import { PollWindow } from "../../bots/telegram/poll-window.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const updates = (...ids: number[]) => ids.map((update_id) => ({ update_id }));

describe("the poll window", () => {
  it("confirms only up to the lowest update not yet committed", async () => {
    const window = new PollWindow(0, 30_000);
    expect(window.offset()).toBe(0);
    const work = new Map([10, 11, 12].map((id) => [id, deferred()] as const));
    for (const update of window.fresh(updates(11, 10, 12))) window.track(update.update_id, work.get(update.update_id)!.promise);
    expect(window.offset()).toBe(10);
    // 11 and 12 finish first: 10 still holds the offset (Telegram must send it again after a crash).
    work.get(11)!.resolve();
    work.get(12)!.resolve();
    await window.settled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(window.size).toBe(1);
    expect(window.offset()).toBe(10);
    work.get(10)!.resolve();
    await window.drained();
    expect(window.offset()).toBe(13);
  });

  it("leaves out updates sent again that were handed over already", () => {
    const window = new PollWindow(5, 30_000);
    expect(window.fresh(updates(3, 4))).toEqual([]);
    window.track(5, new Promise(() => undefined));
    expect(window.fresh(updates(5, 6, 7)).map((u) => u.update_id)).toEqual([6, 7]);
  });

  it("lets a turn that never finishes stop holding the offset after the bound", async () => {
    let now = 0;
    const window = new PollWindow(0, 1_000, () => now);
    window.track(1, new Promise(() => undefined));
    window.track(2, Promise.resolve());
    await new Promise((resolve) => setImmediate(resolve));
    expect(window.offset()).toBe(1);
    expect(window.stuck()).toEqual([]);
    now = 1_500;
    expect(window.stuck()).toEqual([1]);
    expect(window.offset()).toBe(3);
  });

  it("does not fail on a turn that rejects", async () => {
    const window = new PollWindow(0, 30_000);
    window.track(1, Promise.reject(new Error("boom")));
    await window.drained();
    expect(window.offset()).toBe(2);
  });
});
