/**
 * Chart labels named like Object.prototype's members ("__proto__", "constructor" …: a region or a
 * target label an admin typed) must not reach zrender's text-width cache as such: it keys a plain
 * object by the text and would link Object.prototype into its list, polluting every object of the
 * process (found by fuzzing the dashboard: Prisma then overflowed its stack).
 */
import { afterEach, describe, expect, it } from "vitest";
import { render, safeChartText } from "../../core/admin/charts.js";

const PROTO_KEYS = () => Object.getOwnPropertyNames(Object.prototype).sort().join(",");
const before = PROTO_KEYS();

afterEach(() => {
  // Whatever happened, leave the process clean for the next test.
  for (const key of ["prev", "next", "key", "value"]) if (Object.hasOwn(Object.prototype, key)) delete (Object.prototype as Record<string, unknown>)[key];
});

describe("chart text", () => {
  it("renders labels named like Object.prototype's members without touching Object.prototype", () => {
    const labels = ["__proto__", "constructor", "toString", "hasOwnProperty", "__proto__ 45%", "a\n__proto__"];
    const svg = render({ xAxis: { type: "category", data: labels }, yAxis: { type: "value" }, series: [{ type: "bar", data: labels.map((_, i) => i + 1), label: { show: true, formatter: "{b}" } }] }, 600, 300);
    expect(PROTO_KEYS()).toBe(before);
    expect(svg).toContain("<svg");
    // The text still reads the same (a zero-width space is all that was added).
    expect(svg.replace(/\u200b/g, "")).toContain("__proto__");
  });

  it("changes only lines that begin like a prototype member, keeps keys and functions", () => {
    const renderItem = () => null;
    const out = safeChartText({ title: { text: "安全感" }, data: [{ name: "__proto__", value: 1 }, { name: "constructor x", value: 2 }], renderItem });
    expect(out.title.text).toBe("安全感");
    expect(out.data[0]?.name).toBe("_\u200b_proto__");
    expect(out.data[1]?.name).toBe("c\u200bonstructor x");
    expect(out.renderItem).toBe(renderItem);
    const own = safeChartText(JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.hasOwn(own, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});
