/**
 * Outreach settings from the environment (all optional):
 *
 * | Variable | Default | Meaning |
 * |---|---|---|
 * | `OUTREACH_SENDER` | `on` | `off` on every app instance but one when several share a database |
 * | `OUTREACH_TELEGRAM_RATE` | 30 | Telegram messages a second, all chats together |
 * | `OUTREACH_TELEGRAM_CHAT_RATE` | 1 | Telegram messages a second to one chat |
 * | `OUTREACH_WECHAT_RATE` | 20 | WeChat messages a second |
 * | `OUTREACH_WECHAT_CHAT_RATE` | 1 | WeChat messages a second to one chat |
 * | `OUTREACH_LEASE_SECONDS` | 6 | how long a claimed send outlives its sender's last heartbeat (renewed every third of it) before it is taken for interrupted |
 * | `OUTREACH_INVITATION_DAYS` | 7 | validity of staff invitations |
 */
import type { RateLimits } from "./limiter.js";

/** See the module comment. */
export interface OutreachSettings {
  senderEnabled: boolean;
  limits: Record<string, RateLimits>;
  leaseMs: number;
  invitationDays: number;
}

/** Thrown for a malformed setting; the message names the variable. */
export class OutreachSettingsError extends Error {}

/** Reads the settings; `env` defaults to process.env. */
export function outreachSettings(env: Record<string, string | undefined> = process.env): OutreachSettings {
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new OutreachSettingsError(`${name}: must be a number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return value;
  };
  const sender = (env.OUTREACH_SENDER ?? "on").trim().toLowerCase();
  if (!["on", "off", "true", "false", "1", "0", ""].includes(sender)) throw new OutreachSettingsError(`OUTREACH_SENDER: must be on or off (got ${JSON.stringify(env.OUTREACH_SENDER)})`);
  return {
    senderEnabled: !["off", "false", "0"].includes(sender),
    limits: {
      telegram: { perSecond: number("OUTREACH_TELEGRAM_RATE", 30, 0, 1000), perChatPerSecond: number("OUTREACH_TELEGRAM_CHAT_RATE", 1, 0, 100) },
      wechat: { perSecond: number("OUTREACH_WECHAT_RATE", 20, 0, 1000), perChatPerSecond: number("OUTREACH_WECHAT_CHAT_RATE", 1, 0, 100) },
      web: { perSecond: 0, perChatPerSecond: 0 },
    },
    leaseMs: number("OUTREACH_LEASE_SECONDS", 6, 3, 3600) * 1000,
    invitationDays: number("OUTREACH_INVITATION_DAYS", 7, 1, 365),
  };
}
