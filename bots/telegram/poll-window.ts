/**
 * The long-polling loop's bookkeeping: which updates are being handled, and how far Telegram may
 * be told that updates are done. `getUpdates` confirms every update below its `offset`, so the
 * offset may only pass an update once its turn is committed — but the loop need not wait for a
 * whole batch before fetching the next one (one slow turn would hold up every resident behind
 * it). It fetches on while turns run, asking with the offset of the lowest update still being
 * handled: Telegram keeps that one (and sends it again after a crash), and updates it sends again
 * that are already handed over are left out here.
 *
 * A turn still running after `stuckMs` stops holding the offset back (as the batch loop's bound
 * did): an update that never finishes must not stop everyone's.
 */
import { performance } from "node:perf_hooks";

interface Handling {
  since: number;
  work: Promise<void>;
}

/** See the module comment. */
export class PollWindow {
  /** One past the highest update id handed over. */
  private next: number;
  private readonly handling = new Map<number, Handling>();
  private wakers: (() => void)[] = [];

  constructor(
    offset: number,
    private readonly stuckMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.next = offset;
  }

  /** The offset to ask `getUpdates` with (see the module comment). */
  offset(): number {
    const now = this.clock();
    let lowest = this.next;
    for (const [id, handling] of this.handling) if (id < lowest && now - handling.since < this.stuckMs) lowest = id;
    return lowest;
  }

  /** The updates of a `getUpdates` answer not handed over yet, in update order. */
  fresh<T extends { update_id: number }>(updates: readonly T[]): T[] {
    return updates.filter((update) => update.update_id >= this.next).sort((a, b) => a.update_id - b.update_id);
  }

  /** Records that update `id` is being handled by `work` (which must not reject). */
  track(id: number, work: Promise<unknown>): void {
    this.next = Math.max(this.next, id + 1);
    const handling: Handling = {
      since: this.clock(),
      work: work.then(
        () => undefined,
        () => undefined,
      ),
    };
    this.handling.set(id, handling);
    void handling.work.then(() => {
      this.handling.delete(id);
      const wakers = this.wakers;
      this.wakers = [];
      for (const wake of wakers) wake();
    });
  }

  /** Updates being handled now. */
  get size(): number {
    return this.handling.size;
  }

  /** Ids of updates handled for longer than the bound (they no longer hold the offset back). */
  stuck(): number[] {
    const now = this.clock();
    return [...this.handling].filter(([, handling]) => now - handling.since >= this.stuckMs).map(([id]) => id);
  }

  /** Resolves when any update being handled finishes (at once when none is). */
  settled(): Promise<void> {
    if (this.handling.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  /** Resolves when every update handed over so far has finished. */
  async drained(): Promise<void> {
    await Promise.all([...this.handling.values()].map((handling) => handling.work));
  }
}
