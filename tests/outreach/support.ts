/**
 * Shared pieces of the outreach tests: a migrated database with the default survey and the test
 * region tree, outreach's hooks on a runner, and helpers to talk to it as a resident or officer.
 */
import type { ResidentRecord, Store, WaveRecord } from "../../core/model/index.js";
import { ConversationRunner, type RunnerReply } from "../../core/survey/runner.js";
import type { Input, OutMessage } from "../../core/engine/types.js";
import { createOutreach, type Outreach } from "../../core/outreach/index.js";
import { outreachSettings } from "../../core/outreach/settings.js";
import type { TipLibrary } from "../../core/outreach/tip-library.js";
import type { TestDatabase } from "../support/databases.js";
import { openTestStore } from "../support/store-fixture.js";
import { TEST_REGIONS } from "../support/auto-resident.js";

/** The app secret of outreach tests. */
export const SECRET = "outreach-tests-secret-0123456789abcdef";

/** A small fixed tip library. */
export const TEST_TIPS: TipLibrary = {
  async getTip(id) {
    return id === "fraud-1" ? { id, title: { "zh-CN": "公检法不会让您转账", en: "Police never ask for transfers" }, text: { "zh-CN": "接到自称公检法的电话要转账，一定是诈骗。", en: "A caller claiming to be police who asks for money is a fraudster." } } : undefined;
  },
  async listTips() {
    const tip = await this.getTip("fraud-1");
    return tip ? [tip] : [];
  },
};

/** What {@link outreachFixture} sets up. */
export interface OutreachFixture {
  db: TestDatabase;
  store: Store;
  runner: ConversationRunner;
  outreach: Outreach;
  wave: WaveRecord;
  errors: unknown[];
  /** A message from `user` on the test platform. */
  send(user: string, input: Input, lang?: string): Promise<RunnerReply>;
  say(user: string, text: string, lang?: string): Promise<RunnerReply>;
  press(user: string, payload: string): Promise<RunnerReply>;
  resident(user: string): Promise<ResidentRecord>;
  close(): Promise<void>;
}

let counter = 0;

/** A database with regions and the survey, and a runner with outreach's commands and interceptor. */
export async function outreachFixture(options: { publicUrl?: string } = {}): Promise<OutreachFixture> {
  const opened = await openTestStore({ regions: TEST_REGIONS, defaultSurvey: true });
  const { db, store, wave } = opened;
  const outreach = createOutreach({
    store,
    secret: SECRET,
    // The sender stays off: these tests look at what the dialogue writes, not at sending.
    settings: outreachSettings({ OUTREACH_SENDER: "off" }),
    tips: TEST_TIPS,
    ...(options.publicUrl ? { publicUrl: options.publicUrl, leafletLink: (_staff, regionCode) => `${options.publicUrl}/web/staff/leaflet?region=${regionCode}` } : {}),
  });
  // Residents of the "test" platform count as reachable (a channel that only collects pushes).
  await outreach.start({ channels: [{ platform: "test", start: async () => undefined, stop: async () => undefined, push: async () => ({ ok: true }) }] });
  const errors: unknown[] = [];
  const runner = new ConversationRunner({ store, staffCommands: outreach.staffCommands, interceptors: outreach.interceptors, onError: (error) => errors.push(error) });
  const send = (user: string, input: Input, lang = "zh-CN") => runner.handle({ platform: "test", platformUserId: user, chatId: user, messageId: `m${++counter}`, langCode: lang, input });
  return {
    db,
    store,
    runner,
    outreach,
    wave,
    errors,
    send,
    say: (user, text, lang) => send(user, { kind: "text", text }, lang),
    press: (user, payload) => send(user, { kind: "button", payload }),
    async resident(user) {
      const identity = await store.findIdentity("test", user);
      const resident = identity ? await store.getResident(identity.residentId) : null;
      if (!resident) throw new Error(`no resident ${user}`);
      return resident;
    },
    async close() {
      await outreach.stop();
      await opened.close();
    },
  };
}

/** All text of a reply, one message a line. */
export function textOf(reply: RunnerReply | { messages: OutMessage[] }): string {
  return reply.messages.map((m) => m.text).join("\n");
}

/** The payload of the option whose label matches, in the last message offering it. */
export function payloadOf(reply: RunnerReply, label: RegExp): string {
  for (const message of [...reply.messages].reverse()) {
    const option = message.options?.find((o) => label.test(o.label));
    if (option) return option.payload;
  }
  throw new Error(`no option ${label} in ${JSON.stringify(reply.messages)}`);
}
