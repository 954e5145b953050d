/**
 * `anxin start`: migrate, seed, serve. Each channel (web chat, Telegram, WeChat) mounts itself
 * here when its configuration asks for it.
 */
import { baseUrlOf } from "./urls.js";
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.js";
import { createLogger, type Logger } from "./log.js";
import { openDatabase, StartupError } from "./database.js";
import { ensureDefaultSurvey } from "../core/survey/default-survey.js";
import { buildServer } from "./server.js";
import { loadOrCreateSecret } from "./secret.js";
import type { Store } from "../core/model/index.js";
import { ConversationRunner } from "../core/survey/runner.js";
import type { Channel } from "../core/channel.js";
import { CHANNEL_FACTORIES } from "./channel-registry.js";
import { listTips } from "../core/outreach/tips.js";
import { CaseNotifier, casesMenuHandler, pushVia, ratingPromptVia } from "../core/outreach/cases.js";
import { caseStaffCommand } from "../core/outreach/cases-commands.js";
import { createSubscriptionInterceptor, noticeConsentRecorder, noticePushVia } from "../core/outreach/subscriptions.js";
import { createOutreach } from "../core/outreach/index.js";
import { staffLeafletLink } from "../bots/web/staff.js";
import { mountAdmin } from "../bots/dashboard/mount.js";
import { mountField } from "../bots/web/field-routes.js";
import { FieldService } from "../core/field/service.js";
import { loadTipLibrary } from "../core/outreach/tip-library.js";
import { createAdminStaffCommands } from "../core/admin/staff-commands.js";
import { AdminService } from "../core/admin/service.js";
import { svgsToPng } from "./chart-images.js";
import { ChatRechecker, chatRecheckSettings } from "../core/admin/spot-check-chat.js";
import { outreachSettings } from "../core/outreach/settings.js";
import { PlatformPauses } from "../core/outreach/pauses.js";
import { ReminderService } from "../core/outreach/reminders.js";
import { AppStatus, mountStatus } from "./status.js";
import { AlertMonitor } from "../core/insight/alerts-runner.js";
import { openShared } from "../prisma/redis/shared.js";
import { RedisJobs } from "../prisma/redis/jobs.js";
import { InProcessJobs, type PeriodicJobs } from "../core/util/periodic-jobs.js";

/** A running app. */
export interface RunningApp {
  url: string;
  store: Store;
  server: FastifyInstance;
  runner: ConversationRunner;
  channels: Channel[];
  logger: Logger;
  secret: string;
  /** Asks spot checks' re-checks in chat (rounds run on a timer where OUTREACH_SENDER is on). */
  rechecks: ChatRechecker;
  /** What `GET /status` reports: channels' connections, background services. */
  status: AppStatus;
  /** Stops the server and the channels, then closes the database. */
  close(): Promise<void>;
}

/** Starts Anxin with the given configuration. */
export async function startApp(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningApp> {
  const { store, migration } = await openDatabase(config.database);
  let secret: string;
  try {
    secret = loadOrCreateSecret(config.appSecret, config.dataDir);
  } catch (error) {
    await store.close();
    throw new StartupError(`cannot keep the app secret in DATA_DIR ${config.dataDir}: ${(error as Error).message} (set DATA_DIR to a writable folder, or APP_SECRET)`);
  }
  logger.info({ applied: migration.applied, alreadyApplied: migration.alreadyApplied, provider: config.database.provider }, "database ready");
  const closers: (() => Promise<void>)[] = [];
  try {
    const seeded = await ensureDefaultSurvey(store, new Date(), config.timeZone);
    if (seeded.createdWave) logger.info({ wave: seeded.wave?.name }, "opened a first survey wave on the default questionnaire");
    const publicUrl = config.publicUrl;
    // One "retry after" per platform, shared by the channels' replies and the broadcast outbox.
    const pauses = new PlatformPauses();
    // Several instances on one database (REDIS_URL): what they must share goes through Redis.
    const shared = config.redis ? openShared({ ...config.redis, logger: logger.child({ module: "redis" }) }) : undefined;
    if (shared) closers.push(() => shared.close());
    const outreach = createOutreach({
      store,
      secret,
      pauses,
      ...(publicUrl ? { publicUrl, leafletLink: (staff, regionCode, now) => staffLeafletLink(secret, publicUrl, staff, regionCode, now) } : {}),
      logger: logger.child({ module: "outreach" }),
      timeZone: config.timeZone,
    });
    const channels: Channel[] = [];
    // Case updates reach reporters through the channels (created below) and ask for the rating
    // through the runner, so that the reporter's session expects it.
    const caseNotifier: CaseNotifier = new CaseNotifier({
      store,
      // Outside WeChat's 48-hour window, as a template message where the reporter consented.
      push: noticePushVia(() => channels, store),
      timeZone: config.timeZone,
      askRating: (identity, code, updateId) => ratingPromptVia(runner)(identity, code, updateId),
      onError: (error, context) => logger.error({ err: error, ...context }, "a case update could not be delivered"),
    });
    const runner: ConversationRunner = new ConversationRunner({
      store,
      defaultLang: config.defaultLang,
      tips: listTips(),
      // Every time a person reads or types is office time (OFFICE_TIME_ZONE): passed to each part.
      timeZone: config.timeZone,
      menuHandlers: { cases: casesMenuHandler(store, { timeZone: config.timeZone }) },
      staffCommands: [
        ...outreach.staffCommands,
        caseStaffCommand({ store, notifier: caseNotifier, timeZone: config.timeZone }),
        ...createAdminStaffCommands({ store, rasterize: svgsToPng, timeZone: config.timeZone }),
      ],
      // Subscription commands (订阅进展通知 …): consent to template messages outside the 48-hour window.
      interceptors: [...outreach.interceptors, createSubscriptionInterceptor({ store, timeZone: config.timeZone })],
      onError: (error, context) => logger.error({ err: error, ...context }, "a message could not be handled as intended"),
    });
    const field = new FieldService({ store, tips: await loadTipLibrary(), timeZone: config.timeZone });
    const server = await buildServer({
      store,
      logger,
      trustProxy: config.trustProxy,
      mounts: [
        mountAdmin({ service: new AdminService(store, { timeZone: config.timeZone }), secret, logger, ...(publicUrl ? { publicUrl } : {}), ...(config.redis ? { redis: config.redis } : {}) }),
        // The officers' phone page (/field): households, visits, interviews, offline.
        mountField({ service: field, secret, logger: logger.child({ module: "field" }), defaultLang: config.defaultLang, ...(publicUrl ? { publicUrl } : {}), ...(config.redis ? { redis: config.redis } : {}) }),
      ],
    });
    closers.push(() => server.close());
    const status = new AppStatus();
    mountStatus(server, store, status, logger);
    for (const factory of CHANNEL_FACTORIES) {
      const channel = await factory({ config, runner, logger, server, secret, pauses, consents: noticeConsentRecorder(store), ...(config.redis ? { redis: config.redis } : {}) });
      if (channel) {
        channels.push(channel);
        status.added(channel);
      }
    }
    await server.listen({ port: config.port, host: config.host });
    // Not awaited: a platform that cannot be reached must hold up neither the web chat nor the
    // services below. Telegram and WeChat connect (and retry) in the background; GET /status tells.
    for (const channel of channels) {
      closers.push(async () => {
        await channel.stop();
        status.stopped(channel);
      });
      void channel.start().then(
        () => {
          status.started(channel);
          logger.info({ platform: channel.platform }, channel.status ? "channel starting" : "channel started");
        },
        (error: unknown) => {
          status.started(channel, error instanceof Error ? error.message : String(error));
          logger.error({ err: error, platform: channel.platform }, "channel could not start");
        },
      );
    }
    // After the channels are created, so the outbox knows which platforms it reaches (it holds a
    // platform's deliveries while that channel is not ready); stopped before them.
    const sender = await outreach.start({ channels, ...(shared ? { shared: shared.senderOptions } : {}) });
    status.service("outboxSender", sender ? "running" : "off");
    closers.push(async () => {
      await outreach.stop();
      if (sender) status.service("outboxSender", "stopped");
    });
    // Periodic jobs: on this process's timers, or — several instances sharing Redis — through
    // BullMQ, so that each round runs in one instance, whichever instances are up. Every job is
    // safe to run twice (it records what it did under a unique key).
    const jobError = (error: unknown, job: string) => logger.error({ err: error, job }, "a periodic job failed");
    const jobs: PeriodicJobs = config.redis ? new RedisJobs({ ...config.redis, onError: jobError }) : new InProcessJobs(jobError);
    jobs.every("case-updates", 5 * 60_000, () => caseNotifier.deliverPending());
    status.service("caseNotifier", "running");
    // Alerts may be checked by any instance: each is recorded once by its key, and its messages
    // wait in the outbox for a sending instance.
    if (config.alerts.intervalMinutes > 0) {
      const alerts = new AlertMonitor({
        store,
        platforms: () => channels.map((channel) => channel.platform),
        timeZone: config.timeZone,
        thresholds: { alpha: config.alerts.significance },
        onQueued: () => sender?.notify(),
        logger: logger.child({ module: "alerts" }),
      });
      jobs.every("alerts", config.alerts.intervalMinutes * 60_000, () => alerts.runOnce(new Date()), { immediately: true });
      status.service("alerts", "running");
    } else {
      status.service("alerts", "off");
    }
    // Re-checks go out like case updates (runner on the resident's behalf, then the channel), from
    // an instance that sends (OUTREACH_SENDER): with Redis, one round in one of them.
    const recheckSettings = chatRecheckSettings();
    const rechecks = new ChatRechecker({
      store,
      runner,
      push: pushVia(() => channels),
      platforms: () => channels.map((channel) => channel.platform),
      settings: recheckSettings,
      officeLang: config.defaultLang,
      onError: (error, context) => logger.error({ err: error, ...context }, "a spot check could not be re-asked in chat"),
    });
    if (outreachSettings().senderEnabled) {
      jobs.every("chat-rechecks", recheckSettings.intervalSeconds * 1000, () => rechecks.runRound());
      status.service("chatRechecker", "running");
    } else {
      status.service("chatRechecker", "off");
    }
    // Reminders to residents who did not finish go into the outbox; run where it is sent from.
    if (sender && (config.reminders.delayMs !== null || config.reminders.abandonMs !== null)) {
      const reminders = new ReminderService({
        store,
        settings: config.reminders,
        timeZone: config.timeZone,
        platforms: () => sender.platforms,
        // Past WeChat's 48 hours, where the resident consented to reminders and a template is set.
        reachableOutsideWindow: async (identity) =>
          channels.some((channel) => channel.platform === identity.platform && channel.noticeKinds?.().has("reminder")) && (await store.noticeConsent(identity.id, "reminder"))?.withdrawnAt === null,
        onQueued: () => sender.notify(),
        logger: logger.child({ module: "reminders" }),
      });
      jobs.every("reminders", 5 * 60_000, () => reminders.runOnce(new Date()), { immediately: true });
      status.service("reminders", "running");
    } else {
      status.service("reminders", "off");
    }
    await jobs.start();
    closers.push(async () => {
      await jobs.stop();
      for (const service of ["caseNotifier", "alerts", "chatRechecker", "reminders"] as const) if (status.services[service] === "running") status.service(service, "stopped");
    });
    const address = server.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    // Where this process listens (PUBLIC_URL may name a proxy in front of it).
    const url = baseUrlOf({ host: config.host, port, publicUrl: undefined });
    return {
      url,
      store,
      server,
      runner,
      channels,
      logger,
      secret,
      rechecks,
      status,
      async close() {
        status.stopping = true;
        for (const close of closers.reverse()) await close().catch((error: unknown) => logger.error({ err: error }, "while stopping"));
        await store.close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await store.close();
    throw error;
  }
}
