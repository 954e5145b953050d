#!/usr/bin/env node
// The `anxin` command. Anxin runs its TypeScript through tsx, so nothing needs building.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../app/cli.ts");
await runCli(process.argv);
