/**
 * The web chat's HTTP API: sessions, messages, leaflet codes, pushes, and every way a request can
 * be refused (each refusal says why in the visitor's language and changes nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLeafletCode } from "../../bots/web/signing.js";
import type { WebInbox } from "../../bots/web/inbox.js";
import type { WebPush } from "../../bots/web/messages.js";
import { ApiClient, lastOptions, rowCounts, staffFixture, startWebChat, texts, type StaffFixture, type WebTestApp } from "./support.js";

describe("web chat API", () => {
  let app: WebTestApp;
  let staff: StaffFixture;

  beforeAll(async () => {
    app = await startWebChat({ messagesPerMinute: 1000, sessionsPerMinute: 1000 });
    staff = await staffFixture(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  const leafletRef = () => signLeafletCode(app.chat.keys, { officerId: staff.officer.id, regionCode: staff.street.code });

  it("serves the chat page at / with a strict content security policy and no inline script", async () => {
    const response = await fetch(`${app.url}/`, { headers: { "accept-language": "zh-TW,zh;q=0.9" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const html = await response.text();
    expect(html).toContain('<html lang="zh-TW">');
    expect(html).toContain("公眾安全感和滿意度調查");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son\w+=/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it("serves the page files and the page's strings", async () => {
    for (const [path, type] of [
      ["/web/static/chat.js", "text/javascript"],
      ["/web/static/chat.css", "text/css"],
      ["/web/static/leaflet.css", "text/css"],
      ["/web/static/icon.svg", "image/svg+xml"],
    ] as const) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toContain(type);
    }
    const strings = (await (await fetch(`${app.url}/web/i18n/en.json`)).json()) as { page: { send: string } };
    expect(strings.page.send).toBe("Send");
    expect((await fetch(`${app.url}/web/static/../channel.ts`)).status).toBe(404);
    expect((await fetch(`${app.url}/web/static/secret.txt`)).status).toBe(404);
    expect((await fetch(`${app.url}/web/i18n/fr.json`)).status).toBe(404);
  });

  it("gives a new visitor a signed, HTTP-only, SameSite=Strict session cookie and a CSRF token", async () => {
    const client = new ApiClient(app.url);
    const before = rowCounts(app.dbFile);
    const { status, body, setCookie } = await client.session({ lang: "en-US" });
    expect(status).toBe(200);
    expect(setCookie).toMatch(/^anxin_web=[A-Za-z0-9_-]{22}\.[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(body).toEqual({ csrf: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), lang: "en", known: false });
    // Anonymous until the first message: opening the page stores nothing.
    expect(rowCounts(app.dbFile)).toEqual(before);
  });

  it("runs the conversation: consent, the first question, an answer, a typed answer", async () => {
    const client = new ApiClient(app.url);
    await client.session({ lang: "zh-CN" });
    const opened = await client.send({ kind: "open" });
    expect(opened.status).toBe(200);
    expect(opened.body.lang).toBe("zh-CN");
    expect(texts(opened.body).join("\n")).toContain("您同意参加吗？");
    const consent = lastOptions(opened.body).find((o) => o.label === "同意");
    expect(consent).toBeDefined();

    const first = await client.send({ kind: "button", payload: consent!.payload });
    const question = (first.body.messages as { kind: string; questionId?: string }[]).find((m) => m.kind === "question");
    expect(question?.questionId).toBe("safety_overall");
    const typed = await client.send({ kind: "text", text: "2" });
    expect((typed.body.messages as { questionId?: string }[]).some((m) => m.questionId === "safety_trend")).toBe(true);
  });

  it("handles a message id once: a repeat is a duplicate and changes nothing", async () => {
    const client = new ApiClient(app.url);
    await client.session({});
    await client.send({ kind: "open" });
    const first = await client.send({ kind: "text", text: "同意" }, "same-id-0001");
    expect(first.body.duplicate).toBe(false);
    const before = rowCounts(app.dbFile);
    const again = await client.send({ kind: "text", text: "同意" }, "same-id-0001");
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, messages: [] });
    expect(rowCounts(app.dbFile)).toEqual(before);
  });

  it("switches language from the page's picker", async () => {
    const client = new ApiClient(app.url);
    await client.session({ lang: "zh-CN" });
    await client.send({ kind: "open" });
    const switched = await client.send({ kind: "lang", lang: "zh-TW" });
    expect(switched.body.lang).toBe("zh-TW");
    expect(texts(switched.body).join("\n")).toMatch(/繁體中文|您同意參加嗎/);
  });

  describe("refusals change nothing and say why in the visitor's language", () => {
    let client: ApiClient;
    beforeAll(async () => {
      client = new ApiClient(app.url, "en");
      await client.session({ lang: "en" });
      await client.send({ kind: "open" });
    });

    async function refused(init: RequestInit, path = "/web/api/messages"): Promise<{ status: number; body: { error: string; message: string } }> {
      const before = rowCounts(app.dbFile);
      const response = await fetch(`${app.url}${path}`, { method: "POST", ...init });
      const body = (await response.json()) as { error: string; message: string };
      expect(rowCounts(app.dbFile)).toEqual(before);
      return { status: response.status, body };
    }
    const valid = () => JSON.stringify({ id: `ok-${Math.random().toString(36).slice(2, 12)}`, input: { kind: "text", text: "1" } });

    it("an oversized body (413)", async () => {
      const body = JSON.stringify({ id: "big-00001", input: { kind: "text", text: "安".repeat(20_000) } });
      const result = await refused({ headers: client.headers(), body });
      expect(result).toEqual({ status: 413, body: { error: "too_large", message: "That message is too long. Please send something shorter." } });
    });

    it("a text longer than a message may be (400)", async () => {
      const result = await refused({ headers: client.headers(), body: JSON.stringify({ id: "long-00001", input: { kind: "text", text: "x".repeat(2001) } }) });
      expect(result.status).toBe(400);
      expect(result.body).toEqual({ error: "text_too_long", message: "That message is too long. Please keep it under 2000 characters." });
    });

    it("malformed JSON, a wrong shape, a bad message id (400)", async () => {
      for (const body of ["{not json", JSON.stringify({ id: "shape-0001", input: { kind: "delete-everything" } }), JSON.stringify({ id: "x", input: { kind: "text", text: "1" } }), JSON.stringify({ id: "extra-0001", input: { kind: "text", text: "1" }, admin: true }), "[]"]) {
        const result = await refused({ headers: client.headers(), body });
        expect(result.status, body).toBe(400);
        expect(result.body.error, body).toBe("bad_request");
        expect(result.body.message).toBe("That request was not understood. Please reload the page and try again.");
      }
    });

    it("a form post instead of JSON (415)", async () => {
      const result = await refused({ headers: client.headers({ "content-type": "application/x-www-form-urlencoded" }), body: "id=abcdefgh&text=1" });
      expect(result.status).toBe(415);
      expect(result.body.error).toBe("bad_request");
    });

    it("a forged, tampered or missing cookie (401), and the bad cookie is cleared", async () => {
      const sid = client.cookie!.split("=")[1]!.split(".")[0]!;
      for (const cookie of [`anxin_web=${sid}.forgedsignature`, `anxin_web=${sid}`, "anxin_web=AAAAAAAAAAAAAAAAAAAAAA.xyz", undefined]) {
        const headers = client.headers();
        if (cookie) headers.cookie = cookie;
        else delete headers.cookie;
        const before = rowCounts(app.dbFile);
        const response = await fetch(`${app.url}/web/api/messages`, { method: "POST", headers, body: valid() });
        expect(response.status, cookie).toBe(401);
        expect(await response.json()).toEqual({ error: "session_invalid", message: "Your session is not valid any more. Please tap Start over." });
        if (cookie) expect(response.headers.get("set-cookie")).toMatch(/anxin_web=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/);
        expect(rowCounts(app.dbFile)).toEqual(before);
      }
    });

    it("a forged cookie when opening a session (401), in Traditional Chinese", async () => {
      const result = await refused({ headers: { ...client.headers({ "x-anxin-lang": "zh-TW" }), cookie: "anxin_web=AAAAAAAAAAAAAAAAAAAAAA.forged" }, body: "{}" }, "/web/api/session");
      expect(result).toEqual({ status: 401, body: { error: "session_invalid", message: "您的登入資訊無效，請點「重新開始」。" } });
    });

    it("a missing or wrong CSRF token (403)", async () => {
      const other = new ApiClient(app.url);
      await other.session({});
      for (const token of [undefined, "x".repeat(32), other.csrf!]) {
        const headers = client.headers();
        if (token) headers["x-anxin-csrf"] = token;
        else delete headers["x-anxin-csrf"];
        const result = await refused({ headers, body: valid() });
        expect(result.status).toBe(403);
        expect(result.body).toEqual({ error: "csrf", message: "This page has expired. Please reload it and try again." });
      }
    });

    it("a request from another site (403)", async () => {
      // The same host on the other scheme or another port is another site too.
      const url = new URL(app.url);
      const sameHost = [`https://${url.host}`, `http://${url.hostname}:${Number(url.port) + 1}`, `http://${url.hostname}`];
      for (const origin of ["https://evil.example", "null", ...sameHost]) {
        const result = await refused({ headers: client.headers({ origin }), body: valid() });
        expect(result.status).toBe(403);
        expect(result.body.error).toBe("origin");
      }
      const crossSite = client.headers({ "sec-fetch-site": "cross-site" });
      delete crossSite.origin;
      expect((await refused({ headers: crossSite, body: valid() })).status).toBe(403);
      expect((await refused({ headers: client.headers({ origin: "https://evil.example" }), body: "{}" }, "/web/api/session")).status).toBe(403);
    });
  });

  describe("leaflet codes", () => {
    it("makes the visitor one of the officer's households in the code's region", async () => {
      const client = new ApiClient(app.url);
      const { status, body } = await client.session({ ref: leafletRef(), lang: "zh-CN" });
      expect(status).toBe(200);
      expect(body.known).toBe(false);
      const households = await app.store.listHouseholds(staff.officer.id);
      const identity = await app.store.findIdentity("web", client.cookie!.split("=")[1]!.split(".")[0]!);
      expect(households).toContainEqual(expect.objectContaining({ householdId: identity!.residentId, regionId: staff.street.id }));
      // The survey starts straight away (after consent) and its response carries the officer.
      const opened = await client.send({ kind: "open", survey: true });
      const consent = lastOptions(opened.body).find((o) => o.label === "同意")!;
      await client.send({ kind: "button", payload: consent.payload });
      const wave = await app.store.currentWave(new Date());
      expect(await app.store.getResponse(identity!.residentId, wave!.id)).toMatchObject({ officerId: staff.officer.id, regionId: staff.street.id, channel: "web" });
    });

    it("refuses a code with a bad signature on the page and in the API, creating nothing", async () => {
      const good = leafletRef();
      const [officerId, region] = good.split(".") as [string, string, string];
      const forged = [
        `${officerId}.${region}.${"A".repeat(22)}`,
        `${staff.admin.id}.${region}.${good.split(".")[2]}`,
        `${officerId}.${Buffer.from(staff.otherStreet.code).toString("base64url")}.${good.split(".")[2]}`,
        "not-a-code",
      ];
      for (const code of forged) {
        const before = rowCounts(app.dbFile);
        const page = await fetch(`${app.url}/q/${encodeURIComponent(code)}`, { headers: { "accept-language": "en" } });
        expect(page.status, code).toBe(400);
        expect(page.headers.get("content-type")).toMatch(/text\/html/);
        expect(await page.text()).toContain("This QR code is not valid");
        const client = new ApiClient(app.url);
        const result = await client.session({ ref: code });
        expect(result.status).toBe(400);
        expect(result.body).toEqual({ error: "bad_qr", message: expect.stringContaining("二维码无效") });
        expect(result.setCookie).toBeNull();
        expect(rowCounts(app.dbFile)).toEqual(before);
      }
    });

    it("serves the chat page for a good code", async () => {
      const page = await fetch(`${app.url}/q/${leafletRef()}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('src="/web/static/chat.js"');
    });

    it("refuses a correctly signed code of someone who is no longer an officer (410)", async () => {
      const former = await app.store.setRole("telegram", "former-officer", "officer");
      const code = signLeafletCode(app.chat.keys, { officerId: former.id, regionCode: staff.street.code });
      await app.store.setRole("telegram", "former-officer", "resident");
      const before = rowCounts(app.dbFile);
      const result = await new ApiClient(app.url, "en").session({ ref: code });
      expect(result.status).toBe(410);
      expect(result.body).toEqual({ error: "stale_qr", message: expect.stringContaining("no longer in use") });
      expect(rowCounts(app.dbFile)).toEqual(before);
    });
  });

  describe("pushes", () => {
    it("reaches an open page through server-sent events", async () => {
      const client = new ApiClient(app.url);
      await client.session({});
      const sid = client.cookie!.split("=")[1]!.split(".")[0]!;
      const controller = new AbortController();
      const response = await fetch(`${app.url}/web/api/events`, { headers: { cookie: client.cookie! }, signal: controller.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let received = "";
      while (!received.includes("retry:")) received += decoder.decode((await reader.read()).value);
      expect(app.chat.hub.listening(sid)).toBe(1);
      const result = await app.chat.push(sid, "zh-CN", [{ kind: "info", text: "防范提示：<b>陌生来电</b>要小心" }]);
      expect(result.ok).toBe(true);
      while (!received.includes("\n\nevent: push") && !/event: push\ndata: .*\n\n/.test(received)) received += decoder.decode((await reader.read()).value);
      const data = /event: push\ndata: (.*)\n\n/.exec(received)?.[1];
      expect(JSON.parse(data!)).toEqual({ lang: "zh-CN", messages: [{ kind: "info", text: "防范提示：<b>陌生来电</b>要小心" }] });
      controller.abort();
    });

    it("reaches a long-polling page", async () => {
      const client = new ApiClient(app.url);
      await client.session({});
      const sid = client.cookie!.split("=")[1]!.split(".")[0]!;
      const polled = fetch(`${app.url}/web/api/poll`, { headers: { cookie: client.cookie! } });
      // The poll is registered once the hub lists it; wait for that rather than for time.
      while (app.chat.hub.listening(sid) === 0) await new Promise((resolve) => setImmediate(resolve));
      expect((await app.chat.push(sid, "en", [{ kind: "info", text: "Case update" }])).ok).toBe(true);
      const response = await polled;
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ pushes: [{ lang: "en", messages: [{ kind: "info", text: "Case update" }] }] });
    });

    it("reports a push to a closed page as retryable while there is no inbox", async () => {
      const result = await app.chat.push("AAAAAAAAAAAAAAAAAAAAAA", "zh-CN", [{ kind: "info", text: "x" }]);
      expect(result).toMatchObject({ ok: false, permanent: false, retryAfterMs: 600_000 });
    });

    it("refuses the event stream without a valid session (401)", async () => {
      expect((await fetch(`${app.url}/web/api/events`)).status).toBe(401);
      expect((await fetch(`${app.url}/web/api/poll`, { headers: { cookie: "anxin_web=AAAAAAAAAAAAAAAAAAAAAA.bad" } })).status).toBe(401);
    });
  });
});

describe("web chat with an inbox and tight limits", () => {
  let app: WebTestApp;
  const stored = new Map<string, WebPush[]>();
  const inbox: WebInbox = {
    async put(sessionId, push) {
      stored.set(sessionId, [...(stored.get(sessionId) ?? []), push]);
    },
    async take(sessionId, limit) {
      const waiting = stored.get(sessionId) ?? [];
      stored.set(sessionId, waiting.slice(limit));
      return waiting.slice(0, limit);
    },
  };

  beforeAll(async () => {
    app = await startWebChat({ inbox, messagesPerMinute: 3, sessionsPerMinute: 1000 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("keeps a push for a closed page in the inbox and hands it over when the page opens", async () => {
    const client = new ApiClient(app.url);
    await client.session({});
    const sid = client.cookie!.split("=")[1]!.split(".")[0]!;
    expect(await app.chat.push(sid, "zh-CN", [{ kind: "info", text: "您报的案子有进展了" }])).toEqual({ ok: true });
    const response = await fetch(`${app.url}/web/api/poll`, { headers: { cookie: client.cookie! } });
    expect(await response.json()).toEqual({ pushes: [{ lang: "zh-CN", messages: [{ kind: "info", text: "您报的案子有进展了" }] }] });
    expect(stored.get(sid)).toEqual([]);
  });

  it("limits the messages one session sends a minute (429, in the visitor's language)", async () => {
    const client = new ApiClient(app.url, "zh-CN");
    await client.session({});
    const statuses: number[] = [];
    let last: Record<string, unknown> = {};
    for (let i = 0; i < 4; i++) {
      const result = await client.send({ kind: "open" });
      statuses.push(result.status);
      last = result.body;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last).toEqual({ error: "rate_limited", message: "您操作得太快了，请稍等一会儿再试。" });
    // Another resident is not slowed down by this one.
    const other = new ApiClient(app.url);
    await other.session({});
    expect((await other.send({ kind: "open" })).status).toBe(200);
  });
});
