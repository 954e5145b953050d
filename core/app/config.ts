/**
 * Configuration from the environment (and `.env` when present), validated once at start-up.
 * A wrong value produces one line naming the variable and what it accepts.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { config as loadDotenv } from "dotenv";
import { z } from "zod";
import { DatabaseUrlError, parseDatabaseUrl, type DatabaseTarget } from "../../prisma/database-url.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const LANGS = ["zh-CN", "zh-TW", "en"] as const;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const optionalUrl = (what: string) =>
  optionalText.refine((value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value), { message: `must be an http(s) URL${what}` });

const schema = z.object({
  DATABASE_URL: z.string().trim().default("file:./data/anxin.db"),
  PORT: z.coerce.number({ message: "must be a port number" }).int("must be a whole number").min(0).max(65535, "must be 0–65535").default(3000),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  PUBLIC_URL: optionalUrl(", the address residents' phones reach, e.g. https://anxin.example.gov.cn"),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  DEFAULT_LANG: z.enum(LANGS, { message: `must be one of ${LANGS.join(", ")}` }).default("zh-CN"),
  DATA_DIR: z.string().trim().min(1).default("./data"),
  APP_SECRET: optionalText.refine((value) => value === undefined || value.length >= 32, { message: "must be at least 32 characters" }),
  TELEGRAM_BOT_TOKEN: optionalText.refine((value) => value === undefined || /^\d+:[\w-]{20,}$/.test(value), {
    message: "must look like 123456789:AA... (the token BotFather gives)",
  }),
  TELEGRAM_API_ROOT: optionalUrl(""),
  TELEGRAM_WEBHOOK_URL: optionalText.refine((value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value), {
    message: "must be the public https URL Telegram posts updates to",
  }),
  TELEGRAM_WEBHOOK_SECRET: optionalText.refine((value) => value === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(value), {
    message: "must be 1–256 characters of A–Z, a–z, 0–9, _ and -",
  }),
  WECHATY_PUPPET: optionalText,
});

/** Validated configuration. */
export interface Config {
  database: DatabaseTarget;
  port: number;
  host: string;
  publicUrl: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  defaultLang: (typeof LANGS)[number];
  dataDir: string;
  appSecret: string | undefined;
  telegram: { token: string; apiRoot: string | undefined; webhookUrl: string | undefined; webhookSecret: string | undefined } | undefined;
  wechatyPuppet: string | undefined;
}

/** A configuration error: `message` is the one line to print. */
export class ConfigError extends Error {}

/**
 * Reads and validates the configuration. `env` defaults to process.env merged over `.env` in the
 * working directory (real environment variables win).
 */
export function loadConfig(env: Record<string, string | undefined> = readEnv()): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "configuration");
    throw new ConfigError(`${name}: ${issue?.message ?? "invalid"} (got ${JSON.stringify(env[name] ?? "")})`);
  }
  const values = parsed.data;
  let database: DatabaseTarget;
  try {
    database = parseDatabaseUrl(values.DATABASE_URL);
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new ConfigError(`DATABASE_URL: ${error.message} (got ${JSON.stringify(values.DATABASE_URL)})`);
    throw error;
  }
  if (values.TELEGRAM_WEBHOOK_URL && !values.TELEGRAM_BOT_TOKEN) {
    throw new ConfigError("TELEGRAM_WEBHOOK_URL: needs TELEGRAM_BOT_TOKEN as well");
  }
  return {
    database,
    port: values.PORT,
    host: values.HOST,
    publicUrl: values.PUBLIC_URL,
    logLevel: values.LOG_LEVEL,
    defaultLang: values.DEFAULT_LANG,
    dataDir: resolve(values.DATA_DIR),
    appSecret: values.APP_SECRET,
    telegram: values.TELEGRAM_BOT_TOKEN
      ? {
          token: values.TELEGRAM_BOT_TOKEN,
          apiRoot: values.TELEGRAM_API_ROOT,
          webhookUrl: values.TELEGRAM_WEBHOOK_URL,
          webhookSecret: values.TELEGRAM_WEBHOOK_SECRET,
        }
      : undefined,
    wechatyPuppet: values.WECHATY_PUPPET,
  };
}

function readEnv(): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = {};
  const file = resolve(".env");
  if (existsSync(file)) loadDotenv({ path: file, processEnv: merged, quiet: true });
  return { ...merged, ...process.env };
}

/** The variables, their defaults and meaning, for `anxin --help` and the README. */
export const CONFIG_HELP: [name: string, defaultValue: string, meaning: string][] = [
  ["DATABASE_URL", "file:./data/anxin.db", "file:<path> for SQLite, postgresql://… for PostgreSQL"],
  ["PORT", "3000", "HTTP port of the web chat, admin pages and webhooks"],
  ["HOST", "127.0.0.1", "address to listen on (0.0.0.0 to serve other machines)"],
  ["PUBLIC_URL", "http://localhost:PORT", "address residents' phones reach (used in QR codes and links)"],
  ["LOG_LEVEL", "info", "fatal, error, warn, info, debug, trace or silent"],
  ["DEFAULT_LANG", "zh-CN", "language before a resident chooses one: zh-CN, zh-TW or en"],
  ["DATA_DIR", "./data", "folder for the generated secret and other local files"],
  ["APP_SECRET", "(generated into DATA_DIR)", "≥ 32 characters; signs cookies, QR codes and buttons"],
  ["TELEGRAM_BOT_TOKEN", "(none)", "starts the Telegram bot"],
  ["TELEGRAM_API_ROOT", "https://api.telegram.org", "a local Bot API server instead of Telegram's"],
  ["TELEGRAM_WEBHOOK_URL", "(none: long polling)", "public https URL for webhook mode"],
  ["TELEGRAM_WEBHOOK_SECRET", "(none)", "checked on every webhook request"],
  ["WECHATY_PUPPET", "(none)", "starts the WeChat adapter with this puppet"],
];
