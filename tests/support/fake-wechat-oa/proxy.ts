/**
 * The HTTP CONNECT proxy the child process is pointed at with HTTPS_PROXY. A tunnel to
 * api.weixin.qq.com:443 is not opened to the internet: its TLS is terminated here with the test
 * certificate and the requests inside are answered by the fake API. A tunnel to any other host,
 * and any plain proxied request, is refused — the tests never reach the internet.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { TLSSocket } from "node:tls";

/** The only host the proxy answers for. */
export const WECHAT_API_HOST = "api.weixin.qq.com";

/** A running proxy. */
export interface InterceptingProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** host:port of every CONNECT refused. */
  refused: string[];
  close(): Promise<void>;
}

/** Starts the proxy; `handle` answers the requests inside the api.weixin.qq.com tunnel. */
export async function startInterceptingProxy(tls: { key: string; cert: string }, handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>): Promise<InterceptingProxy> {
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const api = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  const proxy = http.createServer((request, response) => {
    // A plain-HTTP proxied request (GET http://…): never forwarded anywhere.
    refused.push(request.url ?? "");
    response.writeHead(403, { "content-type": "text/plain" }).end("the test proxy only tunnels to api.weixin.qq.com");
  });
  proxy.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  proxy.on("connect", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = request.url ?? "";
    if (target !== `${WECHAT_API_HOST}:443`) {
      refused.push(target);
      socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) socket.unshift(head);
    const secure = new TLSSocket(socket, { isServer: true, key: tls.key, cert: tls.cert });
    secure.on("error", () => socket.destroy());
    api.emit("connection", secure);
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once("error", reject);
    proxy.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (proxy.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        api.close();
        proxy.close(() => resolve());
      }),
  };
}
