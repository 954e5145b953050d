/**
 * Outreach through the conversation runner: who may use which command, staff onboarding by
 * one-time invitation (deep link or typed code), household links, the /broadcast dialogue, read
 * confirmations, and the audit trail of every staff action.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatInvitationCode, signHouseholdCode } from "../../core/outreach/codes.js";
import { parseAudience, parseContent } from "../../core/outreach/content.js";
import type { SessionState } from "../../core/engine/types.js";
import { outreachFixture, payloadOf, SECRET, textOf, type OutreachFixture } from "./support.js";

let fx: OutreachFixture;
beforeAll(async () => {
  fx = await outreachFixture({ publicUrl: "https://anxin.example" });
  await fx.store.setRole("test", "admin-1", "admin");
});
afterAll(async () => {
  await fx?.close();
});

const codeIn = (text: string): string => {
  const match = /INV-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/.exec(text);
  if (!match) throw new Error(`no invitation code in ${text}`);
  return match[0];
};

const invite = async (region = "330102001"): Promise<string> => codeIn(textOf(await fx.say("admin-1", `/invite officer ${region}`, "en")));

describe("who may use which command", () => {
  const OFFICER_REFUSAL = /only officers and staff can use|只有民警和工作人员可以使用/;
  const ADMIN_REFUSAL = /only administrators can use|只有管理员可以使用/;

  it.each(["/broadcast", "/broadcast list", "/broadcast cancel x", "/coverage", "/link", "/invite officer 330102001", "/staff", "/revoke test:admin-1"])("a resident cannot use %s", async (command) => {
    const before = await fx.store.listAudit(1000);
    const reply = await fx.say("resident-1", command, "en");
    expect(textOf(reply)).toMatch(/officers and staff|administrators/);
    expect((await fx.resident("resident-1")).role).toBe("resident");
    expect((await fx.store.listAudit(1000)).length).toBe(before.length);
  });

  it("an officer cannot use admin commands", async () => {
    const code = await invite();
    await fx.send("officer-a", { kind: "start", arg: code });
    for (const command of ["/invite officer 330102001", "/staff", "/revoke test:admin-1", "/revoke INV-AAAA-BBBB-CCCC"]) {
      expect(textOf(await fx.say("officer-a", command, "en")), command).toMatch(ADMIN_REFUSAL);
    }
    expect((await fx.resident("admin-1")).role).toBe("admin");
    expect(textOf(await fx.say("officer-a", "/coverage", "en"))).not.toMatch(OFFICER_REFUSAL);
  });

  it("a resident cannot press the dialogue's buttons", async () => {
    expect(textOf(await fx.press("resident-1", "bc:aud:e"))).toMatch(OFFICER_REFUSAL);
  });
});

describe("staff onboarding", () => {
  it("an admin invites an officer; opening the deep link makes them an officer of that region", async () => {
    const reply = await fx.say("admin-1", "/invite officer 330102001", "en");
    const text = textOf(reply);
    expect(text).toMatch(/One-time officer invitation for "Qingbo"/);
    expect(text).toContain("https://anxin.example/j/INV-");
    const code = codeIn(text);
    const welcome = await fx.send("officer-b", { kind: "start", arg: code }, "en");
    expect(textOf(welcome)).toMatch(/You are now an officer of 330102001/);
    const officer = await fx.resident("officer-b");
    expect(officer.role).toBe("officer");
    expect(officer.regionId).toBe((await fx.store.getRegionByCode("330102001"))?.id);
  });

  it("a code typed into the chat works too (WeChat, web), in any case and spacing", async () => {
    const code = await invite("330102002");
    await fx.say("officer-c", code.toLowerCase().replace(/-/g, " "));
    expect((await fx.resident("officer-c")).role).toBe("officer");
  });

  it("a used invitation grants nothing to anyone else", async () => {
    const code = await invite();
    await fx.send("officer-d", { kind: "start", arg: code });
    const reply = await fx.send("intruder", { kind: "start", arg: code }, "en");
    expect(textOf(reply)).toMatch(/already been used/);
    expect((await fx.resident("intruder")).role).toBe("resident");
    expect(textOf(await fx.say("intruder", "/broadcast", "en"))).toMatch(/only officers and staff/);
    // The same person opening it again changes nothing and says so.
    expect(textOf(await fx.send("officer-d", { kind: "start", arg: code }))).toMatch(/您已经用过这个邀请码/);
  });

  it("a revoked invitation grants nothing", async () => {
    const code = await invite();
    expect(textOf(await fx.say("admin-1", `/revoke ${code}`, "en"))).toMatch(/revoked/);
    const reply = await fx.send("revoked-1", { kind: "start", arg: code }, "en");
    expect(textOf(reply)).toMatch(/was revoked/);
    expect((await fx.resident("revoked-1")).role).toBe("resident");
    for (const command of ["/broadcast", "/coverage", "/link", "/invite officer 330102001", "/staff", "/revoke test:admin-1"]) {
      expect(textOf(await fx.say("revoked-1", command, "en")), command).toMatch(/only officers and staff|only administrators/);
    }
  });

  it("an expired or unknown invitation grants nothing", async () => {
    await fx.store.createInvitation({ code: "EXP2EXP2EXP2", role: "admin", regionId: null, createdById: null, expiresAt: new Date(Date.now() - 1000), now: new Date(Date.now() - 10_000) });
    expect(textOf(await fx.say("late-1", formatInvitationCode("EXP2EXP2EXP2"), "en"))).toMatch(/expired/);
    expect(textOf(await fx.say("late-1", "INV-ZZZZ-ZZZZ-ZZZZ", "en"))).toMatch(/no such invitation/);
    expect((await fx.resident("late-1")).role).toBe("resident");
  });

  it("an admin lists staff and open invitations, and revokes an officer", async () => {
    const open = await invite();
    const list = textOf(await fx.say("admin-1", "/staff", "en"));
    expect(list).toContain("test:officer-b");
    expect(list).toContain(open);
    expect(textOf(await fx.say("admin-1", "/revoke test:officer-c", "en"))).toMatch(/no longer staff/);
    expect((await fx.resident("officer-c")).role).toBe("resident");
    expect(textOf(await fx.say("officer-c", "/broadcast"))).toMatch(/只有民警和工作人员可以使用/);
    expect(textOf(await fx.say("admin-1", "/revoke test:resident-1", "en"))).toMatch(/is not staff/);
    expect(textOf(await fx.say("admin-1", "/revoke test:admin-1", "en"))).toMatch(/cannot revoke yourself/);
    expect(textOf(await fx.say("admin-1", "/invite officer 999", "en"))).toMatch(/no region with code 999/);
    expect(textOf(await fx.say("admin-1", "/invite", "en"))).toMatch(/Usage/);
  });

  it("an admin invitation makes an admin", async () => {
    const code = codeIn(textOf(await fx.say("admin-1", "/invite admin", "en")));
    await fx.send("admin-2", { kind: "start", arg: code });
    expect((await fx.resident("admin-2")).role).toBe("admin");
  });
});

describe("household links", () => {
  it("make whoever opens an officer's link one of their households, then start the survey", async () => {
    const officer = await fx.resident("officer-b");
    const link = textOf(await fx.say("officer-b", "/link", "en"));
    expect(link).toContain("https://anxin.example");
    const reply = await fx.send("household-1", { kind: "start", arg: signHouseholdCode(SECRET, officer.id) });
    // The engine greets them as for "take the survey": consent first.
    expect(reply.messages.some((m) => m.options?.some((o) => o.payload === "c:y"))).toBe(true);
    const households = await fx.store.listHouseholds(officer.id);
    const resident = await fx.resident("household-1");
    expect(households.map((h) => h.householdId)).toContain(resident.id);
    expect(households.find((h) => h.householdId === resident.id)?.regionId).toBe(officer.regionId);
    // The response they start belongs to that officer.
    const started = await fx.press("household-1", "c:y");
    expect(started.events.some((e) => e.type === "ResponseStarted")).toBe(true);
    expect((await fx.store.getResponse(resident.id, fx.wave.id))?.officerId).toBe(officer.id);
  });

  it("a forged link assigns nobody", async () => {
    const officer = await fx.resident("officer-b");
    await fx.send("household-2", { kind: "start", arg: signHouseholdCode("another-secret-0123456789abcdef", officer.id) });
    const resident = await fx.resident("household-2");
    expect((await fx.store.listHouseholds(officer.id)).map((h) => h.householdId)).not.toContain(resident.id);
  });
});

describe("the /broadcast dialogue", () => {
  it("writes a notice in two languages, picks the households, previews and sends", async () => {
    const officer = await fx.resident("officer-b");
    let reply = await fx.say("officer-b", "/broadcast", "en");
    expect(textOf(reply)).toMatch(/send the notice in English/);
    reply = await fx.say("officer-b", "Lock your doors at night.", "en");
    expect(textOf(reply)).toMatch(/English text saved/);
    reply = await fx.press("officer-b", payloadOf(reply, /Simplified Chinese/));
    reply = await fx.say("officer-b", "夜间请锁好门窗。");
    // Staff on WeChat type the option's key: "1" is "Choose recipients".
    reply = await fx.say("officer-b", "1");
    expect(textOf(reply)).toMatch(/Who should get it/);
    expect(reply.messages.flatMap((m) => m.options ?? []).map((o) => o.payload)).not.toContain("bc:aud:e");
    reply = await fx.press("officer-b", "bc:aud:h");
    expect(textOf(reply)).toMatch(/Preview: to my households; 1 will receive it/);
    expect(textOf(reply)).toContain("Lock your doors at night.");
    reply = await fx.press("officer-b", payloadOf(reply, /Send now/));
    expect(textOf(reply)).toMatch(/Sending now \(id (\w+)\)/);
    const id = /id (\w+)\)/.exec(textOf(reply))![1]!;
    const broadcast = await fx.store.getBroadcast(id);
    expect(broadcast).toMatchObject({ status: "scheduled", authorId: officer.id });
    expect(parseContent(broadcast!.content)).toEqual({ text: { en: "Lock your doors at night.", "zh-CN": "夜间请锁好门窗。" } });
    expect(parseAudience(broadcast!.audience)).toEqual({ kind: "households", officerId: officer.id });
    expect(await fx.store.findDraft(officer.id, new Date(0))).toBeNull();
    expect(((await fx.store.loadConversation(officer.id))?.state as SessionState | undefined)?.compose).toBeUndefined();
  });

  it("refuses what an officer may not address, and schedules for later", async () => {
    // An officer who writes in Chinese gets the dialogue in Chinese.
    const code = await invite();
    await fx.send("officer-zh", { kind: "start", arg: code });
    let reply = await fx.say("officer-zh", "/broadcast 明天上午停水，请提前储水。");
    expect(textOf(reply)).toMatch(/简体中文内容已保存/);
    reply = await fx.press("officer-zh", "bc:aud:e");
    expect(textOf(reply)).toMatch(/不能给这些居民发通知/);
    reply = await fx.press("officer-zh", "bc:aud:r");
    reply = await fx.say("officer-zh", "330106001");
    expect(textOf(reply)).toMatch(/不在您的辖区内/);
    reply = await fx.say("officer-zh", "330102001001");
    expect(textOf(reply)).toMatch(/预览：将发给地区 330102001001 的居民/);
    reply = await fx.press("officer-zh", "bc:sched");
    reply = await fx.say("officer-zh", "yesterday");
    expect(textOf(reply)).toMatch(/看不懂这个时间/);
    const before = Date.now();
    reply = await fx.say("officer-zh", "+2h");
    expect(textOf(reply)).toMatch(/将在 .* 发送（编号 (\w+)）/);
    const id = /编号 (\w+)）/.exec(textOf(reply))![1]!;
    const broadcast = await fx.store.getBroadcast(id);
    expect(broadcast?.status).toBe("scheduled");
    expect(broadcast!.scheduledAt!.getTime()).toBeGreaterThanOrEqual(before + 2 * 3600_000 - 1000);
    // Another officer cannot cancel it; its author can.
    expect(textOf(await fx.say("officer-a", `/broadcast cancel ${id}`, "en"))).toMatch(/没有可以取消的通知/);
    expect(textOf(await fx.say("officer-zh", `/broadcast cancel ${id}`))).toMatch(/已取消/);
    expect((await fx.store.getBroadcast(id))?.status).toBe("cancelled");
    expect(textOf(await fx.say("officer-zh", "/broadcast list"))).toContain(id);
  });

  it("takes a tip from the library, and can be discarded", async () => {
    let reply = await fx.say("officer-b", "/broadcast", "en");
    reply = await fx.press("officer-b", payloadOf(reply, /tip library/));
    reply = await fx.press("officer-b", payloadOf(reply, /Police never ask/));
    expect(textOf(reply)).toMatch(/Tip chosen: Police never ask for transfers/);
    const officer = await fx.resident("officer-b");
    // The draft is the officer's session (the engine's /broadcast dialogue), not a Broadcast row.
    const draft = (await fx.store.loadConversation(officer.id))?.state as SessionState | undefined;
    expect(parseContent(draft?.compose?.draft)).toMatchObject({ tipId: "fraud-1", text: { en: expect.stringMatching(/fraudster/) } });
    expect(await fx.store.findDraft(officer.id, new Date(0))).toBeNull();
    reply = await fx.say("officer-b", "/broadcast cancel", "en");
    expect(textOf(reply)).toMatch(/discarded/);
    expect(((await fx.store.loadConversation(officer.id))?.state as SessionState | undefined)?.compose).toBeUndefined();
    expect(await fx.store.findDraft(officer.id, new Date(0))).toBeNull();
    // With no draft, text is the engine's again.
    reply = await fx.say("officer-b", "/menu", "en");
    expect(reply.messages.length).toBeGreaterThan(0);
  });

  it("lets an admin address everyone", async () => {
    await fx.say("admin-1", "/broadcast Notice to all", "en");
    const reply = await fx.press("admin-1", "bc:aud:e");
    expect(textOf(reply)).toMatch(/Preview: to all residents/);
    expect(textOf(await fx.say("admin-1", "/broadcast cancel", "en"))).toMatch(/discarded/);
  });
});

describe("read confirmations", () => {
  it("by button (the resident's own delivery only) and by keyword", async () => {
    const officer = await fx.resident("officer-b");
    const household = await fx.resident("household-1");
    const broadcast = await fx.store.createBroadcast({ authorId: officer.id, content: { text: { "zh-CN": "防盗" } }, audience: { kind: "households", officerId: officer.id }, status: "scheduled", scheduledAt: new Date(), now: new Date() });
    const identity = (await fx.store.identitiesOf(household.id))[0]!;
    await fx.store.fanOutBroadcast(broadcast.id, [{ residentId: household.id, identityId: identity.id, status: "pending" }], new Date());
    const [job] = await fx.store.nextDeliveries({ now: new Date(), limit: 10, excludeResidentIds: [] });
    await fx.store.claimDelivery(job!.id, { leaseUntil: new Date(Date.now() + 60_000) });
    await fx.store.settleDelivery(job!.id, { status: "sent", platformMessageId: "5" }, new Date());
    expect(textOf(await fx.press("household-2", `rd:${job!.id}`))).toMatch(/已经失效/);
    expect(textOf(await fx.press("household-1", `rd:${job!.id}`))).toMatch(/已记录您读过/);
    expect(textOf(await fx.press("household-1", `rd:${job!.id}`))).toMatch(/已经记录过了/);
    const counts = (await fx.store.deliveryCounts([broadcast.id])).get(broadcast.id);
    expect(counts?.read).toBe(1);
    // "已读" with nothing unread is an ordinary message for the engine.
    const plain = await fx.say("household-1", "已读");
    expect(textOf(plain)).not.toMatch(/已记录您读过/);
  });
});

describe("the audit log", () => {
  it("has every staff action", async () => {
    const actions = new Set((await fx.store.listAudit(1000)).map((entry) => entry.action));
    for (const action of ["invitation.create", "invitation.redeem", "invitation.revoke", "staff.revoke", "broadcast.schedule", "broadcast.cancel"]) expect(actions, action).toContain(action);
    expect(fx.errors).toEqual([]);
  });
});
