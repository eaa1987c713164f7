// The records the group coordinator keeps in __consumer_offsets, in Kafka's format
// (CoordinatorRecordSerde): a record's key is its int16 record type followed by the key (always
// key version 0), its value an int16 value version followed by the value, and a deletion is a
// tombstone (null value). What Kafka writes, and so what Bunka writes:
//
//   committed offset  key OffsetCommitKey  type 1 {group, topic, partition}
//                     value OffsetCommitValue v3 {offset, leaderEpoch, metadata, commitTimestamp}
//                     (v1, with expireTimestamp, when the commit gave a retention time: v2–v4)
//   group metadata    key GroupMetadataKey type 2 {group}
//                     value GroupMetadataValue v3 {protocolType, generation, protocol, leader,
//                     currentStateTimestamp, members [memberId, groupInstanceId, clientId,
//                     clientHost, rebalanceTimeout, sessionTimeout, subscription, assignment]}
//
// Types 0 (LegacyOffsetCommitKey, same fields) and 1 read as committed offsets, 2 as group
// metadata. Other types (KIP-848 consumer groups, share groups) are not ours: skipped.
// Transactional offset commits are the same OffsetCommit records in a transactional batch;
// their transaction markers are control batches (records/control-batch.ts), read by the replay
// in offsets-topic.ts.

import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import {
  GROUP_RECORD_TYPES, GROUP_RECORD_VERSIONS,
  readGroupMetadataKey, readGroupMetadataValue, readOffsetCommitKey, readOffsetCommitValue,
  writeGroupMetadataKey, writeGroupMetadataValue, writeOffsetCommitKey, writeOffsetCommitValue,
  type GroupMetadataValue, type OffsetCommitValue,
} from "../storage/group/records.ts";

export type { GroupMetadataValue, OffsetCommitValue };

/** Keys have one version (0); their int16 prefix is the record type. */
const KEY_VERSION = 0;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
/** The only OffsetCommitValue version with an expire timestamp. */
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
export const GROUP_METADATA_VALUE_VERSION = 3;

export interface OffsetCommitRecord {
  kind: "offset";
  groupId: string;
  topic: string;
  partition: number;
  /** null: a tombstone (the offset is deleted). */
  value: OffsetCommitValue | null;
}

export interface GroupMetadataRecord {
  kind: "group";
  groupId: string;
  /** null: a tombstone (the group is deleted). */
  value: GroupMetadataValue | null;
}

export type CoordinatorRecord = OffsetCommitRecord | GroupMetadataRecord;

export interface EncodedRecord {
  key: Uint8Array;
  value: Uint8Array | null;
}

export function encodeCoordinatorRecord(rec: CoordinatorRecord): EncodedRecord {
  const key = new Writer(64, null);
  let value: Uint8Array | null = null;
  if (rec.kind === "offset") {
    key.int16(GROUP_RECORD_TYPES.OffsetCommitKey);
    writeOffsetCommitKey(key, KEY_VERSION, { group: rec.groupId, topic: rec.topic, partition: rec.partition });
    if (rec.value !== null) {
      const version = rec.value.expireTimestamp !== -1 ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
      const w = new Writer(64 + rec.value.metadata.length * 3, null);
      w.int16(version);
      writeOffsetCommitValue(w, version, rec.value);
      value = w.finish().slice();
    }
  } else {
    key.int16(GROUP_RECORD_TYPES.GroupMetadataKey);
    writeGroupMetadataKey(key, KEY_VERSION, { group: rec.groupId });
    if (rec.value !== null) {
      const w = new Writer(256, null);
      w.int16(GROUP_METADATA_VALUE_VERSION);
      writeGroupMetadataValue(w, GROUP_METADATA_VALUE_VERSION, rec.value);
      value = w.finish().slice();
    }
  }
  return { key: key.finish().slice(), value };
}

/**
 * Decodes a record of __consumer_offsets; null for key versions that are not classic-group
 * records. Throws on malformed bytes.
 */
export function decodeCoordinatorRecord(key: Uint8Array, value: Uint8Array | null): CoordinatorRecord | null {
  const kr = new Reader(key);
  const type = kr.int16();
  if (kr.failed) throw new Error("record key too short");
  if (type === GROUP_RECORD_TYPES.LegacyOffsetCommitKey || type === GROUP_RECORD_TYPES.OffsetCommitKey) {
    // LegacyOffsetCommitKey and OffsetCommitKey have the same fields.
    const k = readOffsetCommitKey(kr, KEY_VERSION);
    if (kr.failed) throw new Error("malformed OffsetCommitKey");
    let v: OffsetCommitValue | null = null;
    if (value !== null) {
      const vr = new Reader(value);
      const version = vr.int16();
      const { minVersion, maxVersion } = GROUP_RECORD_VERSIONS.OffsetCommitValue;
      if (vr.failed || version < minVersion || version > maxVersion) throw new Error(`unknown OffsetCommitValue version ${version}`);
      v = readOffsetCommitValue(vr, version);
      if (vr.failed) throw new Error("malformed OffsetCommitValue");
    }
    return { kind: "offset", groupId: k.group, topic: k.topic, partition: k.partition, value: v };
  }
  if (type === GROUP_RECORD_TYPES.GroupMetadataKey) {
    const k = readGroupMetadataKey(kr, KEY_VERSION);
    if (kr.failed) throw new Error("malformed GroupMetadataKey");
    let v: GroupMetadataValue | null = null;
    if (value !== null) {
      const vr = new Reader(value);
      const version = vr.int16();
      const { minVersion, maxVersion } = GROUP_RECORD_VERSIONS.GroupMetadataValue;
      if (vr.failed || version < minVersion || version > maxVersion) throw new Error(`unknown GroupMetadataValue version ${version}`);
      v = readGroupMetadataValue(vr, version);
      if (vr.failed) throw new Error("malformed GroupMetadataValue");
      // Byte fields are views of the batch being read: keep copies.
      v = { ...v, members: v.members.map((m) => ({ ...m, subscription: m.subscription.slice(), assignment: m.assignment.slice() })) };
    }
    return { kind: "group", groupId: k.group, value: v };
  }
  return null;
}
