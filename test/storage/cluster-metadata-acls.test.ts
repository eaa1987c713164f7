// ACL records in __cluster_metadata: Kafka 4.3.1's own AccessControlEntryRecord /
// RemoveAccessControlEntryRecord batches (test/fixtures/kafka-acls) replay to the ACLs Kafka
// listed, and Bunka writes the same bytes for the same ACL; ACLs written by Bunka survive a
// reopen (and a crash after the write, on the in-memory file system).

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ClusterMetadata, frameMetadataRecord, type AclChange } from "../../src/storage/cluster-metadata.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { decodeRecords, RecordBatchView, splitBatches } from "../../src/records/record-batch.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { METADATA_RECORD_TYPES, readAccessControlEntryRecord, writeAccessControlEntryRecord } from "../../src/storage/metadata/records.ts";
import { StandardAuthorizer } from "../../src/security/authorizer.ts";

const FIXTURE = readFileSync(join(import.meta.dir, "../fixtures/kafka-acls/acl-batches.bin"));

describe("ACL records", () => {
  test("Kafka's batches replay to the ACLs Kafka listed; an authorizer fed by them decides as Kafka's", () => {
    const md = ClusterMetadata.empty();
    const changes: AclChange[] = [];
    md.onAclChange((c) => changes.push(c));
    for (const batch of splitBatches(new Uint8Array(FIXTURE))) md.applyBatch(batch);
    expect([...md.acls.values()].sort((a, b) => a.resourceName < b.resourceName ? -1 : 1)).toEqual([
      { resourceType: 2, resourceName: "pre", patternType: 4, principal: "User:bob", host: "*", operation: 2, permissionType: 2 },
      { resourceType: 2, resourceName: "t", patternType: 3, principal: "User:alice", host: "*", operation: 3, permissionType: 3 },
    ]);
    expect(changes.filter((c) => !c.removed).length - changes.filter((c) => c.removed).length).toBe(2);
    const a = new StandardAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: false });
    for (const [id, acl] of md.acls) a.addAcl(id, acl);
    expect(a.authorize({ type: "User", name: "alice" }, "127.0.0.1", 3, 2, "t")).toBe(true);
    expect(a.authorize({ type: "User", name: "bob" }, "127.0.0.1", 8, 2, "prefix-me")).toBe(false);
  });

  test("an AccessControlEntryRecord is framed and encoded byte for byte as Kafka's", () => {
    let seen = 0;
    for (const batch of splitBatches(new Uint8Array(FIXTURE))) {
      for (const rec of decodeRecords(new RecordBatchView(batch))) {
        const r = new Reader(rec.value!);
        r.uvarint();
        const type = r.uvarint();
        const version = r.uvarint();
        if (type !== METADATA_RECORD_TYPES.AccessControlEntryRecord) continue;
        const parsed = readAccessControlEntryRecord(r, version);
        expect(r.failed).toBe(false);
        const w = new Writer(64, null);
        writeAccessControlEntryRecord(w, version, parsed);
        expect(Buffer.from(frameMetadataRecord(type, version, w.finish().slice())).toString("hex")).toBe(Buffer.from(rec.value!).toString("hex"));
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(5);
  });

  test("createAcls / deleteAcls are durable: replayed after a reopen and after a crash", () => {
    const fs = new MemoryFileSystem();
    const dir = "/logs/__cluster_metadata-0";
    fs.mkdir(dir);
    let md = ClusterMetadata.load({ dir, fs });
    const acl = { resourceType: 3, resourceName: "g", patternType: 3, principal: "User:a", host: "*", operation: 3, permissionType: 3 };
    const [id1, id2] = md.createAcls([acl, { ...acl, operation: 8 }]);
    expect(id1).not.toBe(id2);
    md.deleteAcls([id1!, "f".repeat(32)]);
    fs.crash({ loseUnsynced: true });
    md = ClusterMetadata.load({ dir, fs });
    expect([...md.acls.keys()]).toEqual([id2!]);
    expect(md.acls.get(id2!)).toEqual({ ...acl, operation: 8 });
  });
});
