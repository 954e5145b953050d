/**
 * A broadcast an officer confirms in the /broadcast dialogue is scheduled by the officer's turn
 * itself (the `broadcast.schedule` write of its commit), on SQLite and PostgreSQL: a process that
 * dies between the confirmation and the commit leaves no broadcast, and the redelivered message
 * schedules it once; a turn run again after a conflict (the session changed, the id was taken)
 * schedules once; a message another process handled schedules nothing more; the sender is woken
 * only after the commit; the audit row is the one scheduling a draft writes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConversationRunner, type RunnerOptions, type RunnerReply } from "../../core/survey/runner.js";
import { step as engineStep } from "../../core/engine/step.js";
import type { EngineContext, Input, SessionState } from "../../core/engine/types.js";
import type { DomainWrite, ResidentRecord, Store, Turn, TurnOutcome } from "../../core/model/index.js";
import { createOutreach } from "../../core/outreach/index.js";
import { createOutreachInterceptor } from "../../core/outreach/interceptor.js";
import { StaffDirectory } from "../../core/outreach/invitations.js";
import { outreachSettings } from "../../core/outreach/settings.js";
import { BACKENDS } from "../support/databases.js";
import { TEST_REGIONS } from "../support/auto-resident.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { SECRET, TEST_TIPS, textOf } from "./support.js";

type Commit = (turn: Turn) => Promise<TurnOutcome>;

/** The store with its commitTurn replaced (`real` is the store's own). */
function withCommit(store: Store, commit: (turn: Turn, real: Commit) => Promise<TurnOutcome>): Store {
  const real: Commit = (turn) => store.commitTurn(turn);
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "commitTurn") return (turn: Turn) => commit(turn, real);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const scheduleOf = (turn: Turn) => turn.writes.find((write): write is Extract<DomainWrite, { type: "broadcast.schedule" }> => write.type === "broadcast.schedule");

/** "Sending now (id …)": the id the officer was told. */
function toldId(reply: RunnerReply): string {
  const match = /Sending now \(id (\w+)\)/.exec(textOf(reply));
  if (!match?.[1]) throw new Error(`no broadcast id in ${textOf(reply)}`);
  return match[1];
}

describe.each(BACKENDS)("a broadcast confirmed in chat, committed with the turn, on $name", ({ create }) => {
  let opened: TestStore;
  let store: Store;
  const clock = new Date(Date.now() + 60_000);
  let households = 0;

  /** A running process: a runner with outreach's commands and hook, counting the sender's wake-ups. */
  function startProcess(over: Store, options: Partial<RunnerOptions> = {}) {
    const wakes = { count: 0 };
    const outreach = createOutreach({ store: over, secret: SECRET, settings: outreachSettings({ OUTREACH_SENDER: "off" }), tips: TEST_TIPS });
    const interceptor = createOutreachInterceptor({
      store: over,
      secret: SECRET,
      staff: new StaffDirectory(over),
      broadcasts: { tips: () => TEST_TIPS, platforms: () => new Set(["test"]), notify: () => wakes.count++ },
    });
    const runner = new ConversationRunner({ store: over, staffCommands: outreach.staffCommands, interceptors: [interceptor], now: () => clock, ...options });
    const send = (user: string, input: Input, messageId: string) => runner.handle({ platform: "test", platformUserId: user, chatId: user, messageId, langCode: "en", input });
    return { runner, wakes, send };
  }

  /** An officer with two households (before any process starts: the staff directory caches). */
  async function officer(user: string): Promise<ResidentRecord> {
    await store.resolveIdentity({ platform: "test", platformUserId: user, chatId: user, lang: "en" });
    const staff = await store.setRole("test", user, "officer");
    for (let i = 0; i < 2; i++) {
      const { resident } = await store.resolveIdentity({ platform: "test", platformUserId: `household-${++households}`, chatId: `household-${households}`, lang: "zh-CN" });
      await store.assignHousehold({ officerId: staff.id, householdId: resident.id, regionId: null });
    }
    return staff;
  }

  /** Writes a notice and picks the households: the officer is at the preview. */
  async function toPreview(running: ReturnType<typeof startProcess>, user: string): Promise<void> {
    expect(textOf(await running.send(user, { kind: "text", text: "/broadcast Lock your doors at night." }, `${user}:write`))).toMatch(/English text saved/);
    expect(textOf(await running.send(user, { kind: "button", payload: "bc:aud:h" }, `${user}:audience`))).toMatch(/Preview: to my households; 2 will receive it/);
  }

  const confirm = (running: ReturnType<typeof startProcess>, user: string) => running.send(user, { kind: "button", payload: "bc:send" }, `${user}:send`);
  const broadcastsOf = async (staff: ResidentRecord) => store.listBroadcasts({ authorId: staff.id });
  const composeOf = async (staff: ResidentRecord) => ((await store.loadConversation(staff.id))?.state as SessionState | undefined)?.compose;

  beforeAll(async () => {
    opened = await openTestStore({ db: await create(), regions: TEST_REGIONS, defaultSurvey: true });
    store = opened.store;
  });
  afterAll(async () => {
    await opened?.close();
  });

  it("a process dying before the commit leaves no broadcast; the redelivery schedules it once", async () => {
    const staff = await officer("officer-crash");
    let died: Turn | undefined;
    let wakesAtCrash = -1;
    const dying = startProcess(
      withCommit(store, async (turn, real) => {
        if (!died && scheduleOf(turn)) {
          died = turn;
          wakesAtCrash = dying.wakes.count;
          throw new Error("the process died here");
        }
        return real(turn);
      }),
    );
    await toPreview(dying, "officer-crash");
    await expect(confirm(dying, "officer-crash")).rejects.toThrow(/died here/);
    // Nothing was scheduled, nobody was woken, the officer is still at the preview.
    expect(wakesAtCrash).toBe(0);
    expect(dying.wakes.count).toBe(0);
    expect(await broadcastsOf(staff)).toEqual([]);
    expect(await store.findDraft(staff.id, new Date(0))).toBeNull();
    expect((await composeOf(staff))?.step).toBe("preview");

    // The platform redelivers the message (its offset was never confirmed) to the restarted process.
    const restarted = startProcess(store);
    const reply = await confirm(restarted, "officer-crash");
    const id = toldId(reply);
    expect(reply.duplicate).toBe(false);
    const stored = await broadcastsOf(staff);
    expect(stored.map((b) => b.id)).toEqual([id]);
    expect(stored[0]).toMatchObject({ status: "scheduled", authorId: staff.id, audience: { kind: "households", officerId: staff.id }, scheduledAt: clock, createdAt: clock });
    expect(await composeOf(staff)).toBeUndefined();
    expect(restarted.wakes.count).toBe(1);
    // The id the dead process had drawn was never stored.
    expect(id).not.toBe(scheduleOf(died!)?.id);
    expect(await store.getBroadcast(scheduleOf(died!)!.id)).toBeNull();

    // Redelivered once more, to this process or another: a duplicate, nothing new.
    expect((await confirm(restarted, "officer-crash")).duplicate).toBe(true);
    const other = startProcess(store);
    expect((await confirm(other, "officer-crash")).duplicate).toBe(true);
    expect((await broadcastsOf(staff)).map((b) => b.id)).toEqual([id]);
    expect(restarted.wakes.count + other.wakes.count).toBe(1);

    // Audited exactly as scheduling a draft is.
    const audit = (await store.listAudit(1000)).filter((entry) => entry.action === "broadcast.schedule" && entry.actorId === staff.id);
    expect(audit).toEqual([{ actorId: staff.id, action: "broadcast.schedule", target: id, details: { at: clock.toISOString(), audience: { kind: "households", officerId: staff.id } }, at: clock }]);
    const draft = await store.createBroadcast({ authorId: staff.id, content: stored[0]!.content, audience: stored[0]!.audience, now: clock });
    await store.scheduleBroadcast(draft.id, clock, staff.id, clock);
    const fromDraft = (await store.listAudit(1000)).find((entry) => entry.target === draft.id);
    expect(audit[0]).toEqual({ ...fromDraft, target: id });
    await store.cancelBroadcast(draft.id, staff.id, clock);
  });

  it("a turn run again after a conflict schedules once, under the id the officer is told", async () => {
    const staff = await officer("officer-conflict");
    const drawn: string[] = [];
    const wakesAtCommit: number[] = [];
    const racing = startProcess(
      withCommit(store, async (turn, real) => {
        const write = scheduleOf(turn);
        if (write) drawn.push(write.id);
        if (write) wakesAtCommit.push(racing.wakes.count);
        if (write && drawn.length === 1) {
          // Another process moves the officer's session on just before this commit.
          const stored = await store.loadConversation(turn.residentId);
          expect(await real({ residentId: turn.residentId, channel: "test", state: stored!.state, expectedRevision: stored!.revision, writes: [], now: turn.now })).toBe("committed");
        }
        return real(turn);
      }),
    );
    await toPreview(racing, "officer-conflict");
    const id = toldId(await confirm(racing, "officer-conflict"));
    // Run twice, each time under a fresh id; only the committed one exists.
    expect(drawn).toHaveLength(2);
    expect(drawn[1]).toBe(id);
    expect(drawn[0]).not.toBe(id);
    expect(await store.getBroadcast(drawn[0]!)).toBeNull();
    expect((await broadcastsOf(staff)).map((b) => b.id)).toEqual([id]);
    expect(await composeOf(staff)).toBeUndefined();
    // Woken once, after the commit (never while the turn could still fail).
    expect(wakesAtCommit).toEqual([0, 0]);
    expect(racing.wakes.count).toBe(1);
  });

  it("an id already taken reruns the turn with a fresh one", async () => {
    const staff = await officer("officer-taken");
    const taken = await store.createBroadcast({ authorId: null, content: { text: { en: "someone else's" } }, audience: { kind: "everyone" }, status: "scheduled", scheduledAt: clock, now: clock });
    // The runner draws ids at random: the first context of the confirming turn gets the taken one.
    const forced = new WeakMap<EngineContext, EngineContext>();
    let forcedOnce = false;
    const stepWithTakenId: RunnerOptions["step"] = (ctx, state, input) => {
      let use = forced.get(ctx);
      if (!use) {
        use = !forcedOnce && ctx.newBroadcastId && state.compose?.step === "preview" ? ((forcedOnce = true), { ...ctx, newBroadcastId: taken.id }) : ctx;
        forced.set(ctx, use);
      }
      return engineStep(use, state, input);
    };
    const running = startProcess(store, { step: stepWithTakenId });
    await toPreview(running, "officer-taken");
    const reply = await confirm(running, "officer-taken");
    const id = toldId(reply);
    expect(forcedOnce).toBe(true);
    expect(id).not.toBe(taken.id);
    expect((await broadcastsOf(staff)).map((b) => b.id)).toEqual([id]);
    expect(await store.getBroadcast(taken.id)).toMatchObject({ authorId: null, content: { text: { en: "someone else's" } }, status: "scheduled" });
    expect((await store.listAudit(1000)).filter((entry) => entry.target === taken.id)).toEqual([]);
    expect(running.wakes.count).toBe(1);
  });

  it("a message another process handled meanwhile schedules nothing more", async () => {
    const staff = await officer("officer-twice");
    const first = startProcess(store);
    let handledThere: RunnerReply | undefined;
    let drawnHere: string | undefined;
    const second = startProcess(
      withCommit(store, async (turn, real) => {
        if (scheduleOf(turn) && !handledThere) {
          drawnHere = scheduleOf(turn)!.id;
          // The first process handles the same message (a redelivery) and commits first.
          handledThere = await confirm(first, "officer-twice");
        }
        return real(turn);
      }),
    );
    await toPreview(first, "officer-twice");
    const reply = await confirm(second, "officer-twice");
    expect(reply).toMatchObject({ duplicate: true, messages: [] });
    const id = toldId(handledThere!);
    expect(drawnHere).toBeDefined();
    expect(drawnHere).not.toBe(id);
    expect(await store.getBroadcast(drawnHere!)).toBeNull();
    expect((await broadcastsOf(staff)).map((b) => b.id)).toEqual([id]);
    expect(first.wakes.count).toBe(1);
    expect(second.wakes.count).toBe(0);
  });
});
