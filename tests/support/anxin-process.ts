/**
 * Runs the real `anxin` command (tools/anxin.js) in a child process, as a user would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Path of the `anxin` executable script. */
export const ANXIN_BIN = fileURLToPath(new URL("../../tools/anxin.js", import.meta.url));

/** Environment for a child: the parent's minus anything Anxin reads, plus `env`. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(DATABASE_URL|PORT|HOST|PUBLIC_URL|LOG_LEVEL|DEFAULT_LANG|OFFICE_TIME_ZONE|DATA_DIR|APP_SECRET|TELEGRAM_|WECHATY_)/.test(key)) base[key] = value;
  }
  return { ...base, LOG_LEVEL: "warn", ...env };
}

/** Runs `anxin args…` to completion. */
export function runAnxin(args: string[], options: { cwd: string; env?: Record<string, string>; input?: string; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ANXIN_BIN, ...args], { cwd: options.cwd, env: childEnv(options.env ?? {}), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`anxin ${args.join(" ")} timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** A started `anxin start`, ready when its URL line is printed. */
export interface StartedAnxin {
  child: ChildProcess;
  url: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `anxin start` and waits for "Anxin is running at <url>". */
export function startAnxin(options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<StartedAnxin> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ANXIN_BIN, "start"], { cwd: options.cwd, env: childEnv({ PORT: "0", ...options.env }), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`anxin start did not come up: ${output}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Anxin is running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1],
          output: () => output,
          async stop(signal = "SIGTERM") {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`anxin start exited with ${code}: ${output}`));
    });
  });
}
