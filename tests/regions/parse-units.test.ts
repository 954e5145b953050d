/** The pure part of the region import: the CSV reader, the columns, the checks and the plan's order, the texts of a refusal. */
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../core/regions/csv.js";
import { readRegionCsv, readRegionFile } from "../../core/regions/read-file.js";
import { planRegionImport } from "../../core/regions/plan.js";
import { issueLines, issueText, summaryLines } from "../../core/regions/report.js";
import type { RegionRecord } from "../../core/model/index.js";

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("parseCsv", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, CRLF, a BOM; records carry their first line", () => {
    const text = '\uFEFFcode,name\r\n1,"a, b"\r\n2,"say ""hi""\r\nthere"\r\n\r\n3,c\n4,d\r5,e';
    const parsed = parseCsv(text);
    expect(parsed).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ["code", "name"] },
        { line: 2, fields: ["1", "a, b"] },
        { line: 3, fields: ["2", 'say "hi"\r\nthere'] },
        { line: 6, fields: ["3", "c"] },
        { line: 7, fields: ["4", "d"] },
        { line: 8, fields: ["5", "e"] },
      ],
    });
  });

  it("keeps empty fields and a trailing empty field; a final line without a line break", () => {
    expect(parseCsv("a,,c,\n,x")).toEqual({ ok: true, records: [{ line: 1, fields: ["a", "", "c", ""] }, { line: 2, fields: ["", "x"] }] });
  });

  it("names the line of a quote never closed", () => {
    expect(parseCsv('code,name\n1,a\n2,"b\n3,c\n')).toEqual({ ok: false, unclosedQuoteLine: 3 });
  });

  it("reads tab- and semicolon-separated files by their first line", () => {
    expect(parseCsv("code\tname\n1\tA")).toEqual({ ok: true, records: [{ line: 1, fields: ["code", "name"] }, { line: 2, fields: ["1", "A"] }] });
    expect(parseCsv("code;name\n1;A")).toEqual({ ok: true, records: [{ line: 1, fields: ["code", "name"] }, { line: 2, fields: ["1", "A"] }] });
  });
});

describe("readRegionCsv / readRegionFile", () => {
  it("matches the columns case-insensitively and trimmed, in any order, other columns ignored", () => {
    const read = readRegionCsv(" Parent ,NAME:EN, Code ,notes,Name,name:zh-tw\n,Xihu,330106,x,西湖区,西湖區\n330106,,330106002,,北山街道,\n");
    expect(read.issues).toEqual([]);
    expect(read.rows).toEqual([
      { line: 2, code: "330106", parent: "", names: { "zh-CN": "西湖区", "zh-TW": "西湖區", en: "Xihu" } },
      { line: 3, code: "330106002", parent: "330106", names: { "zh-CN": "北山街道" } },
    ]);
  });

  it("refuses missing and repeated columns at the header's line", () => {
    expect(readRegionCsv("\n\ncode,label\n1,a").issues).toEqual([
      { line: 3, key: "missing_column", vars: { column: "name" } },
      { line: 3, key: "missing_column", vars: { column: "parent" } },
    ]);
    expect(readRegionCsv("code,name,parent,Name\n1,a,,b").issues).toEqual([{ line: 1, key: "duplicate_column", vars: { column: "Name" } }]);
    expect(readRegionCsv("code,name,parent\n").issues).toEqual([{ line: null, key: "no_rows", vars: {} }]);
  });

  it("tells empty, binary, GBK and old .xls files apart, and never throws", async () => {
    expect((await readRegionFile(new Uint8Array())).issues[0]?.key).toBe("file_empty");
    expect((await readRegionFile(utf8(" \r\n \n"))).issues[0]?.key).toBe("file_empty");
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    expect((await readRegionFile(garbage)).issues[0]?.key).toBe("file_not_text");
    // 西湖区 in GBK: not UTF-8.
    expect((await readRegionFile(new Uint8Array([0x63, 0x6f, 0x64, 0x65, 0x0a, 0xce, 0xf7, 0xba, 0xfe, 0xc7, 0xf8]))).issues[0]?.key).toBe("file_not_text");
    expect((await readRegionFile(utf8("code,name,parent\n1,a\u0000,\n"))).issues[0]?.key).toBe("file_not_text");
    expect((await readRegionFile(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).issues[0]?.key).toBe("file_xls");
    const brokenZip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5]);
    expect((await readRegionFile(brokenZip)).issues[0]?.key).toBe("xlsx_unreadable");
  });
});

const stored = (list: { code: string; parent?: string }[]): RegionRecord[] => {
  const out: RegionRecord[] = [];
  for (const r of list) {
    const parent = out.find((p) => p.code === r.parent);
    out.push({ id: `id-${r.code}`, code: r.code, name: { "zh-CN": r.code }, level: parent ? parent.level + 1 : 0, path: `${parent?.path ?? "/"}${r.code}/`, parentId: parent?.id ?? null });
  }
  return out;
};

describe("planRegionImport", () => {
  it("orders parents before children whatever the file's order, under a stored parent too", () => {
    const { rows } = readRegionCsv("code,name,parent\n330106002001,村,330106002\n330106002,街道,330106\n330106,区,3301\n330106003,街道二,330106\n");
    const { plan, issues } = planRegionImport(rows, stored([{ code: "33" }, { code: "3301", parent: "33" }]));
    expect(issues).toEqual([]);
    expect(plan?.regions.map((r) => [r.code, r.parentCode])).toEqual([
      ["330106", "3301"],
      ["330106002", "330106"],
      ["330106003", "330106"],
      ["330106002001", "330106002"],
    ]);
  });

  it("reports every problem at its line, and gives no plan", () => {
    const csv = ["code,name,parent", "1,A,", "2,,1", "1,Dup,", "3,C,4", "4,D,3", "5,E,99", "x/y,F,", "6,G,6", ",H,1", "7,I,x y", "9,Moved,1"].join("\n");
    const { rows } = readRegionCsv(csv);
    const { plan, issues } = planRegionImport(rows, stored([{ code: "8" }, { code: "9", parent: "8" }]));
    expect(plan).toBeNull();
    expect(issues.map((i) => [i.line, i.key])).toEqual(
      expect.arrayContaining([
        [3, "name_empty"],
        [4, "duplicate_code"],
        [5, "cycle"],
        [6, "cycle"],
        [7, "parent_unknown"],
        [8, "code_invalid"],
        [9, "parent_self"],
        [10, "code_empty"],
        [11, "code_invalid"],
        [12, "moving_refused"],
      ]),
    );
    expect(issues).toHaveLength(10);
    const en = issues.map((i) => issueText("en", i));
    expect(en).toContain("Line 4: Code 1 appears again (first on line 2).");
    expect(en).toContain("Line 5: Region 3 is its own ancestor: 3 → 4 → 3.");
    expect(en).toContain("Line 12: Region 9 is stored under 8 but the file puts it under 1: moving a region is refused.");
    expect(issueText("zh-CN", issues.find((i) => i.key === "parent_unknown") ?? issues[0]!)).toBe("第 7 行：区域 5 的上级 99 既不在文件中，也不在数据库中。");
  });

  it("refuses a stored child made a top-level region, and accepts the same parent again", () => {
    const tree = stored([{ code: "8" }, { code: "9", parent: "8" }]);
    const moved = planRegionImport(readRegionCsv("code,name,parent\n9,x,\n").rows, tree);
    expect(issueText("en", moved.issues[0]!)).toBe("Line 2: Region 9 is stored under 8 but the file puts it under (top level): moving a region is refused.");
    expect(planRegionImport(readRegionCsv("code,name,parent\n9,x,8\n").rows, tree).issues).toEqual([]);
  });
});

describe("the texts of an import", () => {
  it("caps the printed issues with a count of the rest", () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({ line: i + 2, code: `c${i}`, parent: "", names: { "zh-CN": "" } }));
    const lines = issueLines("en", planRegionImport(rows, []).issues);
    expect(lines[0]).toBe("Nothing was imported: 120 problem(s) found.");
    expect(lines).toHaveLength(1 + 50 + 1);
    expect(lines.at(-1)).toBe("… and 70 more.");
  });

  it("summarises, dry or not, with the kept regions", () => {
    const counts = { added: 1, renamed: 2, unchanged: 3, removed: 4, kept: [{ code: "9", name: { "zh-CN": "九" }, reason: "data" as const }] };
    expect(summaryLines("en", counts, false)).toEqual(["Imported: 1 added, 2 renamed, 3 unchanged, 4 removed, 1 kept with data.", "Kept (data hangs on it): 9 九"]);
    expect(summaryLines("zh-TW", counts, true)[0]).toContain("未儲存");
  });
});
