// Lays out a log dir the way the CodeCrafters harness and a KRaft Kafka do: a
// __cluster_metadata-0 log holding FeatureLevelRecord, TopicRecord and PartitionRecord
// batches, and <topic>-<partition>/00000000000000000000.log files of record batches, written
// straight to disk (not through Bunka's storage) so the broker must load what it finds.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writer } from "../../src/protocol/writer.ts";
import {
  METADATA_RECORD_TYPES, writeFeatureLevelRecord, writePartitionRecord, writeTopicRecord, defaultPartitionRecord,
} from "../../src/storage/metadata/records.ts";
import { frameMetadataRecord } from "../../src/storage/cluster-metadata.ts";
import { buildRecordBatch, type RecordToBuild } from "../../src/records/record-batch-builder.ts";

export interface TopicToLayOut {
  name: string;
  /** 32 hex digits. */
  topicId: string;
  /** One entry per partition: the batches already in its log (each a list of records). */
  partitions: RecordToBuild[][][];
}

const enc = new TextEncoder();
export const bytes = (s: string) => enc.encode(s);

function encode(write: (w: Writer) => void): Uint8Array {
  const w = new Writer(128, null);
  write(w);
  return w.finish().slice();
}

export function randomTopicId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");
}

/** Writes the layout; returns the exact batch bytes written per topic and partition. */
export function layOutLogDir(dir: string, topics: TopicToLayOut[], nodeId = 1): Map<string, Uint8Array[][]> {
  const metadataDir = join(dir, "__cluster_metadata-0");
  mkdirSync(metadataDir, { recursive: true });
  const batches: Uint8Array[] = [];
  let offset = 0;
  const metadataBatch = (values: Uint8Array[]) => {
    const batch = buildRecordBatch({ baseOffset: offset, partitionLeaderEpoch: 1, records: values.map((value) => ({ value })) });
    offset += values.length;
    batches.push(batch);
  };
  metadataBatch([frameMetadataRecord(METADATA_RECORD_TYPES.FeatureLevelRecord, 0,
    encode((w) => writeFeatureLevelRecord(w, 0, { name: "metadata.version", featureLevel: 20 })))]);
  for (const topic of topics) {
    metadataBatch([
      frameMetadataRecord(METADATA_RECORD_TYPES.TopicRecord, 0, encode((w) => writeTopicRecord(w, 0, { name: topic.name, topicId: topic.topicId }))),
      ...topic.partitions.map((_, partitionId) => frameMetadataRecord(METADATA_RECORD_TYPES.PartitionRecord, 1,
        encode((w) => writePartitionRecord(w, 1, {
          ...defaultPartitionRecord(), partitionId, topicId: topic.topicId, replicas: [nodeId], isr: [nodeId],
          leader: nodeId, leaderEpoch: 0, partitionEpoch: 0, directories: [randomTopicId()],
        })))),
    ]);
  }
  writeFileSync(join(metadataDir, "00000000000000000000.log"), Buffer.concat(batches));

  const written = new Map<string, Uint8Array[][]>();
  for (const topic of topics) {
    const perPartition: Uint8Array[][] = [];
    topic.partitions.forEach((partitionBatches, partition) => {
      const pdir = join(dir, `${topic.name}-${partition}`);
      mkdirSync(pdir, { recursive: true });
      let next = 0;
      const out = partitionBatches.map((records) => {
        const b = buildRecordBatch({ baseOffset: next, partitionLeaderEpoch: 0, records });
        next += records.length;
        return b;
      });
      writeFileSync(join(pdir, "00000000000000000000.log"), Buffer.concat(out));
      perPartition.push(out);
    });
    written.set(topic.name, perPartition);
  }
  return written;
}
