/**
 * Pure parts of the web chat: signatures, the locale files, the page files' syntax level and
 * escaping discipline.
 */
import { readFileSync } from "node:fs";
import { transformSync } from "esbuild";
import { describe, expect, it } from "vitest";
import { WEB_RESOURCES, requestLang, webText } from "../../bots/web/i18n.js";
import { escapeHtml, toWebMessages } from "../../bots/web/messages.js";
import {
  csrfToken,
  deriveKeys,
  isSessionId,
  newSessionId,
  signLeafletCode,
  verifyCsrfToken,
  verifyLeafletCode,
} from "../../bots/web/signing.js";

const keys = deriveKeys("unit-test-secret-".padEnd(40, "z"));
const otherKeys = deriveKeys("another-secret-".padEnd(40, "q"));

describe("leaflet codes", () => {
  it("round-trip, including region codes with any characters", () => {
    for (const regionCode of ["330102001", "东城/甲.1", "a".repeat(60)]) {
      const code = signLeafletCode(keys, { officerId: "cm1officer", regionCode });
      expect(code).toMatch(/^[A-Za-z0-9_.-]+$/);
      expect(verifyLeafletCode(keys, code)).toEqual({ officerId: "cm1officer", regionCode });
    }
  });

  it("are refused when any part is changed or another secret signed them", () => {
    const code = signLeafletCode(keys, { officerId: "cm1officer", regionCode: "330102001" });
    const [officer, region, sig] = code.split(".") as [string, string, string];
    const otherRegion = Buffer.from("330102002").toString("base64url");
    for (const bad of [
      `cm1other.${region}.${sig}`,
      `${officer}.${otherRegion}.${sig}`,
      `${officer}.${region}.${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`,
      `${officer}.${region}`,
      `${code}.extra`,
      "",
      signLeafletCode(otherKeys, { officerId: "cm1officer", regionCode: "330102001" }),
    ]) {
      expect(verifyLeafletCode(keys, bad), bad).toBeUndefined();
    }
  });

  it("carry a household for a QR left at a visit, and the household cannot be swapped or dropped", () => {
    const code = signLeafletCode(keys, { officerId: "cm1officer", regionCode: "330102001", householdId: "cm1house" });
    expect(verifyLeafletCode(keys, code)).toEqual({ officerId: "cm1officer", regionCode: "330102001", householdId: "cm1house" });
    const [officer, region, household, sig] = code.split(".") as [string, string, string, string];
    expect(household).toBe("cm1house");
    for (const bad of [`${officer}.${region}.cm1other.${sig}`, `${officer}.${region}.${sig}`, `${officer}.${region}..${sig}`, `${officer}.${region}.a!b.${sig}`]) {
      expect(verifyLeafletCode(keys, bad), bad).toBeUndefined();
    }
    expect(() => signLeafletCode(keys, { officerId: "cm1officer", regionCode: "1", householdId: "no spaces" })).toThrow();
  });
});

describe("sessions and CSRF tokens", () => {
  it("session ids are random and well-formed", () => {
    const ids = new Set(Array.from({ length: 50 }, () => newSessionId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(isSessionId(id)).toBe(true);
    expect(isSessionId("short")).toBe(false);
    expect(isSessionId("a".repeat(21) + "!")).toBe(false);
  });

  it("a CSRF token belongs to one session", () => {
    const a = newSessionId();
    const b = newSessionId();
    expect(verifyCsrfToken(keys, a, csrfToken(keys, a))).toBe(true);
    expect(verifyCsrfToken(keys, b, csrfToken(keys, a))).toBe(false);
    expect(verifyCsrfToken(otherKeys, a, csrfToken(keys, a))).toBe(false);
    expect(verifyCsrfToken(keys, a, undefined)).toBe(false);
  });
});

describe("web strings", () => {
  const leaves = (value: unknown, prefix = ""): Record<string, string> =>
    Object.entries(value as Record<string, unknown>).reduce<Record<string, string>>((all, [key, child]) => {
      if (typeof child === "string") all[`${prefix}${key}`] = child;
      else Object.assign(all, leaves(child, `${prefix}${key}.`));
      return all;
    }, {});

  it("have the same keys and placeholders in every language, none empty", () => {
    const reference = leaves(WEB_RESOURCES["zh-CN"]);
    for (const lang of ["zh-TW", "en"] as const) {
      const table = leaves(WEB_RESOURCES[lang]);
      expect(Object.keys(table).sort(), lang).toEqual(Object.keys(reference).sort());
      for (const [key, text] of Object.entries(table)) {
        expect(text.trim(), `${lang} ${key}`).not.toBe("");
        const vars = (s: string) => (s.match(/\{\{\w+\}\}/g) ?? []).sort();
        expect(vars(text), `${lang} ${key}`).toEqual(vars(reference[key]!));
      }
    }
  });

  it("fill in values and pick the visitor's language", () => {
    expect(webText("en", "error.text_too_long", { max: 2000 })).toBe("That message is too long. Please keep it under 2000 characters.");
    expect(requestLang({ "x-anxin-lang": "zh-TW", "accept-language": "en" }, "zh-CN")).toBe("zh-TW");
    expect(requestLang({ "accept-language": "zh-HK,zh;q=0.9" }, "en")).toBe("zh-TW");
    expect(requestLang({ "accept-language": "en-GB,en;q=0.8" }, "zh-CN")).toBe("en");
    expect(requestLang({ "accept-language": "fr-FR" }, "en")).toBe("en");
    expect(requestLang({ "x-anxin-lang": "xx" }, "zh-CN")).toBe("zh-CN");
  });
});

describe("messages for the page", () => {
  it("copy only the fields the page renders", () => {
    const out = toWebMessages([
      { kind: "question", text: "1/3 问题", questionId: "q1", progress: { index: 1, total: 3 }, multi: true, options: [{ key: "1", label: "A", payload: "a:1:ab12:0:0", selected: true }] },
      { kind: "info", text: "<b>x</b>", options: [] },
    ]);
    expect(out).toEqual([
      { kind: "question", text: "1/3 问题", questionId: "q1", progress: { index: 1, total: 3 }, multi: true, options: [{ key: "1", label: "A", payload: "a:1:ab12:0:0", selected: true }] },
      { kind: "info", text: "<b>x</b>" },
    ]);
    // A multiple choice's count and its Done as the way on; a language's name marked with its language.
    const multi = toWebMessages([
      {
        kind: "question",
        text: "（4/17）哪些？",
        multi: true,
        selection: { count: 2, max: 3 },
        options: [{ key: "0", label: "选好了", payload: "d:1:ab12:3", primary: true }],
      },
      { kind: "menu", text: "请选择语言", options: [{ key: "3", label: "English", payload: "l:en", lang: "en" }] },
    ]);
    expect(multi[0]).toMatchObject({ selection: { count: 2, max: 3 }, options: [{ key: "0", primary: true }] });
    expect(multi[1]?.options).toEqual([{ key: "3", label: "English", payload: "l:en", lang: "en" }]);
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  });
});

describe("page files", () => {
  const file = (name: string) => readFileSync(new URL(`../../bots/web/public/${name}`, import.meta.url), "utf8");

  it("use no syntax newer than ES2017, so WeChat's in-app browser runs them as served", () => {
    for (const name of ["chat.js", "leaflet.js"]) {
      const source = file(name);
      // esbuild rewrites any syntax the target lacks; identical output means there was none.
      const asIs = transformSync(source, { target: "esnext", loader: "js" }).code;
      const lowered = transformSync(source, { target: "es2017", loader: "js" }).code;
      expect(lowered, name).toBe(asIs);
    }
  });

  it("never turn server text into markup", () => {
    const source = file("chat.js");
    expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it("carry no inline script, style or event handler", () => {
    for (const name of ["chat.html"]) {
      const html = file(name);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style/);
      expect(html).not.toMatch(/\s(on\w+|style)=/);
    }
  });
});
