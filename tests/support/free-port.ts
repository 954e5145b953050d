/** A TCP port free right now (for an address that must be known before the server listens). */
import { createServer } from "node:net";

/** Asks the system for a free port on the loopback interface and gives it back at once. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
