/**
 * Every channel adapter Anxin ships. Each factory decides from the configuration whether its
 * channel runs (e.g. Telegram only with TELEGRAM_BOT_TOKEN).
 */
import type { ChannelFactory } from "./channels.js";
import { webChannelFactory } from "../bots/web/channel.js";
import { wechatChannelFactory } from "../bots/wechat/index.js";
import { telegramChannelFactory } from "../bots/telegram/channel.js";

/** The adapters, in start order. */
export const CHANNEL_FACTORIES: ChannelFactory[] = [
  webChannelFactory,
  wechatChannelFactory,
  telegramChannelFactory,
];
