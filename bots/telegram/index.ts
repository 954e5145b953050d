/**
 * Anxin's Telegram channel: the standalone grammY bot ({@link createTelegramChannel}, started by
 * `anxin start` through {@link telegramChannelFactory}) and middleware for an existing grammY or
 * telegraf bot ({@link anxinGrammy}, {@link anxinTelegraf}).
 */
export { TelegramAdapter, TELEGRAM_PLATFORM, type EmbeddedOptions, type TelegramAdapterOptions, type UpdateOutcome, type BotIdentity } from "./adapter.js";
export { TelegramChannel, createTelegramChannel, telegramChannelFactory, deriveWebhookSecret, ALLOWED_UPDATES, type TelegramChannelOptions } from "./channel.js";
export { AnxinGrammy, AnxinTelegraf, anxinGrammy, anxinTelegraf, type AnxinMiddlewareOptions, type GrammyBotLike, type TelegrafBotLike } from "./middleware.js";
export { CallbackSigner, CALLBACK_PREFIX, isAnxinCallbackData, type VerifiedCallback } from "./callback-data.js";
export { AUTO_RETRY_OPTIONS, createSendingApi, installAutoRetry, classifySendError, type SenderLogger } from "./sender.js";
export { registerCommands, commandList } from "./commands.js";
