import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PuppetMock, mock } from "wechaty-puppet-mock";
import { backoffDelay, DEFAULT_RESTART_POLICY, Supervisor, type Sleep } from "../../bots/wechat/supervisor.js";
import { WechatChannel } from "../../bots/wechat/channel.js";
import type { WechatyPuppet } from "../../bots/wechat/puppets.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { capturingLogger, MOCK_SETTINGS, quietLogger, seededDatabase, startMockWechat, type SeededDatabase } from "./harness.js";

/** A sleep that returns at once and remembers what it was asked to wait. */
function recordingSleep(): { sleep: Sleep; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

const policy = { initialDelayMs: 1_000, maxDelayMs: 8_000, maxRestarts: 5, stableMs: 60_000 };

describe("restart backoff", () => {
  it("doubles the delay up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(backoffDelay(DEFAULT_RESTART_POLICY, 100)).toBe(DEFAULT_RESTART_POLICY.maxDelayMs);
  });

  it("retries a failing start with growing delays until it runs", async () => {
    const { sleep, delays } = recordingSleep();
    let attempts = 0;
    const supervisor = new Supervisor({
      name: "test",
      run: async () => {
        attempts++;
        if (attempts <= 3) throw new Error(`refused ${attempts}`);
      },
      halt: async () => undefined,
      logger: quietLogger,
      policy,
      sleep,
    });
    await supervisor.start();
    expect(await supervisor.until("running", "failed")).toBe("running");
    expect(attempts).toBe(4);
    expect(delays).toEqual([1_000, 2_000, 4_000]);
  });

  it("reports its state with the last reason, logged at warn, and gives up at once on a permanent failure", async () => {
    const { sleep } = recordingSleep();
    const { logger, lines } = capturingLogger();
    let attempts = 0;
    const supervisor = new Supervisor({
      name: "test",
      run: async () => {
        attempts++;
        throw new Error(attempts === 1 ? "connect ECONNREFUSED secret-abc" : "401: Unauthorized");
      },
      halt: async () => undefined,
      logger,
      policy,
      sleep,
      describe: (error) => (error as Error).message.replace("secret-abc", "<token>"),
      permanent: (error) => (error as Error).message.startsWith("401"),
    });
    expect(supervisor.status().state).toBe("connecting");
    await supervisor.start();
    expect(await supervisor.until("failed")).toBe("failed");
    expect(attempts).toBe(2);
    expect(supervisor.status()).toMatchObject({ state: "failed", failures: 2, lastError: "401: Unauthorized" });
    const warning = lines.find((line) => line.level === 40) as { msg: string; reason?: string } | undefined;
    expect(warning).toMatchObject({ msg: "test: failed; restarting in 1 s", reason: "connect ECONNREFUSED <token>" });
    expect(lines.find((line) => line.level === 50)?.msg).toBe("test: retrying will not help; fix the cause and restart Anxin");
    expect(JSON.stringify(lines)).not.toContain("secret-abc");
    await supervisor.stop();
    expect(supervisor.status().state).toBe("stopped");
  });

  it("gives up after maxRestarts failures in a row, with the delay capped", async () => {
    const { sleep, delays } = recordingSleep();
    let halts = 0;
    const supervisor = new Supervisor({
      name: "test",
      run: async () => {
        throw new Error("never");
      },
      halt: async () => void halts++,
      logger: quietLogger,
      policy,
      sleep,
    });
    await supervisor.start();
    expect(await supervisor.until("failed")).toBe("failed");
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(halts).toBeGreaterThanOrEqual(6);
  });

  it("counts from the start again after a run that stayed up", async () => {
    const { sleep, delays } = recordingSleep();
    let clock = 0;
    let attempts = 0;
    const supervisor = new Supervisor({
      name: "test",
      run: async () => {
        attempts++;
        if (attempts === 1) throw new Error("first start fails");
      },
      halt: async () => undefined,
      logger: quietLogger,
      policy,
      sleep,
      now: () => clock,
    });
    await supervisor.start();
    await supervisor.until("running");
    clock += 10;
    supervisor.failed(new Error("dropped soon after"));
    await supervisor.until("running");
    clock += policy.stableMs;
    supervisor.failed(new Error("dropped after a long healthy run"));
    await supervisor.until("running");
    expect(delays).toEqual([1_000, 2_000, 1_000]);
  });

  it("stop() cancels a pending restart", async () => {
    let release: () => void = () => undefined;
    let runs = 0;
    const supervisor = new Supervisor({
      name: "test",
      run: async () => {
        runs++;
        throw new Error("down");
      },
      halt: async () => undefined,
      logger: quietLogger,
      policy,
      sleep: (_ms, signal) =>
        new Promise<void>((resolve) => {
          release = resolve;
          signal.addEventListener("abort", () => resolve());
        }),
    });
    await supervisor.start();
    expect(supervisor.state).toBe("waiting");
    await supervisor.stop();
    release();
    expect(supervisor.state).toBe("stopped");
    expect(runs).toBe(1);
  });
});

/** A puppet that cannot connect: its start fails at once. */
class UnreachablePuppet extends PuppetMock {
  // PuppetMock declares start() as a property (a mixin), so it is replaced as one.
  override start = async (): Promise<void> => {
    throw new Error("cannot reach WeChat");
  };
}

describe("the WeChat channel with a puppet that fails", () => {
  let seeded: SeededDatabase;
  beforeAll(async () => {
    seeded = await seededDatabase();
  });
  afterAll(async () => {
    await seeded?.close();
  });

  it("restarts the puppet with backoff after failed starts, then serves residents", async () => {
    const { sleep, delays } = recordingSleep();
    const mocker = new mock.Mocker();
    const working = new PuppetMock({ mocker });
    const created: WechatyPuppet[] = [];
    const channel = new WechatChannel({
      settings: MOCK_SETTINGS,
      runner: new ConversationRunner({ store: seeded.store }),
      logger: quietLogger,
      restart: policy,
      sleep,
      createPuppet: async () => {
        const puppet = created.length < 2 ? new UnreachablePuppet() : working;
        created.push(puppet);
        return puppet;
      },
    });
    await channel.prepare();
    await channel.start();
    expect(await channel.until("running", "failed")).toBe("running");
    expect(delays).toEqual([1_000, 2_000]);
    expect(created.length).toBe(3);
    expect(channel.currentPuppet).toBe(working);

    const me = mocker.createContact({ name: "安心" });
    mocker.login(me);
    while (!channel.isLoggedIn) await new Promise((resolve) => setImmediate(resolve));
    const zhang = mocker.createContact({ name: "张" });
    const answered = new Promise<string>((resolve) => zhang.on("message", (m: { payload: { talkerId?: string; text?: string } }) => {
        if (m.payload.talkerId === me.id) resolve(m.payload.text ?? "");
      }));
    zhang.say("你好").to(me);
    expect(await answered).toContain("您同意参加吗");
    await channel.stop();
    expect(channel.state).toBe("stopped");
  });

  it("gives up after the bounded number of restarts when the puppet never starts", async () => {
    const { sleep, delays } = recordingSleep();
    const channel = new WechatChannel({
      settings: MOCK_SETTINGS,
      runner: new ConversationRunner({ store: seeded.store }),
      logger: quietLogger,
      restart: { ...policy, maxRestarts: 2 },
      sleep,
      createPuppet: async () => new UnreachablePuppet(),
    });
    await channel.prepare();
    await channel.start();
    expect(await channel.until("failed")).toBe("failed");
    expect(delays).toEqual([1_000, 2_000]);
    expect(await channel.push("anyone", "zh-CN", [{ kind: "info", text: "x" }])).toEqual({ ok: false, permanent: false, error: "WeChat is not connected" });
    await channel.stop();
  });

  it("restarts a running puppet that reports an error and loses its login, but not one that stays healthy", async () => {
    const { sleep, delays } = recordingSleep();
    const { logger, lines } = capturingLogger();
    const first = await startMockWechat(seeded.store, {
      restart: policy,
      sleep,
      logger,
    });
    // A healthy puppet's error is only logged.
    first.puppet.emit("error", { data: "a hiccup" });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(first.channel.state).toBe("running");
    expect(delays).toEqual([]);

    // Losing the login along with an error is a broken connection: restart.
    const restarted = first.channel.until("waiting");
    await first.puppet.logout("connection lost");
    first.puppet.emit("error", { data: "connection lost" });
    await restarted;
    expect(await first.channel.until("running", "failed")).toBe("running");
    expect(delays).toEqual([1_000]);
    await first.stop();
    // Login, logout, errors and the reconnect are all in the log.
    const messages = lines.map((line) => line.msg);
    expect(messages).toEqual(
      expect.arrayContaining(["WeChat: logged in", "WeChat: logged out", "WeChat: puppet error", "WeChat: failed; restarting in 1 s", "WeChat: running again"]),
    );
    expect(lines.find((line) => line.msg === "WeChat: puppet error")?.level).toBe(50);
  });
});
