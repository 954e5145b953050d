/**
 * A small priority send queue for one bot.
 *
 * - Per chat, tasks run one at a time in order (a resident's messages must not overtake each
 *   other, and an edit must wait for the message it edits).
 * - Across chats, up to `concurrency` tasks run at once, so a resident whose send is waiting out
 *   a 429 does not hold up everyone else.
 * - Replies go first: when a slot frees up, a chat with a waiting reply is served before any chat
 *   that only has bulk sends (broadcasts, case updates). Within one chat, a waiting reply also
 *   goes before that chat's waiting bulk sends.
 */

/** `reply`: an answer to something the resident just did; `bulk`: anything pushed. */
export type SendPriority = "reply" | "bulk";

interface Task {
  run: () => Promise<void>;
}

interface ChatLane {
  reply: Task[];
  bulk: Task[];
  busy: boolean;
}

/** Thrown into tasks still waiting when the queue is closed. */
export class SendQueueClosedError extends Error {
  constructor() {
    super("the Telegram send queue was closed");
  }
}

/** See the module comment. */
export class SendQueue {
  private readonly lanes = new Map<string, ChatLane>();
  // Insertion-ordered sets: the chat that became ready first is served first.
  private readonly readyReply = new Set<string>();
  private readonly readyBulk = new Set<string>();
  private running = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly rejecters = new Map<Task, (error: Error) => void>();

  /** `concurrency`: how many chats may be sent to at the same time. */
  constructor(private readonly concurrency = 8) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("SendQueue concurrency must be a positive integer");
  }

  /** Runs `work` after the earlier tasks of `chatKey`, replies before bulk; resolves with its result. */
  enqueue<T>(chatKey: string, priority: SendPriority, work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new SendQueueClosedError());
    return new Promise<T>((resolve, reject) => {
      const task: Task = {
        run: async () => {
          this.rejecters.delete(task);
          try {
            resolve(await work());
          } catch (error) {
            reject(error);
          }
        },
      };
      this.rejecters.set(task, reject);
      let lane = this.lanes.get(chatKey);
      if (!lane) {
        lane = { reply: [], bulk: [], busy: false };
        this.lanes.set(chatKey, lane);
      }
      lane[priority].push(task);
      if (!lane.busy) this.markReady(chatKey, lane);
      this.pump();
    });
  }

  /** Tasks waiting or running. */
  get size(): number {
    let waiting = 0;
    for (const lane of this.lanes.values()) waiting += lane.reply.length + lane.bulk.length;
    return waiting + this.running;
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new tasks and rejects the waiting ones; running tasks finish. */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes.values()) {
      for (const task of [...lane.reply, ...lane.bulk]) this.rejecters.get(task)?.(new SendQueueClosedError());
      lane.reply = [];
      lane.bulk = [];
    }
    this.rejecters.clear();
    this.readyReply.clear();
    this.readyBulk.clear();
    this.settleIdle();
  }

  private markReady(chatKey: string, lane: ChatLane): void {
    if (lane.reply.length > 0) {
      this.readyBulk.delete(chatKey);
      this.readyReply.add(chatKey);
    } else if (lane.bulk.length > 0) {
      this.readyBulk.add(chatKey);
    }
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const chatKey = first(this.readyReply) ?? first(this.readyBulk);
      if (chatKey === undefined) break;
      this.readyReply.delete(chatKey);
      this.readyBulk.delete(chatKey);
      const lane = this.lanes.get(chatKey);
      const task = lane?.reply.shift() ?? lane?.bulk.shift();
      if (!lane || !task) continue;
      lane.busy = true;
      this.running += 1;
      void task.run().finally(() => {
        this.running -= 1;
        lane.busy = false;
        if (lane.reply.length === 0 && lane.bulk.length === 0) this.lanes.delete(chatKey);
        else this.markReady(chatKey, lane);
        this.pump();
        this.settleIdle();
      });
    }
  }

  private settleIdle(): void {
    if (this.size !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function first(set: Set<string>): string | undefined {
  for (const value of set) return value;
  return undefined;
}
