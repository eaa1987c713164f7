// The mutual-TLS principal: a certificate subject written as Java's X500Principal.getName()
// writes it (what Kafka's DefaultKafkaPrincipalBuilder uses with ssl.principal.mapping.rules
// DEFAULT). The expected strings are what a JVM (OpenJDK, X509Certificate.getSubjectX500Principal()
// .getName()) printed for certificates made with these same openssl subjects.

import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { subjectDn } from "../../src/security/principal.ts";
import { CLIENT_PRINCIPAL_NAME, CLIENT_SUBJECT } from "../support/test-certs.ts";

const dir = mkdtempSync(join(tmpdir(), "bunka-dn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function dnOf(subject: string): Promise<string> {
  const p = Bun.spawn(["openssl", "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"),
    "-days", "1", "-subj", subject, "-multivalue-rdn"], { stdout: "ignore", stderr: "pipe" });
  expect(await p.exited).toBe(0);
  return subjectDn(new Uint8Array(new X509Certificate(readFileSync(join(dir, "c.pem"))).raw));
}

test("RFC 2253 order, escapes, multi-valued RDNs and unknown attributes as Java writes them", async () => {
  expect(await dnOf(CLIENT_SUBJECT)).toBe(CLIENT_PRINCIPAL_NAME);
  expect(await dnOf("/C=US/O=Acme, Inc./OU=Eng/CN=alice+UID=a1")).toBe("CN=alice+UID=a1,OU=Eng,O=Acme\\, Inc.,C=US");
  expect(await dnOf("/C=US/ST=New York/O=Acme, Inc.;x/OU=Eng+OU=Ops/CN= #alice<>\"/emailAddress=a@b.c/DC=example"))
    .toBe("DC=example,1.2.840.113549.1.9.1=#16056140622e63,CN=\\ \\#alice\\<\\>\\\",OU=Eng+OU=Ops,O=Acme\\, Inc.\\;x,ST=New York,C=US");
}, 30_000);
