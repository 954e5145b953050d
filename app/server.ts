/**
 * The HTTP server (fastify): health check now; the web chat, admin pages and webhooks are
 * mounted on it by their own modules through {@link HttpMount}.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "./log.js";
import type { Store } from "../core/model/index.js";

/** A module that adds routes to the server before it listens. */
export type HttpMount = (app: FastifyInstance) => Promise<void> | void;

/** Builds (does not start) the server. */
export async function buildServer(options: { store: Store; logger: Logger; mounts?: HttpMount[]; bodyLimit?: number; trustProxy?: boolean }): Promise<FastifyInstance> {
  // pino's Logger and fastify's logger interface differ only in typing details.
  const app: FastifyInstance = Fastify({ loggerInstance: options.logger as unknown as FastifyBaseLogger, bodyLimit: options.bodyLimit ?? 64 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy ?? false,
  });
  app.get("/healthz", async (_request, reply) => {
    try {
      await options.store.health();
      return { status: "ok", database: options.store.provider };
    } catch (error) {
      options.logger.error({ err: error }, "health check failed");
      return reply.code(503).send({ status: "error", database: options.store.provider });
    }
  });
  for (const mount of options.mounts ?? []) await mount(app);
  return app;
}
