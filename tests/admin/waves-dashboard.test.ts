/**
 * The dashboard's Waves page (/admin/waves) and its JSON API (/admin/api/waves, DELETE
 * /admin/api/targets) over the admin fixture: the listing with statuses, counts and targets;
 * then, in an environment of their own (opening a wave changes the current one), setting and
 * removing targets, refusals that change nothing, opening a wave (the previous one ends),
 * scheduling one in office time (Asia/Shanghai by default; tests/admin/time-zone.test.ts has another zone), closing, the same through the API, and CSRF; cancelling
 * a scheduled wave with its button and through the API (DELETE /admin/api/waves/:id).
 */
import { runAnxin } from "./cli.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csrfToken } from "../../bots/dashboard/mount.js";
import { adminEnv, type AdminEnv } from "./support.js";
import { formatIsoInZone } from "../../core/util/time-zone.js";

const DAY = 24 * 3600 * 1000;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A datetime-local value ("2026-12-01T08:00") for `at` as seen at `offsetMinutes` east of UTC. */
function localInput(at: Date, offsetMinutes: number): string {
  return new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 16);
}

/** Posts a form as the browser does: the sign-in cookie, url-encoded fields, the page's CSRF token unless told otherwise. */
async function postForm(env: AdminEnv, url: string, fields: Record<string, string>, csrf: string | null = csrfToken(env.secret, env.tokens.admin)) {
  const cookie = `anxin_staff=${env.tokens.admin}`;
  const res = await env.app.inject({
    method: "POST",
    url,
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ ...fields, ...(csrf === null ? {} : { _csrf: csrf }) }).toString(),
  });
  if (res.statusCode !== 303) return res;
  // A change redirects (so that reloading cannot send the form again); the notice shows once, after it.
  const location = String(res.headers.location);
  expect(location).toMatch(/^\/admin\/waves\?lang=[a-zA-Z-]+(&wave=[^&]+)?&done=[\w-]+$/);
  const page = await env.app.inject({ url: location, headers: { cookie } });
  const reloaded = await env.app.inject({ url: location, headers: { cookie } });
  expect(reloaded.statusCode).toBe(200);
  expect(reloaded.body).not.toContain('id="wave-notice"');
  return page;
}

/** What a refused change must leave alone: the waves, their targets and the audit log. */
async function snapshotOf(env: AdminEnv): Promise<unknown> {
  const waves = await env.store.listWaves();
  return { waves, targets: await Promise.all(waves.map((w) => env.store.waveTargets(w.id))), audit: (await env.store.listAudit(1000)).length };
}

/** The table row of a wave on the page. */
function row(body: string, waveId: string): string {
  const start = body.indexOf(`<tr data-wave="${waveId}"`);
  if (start < 0) throw new Error(`no row for ${waveId}`);
  return body.slice(start, body.indexOf("</tr>", start));
}

describe("the Waves page", () => {
  let env: AdminEnv;
  beforeAll(async () => {
    env = await adminEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it("lists every wave newest first with status, counts and targets, and closes only a running one", async () => {
    const res = await env.app.inject({ url: "/admin/waves?lang=en", headers: bearer(env.tokens.admin) });
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain('<a href="/admin/waves?lang=en" class="active">Waves</a>');
    expect(body.indexOf(`data-wave="${env.fx.w2.id}"`)).toBeLessThan(body.indexOf(`data-wave="${env.fx.w1.id}"`));
    const w2 = row(body, env.fx.w2.id);
    expect(w2).toContain("2026-H2");
    expect(w2).toContain("public-safety v");
    // Office time (Asia/Shanghai by default), the zone named once on the page.
    expect(w2).toContain("2026-09-01 08:00");
    expect(body).toContain('<footer class="time-zone muted" id="time-zone">Times on this page are office time: Asia/Shanghai.</footer>');
    expect(w2).toContain("open-ended");
    expect(w2).toContain('<span class="status wave-current">current</span>');
    expect(w2).toMatch(/<td class="num">40<\/td><td class="num">3<\/td><td class="num">2<\/td>/);
    expect(w2).toContain("省均 Sense of security rate = 85%");
    expect(w2).toContain("市均 Sense of security rate = 80%");
    expect(w2).toContain(`action="/admin/waves/${env.fx.w2.id}/close?lang=en"`);
    const w1 = row(body, env.fx.w1.id);
    expect(w1).toContain("2026-07-01 08:00");
    expect(w1).toContain('<span class="status wave-closed">closed</span>');
    expect(w1).toMatch(/<td class="num">20<\/td><td class="num">0<\/td><td class="num">0<\/td>/);
    expect(w1).toContain("省均 Sense of security rate = 84%");
    expect(w1).not.toContain("Close now");
    // No script, no inline style: the strict CSP holds.
    expect(body).not.toMatch(/<script/i);
    expect(body).not.toMatch(/ style=/);
  });

  it("offers the open form with the current questionnaire's newest version, copying targets, in office time", async () => {
    const body = (await env.app.inject({ url: "/admin/waves?lang=zh-CN", headers: bearer(env.tokens.admin) })).body;
    const form = body.slice(body.indexOf('id="open-wave-form"'), body.indexOf("</form>", body.indexOf('id="open-wave-form"')));
    const version = (await env.store.listQuestionnaires()).filter((q) => q.key === "public-safety").sort((a, b) => b.version - a.version)[0]?.version;
    expect(form).toContain(`<option value="public-safety@${version}" selected>`);
    expect(form).toContain('name="opens" type="datetime-local"');
    expect(form).not.toContain('name="offset"');
    expect(form).toContain('name="copyTargets" value="1" checked');
    expect(form).toContain("填写的时间按办公地时间（Asia/Shanghai）理解");
    expect(body).toContain("调查轮次");
    expect(body).toContain("<span class=\"status wave-current\">当前</span>");
  });

  it("shows the targets of the current wave, or of the wave asked for, with the measures that take targets", async () => {
    const current = (await env.app.inject({ url: "/admin/waves?lang=en", headers: bearer(env.tokens.admin) })).body;
    expect(current).toContain("Targets of 2026-H2");
    expect(current).toContain('<option value="safety_overall.rate">Sense of security rate (%)</option>');
    expect(current).toContain('<option value="safety_overall.index">Sense of security index (20–100)</option>');
    expect(current).not.toContain('value="safety_overall.share"');
    const w1 = (await env.app.inject({ url: `/admin/waves?lang=en&wave=${env.fx.w1.id}`, headers: bearer(env.tokens.admin) })).body;
    expect(w1).toContain("Targets of 2026-H1");
    expect(w1).toMatch(/<th scope="row">省均<\/th><td>Sense of security rate <span class="muted">safety_overall.rate<\/span><\/td><td class="num">84%<\/td>/);
    const unknown = await env.app.inject({ url: "/admin/waves?lang=en&wave=nope", headers: bearer(env.tokens.admin) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain("There is no wave &quot;nope&quot;.");
  });

  it("lists the waves as JSON with ISO times at the office's offset, status, counts and targets", async () => {
    const res = await env.app.inject({ url: "/admin/api/waves", headers: bearer(env.tokens.admin) });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { current: string; timeZone: string; waves: { id: string; name: string; status: string; opensAt: string; closesAt: string | null; counts: unknown; targets: unknown[]; questionnaire: { key: string } }[] };
    expect(body.current).toBe(env.fx.w2.id);
    expect(body.timeZone).toBe("Asia/Shanghai");
    expect(body.waves.map((w) => [w.name, w.status])).toEqual([
      ["2026-H2", "current"],
      ["2026-H1", "closed"],
    ]);
    expect(body.waves[0]).toMatchObject({ opensAt: "2026-09-01T08:00:00+08:00", closesAt: null, counts: { completed: 40, inProgress: 3, abandoned: 2 }, questionnaire: { key: "public-safety" } });
    expect(body.waves[0]?.targets).toHaveLength(2);
    expect(body.waves[1]).toMatchObject({ closesAt: "2026-07-01T08:00:00+08:00", counts: { completed: 20, inProgress: 0, abandoned: 0 }, targets: [{ measureId: "safety_overall.rate", label: "省均", value: 0.84 }] });
  });
});

describe("changing waves and targets from the dashboard", () => {
  let env: AdminEnv;
  beforeAll(async () => {
    env = await adminEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  const snapshot = () => snapshotOf(env);
  const w2 = () => env.fx.w2.id;

  it("refuses every form without the right CSRF token, changing nothing", async () => {
    const before = await snapshot();
    const forms: [string, Record<string, string>][] = [
      ["/admin/waves/open", { name: "csrf" }],
      [`/admin/waves/${w2()}/close`, {}],
      [`/admin/waves/${w2()}/cancel`, {}],
      ["/admin/waves/targets", { wave: w2(), measure: "safety_overall.rate", label: "区均", value: "90" }],
      ["/admin/waves/targets/delete", { wave: w2(), measure: "safety_overall.rate", label: "省均" }],
    ];
    for (const [url, fields] of forms) {
      expect((await postForm(env, url, fields, null)).statusCode, url).toBe(403);
      expect((await postForm(env, url, fields, "wrong-token-wrong-token-wrong-to")).statusCode, url).toBe(403);
    }
    const cookie = { cookie: `anxin_staff=${env.tokens.admin}` };
    expect((await env.app.inject({ method: "POST", url: "/admin/api/waves", headers: cookie, payload: { name: "csrf" } })).statusCode).toBe(403);
    expect((await env.app.inject({ method: "POST", url: `/admin/api/waves/${w2()}/close`, headers: cookie, payload: {} })).statusCode).toBe(403);
    expect((await env.app.inject({ method: "DELETE", url: `/admin/api/waves/${w2()}`, headers: cookie })).statusCode).toBe(403);
    expect((await env.app.inject({ method: "DELETE", url: "/admin/api/targets", headers: cookie, payload: { wave: w2(), measure: "safety_overall.rate", label: "省均" } })).statusCode).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("sets a target typed as a percentage, and an index as a score", async () => {
    const res = await postForm(env, `/admin/waves/targets?lang=en&wave=${w2()}`, { wave: w2(), measure: "safety_overall.rate", label: " 区均 ", value: "95.3" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Target saved: 区均 Sense of security rate = 95.3%.");
    expect(row(res.body, w2())).toContain("区均 Sense of security rate = 95.3%");
    const index = await postForm(env, `/admin/waves/targets?lang=zh-CN`, { wave: w2(), measure: "safety_overall.index", label: "省均", value: "85.25" });
    expect(index.statusCode).toBe(200);
    const targets = await env.store.waveTargets(w2());
    expect(targets).toContainEqual({ measureId: "safety_overall.rate", label: "区均", value: 0.953 });
    expect(targets).toContainEqual({ measureId: "safety_overall.index", label: "省均", value: 85.25 });
    const audit = (await env.store.listAudit(1000)).filter((a) => a.action === "target.set");
    expect(audit.map((a) => a.details)).toContainEqual({ measure: "safety_overall.rate", label: "区均", value: 0.953, via: "dashboard" });
    expect(audit.every((a) => a.actorId === env.adminId)).toBe(true);
  });

  it("refuses a target out of range, an empty or overlong label and an unknown measure, with the form kept", async () => {
    const before = await snapshot();
    const cases: [Record<string, string>, string][] = [
      [{ measure: "safety_overall.rate", label: "区均", value: "120" }, "Rates are typed as percentages from 0 to 100 (e.g. 95.3)."],
      [{ measure: "safety_overall.rate", label: "区均", value: "" }, "Rates are typed as percentages from 0 to 100"],
      [{ measure: "safety_overall.index", label: "区均", value: "10" }, "This index takes scores from 20 to 100."],
      [{ measure: "safety_overall.rate", label: "  ", value: "90" }, "The label cannot be empty."],
      [{ measure: "safety_overall.rate", label: "长".repeat(41), value: "90" }, "The label can have at most 40 characters."],
      [{ measure: "safety_overall.share", label: "区均", value: "90" }, "&quot;safety_overall.share&quot; is not a measure of this wave that takes targets."],
    ];
    for (const [fields, message] of cases) {
      const res = await postForm(env, "/admin/waves/targets?lang=en", { wave: w2(), ...fields });
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.body).toContain(`Refused, nothing was changed: ${message}`);
    }
    const kept = await postForm(env, "/admin/waves/targets?lang=zh-CN", { wave: w2(), measure: "safety_overall.index", label: "区均", value: "101" });
    expect(kept.body).toContain("未执行，没有任何改动：该指数的分值范围是 20–100。");
    expect(kept.body).toContain('<option value="safety_overall.index" selected>');
    expect(kept.body).toContain('name="value" type="number" step="any" value="101"');
    expect((await postForm(env, "/admin/waves/targets", { wave: "nope", measure: "safety_overall.rate", label: "x", value: "1" })).statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it("checks targets set through the JSON API and the CLI by the same rules (rates as proportions there)", async () => {
    const put = (payload: Record<string, unknown>) =>
      env.app.inject({ method: "PUT", url: "/admin/api/targets?lang=en", headers: { ...bearer(env.tokens.admin), "x-csrf-token": csrfToken(env.secret, env.tokens.admin) }, payload });
    const before = await snapshot();
    for (const payload of [
      { wave: w2(), measure: "safety_overall.rate", label: "区均", value: 95.3 },
      { wave: w2(), measure: "safety_overall.share", label: "区均", value: 0.5 },
      { wave: w2(), measure: "safety_overall.rate", label: " ", value: 0.5 },
    ]) {
      const res = await put(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect((res.json() as { message: string }).message).toMatch(/\(this API takes rates as proportions 0–1\)$/);
    }
    await expect(runAnxin(env.db.target.url, "targets", "set", "--wave", w2(), "--measure", "safety_overall.rate", "--label", "区均", "--value", "95.3")).rejects.toThrow(/percentages from 0 to 100.*--value takes rates as proportions 0–1/);
    expect(await snapshot()).toEqual(before);
    const ok = await put({ wave: w2(), measure: "safety_overall.rate", label: "区均", value: 0.953 });
    expect(ok.statusCode).toBe(200);
    expect(await env.store.waveTargets(w2())).toContainEqual({ measureId: "safety_overall.rate", label: "区均", value: 0.953 });
  });

  it("removes a target with its button, and through the API", async () => {
    const res = await postForm(env, `/admin/waves/targets/delete?lang=en&wave=${w2()}`, { wave: w2(), measure: "safety_overall.rate", label: "区均" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Target removed: 区均 Sense of security rate.");
    expect(await env.store.waveTargets(w2())).not.toContainEqual(expect.objectContaining({ label: "区均" }));
    const again = await postForm(env, "/admin/waves/targets/delete?lang=en", { wave: w2(), measure: "safety_overall.rate", label: "区均" });
    expect(again.statusCode).toBe(404);
    expect(again.body).toContain("There is no such target (already removed?).");

    const api = await env.app.inject({ method: "DELETE", url: "/admin/api/targets", headers: bearer(env.tokens.admin), payload: { wave: "2026-H2", measure: "safety_overall.index", label: "省均" } });
    expect(api.statusCode).toBe(200);
    expect((api.json() as { targets: unknown[] }).targets).toEqual(expect.arrayContaining([{ measureId: "safety_overall.rate", label: "省均", value: 0.85 }]));
    expect(await env.store.waveTargets(w2())).toHaveLength(2);
    const gone = await env.app.inject({ method: "DELETE", url: "/admin/api/targets", headers: bearer(env.tokens.admin), payload: { wave: w2(), measure: "safety_overall.index", label: "省均" } });
    expect(gone.statusCode).toBe(404);
    const audit = (await env.store.listAudit(1000)).filter((a) => a.action === "target.delete").map((a) => a.details);
    expect(audit).toEqual(expect.arrayContaining([{ measure: "safety_overall.rate", label: "区均", via: "dashboard" }, { measure: "safety_overall.index", label: "省均", via: "api" }]));
  });

  it("refuses to open a wave it cannot, with the service's reason in a localized frame, changing nothing", async () => {
    const before = await snapshot();
    const cases: [Record<string, string>, RegExp][] = [
      [{ closes: "2020-01-01T00:00" }, /closing time 2020-01-01 00:00\+08:00 is not after the opening time/],
      [{ opens: "2020-01-01T00:00" }, /opening time 2020-01-01 00:00\+08:00 is in the past: a wave cannot be backdated/],
      [{ questionnaire: "public-safety@99" }, /questionnaire public-safety has no stored version 99 \(stored: public-safety v\d/],
      [{ name: "2026-H1" }, /the name &quot;2026-H1&quot; is already used by wave/],
      [{ opens: "tomorrow" }, /opening time: not a date or time: &quot;tomorrow&quot;/],
      [{ offset: "+25:00" }, /time zone &quot;\+25:00&quot;: expected a UTC offset such as \+08:00/],
    ];
    for (const [fields, message] of cases) {
      const res = await postForm(env, "/admin/waves/open?lang=en", { copyTargets: "1", ...fields });
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.body).toContain("Refused, nothing was changed: ");
      expect(res.body).toMatch(message);
    }
    // The form comes back as it was sent.
    const kept = await postForm(env, "/admin/waves/open?lang=en", { name: "2026-H1", opens: "2030-01-01T08:00" });
    expect(kept.body).toContain('name="name" value="2026-H1"');
    expect(kept.body).toContain('name="opens" type="datetime-local" value="2030-01-01T08:00"');
    expect(kept.body).toContain('name="copyTargets" value="1">');
    expect(await snapshot()).toEqual(before);
  });

  it("gives the reason for a refused open in the page's language, changing nothing", async () => {
    const before = await snapshot();
    const cases: [Record<string, string>, RegExp][] = [
      [{ questionnaire: "nope@1" }, /未执行，没有任何改动：问卷 nope 没有存储版本 1（已存储：public-safety v\d[^）]*）。/],
      [{ opens: "2030-01-01T08:00", closes: "2030-01-01T07:00" }, /未执行，没有任何改动：结束时间 2030-01-01 07:00\+08:00 不晚于开始时间 2030-01-01 08:00\+08:00。/],
    ];
    for (const [fields, message] of cases) {
      const res = await postForm(env, "/admin/waves/open?lang=zh-CN", fields);
      expect(res.statusCode, JSON.stringify(fields)).toBe(400);
      expect(res.body).toMatch(message);
      expect(res.body).not.toMatch(/has no stored version|is not after the opening time/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("opens the next wave now with the targets copied; the previous one ends", async () => {
    const res = await postForm(env, "/admin/waves/open?lang=en", { questionnaire: "", name: "2026-Q4", opens: "", closes: "", copyTargets: "1" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/Opened wave &quot;2026-Q4&quot; on public-safety v\d+: residents are asked it from now on\./);
    expect(res.body).toContain("Wave &quot;2026-H2&quot; ends when the new one opens");
    expect(res.body).toContain("It replaces &quot;2026-H2&quot; as the current wave");
    expect(res.body).toContain("Copied 2 target(s) from &quot;2026-H2&quot;.");
    const now = new Date();
    const current = await env.store.currentWave(now);
    expect(current?.name).toBe("2026-Q4");
    const h2 = (await env.store.listWaves()).find((w) => w.id === w2());
    expect(h2?.closesAt?.getTime()).toBe(current?.opensAt.getTime());
    expect((await env.store.waveTargets(current!.id)).map((t) => t.label).sort()).toEqual(["市均", "省均"]);
    expect(row(res.body, current!.id)).toContain('<span class="status wave-current">current</span>');
    expect(row(res.body, w2())).toContain('<span class="status wave-closed">closed</span>');
    const audit = (await env.store.listAudit(1000)).find((a) => a.action === "wave.open");
    expect(audit).toMatchObject({ actorId: env.adminId, target: current!.id, details: { name: "2026-Q4", replaces: w2(), ends: [w2()], targetsFrom: w2(), targets: 2, via: "dashboard" } });
  });

  it("schedules a wave in office time (Asia/Shanghai here: UTC+8)", async () => {
    const opens = new Date(Math.ceil((Date.now() + 30 * DAY) / 60_000) * 60_000);
    const closes = new Date(opens.getTime() + 60 * DAY);
    const res = await postForm(env, "/admin/waves/open?lang=en", { name: "2027-Q1", opens: localInput(opens, 480), closes: localInput(closes, 480) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`Scheduled wave &quot;2027-Q1&quot;`);
    const wave = (await env.store.listWaves()).find((w) => w.name === "2027-Q1");
    expect(wave?.opensAt.toISOString()).toBe(opens.toISOString());
    expect(wave?.closesAt?.toISOString()).toBe(closes.toISOString());
    expect(await env.store.waveTargets(wave!.id)).toEqual([]);
    const scheduled = row(res.body, wave!.id);
    expect(scheduled).toContain('<span class="status wave-scheduled">scheduled</span>');
    expect(scheduled).not.toContain("Close now");
    expect((await env.store.currentWave(new Date()))?.name).toBe("2026-Q4");
    // The running wave ends when the scheduled one opens.
    expect((await env.store.listWaves()).find((w) => w.name === "2026-Q4")?.closesAt?.toISOString()).toBe(opens.toISOString());
  });

  it("closes the current wave with its button; a closed wave cannot be closed again", async () => {
    const q4 = (await env.store.listWaves()).find((w) => w.name === "2026-Q4")!;
    const res = await postForm(env, `/admin/waves/${q4.id}/close?lang=en`, {});
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("Closed wave &quot;2026-Q4&quot;.");
    expect(res.body).toContain("No wave is open now: residents who want the survey are told none is running.");
    expect(await env.store.currentWave(new Date())).toBeNull();
    expect(row(res.body, q4.id)).toContain('<span class="status wave-closed">closed</span>');
    expect((await env.store.listAudit(1000)).find((a) => a.action === "wave.close")).toMatchObject({ actorId: env.adminId, target: q4.id, details: { name: "2026-Q4", via: "dashboard" } });
    const before = await snapshot();
    const again = await postForm(env, `/admin/waves/${q4.id}/close?lang=zh-CN`, {});
    expect(again.statusCode).toBe(400);
    expect(again.body).toMatch(/未执行，没有任何改动：“2026-Q4”已经结束（自 \d{4}-\d{2}-\d{2} \d{2}:\d{2}\+08:00 起）。/);
    expect((await postForm(env, "/admin/waves/nope/close", {})).statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it("opens and closes waves through the JSON API", async () => {
    const before = await snapshot();
    const refused = await env.app.inject({ method: "POST", url: "/admin/api/waves?lang=en", headers: bearer(env.tokens.admin), payload: { closes: "2020-01-01T00:00Z" } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ error: "bad_request", message: expect.stringMatching(/^closing time 2020-01-01 08:00\+08:00 is not after the opening time/) });
    // Without ?lang= the refusal is in the admin's own language (zh-CN here).
    const inChinese = await env.app.inject({ method: "POST", url: "/admin/api/waves", headers: bearer(env.tokens.admin), payload: { closes: "2020-01-01T00:00Z" } });
    expect((inChinese.json() as { message: string }).message).toMatch(/^结束时间 2020-01-01 08:00\+08:00/);
    expect((await env.app.inject({ method: "POST", url: "/admin/api/waves/nope/close", headers: bearer(env.tokens.admin), payload: {} })).json()).toEqual({ error: "not_found", message: "没有这个调查轮次。" });
    expect(await snapshot()).toEqual(before);

    const opened = await env.app.inject({ method: "POST", url: "/admin/api/waves", headers: bearer(env.tokens.admin), payload: { name: "api-wave", copyTargets: false } });
    expect(opened.statusCode).toBe(201);
    const body = opened.json() as { wave: { id: string; name: string; opensAt: string; closesAt: string }; status: string; endsAtNext: { name: string }; replaced: unknown; copiedTargets: unknown };
    expect(body).toMatchObject({ wave: { name: "api-wave" }, status: "current", replaced: null, copiedTargets: null, endsAtNext: { name: "2027-Q1" } });
    const scheduled = (await env.store.listWaves()).find((w) => w.name === "2027-Q1")!;
    expect(body.wave.closesAt).toBe(formatIsoInZone(scheduled.opensAt, "Asia/Shanghai"));
    expect(Date.parse(body.wave.closesAt)).toBe(scheduled.opensAt.getTime());
    expect((await env.store.listAudit(1000)).find((a) => a.action === "wave.open" && a.target === body.wave.id)?.details).toMatchObject({ via: "api" });

    const later = new Date(Date.now() + 2 * DAY);
    const closeLater = await env.app.inject({ method: "POST", url: `/admin/api/waves/${body.wave.id}/close`, headers: bearer(env.tokens.admin), payload: { at: later.toISOString() } });
    expect(closeLater.statusCode).toBe(200);
    expect(closeLater.json()).toMatchObject({ wave: { id: body.wave.id, closesAt: formatIsoInZone(later, "Asia/Shanghai") }, closedNow: false, wasCurrent: true, current: { name: "api-wave" } });
    expect((await env.app.inject({ method: "POST", url: `/admin/api/waves/${body.wave.id}/close`, headers: bearer(env.tokens.admin), payload: { at: "soon" } })).statusCode).toBe(400);
    expect((await env.app.inject({ method: "POST", url: "/admin/api/waves/nope/close", headers: bearer(env.tokens.admin), payload: {} })).statusCode).toBe(404);
    const closeNow = await env.app.inject({ method: "POST", url: `/admin/api/waves/${body.wave.id}/close`, headers: { cookie: `anxin_staff=${env.tokens.admin}`, "x-csrf-token": csrfToken(env.secret, env.tokens.admin) }, payload: {} });
    expect(closeNow.json()).toMatchObject({ closedNow: true, wasCurrent: true, current: null });

    const list = (await env.app.inject({ url: "/admin/api/waves", headers: bearer(env.tokens.admin) })).json() as { current: string | null; waves: { name: string; status: string }[] };
    expect(list.current).toBeNull();
    expect(list.waves.map((w) => [w.name, w.status])).toEqual([
      ["2027-Q1", "scheduled"],
      ["api-wave", "closed"],
      ["2026-Q4", "closed"],
      ["2026-H2", "closed"],
      ["2026-H1", "closed"],
    ]);
  });
});

describe("cancelling a scheduled wave from the dashboard", () => {
  let env: AdminEnv;
  beforeAll(async () => {
    env = await adminEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  const snapshot = () => snapshotOf(env);
  const inDays = (days: number) => new Date(Math.ceil((Date.now() + days * DAY) / 60_000) * 60_000);
  const h2 = async () => (await env.store.listWaves()).find((w) => w.id === env.fx.w2.id)!;

  it("offers Cancel only on the scheduled wave; cancelling it gives the running wave its end back", async () => {
    const opens = inDays(30);
    const scheduled = await postForm(env, "/admin/waves/open?lang=en", { name: "typo", opens: localInput(opens, 0), offset: "+00:00", copyTargets: "1" });
    expect(scheduled.statusCode).toBe(200);
    const wave = (await env.store.listWaves()).find((w) => w.name === "typo")!;
    expect((await h2()).closesAt?.toISOString()).toBe(opens.toISOString());
    expect(await env.store.waveTargets(wave.id)).toHaveLength(2);

    const page = (await env.app.inject({ url: "/admin/waves?lang=en", headers: bearer(env.tokens.admin) })).body;
    const typo = row(page, wave.id);
    expect(typo).toContain(`<form method="post" action="/admin/waves/${wave.id}/cancel?lang=en" class="inline cancel-wave"><input type="hidden" name="_csrf" value="`);
    expect(typo).toContain(">Cancel</button>");
    expect(typo).not.toContain("Close now");
    for (const other of [env.fx.w2.id, env.fx.w1.id]) expect(row(page, other)).not.toContain("/cancel");
    expect(page.match(/class="inline cancel-wave"/g)).toHaveLength(1);

    const res = await postForm(env, `/admin/waves/${wave.id}/cancel?lang=en`, {});
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`Cancelled the scheduled wave &quot;typo&quot; (it was to open ${localInput(opens, 480).replace("T", " ")}).`);
    expect(res.body).toContain("Wave &quot;2026-H2&quot; gets its end back: open-ended.");
    expect(res.body).not.toContain(`data-wave="${wave.id}"`);
    expect((await env.store.listWaves()).map((w) => w.id)).toEqual([env.fx.w2.id, env.fx.w1.id]);
    expect(await env.store.waveTargets(wave.id)).toEqual([]);
    expect((await h2()).closesAt).toBeNull();
    expect((await env.store.listAudit(1000)).find((a) => a.action === "wave.cancel")).toMatchObject({ actorId: env.adminId, target: wave.id, details: { name: "typo", restored: [env.fx.w2.id], via: "dashboard" } });
  });

  it("refuses to cancel a wave that has opened, in the page's language, changing nothing", async () => {
    const before = await snapshot();
    const en = await postForm(env, `/admin/waves/${env.fx.w2.id}/cancel?lang=en`, {});
    expect(en.statusCode).toBe(400);
    expect(en.body).toContain("Refused, nothing was changed: wave &quot;2026-H2&quot; has already opened (at 2026-09-01 08:00+08:00): close it instead (anxin wave close)");
    const zh = await postForm(env, `/admin/waves/${env.fx.w1.id}/cancel?lang=zh-CN`, {});
    expect(zh.statusCode).toBe(400);
    expect(zh.body).toContain("未执行，没有任何改动：“2026-H1”已经开始");
    expect((await postForm(env, "/admin/waves/nope/cancel", {})).statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it("cancels a scheduled wave through the JSON API", async () => {
    const [first, second] = [inDays(10), inDays(20)];
    const open = (name: string, opens: Date) => env.app.inject({ method: "POST", url: "/admin/api/waves", headers: bearer(env.tokens.admin), payload: { name, opens: opens.toISOString() } });
    const a = (await open("api-A", first)).json() as { wave: { id: string } };
    const b = (await open("api-B", second)).json() as { wave: { id: string } };
    expect((await h2()).closesAt?.toISOString()).toBe(first.toISOString());

    const before = await snapshot();
    const refused = await env.app.inject({ method: "DELETE", url: `/admin/api/waves/${env.fx.w2.id}?lang=en`, headers: bearer(env.tokens.admin) });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ error: "bad_request", message: 'wave "2026-H2" has already opened (at 2026-09-01 08:00+08:00): close it instead (anxin wave close)' });
    expect((await env.app.inject({ method: "DELETE", url: "/admin/api/waves/nope", headers: bearer(env.tokens.admin) })).statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);

    const res = await env.app.inject({ method: "DELETE", url: `/admin/api/waves/${a.wave.id}`, headers: bearer(env.tokens.admin) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      cancelled: expect.objectContaining({ id: a.wave.id, name: "api-A", opensAt: formatIsoInZone(first, "Asia/Shanghai"), closesAt: formatIsoInZone(second, "Asia/Shanghai") }),
      restored: [expect.objectContaining({ id: env.fx.w2.id, name: "2026-H2", closesAt: formatIsoInZone(second, "Asia/Shanghai") })],
    });
    expect((await h2()).closesAt?.toISOString()).toBe(second.toISOString());
    const last = await env.app.inject({ method: "DELETE", url: `/admin/api/waves/${b.wave.id}`, headers: { cookie: `anxin_staff=${env.tokens.admin}`, "x-csrf-token": csrfToken(env.secret, env.tokens.admin) } });
    expect(last.json()).toMatchObject({ cancelled: { id: b.wave.id }, restored: [{ id: env.fx.w2.id, closesAt: null }] });
    expect((await h2()).closesAt).toBeNull();
    expect((await env.app.inject({ method: "DELETE", url: `/admin/api/waves/${b.wave.id}`, headers: bearer(env.tokens.admin) })).statusCode).toBe(404);
    const audit = (await env.store.listAudit(1000)).filter((e) => e.action === "wave.cancel" && (e.target === a.wave.id || e.target === b.wave.id));
    expect(audit.map((e) => e.details)).toEqual(expect.arrayContaining([{ name: "api-A", restored: [env.fx.w2.id], via: "api" }, { name: "api-B", restored: [env.fx.w2.id], via: "api" }]));
  });
});
