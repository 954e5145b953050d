/**
 * The same-origin check of the web chat's (and the field app's) state-changing requests: the
 * whole origin counts — scheme, host and port — against PUBLIC_URL, or else against the
 * request's own origin as Fastify reads it (forwarded headers only from a trusted proxy).
 */
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { expectedOrigin, isSameOrigin, type OriginRequest } from "../../bots/web/http.js";

/** A request as the check sees it. */
const request = (headers: Record<string, string>, protocol: "http" | "https", host: string): OriginRequest =>
  ({ headers, protocol, host }) as OriginRequest;

describe("with PUBLIC_URL", () => {
  const publicUrl = "https://anxin.example.gov.cn";
  const behindProxy = (origin: string) => request({ origin, host: "127.0.0.1:3000" }, "http", "127.0.0.1:3000");

  it("accepts the public origin however it is spelled", () => {
    for (const origin of ["https://anxin.example.gov.cn", "https://ANXIN.example.gov.cn", "https://anxin.example.gov.cn:443"]) {
      expect(isSameOrigin(behindProxy(origin), publicUrl), origin).toBe(true);
    }
    expect(isSameOrigin(behindProxy("https://anxin.example.gov.cn"), "https://anxin.example.gov.cn/some/path/")).toBe(true);
  });

  it("refuses an http:// page for an https:// app, another port and another host", () => {
    for (const origin of ["http://anxin.example.gov.cn", "https://anxin.example.gov.cn:8443", "https://evil.example", "https://anxin.example.gov.cn.evil.example", "null", "not a url"]) {
      expect(isSameOrigin(behindProxy(origin), publicUrl), origin).toBe(false);
    }
  });

  it("refuses an https:// page for an http:// app", () => {
    const plain = request({ origin: "https://anxin.example.gov.cn", host: "anxin.example.gov.cn" }, "http", "anxin.example.gov.cn");
    expect(isSameOrigin(plain, "http://anxin.example.gov.cn")).toBe(false);
    expect(isSameOrigin({ ...plain, headers: { ...plain.headers, origin: "http://anxin.example.gov.cn" } }, "http://anxin.example.gov.cn")).toBe(true);
  });

  it("does not fall back to the request's own origin (behind a proxy it says http)", () => {
    // The proxy's upstream address: a page there is not the public one.
    expect(isSameOrigin(behindProxy("http://127.0.0.1:3000"), publicUrl)).toBe(false);
    // The Host header alone never made a same-origin request: it is the attacker's to write.
    const sameHost = request({ origin: "http://anxin.example.gov.cn", host: "anxin.example.gov.cn" }, "http", "anxin.example.gov.cn");
    expect(isSameOrigin(sameHost, publicUrl)).toBe(false);
  });
});

describe("without PUBLIC_URL", () => {
  it("accepts only the request's own scheme, host and port", () => {
    const local = (origin: string) => request({ origin, host: "127.0.0.1:3000" }, "http", "127.0.0.1:3000");
    expect(isSameOrigin(local("http://127.0.0.1:3000"), undefined)).toBe(true);
    for (const origin of ["https://127.0.0.1:3000", "http://127.0.0.1:3001", "http://127.0.0.1", "http://localhost:3000"]) {
      expect(isSameOrigin(local(origin), undefined), origin).toBe(false);
    }
  });

  it("on https, refuses the same host over http", () => {
    const secure = (origin: string) => request({ origin, host: "anxin.example.gov.cn" }, "https", "anxin.example.gov.cn");
    expect(isSameOrigin(secure("https://anxin.example.gov.cn"), undefined)).toBe(true);
    expect(isSameOrigin(secure("http://anxin.example.gov.cn"), undefined)).toBe(false);
  });

  it("folds default ports: Host example.org:80 is http://example.org", () => {
    expect(expectedOrigin(request({}, "http", "example.org:80"), undefined)).toBe("http://example.org");
    expect(expectedOrigin(request({}, "https", "example.org:443"), undefined)).toBe("https://example.org");
    expect(expectedOrigin(request({}, "http", "bad host/"), undefined)).toBeUndefined();
  });
});

describe("without Origin", () => {
  it("trusts Sec-Fetch-Site from browsers, and non-browser clients (no ambient cookie)", () => {
    const without = (headers: Record<string, string>) => request(headers, "http", "127.0.0.1:3000");
    expect(isSameOrigin(without({ "sec-fetch-site": "same-origin" }), undefined)).toBe(true);
    expect(isSameOrigin(without({ "sec-fetch-site": "none" }), undefined)).toBe(true);
    expect(isSameOrigin(without({ "sec-fetch-site": "same-site" }), undefined)).toBe(false);
    expect(isSameOrigin(without({ "sec-fetch-site": "cross-site" }), "https://anxin.example.gov.cn")).toBe(false);
    expect(isSameOrigin(without({}), undefined)).toBe(true);
  });
});

describe("as Fastify reads the request", () => {
  /** A server answering whether POST /check passed, with or without a trusted proxy. */
  const server = async (trustProxy: boolean) => {
    const app = Fastify({ trustProxy });
    app.post("/check", async (req) => ({ same: isSameOrigin(req, undefined) }));
    await app.ready();
    return app;
  };
  const check = async (trustProxy: boolean, headers: Record<string, string>) => {
    const app = await server(trustProxy);
    try {
      const response = await app.inject({ method: "POST", url: "/check", headers });
      return (response.json() as { same: boolean }).same;
    } finally {
      await app.close();
    }
  };
  const forwarded = { host: "127.0.0.1:3000", "x-forwarded-proto": "https", "x-forwarded-host": "anxin.example.gov.cn" };

  it("behind a trusted proxy, takes the scheme and host the proxy forwarded", async () => {
    expect(await check(true, { ...forwarded, origin: "https://anxin.example.gov.cn" })).toBe(true);
    expect(await check(true, { ...forwarded, origin: "http://anxin.example.gov.cn" })).toBe(false);
    expect(await check(true, { ...forwarded, origin: "http://127.0.0.1:3000" })).toBe(false);
  });

  it("without a trusted proxy, ignores forwarded headers anyone could send", async () => {
    expect(await check(false, { ...forwarded, origin: "https://anxin.example.gov.cn" })).toBe(false);
    expect(await check(false, { ...forwarded, origin: "http://127.0.0.1:3000" })).toBe(true);
    expect(await check(false, { ...forwarded, origin: "https://127.0.0.1:3000" })).toBe(false);
  });
});
