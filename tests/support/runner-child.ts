/**
 * A runner in its own process, for crash tests: reads one JSON inbound message a line on stdin,
 * handles them concurrently (the parent keeps one in flight per resident), and prints
 * `{"id": …, "reply": …}` a line once each is committed. Started as
 * `node --import tsx tests/support/runner-child.ts <database-url> [die-after]`: with `die-after`
 * it kills itself right after committing that many messages, before the last reply is written —
 * the moment a crash loses a reply whose answer is already stored.
 */
import { createInterface } from "node:readline";
import { parseDatabaseUrl } from "../../prisma/database-url.js";
import { openStore } from "../../prisma/store.js";
import { ConversationRunner, type InboundMessage } from "../../core/survey/runner.js";

const url = process.argv[2];
if (!url) throw new Error("usage: runner-child.ts <database-url> [die-after]");
const dieAfter = process.argv[3] ? Number(process.argv[3]) : Infinity;
let committed = 0;
const store = await openStore(parseDatabaseUrl(url));
const runner = new ConversationRunner({ store });
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as { id: string; message: InboundMessage };
  runner.handle(request.message).then(
    (reply) => {
      if (++committed >= dieAfter) process.kill(process.pid, "SIGKILL");
      else process.stdout.write(`${JSON.stringify({ id: request.id, reply })}\n`);
    },
    (error: unknown) => process.stdout.write(`${JSON.stringify({ id: request.id, error: String(error) })}\n`),
  );
}
