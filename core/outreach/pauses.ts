/**
 * One platform-wide "retry after" signal shared by everything that calls a platform: the
 * channel's replies and the outbox's broadcasts. Telegram's limits are unpublished and flexible;
 * what it does say is a 429 with `retry_after`. Whoever draws one reports it here, and every
 * other caller of that platform waits it out too: the outbox pauses its broadcasts, the
 * channel's replies wait before their next call and retry the refused one. Nothing is throttled
 * before the platform asks: replies are never slowed preemptively.
 *
 * Created by the composition root (app/start.ts) and handed to both the channels and the outbox,
 * so the core never imports an adapter.
 */

/** Called when a platform asks to wait: `ms` from now. */
export type PauseListener = (platform: string, ms: number) => void;

/** See the module comment. */
export class PlatformPauses {
  private readonly until = new Map<string, number>();
  private readonly listeners = new Set<PauseListener>();
  /** When each chat was last called by someone else (replies), per platform; bounded. */
  private readonly chats = new Map<string, number>();
  /** How many pauses each platform reported (tests, logs). */
  readonly reported = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** The platform answered 429 with `retry_after` = `ms`: no call to it should start before then. */
  report(platform: string, ms: number): void {
    const wait = Math.max(0, Math.min(ms, 10 * 60_000));
    this.until.set(platform, Math.max(this.until.get(platform) ?? 0, this.clock() + wait));
    this.reported.set(platform, (this.reported.get(platform) ?? 0) + 1);
    for (const listener of [...this.listeners]) listener(platform, wait);
  }

  /** Milliseconds until calls to `platform` may start again (0: now). */
  remaining(platform: string): number {
    const until = this.until.get(platform);
    return until === undefined ? 0 : Math.max(0, until - this.clock());
  }

  /** Resolves once no pause of `platform` is running (at once when none is). Bounded by `maxMs`. */
  async wait(platform: string, maxMs = 10 * 60_000): Promise<void> {
    const deadline = this.clock() + maxMs;
    for (let rounds = 0; rounds < 1_000; rounds++) {
      const left = Math.min(this.remaining(platform), deadline - this.clock());
      if (left <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, left));
    }
  }

  /**
   * A call to `chat` was made outside the outbox (a reply): the outbox keeps its per-chat spacing
   * from it too, so a broadcast never lands within a second of a reply to the same resident.
   */
  noteChat(platform: string, chat: string): void {
    const key = `${platform}:${chat}`;
    this.chats.delete(key);
    this.chats.set(key, this.clock());
    if (this.chats.size > 50_000) this.chats.delete(this.chats.keys().next().value as string);
  }

  /** Milliseconds since `chat` was last called outside the outbox (undefined: not recently). */
  sinceChat(platform: string, chat: string): number | undefined {
    const at = this.chats.get(`${platform}:${chat}`);
    return at === undefined ? undefined : this.clock() - at;
  }

  /** Listens to every reported pause; returns the function that stops listening. */
  onPause(listener: PauseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
