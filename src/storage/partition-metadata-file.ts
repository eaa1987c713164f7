// `partition.metadata` in every partition directory (Kafka's PartitionMetadataFile): records
// which topic id the directory belongs to, so a recreated topic with the same name is not mixed
// up with an old directory. Format (no trailing newline), written atomically:
//
//     version: 0
//     topic_id: <Kafka Uuid string: base64url of the 16 bytes, no padding>

import type { FileSystem } from "./fs.ts";
import { kafkaStringToUuidHex, uuidHexToKafkaString } from "./kafka-uuid.ts";

export const PARTITION_METADATA_FILE = "partition.metadata";

export function formatPartitionMetadata(topicIdHex: string): string {
  return `version: 0\ntopic_id: ${uuidHexToKafkaString(topicIdHex)}`;
}

/** The topic id (32 hex digits) in a partition.metadata text, or null if malformed. */
export function parsePartitionMetadata(text: string): string | null {
  const lines = text.split(/\r?\n/);
  const version = lines[0]?.trim().split(/\s+/);
  const topic = lines[1]?.trim().split(/\s+/);
  if (version?.length !== 2 || version[0] !== "version:" || !(Number(version[1]) >= 0)) return null;
  if (topic?.length !== 2 || topic[0] !== "topic_id:") return null;
  return kafkaStringToUuidHex(topic[1]!);
}

export function writePartitionMetadataFile(fs: FileSystem, dir: string, topicIdHex: string): void {
  fs.writeFileAtomic(`${dir}/${PARTITION_METADATA_FILE}`, new TextEncoder().encode(formatPartitionMetadata(topicIdHex)));
}

/** The topic id recorded in `dir`, null if the file is missing or malformed. */
export function readPartitionMetadataFile(fs: FileSystem, dir: string): string | null {
  const path = `${dir}/${PARTITION_METADATA_FILE}`;
  if (!fs.exists(path)) return null;
  return parsePartitionMetadata(new TextDecoder().decode(fs.readFile(path)));
}
