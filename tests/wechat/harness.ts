/**
 * A WeChat channel on the mock puppet over a fresh, migrated, seeded SQLite database, and a
 * resident who types into it. Every step waits for the channel's "handled" notice, never a timer.
 */
import { pino } from "pino";
import { PuppetMock, mock } from "wechaty-puppet-mock";
import type { WechatConfig } from "../../app/config.js";
import type { Logger } from "../../app/log.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import type { Store, WaveRecord } from "../../core/model/index.js";
import { WechatChannel, type HandledEvent, type WechatChannelOptions } from "../../bots/wechat/channel.js";
import type { TestDatabase } from "../support/databases.js";
import { openTestStore } from "../support/store-fixture.js";

/** A logger that writes nothing (set DEBUG_WECHAT=1 to see the channel's log). */
export const quietLogger: Logger = pino({ level: process.env.DEBUG_WECHAT ? "debug" : "silent" });

/** A logger that keeps what it logs, to check the channel reports what happens. */
export function capturingLogger(): { logger: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger: Logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, lines };
}

/** Settings of the mock puppet. */
export const MOCK_SETTINGS: WechatConfig = { puppet: "wechaty-puppet-mock", rooms: "ignore", officialAccount: undefined };

/** A database with the default survey and an open wave. */
export interface SeededDatabase {
  db: TestDatabase;
  store: Store;
  wave: WaveRecord;
  close(): Promise<void>;
}

/** Fresh SQLite, migrated, default questionnaire and wave seeded. */
export function seededDatabase(): Promise<SeededDatabase> {
  return openTestStore({ defaultSurvey: new Date("2026-01-01T00:00:00Z") });
}

type MockContact = ReturnType<mock.Mocker["createContact"]>;

/** A running channel on the mock puppet with a logged-in bot account. */
export interface MockWechat {
  channel: WechatChannel;
  mocker: mock.Mocker;
  puppet: PuppetMock;
  me: MockContact;
  runner: ConversationRunner;
  /** Every handled-message notice so far. */
  handled: HandledEvent[];
  /** Resolves with the next notice for `chatId`. */
  nextHandled(chatId: string): Promise<HandledEvent>;
  stop(): Promise<void>;
}

/** Starts a channel on a fresh mock puppet. */
export async function startMockWechat(
  store: Store,
  overrides: Partial<WechatChannelOptions> = {},
): Promise<MockWechat> {
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const handled: HandledEvent[] = [];
  const waiting: { chatId: string; resolve: (event: HandledEvent) => void }[] = [];
  const runner = new ConversationRunner({ store, cacheMs: 0 });
  const channel = new WechatChannel({
    settings: MOCK_SETTINGS,
    runner,
    logger: quietLogger,
    createPuppet: async () => puppet,
    print: () => undefined,
    ...overrides,
    onHandled: (event) => {
      handled.push(event);
      const index = waiting.findIndex((w) => w.chatId === event.chatId);
      if (index >= 0) waiting.splice(index, 1)[0]?.resolve(event);
      overrides.onHandled?.(event);
    },
  });
  await channel.prepare();
  await channel.start();
  // start() returns before the puppet runs (it connects in the background).
  await channel.until("running", "failed");
  const me = mocker.createContact({ name: "安心" });
  const loggedIn = new Promise<void>((resolve) => puppet.once("login", () => resolve()));
  mocker.login(me);
  await loggedIn;
  // Wechaty sets up the logged-in user after the puppet's event; wait until the channel saw it.
  while (!channel.isLoggedIn) await new Promise((resolve) => setImmediate(resolve));
  return {
    channel,
    mocker,
    puppet,
    me,
    runner,
    handled,
    nextHandled: (chatId) => new Promise((resolve) => waiting.push({ chatId, resolve })),
    stop: () => channel.stop(),
  };
}

/** A resident chatting with the bot: what they type and what they get back. */
export interface Resident {
  contact: MockContact;
  /** Every text the bot sent this resident, in order. */
  inbox: string[];
  /** Ids of the messages this resident sent, in order. */
  sentIds: string[];
  /** Types `text`, waits until it is handled, returns the bot's replies to it. */
  say(text: string): Promise<string[]>;
}

/** Creates a contact and follows what the bot sends them. */
export function resident(wechat: MockWechat, name: string): Resident {
  const contact = wechat.mocker.createContact({ name });
  const inbox: string[] = [];
  const sentIds: string[] = [];
  contact.on("message", (message: { payload: { id: string; talkerId?: string; listenerId?: string; text?: string } }) => {
    if (message.payload.talkerId === wechat.me.id && message.payload.listenerId === contact.id) inbox.push(message.payload.text ?? "");
    if (message.payload.talkerId === contact.id) sentIds.push(message.payload.id);
  });
  return {
    contact,
    inbox,
    sentIds,
    async say(text: string) {
      const before = inbox.length;
      const done = wechat.nextHandled(contact.id);
      contact.say(text).to(wechat.me);
      await done;
      return inbox.slice(before);
    },
  };
}
