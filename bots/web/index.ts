/**
 * The web chat: a page residents open from a leaflet's QR code (no app, no bot token), and the
 * staff QR codes and leaflets that lead there. See bots/web/README-section.md.
 */
export { createWebChat, webChannelFactory, WEB_PLATFORM } from "./channel.js";
export type { MessagesResponse, SessionResponse, WebChat, WebChatOptions } from "./channel.js";
export type { WebInbox } from "./inbox.js";
export type { LiveBus, LiveBusListener } from "./live-bus.js";
export type { WebMessage, WebOption, WebPush } from "./messages.js";
export { leafletUrl, staffLeafletLink } from "./staff.js";
export { deriveKeys, signLeafletCode, verifyLeafletCode } from "./signing.js";
export type { LeafletCode, WebKeys } from "./signing.js";
