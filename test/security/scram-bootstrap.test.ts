// bunka.add.scram: kafka-storage format --add-scram's form; written only where no credential is.

import { expect, test } from "bun:test";
import { ConfigError } from "../../src/config/broker-config.ts";
import { applyBootstrapScram, parseBootstrapScram } from "../../src/security/scram-bootstrap.ts";
import { SCRAM_SHA_256, SCRAM_SHA_512, credentialFromPassword } from "../../src/security/scram.ts";
import { ClusterMetadata } from "../../src/storage/cluster-metadata.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";

test("entries, quoted values, iterations; bad entries are ConfigErrors", () => {
  expect(parseBootstrapScram('SCRAM-SHA-256=[name=alice,password=alice-secret]; SCRAM-SHA-512=[name=bob,password="b,o=b",iterations=8192]')).toEqual([
    { mechanism: "SCRAM-SHA-256", name: "alice", password: "alice-secret", iterations: 4096 },
    { mechanism: "SCRAM-SHA-512", name: "bob", password: "b,o=b", iterations: 8192 },
  ]);
  for (const bad of ["SCRAM-SHA-1=[name=a,password=b]", "SCRAM-SHA-256=[password=b]", "SCRAM-SHA-256=[name=a]",
    "SCRAM-SHA-256=[name=a,password=b,iterations=100]", "SCRAM-SHA-256=[name=a,password=b,salt=x]", "alice:secret"]) {
    expect(() => parseBootstrapScram(bad)).toThrow(ConfigError);
  }
  // A refused entry does not echo its password.
  expect(() => parseBootstrapScram("SCRAM-SHA-256 name=a,password=hunter2")).not.toThrow(/hunter2/);
});

test("written to __cluster_metadata once: a credential already there is kept", () => {
  const fs = new MemoryFileSystem();
  const open = () => ClusterMetadata.load({ dir: "/d/__cluster_metadata-0", fs });
  let md = open();
  expect(applyBootstrapScram(md, parseBootstrapScram("SCRAM-SHA-256=[name=alice,password=one];SCRAM-SHA-512=[name=alice,password=two]")))
    .toEqual(["SCRAM-SHA-256:alice", "SCRAM-SHA-512:alice"]);
  md.close();
  md = open();
  expect(applyBootstrapScram(md, parseBootstrapScram("SCRAM-SHA-256=[name=alice,password=changed]"))).toEqual([]);
  const first = md.scramCredential(SCRAM_SHA_256.type, "alice")!;
  expect(md.scramCredential(SCRAM_SHA_512.type, "alice")!.iterations).toBe(4096);
  // The kept credential is still the first password's.
  expect(first.storedKey).toEqual(credentialFromPassword(SCRAM_SHA_256, "one", 4096, first.salt).storedKey);
  expect(first.storedKey).not.toEqual(credentialFromPassword(SCRAM_SHA_256, "changed", 4096, first.salt).storedKey);
  md.close();
});
