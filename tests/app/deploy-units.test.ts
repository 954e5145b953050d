/**
 * The deployment files of docs/deploy (issue 16) stay in step with the app: the compose file runs
 * three instances with one configuration on PostgreSQL and Redis behind the proxy, every variable
 * it sets is one the app reads, the proxy knows every instance and the event stream's real path,
 * and the systemd unit starts the real entry point.
 */
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_HELP } from "../../app/config.js";

const read = (name: string) => readFileSync(new URL(`../../docs/deploy/${name}`, import.meta.url), "utf8");

interface ComposeService {
  environment?: Record<string, string>;
  image?: string;
  command?: string[];
  healthcheck?: unknown;
}

describe("docs/deploy", () => {
  const compose = parse(read("compose.yaml"), { merge: true }) as { services: Record<string, ComposeService> };
  const instances = Object.entries(compose.services).filter(([name]) => name.startsWith("anxin-"));

  it("runs three instances with one configuration, on PostgreSQL and Redis", () => {
    expect(instances.map(([name]) => name)).toEqual(["anxin-1", "anxin-2", "anxin-3"]);
    const environments = instances.map(([, service]) => JSON.stringify(service.environment));
    expect(new Set(environments).size).toBe(1);
    const env = instances[0]![1].environment!;
    expect(env.DATABASE_URL).toMatch(/^postgresql:\/\//);
    expect(env.REDIS_URL).toMatch(/^redis:\/\//);
    expect(env.APP_SECRET).toContain("APP_SECRET");
    for (const name of ["postgres", "redis", "proxy"]) expect(compose.services[name]).toBeDefined();
    expect(compose.services.postgres!.healthcheck).toBeDefined();
    expect(compose.services.redis!.healthcheck).toBeDefined();
  });

  it("sets only variables the app reads", () => {
    const known = new Set(CONFIG_HELP.map(([name]) => name));
    const env = instances[0]![1].environment!;
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    const unit = read("anxin@.service");
    const unitVariables = [...unit.matchAll(/\b([A-Z][A-Z0-9_]{2,})=/g)].map((m) => m[1]!);
    expect(unitVariables.filter((name) => !known.has(name))).toEqual([]);
  });

  it("puts every instance behind the proxy, with the event stream unbuffered on its real path", () => {
    const nginx = read("nginx.conf");
    for (const [name] of instances) expect(nginx).toContain(`server ${name}:3000`);
    const stream = /location (\S+) \{[^}]*proxy_buffering off;/.exec(nginx);
    expect(stream?.[1]).toBe("/web/api/events");
    const channel = readFileSync(new URL("../../bots/web/channel.ts", import.meta.url), "utf8");
    expect(channel).toContain(`"${stream?.[1]}"`);
  });

  it("starts the real entry point, with a health check on a route the app serves", () => {
    expect(read("anxin@.service")).toMatch(/ExecStart=\/usr\/bin\/node tools\/anxin\.js start/);
    expect(existsSync(new URL("../../tools/anxin.js", import.meta.url))).toBe(true);
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toContain('CMD ["node", "tools/anxin.js", "start"]');
    expect(dockerfile).toContain("/healthz");
    expect(readFileSync(new URL("../../app/server.ts", import.meta.url), "utf8")).toContain('"/healthz"');
  });
});
