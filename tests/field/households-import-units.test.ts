/**
 * FieldService.importHouseholds on the in-memory store: every problem by its line, nothing stored
 * while any remains; officers by account, resident id or the default; dry runs; CSV and XLSX read
 * by the region import's readers.
 */
import ExcelJS from "exceljs";
import { beforeEach, describe, expect, it } from "vitest";
import { FieldService, importIssueLines, type HouseholdImportOutcome } from "../../core/field/service.js";
import { FakeFieldStore, NOW, PEOPLE, TIPS } from "./fake-store.js";

let store: FakeFieldStore;
let service: FieldService;

beforeEach(() => {
  store = new FakeFieldStore();
  service = new FieldService({ store, tips: TIPS, timeZone: "Asia/Shanghai", now: () => NOW });
});

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The problems as "line key", e.g. "3 import.unknown_village". */
const problems = (outcome: HouseholdImportOutcome): string[] => (outcome.ok ? [] : outcome.issues.map((i) => `${i.line ?? "-"} ${i.key}`));

describe("a refused file", () => {
  it("reports every problem with its line and stores nothing", async () => {
    const csv = [
      "village,address,head,phone,officer",
      "V1,1号,张三,13812345678,telegram:a", // line 2: fine
      "X9,2号,,,telegram:a", // 3: unknown village
      "T1,3号,,,telegram:a", // 4: a town
      "V1,１号,,,off-a", // 5: the address of line 2 again (full-width digits)
      "V1,,,,off-a", // 6: no address
      `V2,${"长".repeat(201)},,,off-a`, // 7: address too long
      "V2,7号,,12345,off-a", // 8: not a phone
      "V2,8号,,,telegram:nobody", // 9: unknown officer
      "V2,9号,,,res-1", // 10: a resident
      "V2,10号,,,", // 11: no officer and no default
      ",11号,,,off-a", // 12: no village
    ].join("\n");
    const outcome = await service.importHouseholds(bytes(csv), { actorId: null });
    expect(problems(outcome)).toEqual([
      "3 import.unknown_village",
      "4 import.not_a_village",
      "5 import.duplicate_address",
      "6 import.address_empty",
      "7 import.address_too_long",
      "8 import.phone_invalid",
      "9 import.officer_unknown",
      "10 import.officer_not_staff",
      "11 import.officer_missing",
      "12 import.village_empty",
    ]);
    expect(store.households).toEqual([]);
    if (outcome.ok) throw new Error("accepted");
    expect(importIssueLines("en", outcome.issues, 3)).toEqual([
      "Nothing was imported: 10 problem(s) found.",
      "Line 3: There is no region with code X9.",
      "Line 4: T1 is not a village: it has regions under it.",
      "Line 5: The address “１号” in village V1 appears again (first on line 2).",
      "… and 7 more.",
    ]);
    expect(importIssueLines("zh-CN", outcome.issues)[8]).toBe("第 10 行：res-1 不是民警或管理员。");
  });

  it.each([
    ["an empty file", "", "- import.file_empty"],
    ["only blank lines", "\n\n", "- import.file_empty"],
    ["a header only", "village,address\n", "- import.no_rows"],
    ["no address column", "village,head\nV1,张三\n", "1 import.missing_column"],
    ["a column twice", "village,address,Address\nV1,1号,1号\n", "1 import.duplicate_column"],
    ["an unclosed quote", 'village,address\nV1,"1号\n', "2 import.csv_unclosed_quote"],
    ["a lone control character", "village,address,officer\nV1,1\u0007号,off-a\n", "2 import.text_invalid"],
  ])("refuses %s", async (_name, text, problem) => {
    expect(problems(await service.importHouseholds(bytes(text), { actorId: null }))).toEqual([problem]);
  });

  it("refuses an old .xls and binary data", async () => {
    expect(problems(await service.importHouseholds(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 1, 2]), { actorId: null }))).toEqual(["- import.file_xls"]);
    expect(problems(await service.importHouseholds(new Uint8Array([0xff, 0xfe, 0x00, 0x41]), { actorId: null }))).toEqual(["- import.file_not_text"]);
    expect(problems(await service.importHouseholds(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]), { actorId: null }))[0]).toBe("- import.xlsx_unreadable");
  });
});

describe("an accepted file", () => {
  const csv = "\uFEFFVillage,Address,Head,Phone,Notes\nV1,1号,张三,138-1234-5678,东头\nV2,\"2号, 后院\",,,\n";

  it("takes the default officer for rows without one; a dry run stores nothing", async () => {
    const dry = await service.importHouseholds(bytes(csv), { officer: "telegram:a", dryRun: true, actorId: null });
    expect(dry).toEqual({ ok: true, dryRun: true, counts: { added: 2, updated: 0, unchanged: 0 } });
    expect(store.households).toEqual([]);
    const done = await service.importHouseholds(bytes(csv), { officer: "telegram:a", actorId: null });
    expect(done).toEqual({ ok: true, dryRun: false, counts: { added: 2, updated: 0, unchanged: 0 } });
    expect(store.households.map((h) => [h.regionCode, h.address, h.headName, h.phone, h.officerId])).toEqual([
      ["V1", "1号", "张三", "13812345678", "off-a"],
      ["V2", "2号, 后院", null, null, "off-a"],
    ]);
  });

  it("again: unchanged rows, and a row naming another officer moves the household", async () => {
    await service.importHouseholds(bytes(csv), { officer: "off-a", actorId: null });
    const again = await service.importHouseholds(bytes("village,address,head,phone,officer\nV1,1号,张三,13812345678,\nV2,2号， 后院,,,off-b\n"), { officer: "off-a", actorId: null });
    expect(again).toEqual({ ok: true, dryRun: false, counts: { added: 0, updated: 1, unchanged: 1 } });
    expect(store.households.map((h) => h.officerId)).toEqual(["off-a", "off-b"]);
  });

  it("reads an Excel workbook", async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet("说明").addRow(["这一页是说明"]);
    const sheet = workbook.addWorksheet("住户");
    sheet.addRow(["village", "address", "officer"]);
    sheet.addRow(["V1", "5号", "off-a"]);
    sheet.addRow(["V9", "6号", "off-a"]);
    const data = new Uint8Array(await workbook.xlsx.writeBuffer());
    expect(problems(await service.importHouseholds(data, { actorId: null }))).toEqual(["3 import.unknown_village"]);
    sheet.spliceRows(3, 1);
    const fixed = new Uint8Array(await workbook.xlsx.writeBuffer());
    expect(await service.importHouseholds(fixed, { actorId: null })).toMatchObject({ ok: true, counts: { added: 1 } });
    expect(store.households.map((h) => h.address)).toEqual(["5号"]);
  });
});

describe("listing", () => {
  it("filters by officer (account or id) and region subtree; refuses unknown ones", async () => {
    store.seedHousehold(PEOPLE.a, "V1", "1号");
    store.seedHousehold(PEOPLE.b, "V2", "2号");
    store.seedHousehold(PEOPLE.c, "V3", "3号");
    expect((await service.households()).map((h) => h.address)).toEqual(["1号", "2号", "3号"]);
    expect((await service.households({ officer: "telegram:a" })).map((h) => h.address)).toEqual(["1号"]);
    expect((await service.households({ regionCode: "T1" })).map((h) => h.address)).toEqual(["1号", "2号"]);
    expect((await service.households({ officer: "off-c", regionCode: "T1" })).map((h) => h.address)).toEqual([]);
    await expect(service.households({ officer: "res-1" })).rejects.toThrow(/res-1/);
    await expect(service.households({ regionCode: "X" })).rejects.toThrow(/X/);
  });
});
