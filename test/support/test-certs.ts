// Test certificates made at test time with Debian's openssl in a temporary directory (nothing
// committed, nothing that expires in the repository): a CA, a server certificate for localhost /
// 127.0.0.1 (also with its key encrypted), a client certificate the CA signed, one that expired
// in 2020 and a self-signed one no one trusts.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCerts {
  dir: string;
  caPem: string;
  serverKey: string;
  serverCert: string;
  /** The server key, PKCS#8 encrypted with `serverKeyPassword`. */
  serverKeyEncrypted: string;
  serverKeyPassword: string;
  /** Signed by the CA; its subject is CLIENT_SUBJECT. */
  clientKey: string;
  clientCert: string;
  /** Signed by the CA, valid only in January 2020. */
  expiredKey: string;
  expiredCert: string;
  /** Self-signed. */
  untrustedKey: string;
  untrustedCert: string;
  path(name: string): string;
}

/** openssl -subj form; the DN Kafka's principal builder writes for it is CLIENT_PRINCIPAL_NAME. */
export const CLIENT_SUBJECT = "/C=US/O=Acme, Inc./OU=Eng/CN=client-one";
export const CLIENT_PRINCIPAL_NAME = "CN=client-one,OU=Eng,O=Acme\\, Inc.,C=US";

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  const p = Bun.spawn(["openssl", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`openssl ${args.join(" ")} failed (${code}): ${err}`);
}

export async function makeTestCerts(): Promise<TestCerts> {
  const dir = mkdtempSync(join(tmpdir(), "bunka-certs-"));
  const o = (...args: string[]) => openssl(dir, ...args);
  await o("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Bunka Test CA");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await o("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  await o("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
  await o("pkcs8", "-topk8", "-in", "server.key", "-out", "server-encrypted.key", "-v2", "aes-256-cbc", "-passout", "pass:key-secret");
  await o("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", CLIENT_SUBJECT);
  await o("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2");
  // An expired certificate: `openssl ca` is the 3.0 tool that takes explicit dates.
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  writeFileSync(join(dir, "ca.cnf"), [
    "[ca]", "default_ca = d", "[d]", "database = index.txt", "new_certs_dir = .", "serial = serial",
    "default_md = sha256", "policy = p", "unique_subject = no", "[p]", "commonName = supplied", "",
  ].join("\n"));
  await o("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "expired.key", "-out", "expired.csr", "-subj", "/CN=expired-client");
  await o("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "expired.csr", "-out", "expired.pem",
    "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext");
  await o("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "untrusted.key", "-out", "untrusted.pem", "-days", "2", "-subj", "/CN=stranger");
  const r = (f: string) => readFileSync(join(dir, f), "utf8");
  return {
    dir, caPem: r("ca.pem"), serverKey: r("server.key"), serverCert: r("server.pem"),
    serverKeyEncrypted: r("server-encrypted.key"), serverKeyPassword: "key-secret",
    clientKey: r("client.key"), clientCert: r("client.pem"),
    expiredKey: r("expired.key"), expiredCert: r("expired.pem"),
    untrustedKey: r("untrusted.key"), untrustedCert: r("untrusted.pem"),
    path: (name: string) => join(dir, name),
  };
}
