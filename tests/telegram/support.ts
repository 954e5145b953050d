/**
 * Shared pieces of the Telegram tests: a migrated and seeded SQLite database with a runner, and a
 * driver that plays the default survey through the fake Bot API the way a resident would (tapping
 * the buttons it sees, typing where there are none).
 */
import type { Message, InlineKeyboardButton } from "grammy/types";
import { expect } from "vitest";
import type { Store, WaveRecord } from "../../core/model/index.js";
import type { Channel } from "../../core/channel.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { decodePayload, type Payload } from "../../core/engine/payload.js";
import type { AnswerValue, QuestionDefinition } from "../../core/engine/types.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { CALLBACK_PREFIX } from "../../bots/telegram/callback-data.js";
import type { SenderLogger } from "../../bots/telegram/sender.js";
import type { TestDatabase } from "../support/databases.js";
import { openTestStore } from "../support/store-fixture.js";
import type { CallRecord, FakeTelegram, UserLike } from "../support/fake-telegram/index.js";

/** A test app secret (≥ 32 characters, like APP_SECRET). */
export const TEST_SECRET = "telegram-tests-secret-0123456789abcdef";

/** A fresh database with the default survey running, a store and a runner on it. */
export interface AnxinFixture {
  db: TestDatabase;
  store: Store;
  runner: ConversationRunner;
  wave: WaveRecord;
  close(): Promise<void>;
}

/** Migrates a fresh SQLite file, seeds the default survey and creates a runner. */
export async function anxinFixture(): Promise<AnxinFixture> {
  const { db, store, wave, close } = await openTestStore({ defaultSurvey: new Date() });
  const runner = new ConversationRunner({ store });
  return { db, store, runner, wave, close };
}

/** A logger that keeps what was logged, for assertions, and prints nothing. */
export function recordingLogger(): RecordingLogger {
  const lines: { level: string; msg?: string; obj: object }[] = [];
  const logger: RecordingLogger = {
    lines,
    warn: (obj, msg) => void lines.push({ level: "warn", obj, ...(msg ? { msg } : {}) }),
    error: (obj, msg) => void lines.push({ level: "error", obj, ...(msg ? { msg } : {}) }),
    debug: (obj, msg) => void lines.push({ level: "debug", obj, ...(msg ? { msg } : {}) }),
    info: (obj, msg) => void lines.push({ level: "info", obj, ...(msg ? { msg } : {}) }),
    child: () => logger,
  };
  return logger;
}

/** See {@link recordingLogger}. */
export type RecordingLogger = SenderLogger & { info(obj: object, msg?: string): void; child(): RecordingLogger; lines: { level: string; msg?: string; obj: object }[] };

export { freePort } from "../support/free-port.js";

/**
 * Waits until every channel that connects to a platform is connected (or has given up):
 * startApp and channel.start() return before that, and these tests start from a connected bot.
 */
export async function channelsConnected(channels: readonly Channel[], timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const pending = () => channels.filter((channel) => ["connecting", "retrying"].includes(channel.status?.().state ?? "ready"));
  while (pending().length > 0) {
    if (Date.now() > until) throw new Error(`not connected: ${pending().map((channel) => channel.platform).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The engine payload inside Anxin's callback data (signature not checked). */
export function payloadOf(data: string | undefined): string | undefined {
  if (!data?.startsWith(CALLBACK_PREFIX)) return undefined;
  return data.slice(CALLBACK_PREFIX.length + 12);
}

/** A button as the driver reads it. */
export interface SeenButton {
  text: string;
  data: string;
  payload: Payload;
}

/** The callback buttons of a message. */
export function buttonsOf(message: Message | undefined): SeenButton[] {
  const rows: InlineKeyboardButton[][] = message?.reply_markup?.inline_keyboard ?? [];
  return rows.flat().flatMap((button) => {
    const data = "callback_data" in button ? button.callback_data : undefined;
    if (typeof data !== "string") return [];
    return [{ text: button.text, data, payload: decodePayload(payloadOf(data)) }];
  });
}

/** Does a sent reply_markup carry buttons under the message (not a reply keyboard)? */
export function hasInlineKeyboard(markup: unknown): boolean {
  const parsed = typeof markup === "string" ? (JSON.parse(markup) as unknown) : markup;
  return typeof parsed === "object" && parsed !== null && "inline_keyboard" in parsed;
}

/** The default questionnaire's question a message's survey buttons belong to. */
export function questionOf(buttons: readonly SeenButton[]): QuestionDefinition | undefined {
  const payload = buttons.map((b) => b.payload).find((p) => "q" in p);
  return payload && "q" in payload ? loadDefaultQuestionnaire().questions[payload.q] : undefined;
}

/** Is this call a successful send or edit into `chatId`? */
export function isDelivery(call: CallRecord, chatId: number): boolean {
  return call.ok && (call.method === "sendMessage" || call.method === "editMessageText") && Number(call.params.chat_id) === chatId;
}

/** What the resident types for the free-text question: everything that breaks a parse mode. */
export const SUGGESTION_TEXT = "多装路灯 <b>please</b> & *more* _patrols_ [x](http://e.x) \\ `code` 🚓";

/** Options the driver ticks in multiple-choice questions (by index). */
const MULTI_PICKS = [0, 2];

/**
 * Plays the survey as a resident through the fake Bot API: after each action it waits for the
 * bot's next message (or edit) with buttons, then taps what a cooperative resident would: "I
 * agree", the first option of every question ("yes" for yes/no, so every follow-up is asked),
 * options 1 and 3 of multiple choice then Done, types {@link SUGGESTION_TEXT} for free text, and
 * skips the (voluntary) phone number.
 */
export class SurveyDriver {
  /** Every action taken, for failure messages. */
  readonly log: string[] = [];

  constructor(
    private readonly tg: FakeTelegram,
    readonly user: UserLike,
    private readonly timeoutMs = 15_000,
  ) {}

  /** Does `action` and resolves with the resident's view of the bot message that got buttons next. */
  async act(label: string, action: () => void): Promise<Message> {
    const since = this.tg.cursor();
    this.log.push(label);
    action();
    // Buttons under a message (an inline keyboard): a reply keyboard or its removal is not an answer.
    const call = await this.tg.waitFor((c) => isDelivery(c, this.user.id) && hasInlineKeyboard(c.params.reply_markup), this.timeoutMs, { since });
    const messageId = call.method === "sendMessage" ? (call.result as Message).message_id : Number(call.params.message_id);
    const seen = this.tg.message(this.user.id, messageId);
    if (!seen) throw new Error(`message ${messageId} vanished`);
    return seen;
  }

  /** Taps the button whose payload satisfies `which` on `message`. */
  press(message: Message, which: (button: SeenButton) => boolean): Promise<Message> {
    const button = buttonsOf(message).find(which);
    if (!button) throw new Error(`no such button on message ${message.message_id}: ${JSON.stringify(buttonsOf(message).map((b) => b.text))}\n${this.log.join("\n")}`);
    return this.act(`tap ${button.text} (${JSON.stringify(button.payload)})`, () => {
      this.tg.pressButton(this.user, message.message_id, button.data);
    });
  }

  /** Types `text` and waits for the next message with buttons. */
  type(text: string): Promise<Message> {
    return this.act(`type ${text}`, () => {
      this.tg.sendText(this.user, text);
    });
  }

  /**
   * Answers from `first` (the first message with buttons, e.g. the consent request) until the
   * bot shows the main menu after the thank-you. Returns the menu message — or, with `untilPhone`,
   * the phone question, for a test to answer it.
   */
  async playFrom(first: Message, options: { untilPhone?: boolean } = {}): Promise<Message> {
    let message = first;
    for (let turns = 0; turns < 80; turns++) {
      const buttons = buttonsOf(message);
      const ops = new Set(buttons.map((b) => b.payload.op));
      if (ops.has("consent")) {
        message = await this.press(message, (b) => b.payload.op === "consent" && b.payload.accept);
      } else if (ops.has("done")) {
        const ticked = buttons.filter((b) => b.payload.op === "answer" && b.text.startsWith("✅")).length;
        const next = MULTI_PICKS[ticked];
        message =
          next === undefined
            ? await this.press(message, (b) => b.payload.op === "done")
            : await this.press(message, (b) => b.payload.op === "answer" && b.payload.option === next);
      } else if (ops.has("answer")) {
        message = await this.press(message, (b) => b.payload.op === "answer" && b.payload.option === 0);
      } else if (ops.has("skip") && questionOf(buttons)?.type === "phone" && options.untilPhone) {
        return message;
      } else if (ops.has("skip") && questionOf(buttons)?.type === "phone") {
        // The phone number is voluntary: this resident keeps theirs (tests about it share one).
        message = await this.press(message, (b) => b.payload.op === "skip");
      } else if (ops.has("skip")) {
        message = await this.type(SUGGESTION_TEXT);
      } else if (ops.has("menu")) {
        return message;
      } else {
        throw new Error(`don't know what to do with ${JSON.stringify(message)}\n${this.log.join("\n")}`);
      }
    }
    throw new Error(`the survey did not end\n${this.log.join("\n")}`);
  }
}

/** The answers {@link SurveyDriver} gives to the default questionnaire (no regions configured). */
export function expectedAnswers(): Record<string, AnswerValue> {
  const expected: Record<string, AnswerValue> = {};
  for (const question of loadDefaultQuestionnaire().questions) {
    switch (question.type) {
      case "single":
      case "scale5":
        expected[question.id] = { kind: "choice", option: question.options[0]?.id ?? "?" };
        break;
      case "multiple":
        expected[question.id] = { kind: "choices", options: MULTI_PICKS.map((i) => question.options[i]?.id ?? "?") };
        break;
      case "yesno":
        expected[question.id] = { kind: "bool", value: true };
        break;
      case "text":
        expected[question.id] = { kind: "text", value: SUGGESTION_TEXT };
        break;
      default:
        // region questions are not asked without regions; notes take no answer.
        break;
    }
  }
  return expected;
}

/** Asserts that the Telegram user completed the wave with exactly the driver's answers. */
export async function expectCompleted(store: Store, wave: WaveRecord, userId: number): Promise<void> {
  const identity = await store.findIdentity("telegram", String(userId));
  expect(identity, `identity of ${userId}`).not.toBeNull();
  const response = await store.getResponse(identity?.residentId ?? "", wave.id);
  expect(response?.status).toBe("completed");
  expect(response?.channel).toBe("telegram");
  expect(response?.answers).toEqual(expectedAnswers());
}
