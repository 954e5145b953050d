/**
 * `anxin households import | list | erase` against a test database: in this process (as
 * tests/regions/cli.test.ts does) for what they print and store, and once as a child process for
 * the exit code and the one-line error a user sees.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerHouseholdCommands } from "../../app/households-command.js";
import type { ResidentRecord } from "../../core/model/index.js";
import { runAnxin } from "../support/anxin-process.js";
import { inputFiles, runInProcess } from "../support/cli-in-process.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

let env: TestStore;
let url: string;
let officer: ResidentRecord;
const { dir, file } = inputFiles("anxin-households-");

beforeAll(async () => {
  env = await openTestStore({
    regions: [
      { code: "T1", name: "一镇" },
      { code: "V1", parentCode: "T1", name: { "zh-CN": "一村", en: "Village One" } },
      { code: "V2", parentCode: "T1", name: "二村" },
    ],
  });
  url = env.db.target.url;
  const { resident } = await env.store.resolveIdentity({ platform: "telegram", platformUserId: "cli-officer", chatId: "cli-officer", displayName: "王警官" });
  officer = await env.store.setRole("telegram", "cli-officer", "officer");
  expect(officer.id).toBe(resident.id);
  await env.store.resolveIdentity({ platform: "telegram", platformUserId: "cli-resident", chatId: "cli-resident" });
});
afterAll(async () => {
  await env?.close();
});

/** `anxin households <args…> --db <url>`: what it printed. */
function households(...args: string[]): Promise<string> {
  return runInProcess(registerHouseholdCommands, "households", args, url);
}

describe("anxin households", () => {
  it("refuses a file with every problem and its line, in the language asked, storing nothing", async () => {
    const path = file("broken.csv", "village,address,phone,officer\nV1,1号,,\nT1,2号,,telegram:cli-officer\nV1,3号,123,telegram:cli-officer\nV2,4号,,telegram:cli-resident\n");
    await expect(households("import", path, "--lang", "en")).rejects.toThrow(
      "Nothing was imported: 4 problem(s) found.\n" +
        "Line 2: No officer: fill the officer column (platform:user-id or resident id) or give --officer.\n" +
        "Line 3: T1 is not a village: it has regions under it.\n" +
        "Line 4: “123” is not a telephone number.\n" +
        "Line 5: telegram:cli-resident is not an officer or admin.",
    );
    await expect(households("import", path, "--lang", "zh-CN")).rejects.toThrow(/^未导入任何内容：发现 4 个问题。\n第 2 行：没有指定民警/);
    expect(await env.store.listFieldHouseholds()).toEqual([]);
    await expect(households("import", join(dir, "missing.csv"), "--lang", "en")).rejects.toThrow(/Cannot read .*missing\.csv: ENOENT/);
  });

  it("imports with a default officer: a dry run first, then for real, then again unchanged", async () => {
    const path = file("ok.csv", "village,address,head,phone\nV1,1号,张三,13812345678\nV2,2号,,\n");
    expect(await households("import", path, "--officer", "telegram:cli-officer", "--dry-run", "--lang", "en")).toBe("Checked, nothing stored. The import would give: 2 added, 0 updated, 0 unchanged.");
    expect(await env.store.listFieldHouseholds()).toEqual([]);
    expect(await households("import", path, "--officer", "telegram:cli-officer", "--lang", "zh-CN")).toBe("已导入：新增 2，更新 0，未变 0。");
    expect(await households("import", path, "--officer", officer.id, "--lang", "en")).toBe("Imported: 0 added, 0 updated, 2 unchanged.");
    expect((await env.store.listFieldHouseholds()).map((h) => [h.regionCode, h.address, h.headName, h.phone, h.officerId])).toEqual([
      ["V1", "1号", "张三", "13812345678", officer.id],
      ["V2", "2号", null, null, officer.id],
    ]);
  });

  it("lists as a table (phones masked), csv (the import's columns, full numbers) and json; filtered", async () => {
    const table = await households("list", "--lang", "en");
    expect(table.split("\n")[0]).toBe("id\tvillage\tvillage name\taddress\thead\tphone\tofficer\tlinked");
    expect(table).toContain("\tV1\tVillage One\t1号\t张三\t138****5678\t");
    expect(table.split("\n").at(-1)).toBe("2 household(s).");
    const csv = (await households("list", "--format", "csv")).split("\n");
    expect(csv[0]).toBe("id,village,address,head,phone,officer,linked");
    expect(csv[1]).toMatch(new RegExp(`^[^,]+,V1,1号,张三,13812345678,${officer.id},false$`));
    const json = JSON.parse(await households("list", "--format", "json", "--region", "V2")) as { address: string; phone: string | null; villageName: string }[];
    expect(json).toEqual([expect.objectContaining({ address: "2号", phone: null, village: "V2", villageName: "二村" })]);
    expect(await households("list", "--officer", "telegram:cli-officer", "--region", "T1", "--lang", "en")).toContain("2 household(s).");
    await expect(households("list", "--region", "X9", "--lang", "en")).rejects.toThrow("There is no region with code X9.");
    await expect(households("list", "--officer", "telegram:cli-resident", "--lang", "en")).rejects.toThrow("telegram:cli-resident is not an officer or admin.");
  });

  it("erases a household only with --yes", async () => {
    const [first] = await env.store.listFieldHouseholds();
    const id = first?.id ?? "";
    await expect(households("erase", id, "--lang", "en")).rejects.toThrow(/add --yes to confirm/);
    expect(await env.store.getHousehold(id)).not.toBeNull();
    expect(await households("erase", id, "--yes", "--lang", "en")).toBe(`Household ${id} erased, with its visits and interviews.`);
    expect(await env.store.getHousehold(id)).toBeNull();
    await expect(households("erase", id, "--yes", "--lang", "en")).rejects.toThrow(`There is no household with id ${id}.`);
  });

  it("as a command: a refusal is one message on stderr and exit code 1", async () => {
    const path = file("child.csv", "village,address,officer\nV9,9号,telegram:cli-officer\n");
    const run = await runAnxin(["households", "import", path, "--db", url, "--lang", "en"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("anxin: Nothing was imported: 1 problem(s) found.\nLine 2: There is no region with code V9.\n");
    const erase = await runAnxin(["households", "erase", "some-id", "--db", url], { cwd: dir, env: { DEFAULT_LANG: "zh-TW" } });
    expect(erase.code).toBe(1);
    expect(erase.stderr).toContain("請加上 --yes 確認");
  });
});
