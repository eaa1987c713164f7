// The cluster's topics and partitions, read from the KRaft metadata log in
// `<logDir>/__cluster_metadata-0/`, and the way new metadata records are written to it.
//
// Loading: the latest snapshot `<end offset, 20 digits>-<epoch, 10 digits>.checkpoint` if any
// (a file of record batches like a segment; it holds the state of every record before its end
// offset), then the log's batches from that offset on. Control batches (attributes bit 5:
// leader change, snapshot header/footer, KRaft voters) are skipped. Each record's value is
// Kafka's metadata frame (AbstractApiMessageSerde):
//
//     frame version  unsigned varint (always 1)
//     record type    unsigned varint (the spec's apiKey: TopicRecord 2, PartitionRecord 3, ...)
//     record version unsigned varint
//     body           the record in its flexible encoding (metadata/records.ts)
//
// TopicRecord, PartitionRecord, PartitionChangeRecord, RemoveTopicRecord, FeatureLevelRecord,
// ConfigRecord and ProducerIdsRecord change the model; other types are skipped (logged once each).
// ConfigRecords are kept for TOPIC (2), BROKER (4) and GROUP (32) resources, as Kafka's
// ConfigurationControlManager replays them (a null value deletes the key); other types are
// skipped.
//
// UserScramCredentialRecord and RemoveUserScramCredentialRecord keep the SCRAM credentials (salt,
// StoredKey, ServerKey, iterations per user and mechanism) as Kafka's ScramControlManager and
// ScramImage replay them.
// AccessControlEntryRecord / RemoveAccessControlEntryRecord keep the ACLs by id, as Kafka's
// AclControlManager and StandardAuthorizer replay them; onAclChange() listeners hear of each ACL
// added or removed once its batch is applied (the authorizer follows them).
//
// Graduating to Kafka (README "When you outgrow one node"): with the `kraft` option, load() makes
// the log one Apache Kafka 4.3.1's controller replays as its own. A log without a metadata.version
// FeatureLevelRecord gets the bootstrap batch Kafka's controller writes into an empty log
// (QuorumController's ActivationRecordsGenerator: the FeatureLevelRecords of BOOTSTRAP_FEATURES);
// Kafka's MetadataLoader fails on a log without one ("Unknown metadata version for
// FeaturesImage"). quorum-state is kept at the log's last epoch (kraft/quorum-state.ts). A
// metadata.version above MAX_METADATA_VERSION means a newer Kafka wrote records Bunka may
// misread: load() throws MetadataTooNewError.
//
// Writing: appendRecords() frames records, puts them in ONE batch (atomic, as Kafka's controller
// writes a topic and its partitions), appends it to the metadata PartitionLog and applies it.
// Every applied batch that changed a resource's configs (ConfigRecords, or a RemoveTopicRecord of
// a topic that had some) tells onConfigChange() listeners, once per resource, after the batch.

import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { DiskFileSystem, type FileSystem } from "./fs.ts";
import { METADATA_TOPIC_ID } from "./kafka-uuid.ts";
import {
  METADATA_RECORD_TYPES,
  readConfigRecord,
  readProducerIdsRecord,
  readAccessControlEntryRecord,
  readRemoveAccessControlEntryRecord,
  writeAccessControlEntryRecord,
  writeRemoveAccessControlEntryRecord,
  writeProducerIdsRecord,
  readFeatureLevelRecord,
  writeFeatureLevelRecord,
  readPartitionChangeRecord,
  writePartitionChangeRecord,
  defaultPartitionChangeRecord,
  readPartitionRecord,
  readRemoveTopicRecord,
  readTopicRecord,
  writePartitionRecord,
  writeConfigRecord,
  writeRemoveTopicRecord,
  writeTopicRecord,
  readUserScramCredentialRecord,
  writeUserScramCredentialRecord,
  readRemoveUserScramCredentialRecord,
  writeRemoveUserScramCredentialRecord,
} from "./metadata/records.ts";
import { PartitionLog, type PartitionLogOptions } from "./partition-log.ts";
import { keepQuorumState } from "./kraft/quorum-state.ts";
import { buildRecordBatch } from "../records/record-batch-builder.ts";
import { escapeForLog } from "../log.ts";
import type { AclBinding } from "../security/authorizer.ts";
import { Compression, decodeRecords, RecordBatchView, scanBatches, splitBatches } from "../records/record-batch.ts";

export const CLUSTER_METADATA_DIR = "__cluster_metadata-0";
/** ConfigRecord resourceType of a topic (ConfigResource.Type.TOPIC). */
export const CONFIG_RESOURCE_TOPIC = 2;
/** ConfigRecord resourceType of a broker (ConfigResource.Type.BROKER): name "" is the cluster default, else a node id. */
export const CONFIG_RESOURCE_BROKER = 4;
/** ConfigRecord resourceType of a group (ConfigResource.Type.GROUP). */
export const CONFIG_RESOURCE_GROUP = 32;
/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** The only metadata frame version Kafka reads and writes. */
export const METADATA_FRAME_VERSION = 1;
/** Kafka's metadata.version of 4.3-IV0, the newest Bunka reads (MetadataVersion.IBP_4_3_IV0.featureLevel()). */
export const MAX_METADATA_VERSION = 30;
/**
 * The finalized features a log without them gets, in Kafka's bootstrap order: the levels
 * `kafka-storage format` of Kafka 4.3.1 writes for the two features Bunka serves (measured:
 * metadata.version 30, transaction.version 2). Kafka also finalizes group.version,
 * share.version, streams.version and eligible.leader.replicas.version at 1; Bunka serves none of
 * their protocols and leaves them at 0 (kafka-features upgrade raises them after graduating).
 */
export const BOOTSTRAP_FEATURES: readonly { name: string; level: number }[] = [
  { name: "metadata.version", level: MAX_METADATA_VERSION },
  { name: "transaction.version", level: 2 },
];

/** The metadata log names a metadata.version this Bunka does not know (a newer Kafka ran on the dir). */
export class MetadataTooNewError extends Error {
  constructor(dir: string, level: number) {
    super(`${dir}: metadata.version ${level} is newer than ${MAX_METADATA_VERSION} (Kafka 4.3-IV0), the newest this Bunka ` +
      "understands: a newer Apache Kafka has changed this log dir's metadata. Bunka refuses to start rather than misread it; " +
      "keep running that Kafka on it (or downgrade its metadata.version with kafka-features first, if that Kafka allows it).");
    this.name = "MetadataTooNewError";
  }
}

export interface PartitionMetadata {
  partitionId: number;
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: number[];
  isr: number[];
  removingReplicas: number[];
  addingReplicas: number[];
  /** Log directory (32 hex digits) of each replica, when the record carries them (v1+). */
  directories: string[];
  leaderRecoveryState: number;
  eligibleLeaderReplicas: number[];
  lastKnownElr: number[];
  /** Always empty: a single broker has no offline replicas it would know about. */
  offlineReplicas: number[];
}

export interface TopicMetadata {
  name: string;
  /** 32 lowercase hex digits. */
  topicId: string;
  /** Sorted by partitionId. */
  partitions: PartitionMetadata[];
}

/** A config resource whose dynamic configs changed (ConfigResource: type id and name). */
export interface ConfigResourceId {
  type: number;
  name: string;
}

/** One ConfigRecord to write: a key of a resource set to a value, or deleted (null). */
export interface ConfigChange {
  resourceType: number;
  resourceName: string;
  name: string;
  value: string | null;
}

/** A SCRAM credential as __cluster_metadata keeps it (UserScramCredentialRecord without name and mechanism). */
export interface StoredScramCredential {
  salt: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
  iterations: number;
}

/** One SCRAM credential change: set (a UserScramCredentialRecord) or removed. */
export type ScramCredentialChange =
  | { user: string; mechanism: number; credential: StoredScramCredential }
  | { user: string; mechanism: number; credential: null };

/** A metadata record ready to be framed: its type, version and encoded body. */
export interface MetadataRecordToWrite {
  type: number;
  version: number;
  body: Uint8Array;
}

/** An ACL added to or removed from the metadata (by its Kafka Uuid, 32 hex digits). */
export interface AclChange {
  id: string;
  acl: AclBinding;
  removed: boolean;
}

export interface ClusterMetadataOptions {
  /** The `__cluster_metadata-0` directory. */
  dir: string;
  fs?: FileSystem;
  log?: (msg: string) => void;
  /** Passed to the metadata PartitionLog (segment size, index interval). */
  logOptions?: Omit<PartitionLogOptions, "fs" | "log" | "topicId">;
  /**
   * Keep the log one Kafka's KRaft controller (same node id) starts on: bootstrap features when
   * missing, quorum-state. Without it the log is only read and appended to.
   */
  kraft?: { nodeId: number; directoryId?: string };
}

const SNAPSHOT_RE = /^(\d{20})-(\d{10})\.checkpoint$/;

export class ClusterMetadata {
  readonly topicsByName = new Map<string, TopicMetadata>();
  readonly topicsById = new Map<string, TopicMetadata>();
  /** Finalized feature levels by name (e.g. "metadata.version"). */
  readonly features = new Map<string, number>();
  /** Dynamic topic configs (ConfigRecord, resource type TOPIC): topic name -> key -> value. */
  readonly topicConfigs = new Map<string, Map<string, string>>();
  /**
   * Dynamic broker configs (ConfigRecord, resource type BROKER): resource name ("" for the
   * cluster-wide default, else a node id) -> key -> value.
   */
  readonly brokerConfigs = new Map<string, Map<string, string>>();
  /** Dynamic group configs (ConfigRecord, resource type GROUP): group id -> key -> value. */
  readonly groupConfigs = new Map<string, Map<string, string>>();
  /**
   * The first producer id of the next block to hand out (ProducerIdsRecord.nextProducerId of the
   * last record; 0 before any), as Kafka's ProducerIdControlManager keeps it.
   */
  nextProducerIdBlockStart = 0;
  /** SCRAM credentials: mechanism type (1 SCRAM-SHA-256, 2 SCRAM-SHA-512) -> user -> credential. */
  readonly scramCredentials = new Map<number, Map<string, StoredScramCredential>>();
  /** ACLs (AccessControlEntryRecord) by id, 32 lowercase hex digits. */
  readonly acls = new Map<string, AclBinding>();
  /** The offset of the next record after everything applied. */
  nextOffset = 0;
  /** The metadata log, when loaded from a directory. */
  readonly metadataLog: PartitionLog | null;
  /**
   * The log dir's directory.id (32 hex digits) that new PartitionRecords name when the caller
   * gives none (ClusterMetadataOptions.kraft): Kafka's broker otherwise assigns it itself after
   * graduating, with an AssignReplicasToDirs that its controller first refuses (STALE_BROKER_EPOCH,
   * logged at ERROR) until the broker has registered.
   */
  defaultDirectoryId: string | undefined = undefined;

  private readonly log: (msg: string) => void;
  private readonly unknownTypes = new Set<number>();
  private readonly configListeners = new Set<(resource: ConfigResourceId) => void>();
  /** Resources whose configs the batch being applied changed ("<type>:<name>" -> resource). */
  private changedConfigs = new Map<string, ConfigResourceId>();
  private readonly aclListeners = new Set<(change: AclChange) => void>();
  /** ACL changes of the batch being applied, announced after it. */
  private changedAcls: AclChange[] = [];

  private constructor(metadataLog: PartitionLog | null, log: (msg: string) => void) {
    this.metadataLog = metadataLog;
    this.log = log;
  }

  /** An empty model with no log behind it (tests, or applying records from elsewhere). */
  static empty(log: (msg: string) => void = () => {}): ClusterMetadata {
    return new ClusterMetadata(null, log);
  }

  /** Opens (creating if missing) the metadata log in opts.dir and replays snapshot + log. */
  static load(opts: ClusterMetadataOptions): ClusterMetadata {
    const log = opts.log ?? (() => {});
    const fs = opts.fs ?? new DiskFileSystem();
    const metadataLog = PartitionLog.open(opts.dir, { ...opts.logOptions, fs, log, topicId: METADATA_TOPIC_ID, producerSnapshots: false });
    const md = new ClusterMetadata(metadataLog, log);
    md.defaultDirectoryId = opts.kraft?.directoryId;
    let from = metadataLog.logStartOffset;

    const snapshot = latestSnapshot(fs, opts.dir);
    if (snapshot) {
      md.applySnapshot(snapshot.bytes, snapshot.path);
      from = snapshot.endOffset;
    }
    md.nextOffset = from;
    for (const batch of metadataLog.batchesFrom(from)) md.applyBatch(batch, from);
    md.nextOffset = Math.max(md.nextOffset, metadataLog.nextOffset);
    const metadataVersion = md.features.get("metadata.version") ?? 0;
    if (metadataVersion > MAX_METADATA_VERSION) {
      metadataLog.close();
      throw new MetadataTooNewError(opts.dir, metadataVersion);
    }
    if (opts.kraft) {
      if (metadataVersion === 0) md.bootstrapFeatures();
      if (opts.kraft.directoryId) md.assignDirectory(opts.kraft.nodeId, opts.kraft.directoryId);
      keepQuorumState(fs, opts.dir, md.metadataEpoch(), [opts.kraft.nodeId]);
    }
    return md;
  }

  /** The KRaft epoch of the metadata log's last batch (1, Kafka's first leader epoch, when empty). */
  metadataEpoch(): number {
    return Math.max(this.metadataLog?.leaderEpochs.at(-1)?.epoch ?? 1, 1);
  }

  /**
   * Names `directoryId` as the log dir of every partition this node alone replicates whose records
   * name none (an older Bunka wrote PartitionRecord v0): one PartitionChangeRecord v1 each, in one
   * batch, as Kafka's controller writes for a broker's AssignReplicasToDirs. Returns how many.
   */
  assignDirectory(nodeId: number, directoryId: string): number {
    const records: MetadataRecordToWrite[] = [];
    for (const topic of this.topicsById.values()) {
      for (const p of topic.partitions) {
        if (p.replicas.length !== 1 || p.replicas[0] !== nodeId || p.directories.length === p.replicas.length) continue;
        records.push({
          type: METADATA_RECORD_TYPES.PartitionChangeRecord,
          version: 1,
          body: encode((w) => writePartitionChangeRecord(w, 1, {
            ...defaultPartitionChangeRecord(), partitionId: p.partitionId, topicId: topic.topicId, directories: [directoryId],
          })),
        });
      }
    }
    if (records.length > 0) this.appendRecords(records);
    return records.length;
  }

  /**
   * Writes BOOTSTRAP_FEATURES as one batch of FeatureLevelRecords (v0), as Kafka's controller
   * does when it finds no metadata.version in its log.
   */
  bootstrapFeatures(): void {
    this.appendRecords(BOOTSTRAP_FEATURES.map((f) => ({
      type: METADATA_RECORD_TYPES.FeatureLevelRecord,
      version: 0,
      body: encode((w) => writeFeatureLevelRecord(w, 0, { name: f.name, featureLevel: f.level })),
    })));
  }

  private applySnapshot(bytes: Uint8Array, path: string): void {
    const scan = scanBatches(bytes, true);
    if (scan.stop !== "end") this.log(`${path}: snapshot damaged after ${scan.validBytes} bytes; using what precedes`);
    for (const batch of splitBatches(bytes.subarray(0, scan.validBytes))) this.applyBatch(batch, 0);
  }

  /** Applies every record of one batch whose offset is >= fromOffset (control batches skipped). */
  applyBatch(bytes: Uint8Array, fromOffset = 0): void {
    const view = new RecordBatchView(bytes);
    this.nextOffset = Math.max(this.nextOffset, view.lastOffset + 1);
    if (view.isControl) return;
    if (view.compression !== Compression.None) {
      this.log(`metadata batch at offset ${view.baseOffset} is compressed (codec ${view.compression}); skipped`);
      return;
    }
    for (const rec of decodeRecords(view)) {
      if (rec.offset < fromOffset || !rec.value) continue;
      this.applyFramed(rec.value, rec.offset);
    }
    this.announceConfigChanges();
  }

  /**
   * Calls `listener` whenever an applied batch changed the dynamic configs of a resource (TOPIC 2,
   * BROKER 4 with name "" for the cluster default or a node id, GROUP 32): once per resource and
   * batch, after the whole batch is applied, so the maps above already hold the new values. A
   * deleted topic whose configs go with it counts as a change. Returns the unsubscribe function.
   * A listener that throws is logged and does not stop the others.
   */
  onConfigChange(listener: (resource: ConfigResourceId) => void): () => void {
    const wrapped = (resource: ConfigResourceId) => listener(resource);
    this.configListeners.add(wrapped);
    return () => {
      this.configListeners.delete(wrapped);
    };
  }

  private noteConfigChange(type: number, name: string): void {
    this.changedConfigs.set(`${type}:${name}`, { type, name });
  }

  private announceConfigChanges(): void {
    this.announceAclChanges();
    if (this.changedConfigs.size === 0) return;
    const changed = [...this.changedConfigs.values()];
    this.changedConfigs = new Map();
    for (const resource of changed) {
      for (const listener of [...this.configListeners]) {
        try {
          listener(resource);
        } catch (e) {
          this.log(`config change listener failed for resource type ${resource.type} "${escapeForLog(resource.name)}": ${(e as Error).stack ?? e}`);
        }
      }
    }
  }

  /** Applies one framed metadata record (a record value). */
  applyFramedRecord(value: Uint8Array, offset = -1): void {
    this.applyFramed(value, offset);
    this.announceConfigChanges();
  }

  private applyFramed(value: Uint8Array, offset: number): void {
    const r = new Reader(value);
    const frameVersion = r.uvarint();
    const type = r.uvarint();
    const version = r.uvarint();
    if (r.failed || frameVersion !== METADATA_FRAME_VERSION) {
      this.log(`metadata record at offset ${offset}: unsupported frame version ${frameVersion}; skipped`);
      return;
    }
    this.applyRecord(type, version, r);
    if (r.failed) this.log(`metadata record at offset ${offset} (type ${type} v${version}) is malformed`);
  }

  /**
   * Applies a record body of the given type and version, read from `r`. Config changes are
   * announced by the applyBatch / applyFramedRecord that called it.
   */
  applyRecord(type: number, version: number, r: Reader): void {
    switch (type) {
      case METADATA_RECORD_TYPES.TopicRecord: {
        const rec = readTopicRecord(r, version);
        if (r.failed) return;
        const old = this.topicsByName.get(rec.name);
        if (old && old.topicId !== rec.topicId) this.topicsById.delete(old.topicId);
        const topic: TopicMetadata = { name: rec.name, topicId: rec.topicId, partitions: [] };
        this.topicsByName.set(rec.name, topic);
        this.topicsById.set(rec.topicId, topic);
        return;
      }
      case METADATA_RECORD_TYPES.PartitionRecord: {
        const rec = readPartitionRecord(r, version);
        const topic = this.topicsById.get(rec.topicId);
        if (r.failed || !topic) return;
        setPartition(topic, {
          partitionId: rec.partitionId,
          leader: rec.leader,
          leaderEpoch: rec.leaderEpoch,
          partitionEpoch: rec.partitionEpoch,
          replicas: rec.replicas,
          isr: rec.isr,
          removingReplicas: rec.removingReplicas,
          addingReplicas: rec.addingReplicas,
          directories: rec.directories,
          leaderRecoveryState: rec.leaderRecoveryState,
          eligibleLeaderReplicas: rec.eligibleLeaderReplicas ?? [],
          lastKnownElr: rec.lastKnownElr ?? [],
          offlineReplicas: [],
        });
        return;
      }
      case METADATA_RECORD_TYPES.PartitionChangeRecord: {
        const rec = readPartitionChangeRecord(r, version);
        const p = this.topicsById.get(rec.topicId)?.partitions.find((x) => x.partitionId === rec.partitionId);
        if (r.failed || !p) return;
        // PartitionRegistration.merge: null / -2 / -1 mean "unchanged"; a new leader bumps the
        // leader epoch; every change bumps the partition epoch.
        if (rec.replicas) p.replicas = rec.replicas;
        if (rec.isr) p.isr = rec.isr;
        if (rec.removingReplicas) p.removingReplicas = rec.removingReplicas;
        if (rec.addingReplicas) p.addingReplicas = rec.addingReplicas;
        if (rec.directories) p.directories = rec.directories;
        if (rec.eligibleLeaderReplicas) p.eligibleLeaderReplicas = rec.eligibleLeaderReplicas;
        if (rec.lastKnownElr) p.lastKnownElr = rec.lastKnownElr;
        if (rec.leaderRecoveryState !== -1) p.leaderRecoveryState = rec.leaderRecoveryState;
        if (rec.leader !== -2) {
          p.leader = rec.leader;
          p.leaderEpoch++;
        }
        p.partitionEpoch++;
        return;
      }
      case METADATA_RECORD_TYPES.RemoveTopicRecord: {
        const rec = readRemoveTopicRecord(r, version);
        const topic = this.topicsById.get(rec.topicId);
        if (r.failed || !topic) return;
        this.topicsById.delete(topic.topicId);
        if (this.topicsByName.get(topic.name) === topic) {
          this.topicsByName.delete(topic.name);
          if (this.topicConfigs.delete(topic.name)) this.noteConfigChange(CONFIG_RESOURCE_TOPIC, topic.name);
        }
        return;
      }
      case METADATA_RECORD_TYPES.FeatureLevelRecord: {
        const rec = readFeatureLevelRecord(r, version);
        if (r.failed) return;
        if (rec.featureLevel === 0) this.features.delete(rec.name);
        else this.features.set(rec.name, rec.featureLevel);
        return;
      }
      case METADATA_RECORD_TYPES.ProducerIdsRecord: {
        const rec = readProducerIdsRecord(r, version);
        if (r.failed) return;
        // Kafka's controller refuses a record that does not move forward; a reader just keeps the max.
        if (rec.nextProducerId > this.nextProducerIdBlockStart) this.nextProducerIdBlockStart = rec.nextProducerId;
        return;
      }
      case METADATA_RECORD_TYPES.ConfigRecord: {
        const rec = readConfigRecord(r, version);
        if (r.failed) return;
        const byResource = this.configsOfType(rec.resourceType);
        if (!byResource) return;
        let configs = byResource.get(rec.resourceName);
        if (rec.value === null) {
          configs?.delete(rec.name);
          if (configs?.size === 0) byResource.delete(rec.resourceName);
        } else {
          if (!configs) byResource.set(rec.resourceName, (configs = new Map()));
          configs.set(rec.name, rec.value);
        }
        // Kafka's controller writes BROKER records even when the value is unchanged (to make
        // brokers reload); every record counts as a change.
        this.noteConfigChange(rec.resourceType, rec.resourceName);
        return;
      }
      case METADATA_RECORD_TYPES.UserScramCredentialRecord:
      case METADATA_RECORD_TYPES.RemoveUserScramCredentialRecord:
        this.applyScramRecord(type, version, r);
        return;
      case METADATA_RECORD_TYPES.AccessControlEntryRecord:
      case METADATA_RECORD_TYPES.RemoveAccessControlEntryRecord:
        this.applyAclRecord(type, version, r);
        return;
      default:
        if (!this.unknownTypes.has(type)) {
          this.unknownTypes.add(type);
          this.log(`debug: skipping metadata records of type ${type}`);
        }
    }
  }

  private applyScramRecord(type: number, version: number, r: Reader): void {
    if (type === METADATA_RECORD_TYPES.UserScramCredentialRecord) {
      const rec = readUserScramCredentialRecord(r, version);
      if (r.failed) return;
      let users = this.scramCredentials.get(rec.mechanism);
      if (users === undefined) this.scramCredentials.set(rec.mechanism, (users = new Map()));
      // Copies: the record's byte fields are views of the batch.
      users.set(rec.name, { salt: rec.salt.slice(), storedKey: rec.storedKey.slice(), serverKey: rec.serverKey.slice(), iterations: rec.iterations });
      return;
    }
    const rec = readRemoveUserScramCredentialRecord(r, version);
    if (r.failed) return;
    const users = this.scramCredentials.get(rec.mechanism);
    users?.delete(rec.name);
    if (users?.size === 0) this.scramCredentials.delete(rec.mechanism);
  }

  /** The SCRAM credential of a user for a mechanism type, if any. */
  scramCredential(mechanism: number, user: string): StoredScramCredential | undefined {
    return this.scramCredentials.get(mechanism)?.get(user);
  }

  /**
   * Writes SCRAM credential changes in one batch (UserScramCredentialRecord v0 for a set one,
   * RemoveUserScramCredentialRecord v0 for a removed one) and applies them, as Kafka's controller
   * does for AlterUserScramCredentials: all or nothing.
   */
  alterScramCredentials(changes: readonly ScramCredentialChange[]): void {
    if (changes.length === 0) return;
    this.appendRecords(changes.map((c) => c.credential === null
      ? { type: METADATA_RECORD_TYPES.RemoveUserScramCredentialRecord, version: 0,
          body: encode((w) => writeRemoveUserScramCredentialRecord(w, 0, { name: c.user, mechanism: c.mechanism })) }
      : { type: METADATA_RECORD_TYPES.UserScramCredentialRecord, version: 0,
          body: encode((w) => writeUserScramCredentialRecord(w, 0, { name: c.user, mechanism: c.mechanism, ...c.credential })) }));
  }

  /**
   * AclControlManager.replay: an AccessControlEntryRecord adds the ACL under its id, a
   * RemoveAccessControlEntryRecord removes it (Kafka's controller fails on an unknown id; a
   * reader logs it and goes on).
   */
  private applyAclRecord(type: number, version: number, r: Reader): void {
    if (type === METADATA_RECORD_TYPES.AccessControlEntryRecord) {
      const rec = readAccessControlEntryRecord(r, version);
      if (r.failed) return;
      const { id, ...acl } = rec;
      if (this.acls.has(id)) {
        this.log(`AccessControlEntryRecord for ACL ${id}, which exists already; skipped`);
        return;
      }
      this.acls.set(id, acl);
      this.changedAcls.push({ id, acl, removed: false });
      return;
    }
    const rec = readRemoveAccessControlEntryRecord(r, version);
    if (r.failed) return;
    const acl = this.acls.get(rec.id);
    if (!acl) {
      this.log(`RemoveAccessControlEntryRecord for ACL ${rec.id}, which does not exist; skipped`);
      return;
    }
    this.acls.delete(rec.id);
    this.changedAcls.push({ id: rec.id, acl, removed: true });
  }

  /**
   * Calls `listener` for every ACL added or removed, in record order, once the batch holding it
   * is applied. Returns the unsubscribe function. A listener that throws is logged.
   */
  onAclChange(listener: (change: AclChange) => void): () => void {
    const wrapped = (change: AclChange) => listener(change);
    this.aclListeners.add(wrapped);
    return () => {
      this.aclListeners.delete(wrapped);
    };
  }

  private announceAclChanges(): void {
    if (this.changedAcls.length === 0) return;
    const changed = this.changedAcls;
    this.changedAcls = [];
    for (const change of changed) {
      for (const listener of [...this.aclListeners]) {
        try {
          listener(change);
        } catch (e) {
          this.log(`ACL change listener failed for ACL ${change.id}: ${(e as Error).stack ?? e}`);
        }
      }
    }
  }

  /**
   * Writes one AccessControlEntryRecord per ACL, each with a new random id (Kafka's
   * AclControlManager.newAclId: Uuid.randomUuid, not one in use), in one batch, and applies them.
   * The caller has left out ACLs that exist already. Returns the ids, in order.
   */
  createAcls(acls: readonly AclBinding[]): string[] {
    if (acls.length === 0) return [];
    const taken = new Map<string, unknown>(this.acls);
    const ids = acls.map(() => {
      const id = newTopicId(taken);
      taken.set(id, true);
      return id;
    });
    this.appendRecords(acls.map((acl, i) => ({
      type: METADATA_RECORD_TYPES.AccessControlEntryRecord,
      version: 0,
      body: encode((w) => writeAccessControlEntryRecord(w, 0, { id: ids[i]!, ...acl })),
    })));
    return ids;
  }

  /** Writes one RemoveAccessControlEntryRecord per id (known ones only) in one batch and applies them. */
  deleteAcls(ids: readonly string[]): void {
    const known = [...new Set(ids)].filter((id) => this.acls.has(id));
    if (known.length === 0) return;
    this.appendRecords(known.map((id) => ({
      type: METADATA_RECORD_TYPES.RemoveAccessControlEntryRecord,
      version: 0,
      body: encode((w) => writeRemoveAccessControlEntryRecord(w, 0, { id })),
    })));
  }

  /** The dynamic configs kept for a ConfigRecord resource type, or undefined for a type not kept. */
  configsOfType(resourceType: number): Map<string, Map<string, string>> | undefined {
    switch (resourceType) {
      case CONFIG_RESOURCE_TOPIC: return this.topicConfigs;
      case CONFIG_RESOURCE_BROKER: return this.brokerConfigs;
      case CONFIG_RESOURCE_GROUP: return this.groupConfigs;
      default: return undefined;
    }
  }

  /**
   * Writes config changes as ConfigRecords (v0) in one batch and applies them, as Kafka's
   * controller does for IncrementalAlterConfigs and AlterConfigs: all or nothing. Listeners of
   * onConfigChange() hear of each changed resource once the batch is applied.
   */
  alterConfigs(changes: readonly ConfigChange[]): void {
    if (changes.length === 0) return;
    this.appendRecords(changes.map((c) => configRecord(c)));
  }

  /**
   * Writes records to the metadata log as one batch and applies them. Returns the offsets the
   * records got. Requires a model loaded from a directory.
   */
  appendRecords(records: MetadataRecordToWrite[]): { baseOffset: number; lastOffset: number } {
    const metadataLog = this.metadataLog;
    if (!metadataLog) throw new Error("appendRecords: this ClusterMetadata has no metadata log");
    const epoch = this.metadataEpoch();
    const batch = buildRecordBatch({
      partitionLeaderEpoch: epoch,
      records: records.map((rec) => ({ value: frameMetadataRecord(rec.type, rec.version, rec.body) })),
    });
    const result = metadataLog.append(batch, { leaderEpoch: epoch });
    // On disk before anyone hears of it, as KRaft's controller commits only what its log has
    // flushed (a topic acknowledged to a client must survive a power loss).
    metadataLog.flush();
    // Apply what was stored, so the model is exactly what a reload would build.
    new RecordBatchView(batch).setBaseOffset(result.baseOffset);
    this.applyBatch(batch);
    return result;
  }

  /**
   * What the KRaft controller does when this broker registers and unfences: every partition it
   * replicates gets it as leader and sole in-sync replica (a new leader bumps the leader epoch).
   * A log dir left by a cleanly stopped Kafka has leader -1 and the broker in the ELR; one from
   * the CodeCrafters harness is usually already led by node 1. Returns how many changed.
   */
  claimLeadership(nodeId: number): number {
    const records: MetadataRecordToWrite[] = [];
    for (const topic of this.topicsById.values()) {
      for (const p of topic.partitions) {
        if (!p.replicas.includes(nodeId)) continue;
        const isLeader = p.leader === nodeId;
        const isSoleIsr = p.isr.length === 1 && p.isr[0] === nodeId;
        const elrEmpty = p.eligibleLeaderReplicas.length === 0 && p.lastKnownElr.length === 0;
        if (isLeader && isSoleIsr && elrEmpty) continue;
        // v2 carries the ELR fields; without ELR to clear, v0 says the same in fewer bytes.
        const version = elrEmpty ? 0 : 2;
        records.push({
          type: METADATA_RECORD_TYPES.PartitionChangeRecord,
          version,
          body: encode((w) => writePartitionChangeRecord(w, version, {
            ...defaultPartitionChangeRecord(),
            partitionId: p.partitionId,
            topicId: topic.topicId,
            leader: isLeader ? -2 : nodeId,
            isr: isSoleIsr ? null : [nodeId],
            eligibleLeaderReplicas: elrEmpty ? null : [],
            lastKnownElr: elrEmpty ? null : [],
          })),
        });
      }
    }
    if (records.length > 0) this.appendRecords(records);
    return records.length;
  }

  /**
   * What Kafka's controller writes when a broker shuts down in a controlled way and no other
   * replica can lead (ReplicationControlManager for a ControlledShutdown, eligible leader
   * replicas disabled): every partition `nodeId` leads gets leader -1 (a PartitionChangeRecord v0;
   * the leader epoch goes up, the ISR stays). claimLeadership() undoes it at the next start.
   * Returns how many changed.
   */
  resignLeadership(nodeId: number): number {
    const records: MetadataRecordToWrite[] = [];
    for (const topic of this.topicsById.values()) {
      for (const p of topic.partitions) {
        if (p.leader !== nodeId) continue;
        records.push({
          type: METADATA_RECORD_TYPES.PartitionChangeRecord,
          version: 0,
          body: encode((w) => writePartitionChangeRecord(w, 0, {
            ...defaultPartitionChangeRecord(), partitionId: p.partitionId, topicId: topic.topicId, leader: -1,
          })),
        });
      }
    }
    if (records.length > 0) this.appendRecords(records);
    return records.length;
  }

  /**
   * Hands out the next block of `blockSize` producer ids, as Kafka's controller does for a
   * broker's AllocateProducerIds (ProducerIdControlManager.generateNextProducerId): a
   * ProducerIdsRecord whose nextProducerId is the first id after the block is written to the
   * metadata log (and applied), so no id is handed out twice, across restarts too.
   */
  allocateProducerIds(blockSize = PRODUCER_ID_BLOCK_SIZE, brokerId = -1, brokerEpoch = -1): { firstProducerId: number; size: number } {
    const first = this.nextProducerIdBlockStart;
    if (first > Number.MAX_SAFE_INTEGER - blockSize) throw new Error("producer ids exhausted");
    this.appendRecord(METADATA_RECORD_TYPES.ProducerIdsRecord, 0, encode((w) => writeProducerIdsRecord(w, 0, {
      brokerId, brokerEpoch, nextProducerId: first + blockSize,
    })));
    // Durable before any id of the block is used: after a power loss no block may come twice.
    this.metadataLog?.flush();
    return { firstProducerId: first, size: blockSize };
  }

  appendRecord(type: number, version: number, body: Uint8Array): { baseOffset: number; lastOffset: number } {
    return this.appendRecords([{ type, version, body }]);
  }

  /**
   * Creates a topic the way Kafka's controller does: a TopicRecord, its ConfigRecords, then one
   * PartitionRecord per partition (ReplicationControlManager's order), in one batch. Every
   * replica is `nodeId` (one broker). Returns the new topic.
   */
  createTopic(name: string, numPartitions: number, opts: {
    nodeId: number; topicId?: string; directoryId?: string; configs?: { name: string; value: string }[];
  }): TopicMetadata {
    if (this.topicsByName.has(name)) throw new Error(`topic ${name} already exists`);
    const topicId = opts.topicId ?? newTopicId(this.topicsById);
    const records: MetadataRecordToWrite[] = [];
    records.push({ type: METADATA_RECORD_TYPES.TopicRecord, version: 0, body: encode((w) => writeTopicRecord(w, 0, { name, topicId })) });
    for (const c of opts.configs ?? []) {
      records.push(configRecord({ resourceType: CONFIG_RESOURCE_TOPIC, resourceName: name, name: c.name, value: c.value }));
    }
    const directoryId = opts.directoryId ?? this.defaultDirectoryId;
    for (let p = 0; p < numPartitions; p++) records.push(partitionRecord(topicId, p, opts.nodeId, directoryId));
    this.appendRecords(records);
    return this.topicsByName.get(name)!;
  }

  /**
   * Adds partitions to a topic until it has `count` (CreatePartitions): one PartitionRecord per
   * new partition, led by `nodeId`, in one batch. Returns the topic.
   */
  createPartitions(topicId: string, count: number, opts: { nodeId: number; directoryId?: string }): TopicMetadata {
    const topic = this.topicsById.get(topicId);
    if (!topic) throw new Error(`createPartitions: no topic with id ${topicId}`);
    const records: MetadataRecordToWrite[] = [];
    const directoryId = opts.directoryId ?? this.defaultDirectoryId;
    for (let p = topic.partitions.length; p < count; p++) records.push(partitionRecord(topicId, p, opts.nodeId, directoryId));
    if (records.length > 0) this.appendRecords(records);
    return topic;
  }

  /**
   * Deletes a topic as Kafka's controller does (DeleteTopics): one RemoveTopicRecord, which also
   * drops the topic's configs when applied. Returns the removed topic, or undefined if unknown.
   */
  deleteTopic(topicId: string): TopicMetadata | undefined {
    const topic = this.topicsById.get(topicId);
    if (!topic) return undefined;
    this.appendRecord(METADATA_RECORD_TYPES.RemoveTopicRecord, 0, encode((w) => writeRemoveTopicRecord(w, 0, { topicId })));
    return topic;
  }

  close(): void {
    this.metadataLog?.close();
  }
}

/** Kafka's metadata frame around a record body (AbstractApiMessageSerde.write). */
export function frameMetadataRecord(type: number, version: number, body: Uint8Array): Uint8Array {
  const w = new Writer(body.length + 8, null);
  w.uvarint(METADATA_FRAME_VERSION);
  w.uvarint(type);
  w.uvarint(version);
  w.raw(body);
  return w.finish().slice();
}

/** A ConfigRecord (v0, the only version Kafka 4 writes). */
function configRecord(c: ConfigChange): MetadataRecordToWrite {
  return {
    type: METADATA_RECORD_TYPES.ConfigRecord,
    version: 0,
    body: encode((w) => writeConfigRecord(w, 0, { resourceType: c.resourceType, resourceName: c.resourceName, name: c.name, value: c.value })),
  };
}

/** A new partition's record: this node is its only replica, in-sync replica and leader (epoch 0). */
function partitionRecord(topicId: string, partitionId: number, nodeId: number, directoryId: string | undefined): MetadataRecordToWrite {
  // v1 carries the log directory of each replica; without one, write v0 (no Directories field).
  const version = directoryId ? 1 : 0;
  const body = encode((w) =>
    writePartitionRecord(w, version, {
      partitionId,
      topicId,
      replicas: [nodeId],
      isr: [nodeId],
      removingReplicas: [],
      addingReplicas: [],
      leader: nodeId,
      leaderRecoveryState: 0,
      leaderEpoch: 0,
      partitionEpoch: 0,
      directories: directoryId ? [directoryId] : [],
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
    }),
  );
  return { type: METADATA_RECORD_TYPES.PartitionRecord, version, body };
}

function encode(write: (w: Writer) => void): Uint8Array {
  const w = new Writer(128, null);
  write(w);
  return w.finish().slice();
}

function setPartition(topic: TopicMetadata, p: PartitionMetadata): void {
  const list = topic.partitions;
  const i = list.findIndex((x) => x.partitionId >= p.partitionId);
  if (i < 0) list.push(p);
  else if (list[i]!.partitionId === p.partitionId) list[i] = p;
  else list.splice(i, 0, p);
}

/** A random topic id that is not taken, not Kafka's reserved 0/1, and whose printed form does not start with '-'. */
export function newTopicId(taken: Map<string, unknown> = new Map()): string {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const hex = Buffer.from(bytes).toString("hex");
    if (taken.has(hex) || /^0{31}[01]$/.test(hex) || Buffer.from(bytes).toString("base64url").startsWith("-")) continue;
    return hex;
  }
}

function latestSnapshot(fs: FileSystem, dir: string): { path: string; endOffset: number; bytes: Uint8Array } | null {
  let best: { name: string; offset: number; epoch: number } | null = null;
  for (const name of fs.list(dir)) {
    const m = SNAPSHOT_RE.exec(name);
    if (!m) continue;
    const offset = Number(m[1]);
    const epoch = Number(m[2]);
    if (!best || offset > best.offset || (offset === best.offset && epoch > best.epoch)) best = { name, offset, epoch };
  }
  if (!best) return null;
  const path = `${dir}/${best.name}`;
  return { path, endOffset: best.offset, bytes: fs.readFile(path) };
}
