/**
 * An imported XLSForm, stored and put in a wave, answered through the real ConversationRunner
 * and SQLite store: skip logic, a refused answer (constraint) with the form's own message,
 * or_other, the exclusive and max rules derived from a select_multiple constraint, and the
 * stored answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Input, OutMessage } from "../../core/engine/types.js";
import type { ConversationRunner, RunnerReply } from "../../core/survey/runner.js";
import type { Store, WaveRecord } from "../../core/model/index.js";
import { openFormWorld, type FormWorld } from "./form-world.js";
import { communityForm } from "./forms.js";
import { buildXlsx } from "./workbook.js";

let world: FormWorld;
let store: Store;
let runner: ConversationRunner;
let wave: WaveRecord;

beforeAll(async () => {
  world = await openFormWorld(await buildXlsx(communityForm()), { sourceName: "community.xlsx", waveName: "XLSForm wave" });
  expect(world.created).toBe(true);
  ({ store, runner, wave } = world);
});

afterAll(async () => {
  await world?.close();
});

/** One resident talking to the runner. */
class Resident {
  last: RunnerReply | undefined;
  private n = 0;
  constructor(private readonly user: string) {}

  async send(input: Input): Promise<OutMessage[]> {
    this.last = await runner.handle({ platform: "test", platformUserId: this.user, chatId: this.user, messageId: `${this.user}-${++this.n}`, input });
    return this.last.messages;
  }
  type(text: string): Promise<OutMessage[]> {
    return this.send({ kind: "text", text });
  }
  /** The question asked in the last reply. */
  get question(): OutMessage | undefined {
    return this.last?.messages.find((m) => m.kind === "question");
  }
  get texts(): string {
    return (this.last?.messages ?? []).map((m) => m.text).join("\n");
  }
  async answers(): Promise<{ status: string; answers: Record<string, unknown> } | null> {
    const response = await store.getResponse(this.last?.residentId ?? "", wave.id);
    return response ? { status: response.status, answers: response.answers } : null;
  }
}

describe("an imported XLSForm answered through the runner", () => {
  it("skips what the form skips and re-prompts with the form's constraint and required messages (en)", async () => {
    const r = new Resident("en-resident");
    await r.send({ kind: "start", arg: "survey_en" });
    await r.type("1"); // consent
    expect(r.texts).toContain("Welcome to the community safety survey.");
    expect(r.texts).toContain("About you");
    expect(r.question?.questionId).toBe("age");
    expect(r.question?.text).toContain("How old are you?");

    await r.type("12");
    expect(r.last?.messages[0]).toMatchObject({ kind: "error", text: "Age must be between 16 and 119" });
    expect(r.question?.questionId).toBe("age");

    // required with required_message: skipping is refused with the form's message.
    await r.type("skip");
    expect(r.last?.messages[0]).toMatchObject({ kind: "error", text: "Please tell us your age" });
    expect(r.question?.questionId).toBe("age");

    await r.type("35");
    expect(r.question?.questionId).toBe("victim");
    expect(r.question?.options?.map((o) => o.label)).toEqual(["Yes", "No"]);
    await r.type("No");
    // crime_types is relevant only after "yes".
    expect(r.question?.questionId).toBe("trend");
    await r.type("1"); // Better
    // hours: count-selected(crime_types) >= 2 or trend != 'better' → false, skipped.
    expect(r.question?.questionId).toBe("comments");
    expect(r.question?.text).toContain("Optional");
    expect(r.texts).not.toContain("We will follow up on theft.");
    await r.type("More patrols at night, please.");
    // The form's last note is the outro.
    expect(r.texts).toContain("Thank you for taking part!");
    expect(r.last?.events.map((e) => e.type)).toContain("ResponseCompleted");

    expect(await r.answers()).toEqual({
      status: "completed",
      answers: {
        age: { kind: "number", value: 35 },
        victim: { kind: "choice", option: "no" },
        trend: { kind: "choice", option: "better" },
        comments: { kind: "text", value: "More patrols at night, please." },
      },
    });
  });

  it("follows the other branch: or_other, exclusive and max from the constraint, decimal constraint (zh-CN)", async () => {
    const r = new Resident("zh-resident");
    await r.send({ kind: "start", arg: "survey" });
    await r.type("同意");
    expect(r.texts).toContain("欢迎参加社区安全感调查。");
    expect(r.question?.questionId).toBe("age");
    await r.type("四十");
    await r.type("是");
    expect(r.question?.questionId).toBe("crime_types");
    expect(r.question?.options?.map((o) => o.label).slice(0, 5)).toEqual(["盗窃", "诈骗", "抢劫", "都没有", "其他（请说明）"]);

    // not(selected(., 'none') and count-selected(.) > 1) → 'none' is exclusive.
    await r.type("1 4");
    expect(r.last?.messages[0]?.kind).toBe("error");
    expect(r.question?.questionId).toBe("crime_types");
    // count-selected(.) <= 3 → at most 3.
    await r.type("1 2 3 5");
    expect(r.last?.messages[0]?.kind).toBe("error");
    expect(r.last?.messages[0]?.text).toContain("3");

    await r.type("1 5"); // theft + other
    expect(r.texts).toContain("其他（请说明）");
    await r.type("电动车电瓶被偷");
    expect(r.question?.questionId).toBe("trend");
    await r.type("变差了");
    // hours is asked now (trend != 'better'); 200 breaks ". <= 168".
    expect(r.question?.questionId).toBe("hours");
    await r.type("200");
    expect(r.last?.messages[0]).toMatchObject({ kind: "error", text: "一周最多168小时" });
    await r.type("2.5");
    // The note relevant on selected(${crime_types}, 'theft') comes before the next question.
    expect(r.texts).toContain("我们会跟进盗窃问题。");
    expect(r.question?.questionId).toBe("comments");
    await r.type("0"); // optional: skip
    expect(r.texts).toContain("谢谢您的参与！");
    expect(r.last?.events.map((e) => e.type)).toContain("ResponseCompleted");

    expect(await r.answers()).toEqual({
      status: "completed",
      answers: {
        age: { kind: "number", value: 40 },
        victim: { kind: "choice", option: "yes" },
        crime_types: { kind: "choices", options: ["theft", "other"], other: "电动车电瓶被偷" },
        trend: { kind: "choice", option: "worse" },
        hours: { kind: "number", value: 2.5 },
      },
    });
  });

  it("does not ask 'trend' of a 16-year-old (relevant ${age} >= 18)", async () => {
    const r = new Resident("young");
    await r.send({ kind: "start", arg: "survey_en" });
    await r.type("1");
    await r.type("16");
    await r.type("no");
    expect(r.question?.questionId).toBe("hours");
    await r.type("skip");
    expect(r.question?.questionId).toBe("comments");
    await r.type("0");
    const stored = await r.answers();
    expect(stored?.status).toBe("completed");
    expect(Object.keys(stored?.answers ?? {}).sort()).toEqual(["age", "victim"]);
  });
});
