/** Structured logging (pino): one JSON object a line, to stdout. */
import { pino, type Logger } from "pino";

export type { Logger };

/** Creates the application logger at the configured level. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: "anxin" }, timestamp: pino.stdTimeFunctions.isoTime });
}
