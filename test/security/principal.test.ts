// The mutual-TLS principal: a certificate subject written as Java's X500Principal.getName()
// writes it (what Kafka's DefaultKafkaPrincipalBuilder uses with ssl.principal.mapping.rules
// DEFAULT). The expected strings are what a JVM (OpenJDK, X509Certificate.getSubjectX500Principal()
// .getName()) printed for certificates made with these same openssl subjects.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SslPrincipalMapper, subjectDn } from "../../src/security/principal.ts";
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

describe("ssl.principal.mapping.rules (Kafka's SslPrincipalMapperTest cases)", () => {
  test("rules apply in order; DEFAULT keeps the DN", () => {
    const mapper = new SslPrincipalMapper([
      "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L",
      "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L",
      "RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U",
      "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U",
      "DEFAULT",
    ].join(","));
    expect(mapper.name("CN=Duke,OU=ServiceUsers,O=Org,C=US")).toBe("duke");
    expect(mapper.name("CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US")).toBe("duke@sme");
    expect(mapper.name("cn=duke,ou=sme,dc=mycp,dc=com")).toBe("DUKE@SME");
    expect(mapper.name("cN=duke,OU=JavaSoft,O=Sun Microsystems")).toBe("DUKE");
    expect(mapper.name("OU=JavaSoft,O=Sun Microsystems,C=US")).toBe("OU=JavaSoft,O=Sun Microsystems,C=US");
    expect(new SslPrincipalMapper("RULE:^CN=((\\\\, *|\\w)+)(,.*|$)/$1/,DEFAULT").name("CN=Tkac\\, Adam,OU=ITZ,DC=geodis,DC=cz")).toBe("Tkac\\, Adam");
    expect(new SslPrincipalMapper(",,RULE:^CN=(.*)$/$1/,,,DEFAULT,,").name("CN=x")).toBe("x");
    expect(() => new SslPrincipalMapper("RULE:^CN=(.*)$/$1/").name("OU=x")).toThrow("No rules apply to OU=x");
  });

  test("valid and invalid rules", () => {
    for (const ok of ["DEFAULT", "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/", "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT",
      "RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U", "RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/", "  RULE:  /     /U   ,DEFAULT  "]) {
      expect(() => new SslPrincipalMapper(ok)).not.toThrow();
    }
    for (const bad of ["default", "DEFAUL", "DEFAULT/L", "DEFAULT/U", "RULE:CN=(.*?),OU=ServiceUsers.*/$1", "rule:^CN=(.*?),OU=ServiceUsers.*$/$1/",
      "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U", "RULE:^CN=(.*?),OU=ServiceUsers.*$/L", "RULE:^CN=(.*?),OU=ServiceUsers.*$/U", "RULE:^CN=(.*?),OU=ServiceUsers.*$/LU"]) {
      expect({ bad, thrown: (() => { try { new SslPrincipalMapper(bad); return false; } catch { return true; } })() }).toEqual({ bad, thrown: true });
    }
  });
});
