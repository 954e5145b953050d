/**
 * A throw-away certificate authority and a server certificate for api.weixin.qq.com, made with
 * /usr/bin/openssl when a test starts (no key is ever committed). The child process trusts the
 * authority through NODE_EXTRA_CA_CERTS, so the real puppet's HTTPS client accepts the fake.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM texts, and the file of the authority's certificate for NODE_EXTRA_CA_CERTS. */
export interface TestCertificates {
  caCertPem: string;
  caCertFile: string;
  serverKeyPem: string;
  serverCertPem: string;
  /** Deletes the files. */
  remove(): void;
}

const OPENSSL = "/usr/bin/openssl";

/** Creates a CA and a certificate for `hosts`, signed by it, valid for two days. */
export function createTestCertificates(hosts: readonly string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "anxin-fake-wechat-ca-"));
  const file = (name: string) => join(dir, name);
  const run = (args: string[]) => execFileSync(OPENSSL, args, { stdio: ["ignore", "pipe", "pipe"] });
  run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file("ca.key"), "-out", file("ca.crt"), "-days", "2", "-subj", "/CN=Anxin test CA (fake WeChat)", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", `/CN=${hosts[0] ?? "localhost"}`]);
  writeFileSync(file("server.ext"), `subjectAltName=${hosts.map((host) => `DNS:${host}`).join(",")}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  run(["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-CAcreateserial", "-out", file("server.crt"), "-days", "2", "-extfile", file("server.ext")]);
  const certificates: TestCertificates = {
    caCertPem: readFileSync(file("ca.crt"), "utf8"),
    caCertFile: file("ca.crt"),
    serverKeyPem: readFileSync(file("server.key"), "utf8"),
    serverCertPem: readFileSync(file("server.crt"), "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  // The authority's key is no longer needed: nothing else can be signed with it.
  rmSync(file("ca.key"), { force: true });
  return certificates;
}
