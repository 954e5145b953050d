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
import { AppStatus, mountStatus } from "./status.js";

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
      push: pushVia(() => channels),
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
      interceptors: outreach.interceptors,
      onError: (error, context) => logger.error({ err: error, ...context }, "a message could not be handled as intended"),
    });
    const field = new FieldService({ store, tips: await loadTipLibrary(), timeZone: config.timeZone });
    const server = await buildServer({
      store,
      logger,
      trustProxy: config.trustProxy,
      mounts: [
        mountAdmin({ service: new AdminService(store, { timeZone: config.timeZone }), secret, logger, ...(publicUrl ? { publicUrl } : {}) }),
        // The officers' phone page (/field): households, visits, interviews, offline.
        mountField({ service: field, secret, logger: logger.child({ module: "field" }), defaultLang: config.defaultLang, ...(publicUrl ? { publicUrl } : {}) }),
      ],
    });
    closers.push(() => server.close());
    const status = new AppStatus();
    mountStatus(server, store, status, logger);
    for (const factory of CHANNEL_FACTORIES) {
      const channel = await factory({ config, runner, logger, server, secret, pauses });
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
    const sender = await outreach.start({ channels });
    status.service("outboxSender", sender ? "running" : "off");
    closers.push(async () => {
      await outreach.stop();
      if (sender) status.service("outboxSender", "stopped");
    });
    caseNotifier.start();
    status.service("caseNotifier", "running");
    closers.push(async () => {
      await caseNotifier.stop();
      status.service("caseNotifier", "stopped");
    });
    // Re-checks go out like case updates (runner on the resident's behalf, then the channel), and
    // only from the one instance that sends (OUTREACH_SENDER), so none is asked twice.
    const rechecks = new ChatRechecker({
      store,
      runner,
      push: pushVia(() => channels),
      platforms: () => channels.map((channel) => channel.platform),
      settings: chatRecheckSettings(),
      officeLang: config.defaultLang,
      onError: (error, context) => logger.error({ err: error, ...context }, "a spot check could not be re-asked in chat"),
    });
    if (outreachSettings().senderEnabled) {
      rechecks.start();
      status.service("chatRechecker", "running");
      closers.push(async () => {
        await rechecks.stop();
        status.service("chatRechecker", "stopped");
      });
    } else {
      status.service("chatRechecker", "off");
    }
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
