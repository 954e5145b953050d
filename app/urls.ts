/**
 * The address people open: PUBLIC_URL when the office configured one, otherwise this machine's
 * own (links then work on this computer only, which the CLI says when it prints one).
 */
import type { Config } from "./config.js";

/** The base URL of the web chat and dashboard, without a trailing slash. */
export function baseUrlOf(config: Pick<Config, "publicUrl" | "host" | "port">, port: number = config.port): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, "");
  const host = config.host === "0.0.0.0" || config.host === "::" || config.host === "127.0.0.1" ? "localhost" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
