/**
 * `GET /status`: readiness and what is running, for an operator or a load balancer. `/healthz`
 * stays the liveness check (the process answers and the database is reachable); this one also
 * says which channels are connected and which background services run, so that "Telegram is
 * down" is visible without reading the log.
 *
 * 200 while the app can serve residents: the database answers and the web chat runs (Telegram
 * or WeChat being down is `degraded`, still 200 — the web chat and broadcasts to it work).
 * 503 when the database does not answer, the web chat is not running, or the app is shutting down.
 */
import type { FastifyInstance } from "fastify";
import type { Channel, ChannelState, ChannelStatus } from "../core/channel.js";
import type { Store } from "../core/model/index.js";
import type { Logger } from "./log.js";

/** A background service's state: `off` when this instance is configured not to run it (OUTREACH_SENDER=off). */
export type ServiceState = "starting" | "running" | "off" | "stopped";

/** The background services the status names. */
export type ServiceName = "outboxSender" | "caseNotifier" | "chatRechecker" | "reminders" | "alerts";

/** One channel as reported. */
export type ChannelReport = { platform: string } & ChannelStatus;

/** The body of `GET /status`. */
export interface StatusReport {
  /** ok: everything runs; degraded: serving, but a channel or service is not running; unavailable: see the module comment. */
  status: "ok" | "degraded" | "unavailable";
  database: { provider: string; ok: boolean };
  channels: ChannelReport[];
  services: Record<ServiceName, ServiceState>;
  /** True once SIGTERM/SIGINT started the shutdown. */
  stopping: boolean;
}

/** What app/start.ts keeps up to date for the status. */
export class AppStatus {
  private readonly channels = new Map<Channel, { state: ChannelState; since: string; lastError?: string }>();
  readonly services: Record<ServiceName, ServiceState> = { outboxSender: "starting", caseNotifier: "starting", chatRechecker: "starting", reminders: "starting", alerts: "starting" };
  stopping = false;

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** A channel created; `connecting` until its start() returns (channels without a status()). */
  added(channel: Channel): void {
    this.channels.set(channel, { state: "connecting", since: this.now().toISOString() });
  }

  /** A channel's start() returned or threw. */
  started(channel: Channel, error?: string): void {
    this.channels.set(channel, { state: error === undefined ? "ready" : "failed", since: this.now().toISOString(), ...(error !== undefined ? { lastError: error } : {}) });
  }

  /** A channel stopped. */
  stopped(channel: Channel): void {
    this.channels.set(channel, { state: "stopped", since: this.now().toISOString() });
  }

  service(name: ServiceName, state: ServiceState): void {
    this.services[name] = state;
  }

  /** The channels' reports: their own status where they have one, else what start() did. */
  channelReports(): ChannelReport[] {
    return [...this.channels.entries()].map(([channel, own]) => {
      const reported = channel.status?.();
      // A channel without a connection of its own is as start() left it; one that failed to start is failed whatever it says.
      const status: ChannelStatus = reported && own.state !== "failed" ? reported : { state: own.state, since: own.since, failures: own.state === "failed" ? 1 : 0, ...(own.lastError ? { lastError: own.lastError } : {}) };
      return { platform: channel.platform, ...status };
    });
  }

  /** The whole report, checking the database now. */
  async report(store: Store): Promise<StatusReport> {
    let databaseOk = true;
    try {
      await store.health();
    } catch {
      databaseOk = false;
    }
    const channels = this.channelReports();
    const web = channels.filter((channel) => channel.platform === "web");
    const serving = databaseOk && !this.stopping && web.every((channel) => channel.state === "ready");
    const allUp = channels.every((channel) => channel.state === "ready") && Object.values(this.services).every((state) => state === "running" || state === "off");
    return {
      status: !serving ? "unavailable" : allUp ? "ok" : "degraded",
      database: { provider: store.provider, ok: databaseOk },
      channels,
      services: { ...this.services },
      stopping: this.stopping,
    };
  }
}

/** Mounts `GET /status` (before the server listens). */
export function mountStatus(server: FastifyInstance, store: Store, status: AppStatus, logger: Logger): void {
  server.get("/status", async (_request, reply) => {
    const report = await status.report(store);
    if (!report.database.ok) logger.error({ database: store.provider }, "status: the database does not answer");
    // Never cached: a monitor polling it wants the state now.
    return reply.code(report.status === "unavailable" ? 503 : 200).header("cache-control", "no-store").send(report);
  });
}
