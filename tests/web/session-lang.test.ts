/**
 * POST /web/api/session {"lang": …} decides the language the conversation starts in, whatever
 * the browser's Accept-Language says, until the resident picks another language in the dialogue.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { t } from "../../core/engine/i18n.js";
import { startWebChat, texts, type WebTestApp } from "./support.js";

let app: WebTestApp;

beforeAll(async () => {
  app = await startWebChat();
});
afterAll(async () => {
  await app?.close();
});

/** A client that keeps every cookie it is given, and whose browser prefers Simplified Chinese. */
class Browser {
  private cookies = new Map<string, string>();
  private csrf: string | undefined;
  private next = 0;

  private headers(): Record<string, string> {
    return {
      "content-type": "application/json",
      origin: app.url,
      "accept-language": "zh-CN,zh;q=0.9",
      ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ") } : {}),
      ...(this.csrf ? { "x-anxin-csrf": this.csrf } : {}),
    };
  }

  private async post(path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${app.url}${path}`, { method: "POST", headers: this.headers(), body: JSON.stringify(body) });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair?.indexOf("=") ?? -1;
      if (pair && at > 0) this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    expect(response.status, path).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  async session(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const reply = await this.post("/web/api/session", body);
    this.csrf = reply.csrf as string;
    return reply;
  }

  send(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.post("/web/api/messages", { id: `msg-lang-${Date.now().toString(36)}-${this.next++}`, input });
  }
}

describe("the language of POST /web/api/session", () => {
  it("is the conversation's, from the first message on, over the browser's Accept-Language", async () => {
    const browser = new Browser();
    expect(await browser.session({ lang: "en" })).toMatchObject({ lang: "en", known: false });
    const opened = await browser.send({ kind: "open" });
    expect(opened.lang).toBe("en");
    expect(texts(opened).join("\n")).toContain("Do you agree to take part?");
    const agreed = await browser.send({ kind: "text", text: "1" });
    expect(agreed.lang).toBe("en");
    expect(texts(agreed)[0]).toBe(t("en", "consent.thanks"));
    // A reload keeps it.
    expect(await browser.session({ lang: "en" })).toMatchObject({ lang: "en", known: true });
    const next = await browser.send({ kind: "text", text: "2" });
    expect(next.lang).toBe("en");
    expect(texts(next).join("\n")).toMatch(/\(2\/\d+\) Compared with a year ago/);
  });

  it("gives way to a language the resident picks in the dialogue", async () => {
    const browser = new Browser();
    await browser.session({ lang: "en" });
    await browser.send({ kind: "open" });
    const switched = await browser.send({ kind: "lang", lang: "zh-TW" });
    expect(switched.lang).toBe("zh-TW");
    const agreed = await browser.send({ kind: "text", text: "1" });
    expect(agreed.lang).toBe("zh-TW");
    expect(texts(agreed)[0]).toBe(t("zh-TW", "consent.thanks"));
    // Coming back with the English page does not undo the resident's own pick.
    expect(await browser.session({ lang: "en" })).toMatchObject({ lang: "zh-TW", known: true });
    expect((await browser.send({ kind: "text", text: "1" })).lang).toBe("zh-TW");
  });
});
