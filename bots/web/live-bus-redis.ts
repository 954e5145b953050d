/**
 * The live-push bus of several app instances: Redis pub/sub on the channel `<prefix>:web:inbox`,
 * whose messages are web session ids (see live-bus.ts for what an announcement means).
 *
 * Two connections, because a connection that subscribes can run no other command. ioredis
 * reconnects both by itself; while Redis is away announcements are lost, not queued for long, and
 * nothing else is: the pushes are in the database, pages take them when they next connect or
 * poll, and once the subscriber is back every instance re-checks the pages it holds.
 *
 * Only session ids cross Redis. A session id alone opens nothing: the cookie that carries it is
 * signed with the app secret.
 */
import { Redis } from "ioredis";
import type { LiveBus, LiveBusListener } from "./live-bus.js";

/** Minimal logger (pino's fits). */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Where the bus connects. */
export interface RedisLiveBusOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** The deployment's key prefix (REDIS_PREFIX). */
  prefix: string;
  logger: BusLogger;
}

/** See the module comment. */
export class RedisLiveBus implements LiveBus {
  /** The Redis channel announcements go on. */
  readonly channel: string;
  /** Settles once the first subscription is in place (never rejects). */
  readonly subscribed: Promise<void>;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly listeners = new Set<LiveBusListener>();
  private closed = false;
  /** The subscriber has been subscribed before: a later subscription follows a reconnect. */
  private wasSubscribed = false;
  /** Each connection says once that it was lost, not at every reconnect attempt. */
  private readonly down = { publisher: false, subscriber: false };

  constructor(private readonly options: RedisLiveBusOptions) {
    this.channel = `${options.prefix}:web:inbox`;
    // A publish waits for one reconnect attempt at most: a long outage must not pile them up.
    this.publisher = new Redis(options.url, { maxRetriesPerRequest: 1, connectionName: `${options.prefix}:web:publish` });
    // Subscribed by hand on every "ready", so that the re-check of open pages after a reconnect
    // starts only once announcements are heard again (autoResubscribe would race with it).
    this.subscriber = new Redis(options.url, { autoResubscribe: false, maxRetriesPerRequest: null, connectionName: `${options.prefix}:web:subscribe` });
    this.watch(this.publisher, "publisher");
    this.watch(this.subscriber, "subscriber");
    let first: () => void = () => {};
    this.subscribed = new Promise<void>((resolve) => (first = resolve));
    this.subscriber.on("ready", () => {
      this.subscriber.subscribe(this.channel).then(
        () => {
          first();
          if (this.wasSubscribed) {
            this.options.logger.info({ channel: this.channel }, "live pushes: Redis is back; re-checking the open pages");
            for (const listener of [...this.listeners]) listener.missed?.();
          }
          this.wasSubscribed = true;
        },
        (error: unknown) => this.options.logger.warn({ err: error, channel: this.channel }, "live pushes: could not subscribe on Redis"),
      );
    });
    this.subscriber.on("message", (channel: string, message: string) => {
      if (channel !== this.channel || this.closed) return;
      for (const listener of [...this.listeners]) listener.inbox(message);
    });
  }

  publish(sessionId: string): void {
    if (this.closed) return;
    this.publisher.publish(this.channel, sessionId).catch((error: unknown) => {
      // The push is in the inbox: the page gets it when it next connects or polls.
      if (!this.closed) this.options.logger.warn({ err: error, channel: this.channel }, "live pushes: could not announce a web push on Redis");
    });
  }

  subscribe(listener: LiveBusListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    // quit() lets pending commands finish, but on a connection that is down it would wait for
    // the reconnect: such a connection is just dropped.
    await Promise.all([this.publisher, this.subscriber].map((redis) => (redis.status === "ready" ? redis.quit().then(() => undefined, () => redis.disconnect()) : redis.disconnect())));
  }

  /** Logs a lost connection once and its return once; without an "error" listener ioredis's errors would crash the process. */
  private watch(redis: Redis, name: "publisher" | "subscriber"): void {
    redis.on("error", (error: unknown) => {
      if (this.closed || this.down[name]) return;
      this.down[name] = true;
      this.options.logger.warn({ err: error, connection: name }, "live pushes: Redis connection lost; reconnecting");
    });
    redis.on("ready", () => {
      if (!this.down[name]) return;
      this.down[name] = false;
      this.options.logger.info({ connection: name }, "live pushes: Redis connection back");
    });
  }
}
