/**
 * The WeChat adapter (Wechaty): started by `anxin start` when WECHATY_PUPPET is set.
 *
 * Wechaty takes seconds to load, so the channel module is imported only when WeChat is
 * configured: `anxin start` without WeChat, and every other command, never load it.
 */
import type { ChannelFactory } from "../../app/channels.js";

export type { WechatChannel, WechatChannelOptions } from "./channel.js";
export type { WechatyPuppet, OfficialAccountPuppetOptions } from "./puppets.js";

/** Creates the WeChat channel when WECHATY_PUPPET is set; configuration problems throw before anything connects. */
export const wechatChannelFactory: ChannelFactory = async (context) => {
  const settings = context.config.wechat;
  if (!settings) return undefined;
  const { createWechatChannel } = await import("./channel.js");
  return createWechatChannel({
    settings,
    runner: context.runner,
    logger: context.logger.child({ channel: "wechat" }),
    defaultLang: context.config.defaultLang,
    server: context.server,
    dataDir: context.config.dataDir,
    restart: context.config.channelRetry,
    ...(context.consents ? { consents: context.consents } : {}),
  });
};
