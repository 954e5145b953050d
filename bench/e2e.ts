/**
 * End to end over a local fake Telegram Bot API: Anxin (`anxin start`, its own process, SQLite)
 * against the reference survey bot (bench/reference-bot.ts: grammY + @grammyjs/runner +
 * better-sqlite3), both driven by one load generator — many residents at once, each tapping the
 * next inline button (or typing when there is none) as soon as the bot has answered and gone quiet
 * for a moment — for a fixed time per round, rounds alternating between the bots. Reported: the
 * median over rounds of actions answered per second, the p99 of the first reply's latency, peak
 * RSS (VmHWM of the bot's process), and start-up to the first getUpdates; each as Anxin ÷ reference.
 *
 * Neither bot is rate-limited by the fake (Telegram would allow ~30 messages/s per bot): this
 * measures the bots, not the platform's limit, and says so in its output.
 *
 * Settings (environment): BENCH_E2E_USERS (200), BENCH_E2E_SECONDS (60), BENCH_E2E_ROUNDS (3);
 * BENCH_E2E_PROFILE=<folder> writes a CPU profile of each Anxin round there (node --cpu-prof).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FakeTelegram, type CallRecord } from "../tests/support/fake-telegram/index.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** How long a chat must stay quiet after a reply before the resident acts again (both bots alike). */
const QUIET_MS = 40;
/** A resident who waited this long for a reply gives up on that action (counted as unanswered). */
const REPLY_TIMEOUT_MS = 15_000;
/** After this many actions a resident makes way for a new one (a new chat, /start again). */
const ACTIONS_PER_RESIDENT = 60;
const REPLY_METHODS = new Set(["sendMessage", "editMessageText", "editMessageReplyMarkup", "sendPhoto"]);

type BotKind = "anxin" | "reference";

interface RoundResult {
  kind: BotKind;
  actions: number;
  unanswered: number;
  seconds: number;
  perSecond: number;
  p99Ms: number;
  peakRssMb: number;
  startupMs: number;
}

interface Keyboard {
  messageId: number;
  buttons: string[];
  pressed: number;
}

/** Per chat: the latest inline keyboard shown, and who waits for the bot's next reply. */
class Chats {
  private readonly keyboards = new Map<number, Keyboard>();
  private readonly waiting = new Map<number, { since: number; resolve: (at: number | null) => void }>();
  private readonly lastCall = new Map<number, number>();

  constructor(private readonly tg: FakeTelegram) {}

  /** Follows every call the bot makes. */
  observe(call: CallRecord): void {
    if (!REPLY_METHODS.has(call.method) || !call.ok) return;
    const chatId = Number(call.params.chat_id);
    if (!Number.isFinite(chatId)) return;
    this.lastCall.set(chatId, call.at);
    const message = call.result as { message_id?: number; reply_markup?: { inline_keyboard?: { callback_data?: string }[][] } } | undefined;
    const rows = message?.reply_markup?.inline_keyboard;
    if (message?.message_id !== undefined) {
      if (rows && rows.length > 0) {
        const buttons = rows.flat().flatMap((b) => (b.callback_data ? [b.callback_data] : []));
        const current = this.keyboards.get(chatId);
        this.keyboards.set(chatId, { messageId: message.message_id, buttons, pressed: current?.messageId === message.message_id ? current.pressed : 0 });
      } else if (this.keyboards.get(chatId)?.messageId === message.message_id) {
        this.keyboards.delete(chatId);
      }
    }
    const waiter = this.waiting.get(chatId);
    if (waiter && call.at >= waiter.since) {
      this.waiting.delete(chatId);
      waiter.resolve(call.at);
    }
  }

  /** Resolves with the arrival time of the bot's first reply to `chatId` after `since`, or null on timeout. */
  firstReply(chatId: number, since: number): Promise<number | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(chatId);
        resolve(null);
      }, REPLY_TIMEOUT_MS);
      this.waiting.set(chatId, {
        since,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
    });
  }

  /** Waits until the bot has sent nothing to the chat for {@link QUIET_MS}. */
  async quiet(chatId: number): Promise<void> {
    for (;;) {
      const last = this.lastCall.get(chatId) ?? 0;
      const wait = last + QUIET_MS - performance.now();
      if (wait <= 0) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** The next action: tap the keyboard's buttons in turn (so a multiple choice reaches Done), else type "1". */
  act(userId: number): void {
    const user = { id: userId, first_name: `R${userId}`, language_code: "zh-CN" };
    const keyboard = this.keyboards.get(userId);
    if (keyboard && keyboard.buttons.length > 0) {
      const data = keyboard.buttons[keyboard.pressed % keyboard.buttons.length]!;
      keyboard.pressed += 1;
      try {
        this.tg.pressButton(user, keyboard.messageId, data);
        return;
      } catch {
        this.keyboards.delete(userId);
      }
    }
    this.tg.sendText(user, "1");
  }

  forget(chatId: number): void {
    this.keyboards.delete(chatId);
    this.lastCall.delete(chatId);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Peak resident set size of a process, from /proc (Linux). */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function startBot(kind: BotKind, tg: FakeTelegram, dir: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" };
  if (kind === "reference") {
    return spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/reference-bot.ts")], {
      cwd: ROOT,
      env: { ...env, BOT_TOKEN: tg.token, API_ROOT: tg.apiRoot, DB_FILE: join(dir, "reference.db") },
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const profile = process.env.BENCH_E2E_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_E2E_PROFILE}`] : [];
  return spawn(process.execPath, [...profile, join(ROOT, "tools/anxin.js"), "start"], {
    cwd: dir,
    env: {
      ...env,
      DATABASE_URL: `file:${join(dir, "anxin.db")}`,
      DATA_DIR: dir,
      PORT: "0",
      LOG_LEVEL: "warn",
      APP_SECRET: "bench-e2e-app-secret-0123456789abcdefghij",
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function round(kind: BotKind, users: number, seconds: number): Promise<RoundResult> {
  const dir = mkdtempSync(join(tmpdir(), `anxin-e2e-${kind}-`));
  const tg = await FakeTelegram.start();
  const chats = new Chats(tg);
  const stopListening = tg.onCall((call) => chats.observe(call));
  const started = performance.now();
  const child = startBot(kind, tg, dir);
  try {
    await tg.waitFor("getUpdates", 120_000);
    const startupMs = performance.now() - started;
    const latencies: number[] = [];
    let actions = 0;
    let unanswered = 0;
    let nextUser = 10_000;
    const deadline = performance.now() + seconds * 1000;
    const resident = async () => {
      while (performance.now() < deadline) {
        const userId = nextUser++;
        chats.forget(userId);
        for (let i = 0; i < ACTIONS_PER_RESIDENT && performance.now() < deadline; i++) {
          const sent = performance.now();
          const reply = chats.firstReply(userId, sent);
          if (i === 0) tg.sendText({ id: userId, first_name: `R${userId}`, language_code: "zh-CN" }, "/start");
          else chats.act(userId);
          const at = await reply;
          if (at === null) {
            unanswered += 1;
            break;
          }
          if (performance.now() < deadline) {
            actions += 1;
            latencies.push(at - sent);
          }
          await chats.quiet(userId);
        }
      }
    };
    const measured = performance.now();
    await Promise.all(Array.from({ length: users }, () => resident()));
    const elapsed = (Math.min(performance.now(), deadline) - measured) / 1000;
    const peak = peakRssMb(child.pid!);
    latencies.sort((a, b) => a - b);
    return { kind, actions, unanswered, seconds: elapsed, perSecond: actions / elapsed, p99Ms: percentile(latencies, 99), peakRssMb: peak, startupMs };
  } finally {
    stopListening();
    child.kill("SIGTERM");
    await new Promise((r) => child.once("close", r).once("error", r));
    await tg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the end-to-end comparison; returns the lines to print. */
export async function benchEndToEnd(): Promise<string[]> {
  const users = Number(process.env.BENCH_E2E_USERS ?? 200);
  const seconds = Number(process.env.BENCH_E2E_SECONDS ?? 60);
  const rounds = Number(process.env.BENCH_E2E_ROUNDS ?? 3);
  const results: RoundResult[] = [];
  const lines = [`${users} residents at once, ${seconds} s per round, ${rounds} rounds per bot alternating; the fake Bot API applies no rate limit (Telegram's ~30 messages/s per bot would cap both)`];
  for (let r = 0; r < rounds; r++) {
    for (const kind of ["reference", "anxin"] as const) {
      const result = await round(kind, users, seconds);
      results.push(result);
      lines.push(
        `  round ${r + 1} ${kind.padEnd(9)}: ${result.perSecond.toFixed(1)} actions/s (${result.actions} answered, ${result.unanswered} unanswered), p99 first reply ${result.p99Ms.toFixed(0)} ms, peak RSS ${result.peakRssMb.toFixed(0)} MB, start-up to polling ${result.startupMs.toFixed(0)} ms`,
      );
    }
  }
  const med = (kind: BotKind, pick: (r: RoundResult) => number) => median(results.filter((r) => r.kind === kind).map(pick));
  const row = (label: string, pick: (r: RoundResult) => number, unit: string, digits: number) => {
    const a = med("anxin", pick);
    const b = med("reference", pick);
    return `${label}: Anxin ${a.toFixed(digits)} ${unit}, reference ${b.toFixed(digits)} ${unit} = ${(a / b).toFixed(2)}×`;
  };
  lines.push(row("actions/s (median)", (r) => r.perSecond, "/s", 1));
  lines.push(row("p99 first-reply latency (median)", (r) => r.p99Ms, "ms", 0));
  lines.push(row("peak RSS (median)", (r) => r.peakRssMb, "MB", 0));
  lines.push(row("start-up to polling (median)", (r) => r.startupMs, "ms", 0));
  return lines;
}

// Run alone: `npx tsx bench/e2e.ts`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const line of await benchEndToEnd()) console.log(line);
}
