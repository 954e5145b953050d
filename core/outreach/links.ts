/**
 * Links outreach hands out: invitation links (Telegram deep link, web chat link, a code to send
 * on WeChat) and an officer's own household links (Telegram deep link, web leaflet).
 */
import { formatInvitationCode, signHouseholdCode } from "./codes.js";

/** What links are made from; the bot's username is only known once Telegram answered getMe. */
export interface LinkContext {
  /** The app secret (signs household codes). */
  secret: string;
  /** The address residents' phones reach (PUBLIC_URL), if configured. */
  publicUrl?: string;
  /** The Telegram bot's username, when a Telegram bot runs. */
  telegramBot?: () => string | undefined;
}

/** Where to send someone to redeem an invitation. */
export interface InvitationLinks {
  /** As typed: "INV-K7PM-Q2XR-9HTD". */
  code: string;
  telegram?: string;
  web?: string;
}

/** The links of an invitation code (canonical form). */
export function invitationLinks(context: LinkContext, code: string): InvitationLinks {
  const shown = formatInvitationCode(code);
  const bot = context.telegramBot?.();
  const base = context.publicUrl?.replace(/\/+$/, "");
  return {
    code: shown,
    ...(bot ? { telegram: `https://t.me/${bot}?start=${shown}` } : {}),
    ...(base ? { web: `${base}/j/${shown}` } : {}),
  };
}

/** The Telegram deep link that makes whoever opens it one of the officer's households. */
export function householdTelegramLink(context: LinkContext, officerId: string): string | undefined {
  const bot = context.telegramBot?.();
  return bot ? `https://t.me/${bot}?start=${signHouseholdCode(context.secret, officerId)}` : undefined;
}
