// The files Bunka writes so that Apache Kafka 4.3.1 starts on its log dir (README "When you
// outgrow one node"), checked against bytes Kafka 4.3.1 wrote itself: test/fixtures/kafka-logdir
// (a log dir Kafka formatted and ran on; see its README). The end-to-end check, Kafka actually
// starting on a Bunka log dir, is test/interop/graduate.sh.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writer } from "../../src/protocol/writer.ts";
import { decodeRecords, RecordBatchView, splitBatches } from "../../src/records/record-batch.ts";
import {
  BOOTSTRAP_FEATURES, ClusterMetadata, frameMetadataRecord, MAX_METADATA_VERSION, MetadataTooNewError,
} from "../../src/storage/cluster-metadata.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import {
  formatQuorumState, keepQuorumState, QUORUM_STATE_FILE, QuorumStateTooNewError, readQuorumState,
} from "../../src/storage/kraft/quorum-state.ts";
import { formatMetaProperties, javaDateString, MetaPropertiesError, readClusterId } from "../../src/storage/meta-properties.ts";
import { METADATA_RECORD_TYPES as T, writeFeatureLevelRecord } from "../../src/storage/metadata/records.ts";

const KAFKA_DIR = join(import.meta.dir, "../fixtures/kafka-logdir");
const DIR = "/logs/__cluster_metadata-0";

function featureRecord(name: string, level: number): Uint8Array {
  const w = new Writer(64, null);
  writeFeatureLevelRecord(w, 0, { name, featureLevel: level });
  return frameMetadataRecord(T.FeatureLevelRecord, 0, w.finish().slice());
}

/** Every record value of a file of record batches (a log segment or a KRaft checkpoint). */
function recordValues(bytes: Uint8Array): { control: boolean; value: Uint8Array }[] {
  const out: { control: boolean; value: Uint8Array }[] = [];
  for (const batch of splitBatches(bytes)) {
    const view = new RecordBatchView(batch);
    for (const rec of decodeRecords(view)) if (rec.value) out.push({ control: view.isControl, value: rec.value });
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

describe("meta.properties as Kafka writes it", () => {
  test("the text is byte for byte Kafka's, given Kafka's ids and date", () => {
    const kafka = readFileSync(join(KAFKA_DIR, "meta.properties"), "utf8");
    const date = /^#(.*)$/m.exec(kafka.split("\n")[1]!)![1]!;
    // Kafka's line is Date.toString in UTC: parse it back and print it our way.
    const when = new Date(date.replace(/^\w+ (\w+) (\d+) ([\d:]+) UTC (\d+)$/, "$1 $2 $4 $3 UTC"));
    expect(javaDateString(when)).toBe(date);
    const ids = {
      nodeId: Number(/^node\.id=(.*)$/m.exec(kafka)![1]),
      directoryId: /^directory\.id=(.*)$/m.exec(kafka)![1]!,
      clusterId: /^cluster\.id=(.*)$/m.exec(kafka)![1]!,
    };
    expect(formatMetaProperties(ids, when)).toBe(kafka);
  });

  test("a new log dir gets version 1, the config's node id, a directory id and the shared cluster id", () => {
    const root = mkdtempSync(join(tmpdir(), "bunka-meta-"));
    try {
      const dirs = [join(root, "a"), join(root, "b")];
      const id = readClusterId(dirs, 7);
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const a = readFileSync(join(dirs[0]!, "meta.properties"), "utf8");
      const b = readFileSync(join(dirs[1]!, "meta.properties"), "utf8");
      for (const text of [a, b]) {
        expect(text).toMatch(/^#\n#\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}\nnode\.id=7\ndirectory\.id=[A-Za-z0-9_-]{22}\nversion=1\ncluster\.id=/);
        expect(text.endsWith(`cluster.id=${id}\n`)).toBe(true);
      }
      expect(/directory\.id=(.*)/.exec(a)![1]).not.toBe(/directory\.id=(.*)/.exec(b)![1]);
      expect(readClusterId(dirs, 7)).toBe(id);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("refused: another version, another node id, two cluster ids", () => {
    const root = mkdtempSync(join(tmpdir(), "bunka-meta-"));
    try {
      const dir = join(root, "a");
      readClusterId([dir], 1);
      const file = join(dir, "meta.properties");
      const good = readFileSync(file, "utf8");
      expect(() => readClusterId([dir], 2)).toThrow(MetaPropertiesError);
      expect(() => readClusterId([dir], 2)).toThrow(/stored node\.id 1 does not match node\.id 2/);
      writeFileSync(file, good.replace("version=1", "version=2"));
      expect(() => readClusterId([dir], 1)).toThrow(/version 2 is not 1/);
      writeFileSync(file, good);
      const other = join(root, "b");
      readClusterId([other], 1);
      expect(() => readClusterId([dir, other], 1)).toThrow(/differs from/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("quorum-state as Kafka writes it", () => {
  test("same fields, same order, same layout as Kafka's file; no leader, the log's epoch", () => {
    const kafka = readFileSync(join(KAFKA_DIR, "__cluster_metadata-0", QUORUM_STATE_FILE), "utf8");
    const kafkaJson = JSON.parse(kafka) as Record<string, unknown>;
    const ours = formatQuorumState(1, [1]);
    const oursJson = JSON.parse(ours) as Record<string, unknown>;
    expect(Object.keys(oursJson)).toEqual(Object.keys(kafkaJson));
    // Kafka's file was written by the leader of epoch 1; Bunka's says "no leader" for that epoch.
    expect(ours).toBe(kafka.replace('"leaderId":1', '"leaderId":-1'));
  });

  test("kept at the log's epoch; a file at that epoch or later (Kafka's) is left as it is", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/d");
    keepQuorumState(fs, "/d", 1, [1]);
    expect(readQuorumState(fs, "/d")).toMatchObject({ leaderId: -1, leaderEpoch: 1, votedId: -1, data_version: 0 });
    const kafka = readFileSync(join(KAFKA_DIR, "__cluster_metadata-0", QUORUM_STATE_FILE));
    fs.writeFileAtomic("/d/quorum-state", new Uint8Array(kafka));
    keepQuorumState(fs, "/d", 1, [1]);
    expect(sameBytes(fs.readFile("/d/quorum-state"), kafka)).toBe(true);
    keepQuorumState(fs, "/d", 3, [1]);
    expect(readQuorumState(fs, "/d")!.leaderEpoch).toBe(3);
  });

  test("a data_version Bunka does not know is refused", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/d");
    fs.writeFileAtomic("/d/quorum-state", new TextEncoder().encode(formatQuorumState(4, []).replace('"data_version":0', '"data_version":2')));
    expect(() => readQuorumState(fs, "/d")).toThrow(QuorumStateTooNewError);
  });
});

describe("the metadata log Kafka's controller replays", () => {
  test("Bunka's bootstrap FeatureLevelRecords are byte for byte the ones in Kafka's bootstrap.checkpoint", () => {
    const values = recordValues(new Uint8Array(readFileSync(join(KAFKA_DIR, "bootstrap.checkpoint"))));
    const kafkaData = values.filter((v) => !v.control).map((v) => v.value);
    for (const f of BOOTSTRAP_FEATURES) {
      const ours = featureRecord(f.name, f.level);
      expect(kafkaData.some((v) => sameBytes(v, ours))).toBe(true);
    }
    expect(BOOTSTRAP_FEATURES[0]).toEqual({ name: "metadata.version", level: MAX_METADATA_VERSION });
  });

  test("a new metadata log starts with the bootstrap batch and quorum-state; a reload adds nothing", () => {
    const fs = new MemoryFileSystem();
    const md = ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1 } });
    expect(md.features.get("metadata.version")).toBe(30);
    expect(md.features.get("transaction.version")).toBe(2);
    expect(md.nextOffset).toBe(BOOTSTRAP_FEATURES.length);
    md.createTopic("orders", 2, { nodeId: 1 });
    const end = md.nextOffset;
    md.close();
    const log = fs.readFile(`${DIR}/00000000000000000000.log`);
    const first = new RecordBatchView(splitBatches(log).next().value as Uint8Array);
    expect(first.baseOffset).toBe(0);
    expect(first.partitionLeaderEpoch).toBe(1);
    expect(recordValues(log).slice(0, BOOTSTRAP_FEATURES.length).map((v) => v.value))
      .toEqual(BOOTSTRAP_FEATURES.map((f) => featureRecord(f.name, f.level)));
    expect(readQuorumState(fs, DIR)).toEqual({
      clusterId: "", leaderId: -1, leaderEpoch: 1, votedId: -1, appliedOffset: 0, currentVoters: [{ voterId: 1 }], data_version: 0,
    });
    const re = ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1 } });
    expect(re.nextOffset).toBe(end);
    expect([...re.topicsByName.keys()]).toEqual(["orders"]);
    re.close();
  });

  test("an older Bunka log without features gets them appended; Kafka's log dir is left as it is", () => {
    const fs = new MemoryFileSystem();
    const old = ClusterMetadata.load({ dir: DIR, fs });
    old.createTopic("orders", 1, { nodeId: 1 });
    expect(old.features.size).toBe(0);
    old.close();
    const md = ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1 } });
    expect(md.features.get("metadata.version")).toBe(30);
    expect(md.nextOffset).toBe(2 + BOOTSTRAP_FEATURES.length);
    md.close();

    const kfs = new MemoryFileSystem();
    kfs.mkdir(DIR);
    const kafkaLog = new Uint8Array(readFileSync(join(KAFKA_DIR, "__cluster_metadata-0", "00000000000000000000.log")));
    kfs.writeFileAtomic(`${DIR}/00000000000000000000.log`, kafkaLog);
    const kafkaQuorum = new Uint8Array(readFileSync(join(KAFKA_DIR, "__cluster_metadata-0", QUORUM_STATE_FILE)));
    kfs.writeFileAtomic(`${DIR}/${QUORUM_STATE_FILE}`, kafkaQuorum);
    const k = ClusterMetadata.load({ dir: DIR, fs: kfs, kraft: { nodeId: 1 } });
    k.close();
    expect(sameBytes(kfs.readFile(`${DIR}/00000000000000000000.log`), kafkaLog)).toBe(true);
    expect(sameBytes(kfs.readFile(`${DIR}/${QUORUM_STATE_FILE}`), kafkaQuorum)).toBe(true);
  });

  test("a metadata.version newer than Bunka knows is refused with a clear message", () => {
    const fs = new MemoryFileSystem();
    const md = ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1 } });
    md.appendRecord(T.FeatureLevelRecord, 0, (() => {
      const w = new Writer(64, null);
      writeFeatureLevelRecord(w, 0, { name: "metadata.version", featureLevel: MAX_METADATA_VERSION + 1 });
      return w.finish().slice();
    })());
    md.close();
    expect(() => ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1 } })).toThrow(MetadataTooNewError);
    expect(() => ClusterMetadata.load({ dir: DIR, fs })).toThrow(/metadata\.version 31 is newer than 30 .*refuses to start/);
  });
});

describe("log directories in the partition records", () => {
  const DIR_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

  test("new partitions name the log dir's directory id (PartitionRecord v1), as Kafka's do", () => {
    const fs = new MemoryFileSystem();
    const md = ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1, directoryId: DIR_ID } });
    const t = md.createTopic("orders", 2, { nodeId: 1 });
    md.createPartitions(t.topicId, 3, { nodeId: 1 });
    md.close();
    const re = ClusterMetadata.load({ dir: DIR, fs });
    expect(re.topicsByName.get("orders")!.partitions.map((p) => p.directories)).toEqual([[DIR_ID], [DIR_ID], [DIR_ID]]);
    re.close();
  });

  test("partitions an older Bunka wrote without one get it in one batch of PartitionChangeRecords, once", () => {
    const fs = new MemoryFileSystem();
    const old = ClusterMetadata.load({ dir: DIR, fs });
    old.createTopic("orders", 2, { nodeId: 1 });
    old.close();
    const md = ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1, directoryId: DIR_ID } });
    const p = md.topicsByName.get("orders")!.partitions;
    expect(p.map((x) => x.directories)).toEqual([[DIR_ID], [DIR_ID]]);
    expect(p.map((x) => x.partitionEpoch)).toEqual([1, 1]);
    const end = md.nextOffset;
    md.close();
    const again = ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1, directoryId: DIR_ID } });
    expect(again.nextOffset).toBe(end);
    again.close();
  });
});

describe("controlled shutdown", () => {
  test("resignLeadership leaves this node's partitions leaderless (epoch + 1, ISR kept); claimLeadership takes them back", () => {
    const fs = new MemoryFileSystem();
    const md = ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1 } });
    md.createTopic("orders", 2, { nodeId: 1 });
    expect(md.resignLeadership(1)).toBe(2);
    expect(md.resignLeadership(1)).toBe(0);
    md.close();
    const re = ClusterMetadata.load({ dir: DIR, fs, kraft: { nodeId: 1 } });
    const parts = re.topicsByName.get("orders")!.partitions;
    expect(parts.map((p) => [p.leader, p.leaderEpoch, p.isr])).toEqual([[-1, 1, [1]], [-1, 1, [1]]]);
    expect(re.claimLeadership(1)).toBe(2);
    expect(parts.map((p) => [p.leader, p.leaderEpoch])).toEqual([[1, 2], [1, 2]]);
    re.close();
  });
});
