/**
 * An outbox sender in its own process, for the rate and crash tests (the fake Bot API stays in
 * the test process, as Telegram would be elsewhere). Prints `{"ready":true}` once started and
 * runs until killed; SIGTERM stops it gracefully.
 *
 * `node --import tsx tests/outreach/sender-child.ts <database-url> <json options>` with options
 * `{ apiRoot, token, secret, rate, perChat, leaseMs, concurrency, redisUrl, redisPrefix }` (leaseMs: the sender's default, 6 s, when
 * left out; with `redisUrl` the rate limits are shared through Redis and rows reserved, as instances of a scaled-out deployment do).
 */
import { parseDatabaseUrl } from "../../prisma/database-url.js";
import { openStore } from "../../prisma/store.js";
import { OutboxSender } from "../../core/outreach/sender.js";
import { TelegramOutboxTransport } from "../../bots/telegram/outbox-transport.js";
import { openShared } from "../../prisma/redis/shared.js";

const [url, raw] = process.argv.slice(2);
if (!url || !raw) throw new Error("usage: sender-child.ts <database-url> <json options>");
const options = JSON.parse(raw) as { apiRoot: string; token: string; secret: string; rate: number; perChat: number; leaseMs?: number; concurrency?: number; pollMs?: number; redisUrl?: string; redisPrefix?: string };
const store = await openStore(parseDatabaseUrl(url));
const transport = new TelegramOutboxTransport({ token: options.token, apiRoot: options.apiRoot, secret: options.secret, timeoutSeconds: 5 });
const shared = options.redisUrl ? openShared({ url: options.redisUrl, ...(options.redisPrefix ? { prefix: options.redisPrefix } : {}) }) : undefined;
const sender = new OutboxSender({
  store,
  ...(shared ? shared.senderOptions : {}),
  transports: [transport],
  limits: { telegram: { perSecond: options.rate, perChatPerSecond: options.perChat } },
  ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
  pollMs: options.pollMs ?? 50,
  backoffMs: 300,
  ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  logger: { info() {}, warn() {}, error: (obj, msg) => process.stderr.write(`${msg ?? ""} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? v.message : v))}\n`) },
});
sender.start();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.once("SIGTERM", () => {
  void sender.stop().then(async () => {
    await store.close();
    await shared?.close();
    process.exit(0);
  });
});
