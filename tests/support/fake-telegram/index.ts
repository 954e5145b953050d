/**
 * FakeTelegram: a local, dependency-free (node:http) stand-in for the Telegram Bot API, so tests
 * can run grammY / telegraf bots end to end without touching the internet.
 *
 * ```ts
 * const tg = await FakeTelegram.start();
 * const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });        // grammY
 * const bot2 = new Telegraf(tg.token, { telegram: { apiRoot: tg.apiRoot } }); // telegraf
 * tg.sendText({ id: 1001, first_name: "Li" }, "/start");
 * const call = await tg.waitFor((c) => c.method === "sendMessage");
 * await tg.stop();
 * ```
 *
 * What it mimics (see the JSDoc of each member for details):
 * - routing `POST|GET /bot<token>/<method>` (method names case-insensitive), JSON, urlencoded and
 *   multipart bodies; wrong token → 401, unknown method → 404;
 * - getUpdates with `offset` acknowledgement, `limit`, long polling `timeout`, `allowed_updates`
 *   (remembered between calls; default excludes chat_member / message_reaction*), 409 when a
 *   webhook is set or another getUpdates call supersedes a pending one;
 * - webhooks: updates POSTed with `X-Telegram-Bot-Api-Secret-Token`, retried with backoff on
 *   non-2xx / network errors, a method in the webhook *response* body is executed ("webhook reply");
 * - messages numbered as Telegram numbers a bot's (one counter for its private chats and basic
 *   groups, one per supergroup or channel), edits (edit_date, inline keyboard removed when an edit omits it),
 *   deletes, parse_mode HTML / MarkdownV2 / Markdown turned into `entities` like Telegram does;
 * - the validation errors apps most often trip over, with Telegram's own descriptions;
 * - fault injection, blocked users, latency, an optional flood-control limiter;
 * - a call log with `waitFor` helpers, and the "chat as the user sees it" after edits/deletes.
 *
 * Deliberate simplifications: no inline mode, payments, games, forums, business connections or
 * media groups; webhook delivery is sequential (max_connections is ignored); photos are not
 * decoded beyond their header (sizes derived from PNG/JPEG/GIF headers); automatic entity
 * detection (URLs, mentions) is applied to users' messages only.
 *
 * Layout: ./fake-telegram.ts is the class tests use; it keeps its state in a {@link FakeState}
 * (./state.ts) that the other modules receive, so that each group of Bot API methods (./sending.ts,
 * ./editing.ts, ./media.ts, ./callbacks.ts, ./commands.ts, ./polling.ts, ./webhook.ts) can live
 * apart. ./methods.ts maps method names to them, ./dispatch.ts runs a call (latency, ./faults.ts,
 * recording), ./server.ts and ./request.ts are the HTTP side. Only this file is meant to be imported.
 */

export type { UserLike } from "../telegram-updates.js";
export { FakeTelegram } from "./fake-telegram.js";
export { EntityParseError, parseFormattedText, parseHtml, parseMarkdownLegacy, parseMarkdownV2, type FormattedText } from "./formatting.js";
export { parseMultipart } from "./request.js";
export type {
  CallbackAnswer,
  CallMatcher,
  CallRecord,
  FailOptions,
  FakeTelegramOptions,
  FaultHandle,
  PressButtonOptions,
  RateLimitOptions,
  SendTextOptions,
  SentPhoto,
  UploadedFile,
  WebhookDelivery,
} from "./types.js";
