import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskFileSystem, MemoryFileSystem } from "../../src/storage/fs.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";
import { batchOf, text } from "./batches.ts";
import { kafkaIndexProblems } from "./kafka-invariants.ts";

// Written by the CodeCrafters Kafka tester's own generator (protocol/kafka_files_generator),
// not by Bunka: topics foo (1 partition), bar (2), paz (3), with messages in each partition log.
const CODECRAFTERS = join(import.meta.dir, "../fixtures/codecrafters-logdir");
// Captured from a real Apache Kafka broker (added separately; the test runs if it is there).
const KAFKA = join(import.meta.dir, "../fixtures/kafka-logdir");

const tmpRoots: string[] = [];
afterAll(() => {
  for (const d of tmpRoots) nodeFs.rmSync(d, { recursive: true, force: true });
});

function values(res: { batches: Uint8Array[] } | "out-of-range"): string[] {
  if (res === "out-of-range") throw new Error("out of range");
  return res.batches.flatMap((b) => decodeRecords(new RecordBatchView(b)).map((r) => text(r.value)));
}

describe("LogStore with the CodeCrafters tester's log dir", () => {
  test("loads topics, topic ids, partitions and features from __cluster_metadata-0", () => {
    const fs = new MemoryFileSystem();
    fs.loadFromDisk(CODECRAFTERS, "/kraft");
    const store = LogStore.open({ logDirs: ["/kraft"], fs });
    const md = store.metadata;
    expect([...md.topicsByName.keys()]).toEqual(["foo", "bar", "paz"]);
    expect(md.topicsByName.get("foo")!.topicId).toBe("00000000000040008000000000000091");
    expect(md.topicsByName.get("paz")!.topicId).toBe("71a59a5189684f2aa1f34b5a6ba1fd9c");
    expect(md.topicsById.get("00000000000040008000000000000092")!.name).toBe("bar");
    expect(md.topicsByName.get("paz")!.partitions.map((p) => p.partitionId)).toEqual([0, 1, 2]);
    expect(md.topicsByName.get("bar")!.partitions[1]).toEqual({
      partitionId: 1,
      leader: 1,
      leaderEpoch: 0,
      partitionEpoch: 0,
      replicas: [1],
      isr: [1],
      removingReplicas: [],
      addingReplicas: [],
      directories: ["10000000000040008000000000000001"],
      leaderRecoveryState: 0,
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: [],
    });
    expect(md.features.get("metadata.version")).toBe(20);
    expect(md.nextOffset).toBe(11);
  });

  test("reads the partition logs, appends after them, and reopens", () => {
    const root = nodeFs.mkdtempSync(join(tmpdir(), "bunka-cc-"));
    tmpRoots.push(root);
    nodeFs.cpSync(CODECRAFTERS, root, { recursive: true });
    const fs = new DiskFileSystem();
    const store = LogStore.open({ logDirs: [root], fs });
    expect(store.partition("nope", 0)).toBeUndefined();
    expect(store.partition("foo", 1)).toBeUndefined();
    const foo = store.partition("foo", 0)!;
    expect(values(foo.read(0, 1 << 20, true))).toEqual(["Hello World!"]);
    expect([foo.logStartOffset, foo.nextOffset]).toEqual([0, 1]);
    expect(foo.topicIdOnDisk).toBe("00000000000040008000000000000091"); // the tester writes padded standard base64
    const bar1 = store.partitionById("00000000000040008000000000000092", 1)!;
    expect(values(bar1.read(1, 1 << 20, true))).toEqual(["two", "three"]);
    const paz0 = store.partition("paz", 0)!;
    expect(paz0.nextOffset).toBe(0);
    expect(paz0.read(0, 100, true)).toEqual({ batches: [] });
    expect(store.partition("paz", 2)!.nextOffset).toBe(2);
    expect(bar1.append(batchOf(2))).toEqual({ baseOffset: 3, lastOffset: 4 });
    const created = store.metadata.createTopic("new-topic", 2, { nodeId: 1 });
    store.partition("new-topic", 1)!.append(batchOf(1));
    store.close();

    expect(nodeFs.readFileSync(join(root, "new-topic-1/partition.metadata"), "utf8")).toBe(
      `version: 0\ntopic_id: ${Buffer.from(created.topicId, "hex").toString("base64url")}`,
    );
    for (const d of ["foo-0", "bar-1", "paz-0", "new-topic-1", "__cluster_metadata-0"]) {
      expect(kafkaIndexProblems(fs, join(root, d))).toEqual([]);
    }
    const again = LogStore.open({ logDirs: [root], fs });
    expect(values(again.partition("bar", 1)!.read(0, 1 << 20, true))).toEqual(["one", "two", "three", "v-0", "v-1"]);
    expect(again.partition("new-topic", 1)!.nextOffset).toBe(1);
    expect(again.metadata.topicsByName.get("new-topic")!.topicId).toBe(created.topicId);
    again.close();
  });
});

describe("LogStore with several log dirs", () => {
  test("finds partition directories in any log dir; creates new ones in the first", () => {
    const fs = new MemoryFileSystem();
    fs.loadFromDisk(CODECRAFTERS, "/b");
    fs.mkdir("/a");
    const store = LogStore.open({ logDirs: ["/a", "/b"], fs });
    expect(store.metadata.topicsByName.size).toBe(3);
    expect(store.partition("foo", 0)!.dir).toBe("/b/foo-0");
    const t = store.metadata.createTopic("fresh", 1, { nodeId: 1 });
    expect(store.partitionById(t.topicId, 0)!.dir).toBe("/a/fresh-0");
    expect(fs.list("/a")).toEqual([".lock", "fresh-0"]); // locked while open
    store.close();
  });
});

/**
 * What Kafka's own DumpLogSegments said about the fixture, from the README captured with it
 * (topic ids and CRCs change whenever the fixture is re-captured).
 */
function kafkaDump() {
  const readme = nodeFs.readFileSync(join(KAFKA, "README.md"), "utf8");
  const hex = (kafkaUuid: string) => Buffer.from(kafkaUuid, "base64url").toString("hex");
  const topic = /"type":"TOPIC_RECORD".*?"name":"fixture-topic","topicId":"([\w-]+)"/.exec(readme)![1]!;
  const dir = /"type":"PARTITION_RECORD".*?"directories":\["([\w-]+)"/.exec(readme)![1]!;
  const section = readme.slice(readme.indexOf("## fixture-topic-0/"), readme.indexOf("## fixture-topic-1/"));
  const batches = [...section.matchAll(/^baseOffset: (\d+) .*? position: (\d+) .*? size: (\d+) magic: 2 compresscodec: (\w+) crc: (\d+) isvalid: true$/gm)].map(
    (m) => ({ baseOffset: Number(m[1]), position: Number(m[2]), size: Number(m[3]), codec: m[4]!, crc: Number(m[5]) }),
  );
  return { topicId: hex(topic), directoryId: hex(dir), batches };
}

describe.if(nodeFs.existsSync(join(KAFKA, "README.md")))("LogStore with a log dir written by Apache Kafka 4.3.1", () => {
  const dump = kafkaDump();
  const TOPIC_ID = dump.topicId;

  function open(logged: string[] = []) {
    const fs = new MemoryFileSystem();
    fs.loadFromDisk(KAFKA, "/kafka");
    return { fs, store: LogStore.open({ logDirs: ["/kafka"], fs, log: (m) => logged.push(m) }) };
  }

  test("metadata: topic, partitions after the controlled shutdown's PartitionChangeRecords, features, configs", () => {
    const { store } = open();
    const md = store.metadata;
    expect([...md.topicsByName.keys()]).toEqual(["fixture-topic"]);
    const t = md.topicsById.get(TOPIC_ID)!;
    expect(t.name).toBe("fixture-topic");
    expect(t.partitions.map((p) => [p.partitionId, p.leader, p.leaderEpoch, p.partitionEpoch, p.isr, p.replicas])).toEqual([
      [0, -1, 1, 1, [], [1]],
      [1, -1, 1, 1, [], [1]],
    ]);
    expect(t.partitions[0]!.eligibleLeaderReplicas).toEqual([1]);
    expect(t.partitions[0]!.lastKnownElr).toEqual([1]);
    expect(t.partitions[0]!.directories).toEqual([dump.directoryId]);
    expect(md.features.get("metadata.version")).toBe(30);
    expect(md.features.get("transaction.version")).toBe(2);
    expect(md.topicConfigs.get("fixture-topic")).toEqual(new Map([["index.interval.bytes", "128"]]));
  });

  test("partition logs: offsets, whole batches from inside a batch (also gzip ones), CRCs, timestamps", () => {
    const logged: string[] = [];
    const { fs, store } = open(logged);
    const p0 = store.partition("fixture-topic", 0)!;
    expect([p0.logStartOffset, p0.nextOffset]).toEqual([0, 40]);
    expect(p0.topicIdOnDisk).toBe(TOPIC_ID);
    const all = p0.read(0, 1 << 20, true);
    if (all === "out-of-range") throw new Error();
    const views = all.batches.map((b) => new RecordBatchView(b));
    expect(views.map((v) => v.baseOffset)).toEqual([0, 3, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 33, 36, 39]);
    expect(views.every((v) => v.isCrcValid())).toBe(true);
    // Batch by batch, what Kafka's DumpLogSegments printed for the same file.
    expect(dump.batches.length).toBe(18);
    expect(views.map((v) => ({ baseOffset: v.baseOffset, size: v.sizeInBytes, codec: v.compression ? "gzip" : "none", crc: v.crc }))).toEqual(
      dump.batches.map(({ baseOffset, size, codec, crc }) => ({ baseOffset, size, codec, crc })),
    );
    expect(values(p0.read(7, 1, true))).toEqual(["<null>", ""]); // tombstone and empty value at 6, 7
    const gz = p0.read(34, 1, true);
    if (gz === "out-of-range") throw new Error();
    expect(new RecordBatchView(gz.batches[0]!).baseOffset).toBe(33);
    expect(p0.offsetForTimestamp(1700000000013)).toEqual({ timestamp: 1700000000030, offset: 6 });
    expect(p0.offsetForTimestamp(1700000100300)).toEqual({ timestamp: 1700000100300, offset: 8 });
    expect(p0.offsetForTimestamp(1700000101400)).toBeNull();
    expect(values(store.partition("fixture-topic", 1)!.read(0, 1 << 20, true))).toEqual(["p1-value-0", "p1-value-1"]);
    // Kafka's indexes were accepted as they were: nothing rebuilt, nothing truncated.
    expect(logged.filter((m) => /rebuild|truncat|inconsistent/.test(m))).toEqual([]);
    expect(kafkaIndexProblems(fs, "/kafka/fixture-topic-0")).toEqual([]);
    store.close();
  });

  test("Bunka's index rule reproduces Kafka's index files byte for byte", () => {
    const { fs, store } = open();
    const dir = "/kafka/fixture-topic-0";
    const original = new MemoryFileSystem();
    original.loadFromDisk(join(KAFKA, "fixture-topic-0"), "/orig");
    // Drop the indexes: recovery rebuilds them by scanning the log with index.interval.bytes=128.
    fs.remove(`${dir}/00000000000000000000.index`);
    fs.remove(`${dir}/00000000000000000000.timeindex`);
    store.partition("fixture-topic", 0)!;
    store.close();
    for (const f of ["00000000000000000000.index", "00000000000000000000.timeindex"]) {
      expect([f, fs.readFile(`${dir}/${f}`)]).toEqual([f, original.readFile(`/orig/${f}`)]);
    }
  });
});
