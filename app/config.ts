/**
 * Configuration from the environment (and `.env` when present), validated once at start-up.
 * A wrong value produces one line naming the variable and what it accepts.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { config as loadDotenv } from "dotenv";
import { z } from "zod";
import { DatabaseUrlError, parseDatabaseUrl, type DatabaseTarget } from "../prisma/database-url.js";
import { DEFAULT_OFFICE_TIME_ZONE, isTimeZone } from "../core/util/time-zone.js";
import type { NoticeKind, NoticeTemplate } from "../core/model/subscriptions.js";
import { NOTICE_TEMPLATE_VARIABLES, NoticeTemplateError, noticeTemplatesFrom } from "../core/outreach/notice-templates.js";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const LANGS = ["zh-CN", "zh-TW", "en"] as const;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const optionalUrl = (what: string) =>
  optionalText.refine((value) => value === undefined || /^https?:\/\/[^\s]+$/.test(value), { message: `must be an http(s) URL${what}` });

// A duration that "0" or "off" turns off: a positive number, decimals allowed; null when off.
const optionalDuration = (unit: string, max: number) =>
  optionalText
    .refine((value) => value === undefined || /^(off|0+(\.0*)?)$/i.test(value) || (/^\d+(\.\d+)?$/.test(value) && Number(value) > 0 && Number(value) <= max), {
      message: `must be a number of ${unit} up to ${max}, or 0 / off to turn it off`,
    })
    .transform((value) => (value === undefined ? undefined : /^(off|0+(\.0*)?)$/i.test(value) ? null : Number(value)));

const optionalCount = (message: string) =>
  optionalText.refine((value) => value === undefined || /^\d{1,9}$/.test(value), { message }).transform((value) => (value === undefined ? undefined : Number(value)));

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
  REDIS_URL: optionalText.refine((value) => value === undefined || /^rediss?:\/\/[^\s]+$/.test(value), {
    message: "must be a redis:// (or rediss://) URL, e.g. redis://127.0.0.1:6379",
  }),
  REDIS_PREFIX: optionalText.refine((value) => value === undefined || /^[A-Za-z0-9_.-]{1,40}$/.test(value), {
    message: "must be 1–40 characters of A–Z, a–z, 0–9, _, . and -",
  }),
  TRUST_PROXY: z
    .enum(["true", "false", "1", "0", ""], { message: "must be true or false" })
    .default("false")
    .transform((value) => value === "true" || value === "1"),
  WEB_MAX_STREAMS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(1_000_000).default(2000),
  WECHATY_PUPPET_OA_APP_ID: optionalText.refine((value) => value === undefined || /^wx[0-9A-Za-z]{16}$/.test(value), {
    message: "must be the Official Account's AppID (wx and 16 letters or digits, 设置与开发 → 基本配置)",
  }),
  WECHATY_PUPPET_OA_APP_SECRET: optionalText.refine((value) => value === undefined || /^[0-9A-Za-z]{32}$/.test(value), {
    message: "must be the Official Account's AppSecret (32 letters or digits)",
  }),
  WECHATY_PUPPET_OA_TOKEN: optionalText.refine((value) => value === undefined || /^[0-9A-Za-z]{3,32}$/.test(value), {
    message: "must be 3–32 letters or digits, the same Token as in the Official Account's server configuration",
  }),
  WECHATY_PUPPET_OA_PORT: optionalText.refine((value) => value === undefined || (/^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65535), {
    message: "must be a port number 1–65535",
  }),
  WECHATY_PUPPET_OA_ACCESS_TOKEN_PROXY_URL: optionalUrl(", a server that fetches access tokens from a whitelisted IP"),
  WECHAT_OA_PATH: optionalText.refine((value) => value === undefined || /^\/[A-Za-z0-9._~\/-]*$/.test(value), {
    message: "must be a URL path starting with /, e.g. /wechat/oa",
  }),
  WECHAT_OA_ENCODING_AES_KEY: optionalText.refine((value) => value === undefined || /^[A-Za-z0-9]{43}$/.test(value), {
    message: "must be the EncodingAESKey of mp.weixin.qq.com: 43 letters and digits",
  }),
  // Checked by noticeTemplatesFrom() (the format is core/outreach/notice-templates.ts's).
  WECHAT_OA_TEMPLATE_CASE_UPDATE: optionalText,
  WECHAT_OA_TEMPLATE_BROADCAST: optionalText,
  WECHAT_OA_TEMPLATE_REMINDER: optionalText,
  WECHAT_ROOMS: optionalText.refine((value) => value === undefined || value === "ignore" || value === "hint", {
    message: "must be ignore or hint",
  }),
  // Checked by officeTimeZone() (one message for the app and the CLI alike).
  OFFICE_TIME_ZONE: optionalText,
  CHANNEL_RETRY_ATTEMPTS: optionalCount("must be a whole number of retries, 0 or more"),
  CHANNEL_RETRY_DELAY_MS: optionalCount("must be a whole number of milliseconds"),
  CHANNEL_RETRY_MAX_DELAY_MS: optionalCount("must be a whole number of milliseconds"),
  REMINDER_DELAY_HOURS: optionalDuration("hours", 24 * 90),
  ABANDON_AFTER_DAYS: optionalDuration("days", 365),
  SHUTDOWN_TIMEOUT_MS: optionalCount("must be a whole number of milliseconds").refine((value) => value === undefined || value >= 100, { message: "must be at least 100" }),
  ALERTS_INTERVAL_MINUTES: optionalCount("must be a whole number of minutes (0: no alert checks)"),
  ALERTS_SIGNIFICANCE: optionalText
    .refine((value) => value === undefined || (/^(0?\.\d+)$/.test(value) && Number(value) > 0 && Number(value) < 1), { message: "must be a significance level between 0 and 1, e.g. 0.05" })
    .transform((value) => (value === undefined ? undefined : Number(value))),
});

/** The Wechaty puppets the WeChat adapter (bots/wechat) can run. */
export const WECHATY_PUPPETS = ["wechaty-puppet-official-account", "wechaty-puppet-wechat4u", "wechaty-puppet-mock"] as const;

/** One of {@link WECHATY_PUPPETS}. */
export type WechatyPuppetName = (typeof WECHATY_PUPPETS)[number];

/** What the WeChat adapter needs; present when WECHATY_PUPPET is set. */
export interface WechatConfig {
  puppet: WechatyPuppetName;
  /** Group chats never run surveys; `hint` answers an @-mention with "write to me one to one". */
  rooms: "ignore" | "hint";
  /** Set exactly when `puppet` is the Official Account puppet. */
  officialAccount:
    | {
        appId: string;
        appSecret: string;
        token: string;
        /** Callback path on the app's HTTP server; undefined when `port` is set. */
        path: string | undefined;
        /** The puppet's own callback server instead of `path`. */
        port: number | undefined;
        accessTokenProxyUrl: string | undefined;
        /** EncodingAESKey: set for safe (安全模式) or compatible mode, undefined for plaintext. */
        encodingAesKey: string | undefined;
        /** The template or subscription message of each notice kind sent outside the 48-hour window (WECHAT_OA_TEMPLATE_*); kinds without one are not. */
        templates: Partial<Record<NoticeKind, NoticeTemplate>>;
      }
    | undefined;
}

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
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (rate limits need it). */
  trustProxy: boolean;
  /** Open web chat event streams the server holds at most (each is a connection); more get a 503. */
  webMaxStreams: number;
  wechat: WechatConfig | undefined;
  /** The office's time zone (IANA name): every time shown to or typed by a person is office time. */
  timeZone: string;
  /**
   * How Telegram and WeChat retry connecting (CHANNEL_RETRY_*): unset fields keep the channels'
   * defaults (2 s doubling to 5 min, giving up after 12 failures in a row).
   */
  channelRetry: { maxRestarts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** How long `anxin start` may take to shut down on SIGTERM/SIGINT before it exits anyway. */
  shutdownTimeoutMs: number;
  /**
   * The alert checks (core/insight/alerts-runner.ts): how often they run (0: never) and the
   * significance level of a drop since the previous wave (two-sided, two-proportion test).
   */
  alerts: { intervalMinutes: number; significance: number };
  /**
   * Reminders to residents who did not finish (REMINDER_DELAY_HOURS) and when an idle response
   * counts as abandoned (ABANDON_AFTER_DAYS), in milliseconds; null: turned off.
   */
  reminders: { delayMs: number | null; abandonMs: number | null };
  /**
   * Redis (REDIS_URL, REDIS_PREFIX), for several instances on one PostgreSQL database: shared
   * send rates, jobs that run once, live pushes and web chat limits. Undefined: one instance.
   */
  redis: { url: string; prefix: string } | undefined;
}

/** Settings whose values are credentials: an error about one says how long it was, never what it was. */
const SECRET_SETTINGS = new Set(["APP_SECRET", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "WECHATY_PUPPET_OA_APP_SECRET", "WECHATY_PUPPET_OA_TOKEN", "WECHAT_OA_ENCODING_AES_KEY"]);

/**
 * A setting's value as an error message may show it: secrets by their length only, URLs without
 * their password or query (a database or token-proxy URL may carry one), the rest quoted.
 */
export function shownValue(name: string, value: string): string {
  if (SECRET_SETTINGS.has(name)) return value === "" ? "nothing" : `a value of ${[...value].length} characters, not shown`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    // user:password@ goes even from a URL too broken to parse.
    value = value.replace(/(\/\/[^/:@\s]*:)[^@\s]*@/, "$1***@");
    try {
      const url = new URL(value);
      if (url.password) url.password = "***";
      const query = url.search ? "?…" : "";
      url.search = "";
      return JSON.stringify(`${url.toString()}${query}`);
    } catch {
      // Not a URL after all: quoted below, cut to a length that cannot carry a whole credential.
    }
  }
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 40)}…` : value);
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
    throw new ConfigError(`${name}: ${issue?.message ?? "invalid"} (got ${shownValue(name, env[name] ?? "")})`);
  }
  const values = parsed.data;
  let database: DatabaseTarget;
  try {
    database = parseDatabaseUrl(values.DATABASE_URL);
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new ConfigError(`DATABASE_URL: ${error.message} (got ${shownValue("DATABASE_URL", values.DATABASE_URL)})`);
    throw error;
  }
  if (values.TELEGRAM_WEBHOOK_URL && !values.TELEGRAM_BOT_TOKEN) {
    throw new ConfigError("TELEGRAM_WEBHOOK_URL: needs TELEGRAM_BOT_TOKEN as well");
  }
  if (values.REDIS_URL && database.provider !== "postgresql") {
    throw new ConfigError("REDIS_URL: instances that share Redis must share a PostgreSQL database too (DATABASE_URL=postgresql://…); one instance on SQLite needs no Redis");
  }
  const wechat = wechatConfig(values);
  const timeZone = officeTimeZone(env);
  const reminders = {
    delayMs: values.REMINDER_DELAY_HOURS === undefined ? 24 * 3_600_000 : values.REMINDER_DELAY_HOURS === null ? null : values.REMINDER_DELAY_HOURS * 3_600_000,
    abandonMs: values.ABANDON_AFTER_DAYS === undefined ? 7 * 86_400_000 : values.ABANDON_AFTER_DAYS === null ? null : values.ABANDON_AFTER_DAYS * 86_400_000,
  };
  // Abandoned first would leave nothing to remind.
  if (reminders.delayMs !== null && reminders.abandonMs !== null && reminders.abandonMs <= reminders.delayMs) {
    throw new ConfigError(`ABANDON_AFTER_DAYS: must be longer than the reminder delay (REMINDER_DELAY_HOURS), or off (got ${shownValue("ABANDON_AFTER_DAYS", env.ABANDON_AFTER_DAYS ?? "7")} days against ${shownValue("REMINDER_DELAY_HOURS", env.REMINDER_DELAY_HOURS ?? "24")} hours)`);
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
    trustProxy: values.TRUST_PROXY,
    webMaxStreams: values.WEB_MAX_STREAMS,
    wechat,
    timeZone,
    channelRetry: {
      ...(values.CHANNEL_RETRY_ATTEMPTS !== undefined ? { maxRestarts: values.CHANNEL_RETRY_ATTEMPTS } : {}),
      ...(values.CHANNEL_RETRY_DELAY_MS !== undefined ? { initialDelayMs: values.CHANNEL_RETRY_DELAY_MS } : {}),
      ...(values.CHANNEL_RETRY_MAX_DELAY_MS !== undefined ? { maxDelayMs: values.CHANNEL_RETRY_MAX_DELAY_MS } : {}),
    },
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    alerts: { intervalMinutes: values.ALERTS_INTERVAL_MINUTES ?? 15, significance: values.ALERTS_SIGNIFICANCE ?? 0.05 },
    reminders,
    redis: values.REDIS_URL ? { url: values.REDIS_URL, prefix: values.REDIS_PREFIX ?? "anxin" } : undefined,
  };
}

/**
 * OFFICE_TIME_ZONE alone (the CLI commands that take `--db` read no other variable): an IANA name
 * such as Asia/Shanghai (the default) or Europe/Berlin, as the runtime's time-zone data knows it.
 * @throws ConfigError for a zone the runtime does not know
 */
export function officeTimeZone(env: Record<string, string | undefined> = readEnv()): string {
  const zone = env.OFFICE_TIME_ZONE?.trim() || DEFAULT_OFFICE_TIME_ZONE;
  if (!isTimeZone(zone)) {
    throw new ConfigError(`OFFICE_TIME_ZONE: unknown time zone ${JSON.stringify(env.OFFICE_TIME_ZONE ?? "")} (an IANA name such as Asia/Shanghai, Asia/Hong_Kong or Europe/Berlin)`);
  }
  return zone;
}

// Cross-variable checks of the WeChat settings, so a half-configured Official Account fails at
// start-up with the missing variable's name instead of when WeChat first calls back.
function wechatConfig(values: z.infer<typeof schema>): WechatConfig | undefined {
  const puppet = values.WECHATY_PUPPET;
  if (puppet === undefined) return undefined;
  if (!(WECHATY_PUPPETS as readonly string[]).includes(puppet)) {
    throw new ConfigError(`WECHATY_PUPPET: must be one of ${WECHATY_PUPPETS.join(", ")} (got ${JSON.stringify(puppet)})`);
  }
  const rooms = values.WECHAT_ROOMS === "hint" ? "hint" : "ignore";
  if (puppet !== "wechaty-puppet-official-account") {
    const stray = templateSettings(values).find(([, value]) => value !== undefined)?.[0];
    if (stray) throw new ConfigError(`${stray}: template messages need the Official Account (WECHATY_PUPPET=wechaty-puppet-official-account)`);
    return { puppet: puppet as WechatyPuppetName, rooms, officialAccount: undefined };
  }
  const required = (name: "WECHATY_PUPPET_OA_APP_ID" | "WECHATY_PUPPET_OA_APP_SECRET" | "WECHATY_PUPPET_OA_TOKEN"): string => {
    const value = values[name];
    if (value === undefined) throw new ConfigError(`${name}: must be set when WECHATY_PUPPET is wechaty-puppet-official-account`);
    return value;
  };
  const appId = required("WECHATY_PUPPET_OA_APP_ID");
  const appSecret = required("WECHATY_PUPPET_OA_APP_SECRET");
  const token = required("WECHATY_PUPPET_OA_TOKEN");
  if (values.WECHATY_PUPPET_OA_PORT !== undefined && values.WECHAT_OA_PATH !== undefined) {
    throw new ConfigError("WECHAT_OA_PATH: set either WECHAT_OA_PATH (callback on Anxin's HTTP server) or WECHATY_PUPPET_OA_PORT (the puppet's own server), not both");
  }
  if (values.WECHATY_PUPPET_OA_PORT !== undefined && values.WECHAT_OA_ENCODING_AES_KEY !== undefined) {
    throw new ConfigError("WECHAT_OA_ENCODING_AES_KEY: needs the callback on Anxin's server (WECHAT_OA_PATH); the puppet's own server (WECHATY_PUPPET_OA_PORT) reads plaintext only");
  }
  const port = values.WECHATY_PUPPET_OA_PORT === undefined ? undefined : Number(values.WECHATY_PUPPET_OA_PORT);
  let templates: Partial<Record<NoticeKind, NoticeTemplate>>;
  try {
    templates = noticeTemplatesFrom(Object.fromEntries(templateSettings(values)));
  } catch (error) {
    if (error instanceof NoticeTemplateError) throw new ConfigError(error.message);
    throw error;
  }
  return {
    puppet,
    rooms,
    officialAccount: {
      appId,
      appSecret,
      token,
      path: port === undefined ? (values.WECHAT_OA_PATH ?? "/wechat/oa") : undefined,
      port,
      accessTokenProxyUrl: values.WECHATY_PUPPET_OA_ACCESS_TOKEN_PROXY_URL,
      encodingAesKey: values.WECHAT_OA_ENCODING_AES_KEY,
      templates,
    },
  };
}

/** The WECHAT_OA_TEMPLATE_* settings, by name. */
function templateSettings(values: z.infer<typeof schema>): [name: string, value: string | undefined][] {
  const named: Record<string, string | undefined> = {
    WECHAT_OA_TEMPLATE_CASE_UPDATE: values.WECHAT_OA_TEMPLATE_CASE_UPDATE,
    WECHAT_OA_TEMPLATE_BROADCAST: values.WECHAT_OA_TEMPLATE_BROADCAST,
    WECHAT_OA_TEMPLATE_REMINDER: values.WECHAT_OA_TEMPLATE_REMINDER,
  };
  return Object.values(NOTICE_TEMPLATE_VARIABLES).map((name) => [name, named[name]]);
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
  ["OFFICE_TIME_ZONE", "Asia/Shanghai", "IANA time zone of every time staff and residents see or type (waves, broadcasts, exports, case dates)"],
  ["DATA_DIR", "./data", "folder for the generated secret and other local files"],
  ["APP_SECRET", "(generated into DATA_DIR)", "≥ 32 characters; signs cookies, QR codes and buttons"],
  ["REDIS_URL", "(none: one instance)", "Redis shared by several instances on one PostgreSQL database (send rates, jobs, live pushes, web chat limits); see docs/scaling.md"],
  ["REDIS_PREFIX", "anxin", "prefix of Anxin's Redis keys, so that deployments can share one Redis"],
  ["TRUST_PROXY", "false", "true behind a reverse proxy (nginx …), so rate limits see residents' addresses"],
  ["WEB_MAX_STREAMS", "2000", "open web chat pages that get live pushes at once; more are told to try again later (503)"],
  ["TELEGRAM_BOT_TOKEN", "(none)", "starts the Telegram bot"],
  ["TELEGRAM_API_ROOT", "https://api.telegram.org", "a local Bot API server instead of Telegram's"],
  ["TELEGRAM_WEBHOOK_URL", "(none: long polling)", "public https URL for webhook mode"],
  ["TELEGRAM_WEBHOOK_SECRET", "(none)", "checked on every webhook request"],
  ["WECHATY_PUPPET", "(none)", "starts the WeChat adapter: wechaty-puppet-official-account, wechaty-puppet-wechat4u or wechaty-puppet-mock"],
  ["WECHATY_PUPPET_OA_APP_ID", "(none)", "Official Account AppID (needed with the official-account puppet)"],
  ["WECHATY_PUPPET_OA_APP_SECRET", "(none)", "Official Account AppSecret (needed with the official-account puppet)"],
  ["WECHATY_PUPPET_OA_TOKEN", "(none)", "Token of the Official Account's server configuration (needed with the official-account puppet)"],
  ["WECHAT_OA_PATH", "/wechat/oa", "Official Account callback path on this server (URL to enter: PUBLIC_URL + path)"],
  ["WECHAT_OA_ENCODING_AES_KEY", "(none: plaintext mode)", "the Official Account's EncodingAESKey, for 安全模式 (safe) or 兼容模式 (compatible) message encryption"],
  ["WECHATY_PUPPET_OA_PORT", "(none)", "instead of WECHAT_OA_PATH: the puppet's own callback server port"],
  ["WECHATY_PUPPET_OA_ACCESS_TOKEN_PROXY_URL", "(none)", "fetch Official Account access tokens through this server"],
  ["WECHAT_OA_TEMPLATE_CASE_UPDATE", "(none)", "Official Account: the template (template:<id>?<field>=<value>&…) or subscription message (subscribe:<id>?…) that brings case progress to consenting residents outside the 48-hour window; values code, title, status, note, date, text"],
  ["WECHAT_OA_TEMPLATE_BROADCAST", "(none)", "the same for safety notices and tips; values title, text, date"],
  ["WECHAT_OA_TEMPLATE_REMINDER", "(none)", "the same for reminders; values title, text, date"],
  ["WECHAT_ROOMS", "ignore", "WeChat group chats: ignore, or hint (answer an @-mention with \"write to me directly\")"],
  ["CHANNEL_RETRY_ATTEMPTS", "12", "Telegram/WeChat: reconnection attempts after failures in a row before the channel gives up (GET /status shows it failed)"],
  ["CHANNEL_RETRY_DELAY_MS", "2000", "pause before the first reconnection attempt; doubles per failure"],
  ["CHANNEL_RETRY_MAX_DELAY_MS", "300000", "longest pause between reconnection attempts"],
  ["REMINDER_DELAY_HOURS", "24", "hours a resident's unfinished survey waits before their one reminder (sent 08:00–21:00 office time); 0 or off: no reminders"],
  ["ABANDON_AFTER_DAYS", "7", "days after which an untouched unfinished survey counts as abandoned (still resumable); longer than the reminder delay; 0 or off: never"],
  ["SHUTDOWN_TIMEOUT_MS", "10000", "on SIGTERM/SIGINT, how long shutting down may take before Anxin exits anyway"],
  ["ALERTS_INTERVAL_MINUTES", "15", "how often rates are checked against targets and the previous wave, and officers' coverage before a wave closes (0: never)"],
  ["ALERTS_SIGNIFICANCE", "0.05", "two-sided significance level of a drop since the previous wave that raises an alert"],
];
