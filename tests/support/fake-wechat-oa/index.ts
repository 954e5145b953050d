/**
 * A local fake of the WeChat Official Account API, reached as https://api.weixin.qq.com through an
 * intercepting CONNECT proxy (see proxy.ts) with a certificate of a test CA made at start-up.
 *
 *   const wechat = await startFakeWechatOA({ appId, appSecret });
 *   spawn(…, { env: { ...wechat.childEnv(), … } })   // HTTPS_PROXY, NODE_EXTRA_CA_CERTS
 *   wechat.api.follow(openId); await wechat.api.waitFor(…); wechat.api.calls
 */
import https from "node:https";
import http from "node:http";
import { connect as tlsConnect } from "node:tls";
import { FakeOfficialAccountApi, type FakeApiOptions } from "./api.js";
import { createTestCertificates, type TestCertificates } from "./certificates.js";
import { startInterceptingProxy, WECHAT_API_HOST, type InterceptingProxy } from "./proxy.js";

export { ERR, FakeOfficialAccountApi, WINDOW_MS, type ApiCall, type FakeApiOptions, type SentNotice } from "./api.js";
export { ACCOUNT_ID, callbackRequest, encryptAsWechat, eventXml, postCallback, signedQuery, subscriptionEventXml, textMessageXml, wechatMessageSignature, type CallbackEncryption, type CallbackMode } from "./callbacks.js";
export { WECHAT_API_HOST } from "./proxy.js";

/** A running fake: the API's state, the proxy, and the test CA. */
export interface FakeWechatOA {
  api: FakeOfficialAccountApi;
  proxy: InterceptingProxy;
  certificates: TestCertificates;
  /** Environment that sends a child's HTTPS to the fake (and trusts its certificate). */
  childEnv(): Record<string, string>;
  /** Calls the API through the proxy as a client would (for the fake's own tests). */
  call(path: string, init?: { method?: "GET" | "POST"; body?: string | Buffer; contentType?: string; host?: string }): Promise<{ status: number; json: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** Starts the fake API and its proxy. */
export async function startFakeWechatOA(options: FakeApiOptions): Promise<FakeWechatOA> {
  const certificates = createTestCertificates([WECHAT_API_HOST]);
  const api = new FakeOfficialAccountApi(options);
  const proxy = await startInterceptingProxy({ key: certificates.serverKeyPem, cert: certificates.serverCertPem }, (request, response) => api.handle(request, response));
  return {
    api,
    proxy,
    certificates,
    childEnv: () => ({
      HTTPS_PROXY: proxy.url,
      https_proxy: proxy.url,
      HTTP_PROXY: proxy.url,
      http_proxy: proxy.url,
      // The app's own loopback calls (the callback forwarded to the puppet) stay direct.
      NO_PROXY: "127.0.0.1,localhost",
      no_proxy: "127.0.0.1,localhost",
      NODE_EXTRA_CA_CERTS: certificates.caCertFile,
    }),
    call: (path, init = {}) => callThroughProxy(proxy.port, certificates.caCertPem, path, init),
    async stop() {
      await proxy.close();
      certificates.remove();
    },
  };
}

/** An HTTPS request tunnelled through the proxy with CONNECT, trusting only the test CA. */
function callThroughProxy(proxyPort: number, ca: string, path: string, init: { method?: "GET" | "POST"; body?: string | Buffer; contentType?: string; host?: string }): Promise<{ status: number; json: Record<string, unknown> }> {
  const host = init.host ?? WECHAT_API_HOST;
  return new Promise((resolve, reject) => {
    const connect = http.request({ host: "127.0.0.1", port: proxyPort, method: "CONNECT", path: `${host}:443` });
    connect.on("error", reject);
    connect.on("connect", (answer, socket) => {
      if (answer.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`CONNECT ${host} refused with ${answer.statusCode}`));
        return;
      }
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const request = https.request(
        {
          host,
          path,
          method: init.method ?? (body ? "POST" : "GET"),
          headers: body ? { "content-type": init.contentType ?? "application/json", "content-length": String(body.length) } : {},
          createConnection: () => tlsConnect({ socket, servername: host, ca }),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            socket.destroy();
            try {
              resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> });
            } catch (error) {
              reject(error as Error);
            }
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
    connect.end();
  });
}
