import { describe, expect, test } from "bun:test";
import { Writer } from "../../src/protocol/writer.ts";
import { ClusterMetadata, frameMetadataRecord, newTopicId } from "../../src/storage/cluster-metadata.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import {
  defaultPartitionChangeRecord,
  METADATA_RECORD_TYPES as T,
  writeConfigRecord,
  writeFeatureLevelRecord,
  writePartitionChangeRecord,
  writeRemoveTopicRecord,
  writeTopicRecord,
} from "../../src/storage/metadata/records.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { text } from "./batches.ts";

const DIR = "/logs/__cluster_metadata-0";

function body(write: (w: Writer) => void): Uint8Array {
  const w = new Writer(64, null);
  write(w);
  return w.finish().slice();
}

describe("ClusterMetadata", () => {
  test("an empty directory gives an empty model and a metadata log with Kafka's topic id", () => {
    const fs = new MemoryFileSystem();
    const md = ClusterMetadata.load({ dir: DIR, fs });
    expect(md.topicsByName.size).toBe(0);
    expect(md.nextOffset).toBe(0);
    expect(text(fs.readFile(`${DIR}/partition.metadata`))).toBe("version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ");
  });

  test("records written with appendRecords are there after a reload", () => {
    const fs = new MemoryFileSystem();
    const md = ClusterMetadata.load({ dir: DIR, fs });
    md.appendRecord(T.FeatureLevelRecord, 0, body((w) => writeFeatureLevelRecord(w, 0, { name: "metadata.version", featureLevel: 21 })));
    const orders = md.createTopic("orders", 3, { nodeId: 1 });
    const events = md.createTopic("events", 1, { nodeId: 1, directoryId: "10000000000040008000000000000001" });
    md.appendRecord(T.ConfigRecord, 0, body((w) => writeConfigRecord(w, 0, { resourceType: 2, resourceName: "orders", name: "retention.ms", value: "1000" })));
    md.appendRecord(T.ConfigRecord, 0, body((w) => writeConfigRecord(w, 0, { resourceType: 2, resourceName: "orders", name: "cleanup.policy", value: "compact" })));
    md.appendRecord(T.ConfigRecord, 0, body((w) => writeConfigRecord(w, 0, { resourceType: 2, resourceName: "orders", name: "retention.ms", value: null })));
    expect(orders.partitions.map((p) => p.partitionId)).toEqual([0, 1, 2]);
    expect(md.nextOffset).toBe(1 + 4 + 2 + 3);
    md.close();

    const re = ClusterMetadata.load({ dir: DIR, fs });
    expect([...re.topicsByName.keys()]).toEqual(["orders", "events"]);
    const o = re.topicsByName.get("orders")!;
    expect(o.topicId).toBe(orders.topicId);
    expect(o.topicId).toMatch(/^[0-9a-f]{32}$/);
    expect(re.topicsById.get(events.topicId)!.name).toBe("events");
    expect(o.partitions).toEqual([0, 1, 2].map((partitionId) => ({
      partitionId,
      leader: 1,
      leaderEpoch: 0,
      partitionEpoch: 0,
      replicas: [1],
      isr: [1],
      removingReplicas: [],
      addingReplicas: [],
      directories: [],
      leaderRecoveryState: 0,
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: [],
    })));
    expect(re.topicsByName.get("events")!.partitions[0]!.directories).toEqual(["10000000000040008000000000000001"]);
    expect(re.features.get("metadata.version")).toBe(21);
    expect(re.topicConfigs.get("orders")).toEqual(new Map([["cleanup.policy", "compact"]]));
    expect(re.nextOffset).toBe(10);
    expect(re.metadataLog!.nextOffset).toBe(10);
  });

  test("PartitionChangeRecord, RemoveTopicRecord and unknown record types", () => {
    const fs = new MemoryFileSystem();
    const logged: string[] = [];
    const md = ClusterMetadata.load({ dir: DIR, fs, log: (m) => logged.push(m) });
    const t = md.createTopic("t", 2, { nodeId: 1 });
    const change = (fields: object) =>
      md.appendRecord(T.PartitionChangeRecord, 0, body((w) => writePartitionChangeRecord(w, 0, { ...defaultPartitionChangeRecord(), topicId: t.topicId, ...fields })));
    change({ partitionId: 1, isr: [1, 2], replicas: [1, 2] });
    change({ partitionId: 1, leader: 2 });
    change({ partitionId: 1, leader: -1, isr: [] });
    md.appendRecords([
      { type: 99, version: 0, body: new Uint8Array([1, 2, 3]) },
      { type: 99, version: 0, body: new Uint8Array([4]) },
    ]);
    md.close();
    const re = ClusterMetadata.load({ dir: DIR, fs, log: (m) => logged.push(m) });
    const p1 = re.topicsByName.get("t")!.partitions[1]!;
    expect([p1.leader, p1.leaderEpoch, p1.partitionEpoch, p1.isr, p1.replicas]).toEqual([-1, 2, 3, [], [1, 2]]);
    expect(re.topicsByName.get("t")!.partitions[0]!.partitionEpoch).toBe(0);
    expect(logged.filter((m) => m.includes("type 99")).length).toBe(2); // once per load

    re.appendRecord(T.RemoveTopicRecord, 0, body((w) => writeRemoveTopicRecord(w, 0, { topicId: t.topicId })));
    expect(re.topicsByName.size).toBe(0);
    re.close();
    expect(ClusterMetadata.load({ dir: DIR, fs }).topicsById.size).toBe(0);
  });

  test("the latest snapshot is applied first, then only log records from its end offset; control batches are skipped", () => {
    const fs = new MemoryFileSystem();
    const md = ClusterMetadata.load({ dir: DIR, fs });
    const early = md.createTopic("early", 1, { nodeId: 1 }); // offsets 0-1: covered by the snapshot
    md.close();
    const late = newTopicId();
    const snapTopic = newTopicId();
    const frame = (type: number, b: Uint8Array) => ({ value: frameMetadataRecord(type, 0, b) });
    const snapshot = Buffer.concat([
      buildRecordBatch({ attributes: 0x20, records: [{ key: new Uint8Array([0, 0, 0, 3]), value: new Uint8Array([0, 0]) }] }),
      buildRecordBatch({ records: [frame(T.TopicRecord, body((w) => writeTopicRecord(w, 0, { name: "from-snapshot", topicId: snapTopic })))] }),
    ]);
    fs.writeFileAtomic(`${DIR}/00000000000000000002-0000000001.checkpoint`, snapshot);
    fs.writeFileAtomic(`${DIR}/00000000000000000001-0000000001.checkpoint`, new Uint8Array(3)); // older: ignored
    const md2 = ClusterMetadata.load({ dir: DIR, fs });
    md2.appendRecord(T.TopicRecord, 0, body((w) => writeTopicRecord(w, 0, { name: "late", topicId: late })));
    md2.close();
    const re = ClusterMetadata.load({ dir: DIR, fs });
    expect([...re.topicsByName.keys()].sort()).toEqual(["from-snapshot", "late"]);
    expect(re.topicsById.has(early.topicId)).toBe(false);
  });
  test("ConfigRecords of TOPIC, BROKER and GROUP resources are kept and replayed; other types skipped", () => {
    const fs = new MemoryFileSystem();
    const md = ClusterMetadata.load({ dir: DIR, fs });
    md.createTopic("t", 1, { nodeId: 1, configs: [{ name: "retention.ms", value: "1000" }] });
    md.alterConfigs([
      { resourceType: 4, resourceName: "", name: "log.retention.ms", value: "5000" },
      { resourceType: 4, resourceName: "1", name: "message.max.bytes", value: "2000000" },
      { resourceType: 4, resourceName: "1", name: "log.retention.bytes", value: "7" },
      { resourceType: 32, resourceName: "g", name: "consumer.session.timeout.ms", value: "50000" },
      { resourceType: 16, resourceName: "m", name: "interval.ms", value: "1000" },
    ]);
    md.alterConfigs([
      { resourceType: 4, resourceName: "1", name: "log.retention.bytes", value: null },
      { resourceType: 2, resourceName: "t", name: "cleanup.policy", value: "compact" },
    ]);
    md.close();
    const re = ClusterMetadata.load({ dir: DIR, fs });
    const plain = (m: Map<string, Map<string, string>>) => Object.fromEntries([...m].map(([k, v]) => [k, Object.fromEntries(v)]));
    expect(plain(re.topicConfigs)).toEqual({ t: { "retention.ms": "1000", "cleanup.policy": "compact" } });
    expect(plain(re.brokerConfigs)).toEqual({ "": { "log.retention.ms": "5000" }, "1": { "message.max.bytes": "2000000" } });
    expect(plain(re.groupConfigs)).toEqual({ g: { "consumer.session.timeout.ms": "50000" } });
    expect(re.configsOfType(16)).toBeUndefined();
  });

  test("onConfigChange: once per resource and batch, after the batch is applied; unsubscribing stops it", () => {
    const fs = new MemoryFileSystem();
    const md = ClusterMetadata.load({ dir: DIR, fs });
    const seen: string[] = [];
    const off = md.onConfigChange((r) => seen.push(`${r.type}/${r.name}/${md.configsOfType(r.type)?.get(r.name)?.size ?? 0}`));
    md.alterConfigs([
      { resourceType: 2, resourceName: "t", name: "a", value: "1" },
      { resourceType: 2, resourceName: "t", name: "b", value: "2" },
      { resourceType: 4, resourceName: "", name: "c", value: "3" },
    ]);
    expect(seen).toEqual(["2/t/2", "4//1"]);
    md.alterConfigs([]);
    md.appendRecord(T.FeatureLevelRecord, 0, body((w) => writeFeatureLevelRecord(w, 0, { name: "x", featureLevel: 1 })));
    expect(seen.length).toBe(2);
    off();
    md.alterConfigs([{ resourceType: 2, resourceName: "t", name: "a", value: null }]);
    expect(seen.length).toBe(2);
    md.close();
  });
});
