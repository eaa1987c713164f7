// The group coordinator for classic consumer groups and committed offsets, following Kafka's
// (GroupCoordinatorService + GroupMetadataManager's classic part + OffsetMetadataManager +
// GroupCoordinatorShard's cleanup). This broker coordinates every group. It knows nothing of
// sockets or wire versions: the handlers pass plain requests in and write the plain results in
// the version asked for.
//
// Rebalances (Kafka's classic protocol):
// - JoinGroup with no member id: v4+ dynamic members get MEMBER_ID_REQUIRED and a member id, and
//   are "pending" until they rejoin with it (or their session timeout passes); older versions and
//   static members (group.instance.id) are added at once. A new member's JoinGroup is parked (a
//   Promise) until the join phase completes. A static member rejoining with an unknown member id
//   replaces its old id (the old one is fenced: FENCED_INSTANCE_ID).
// - The join phase ends when every member has rejoined, or after the group's rebalance timeout
//   (the largest of its members'), dropping dynamic members that did not rejoin. The first
//   rebalance of an Empty group waits group.initial.rebalance.delay.ms, extended by each new
//   member up to the rebalance timeout. Then the generation is bumped, the protocol chosen by
//   votes among those every member supports, and every parked JoinGroup answered (the leader
//   gets the member list).
// - SyncGroup: followers park until the leader's SyncGroup brings the assignments, which are
//   stored (GroupMetadata record) before anyone is answered; then the group is Stable. Members
//   that do not sync within the rebalance timeout are removed and a new rebalance starts.
// - Heartbeats keep a member's session; one that expires removes the member and rebalances.
//   Parked members are kept alive by waiting (new members only up to 5 minutes).
// - LeaveGroup removes members (v3+ batched, static members by instance id) and rebalances.
//
// Offsets: commits are validated against the group (generation, member, state), appended to the
// group's __consumer_offsets partition and only then applied and answered. A commit with
// generation -1 and no member id is a "simple" commit, accepted while the group has no members
// (it creates a member-less group if needed, as Kafka does). Offsets of empty groups expire
// offsets.retention.minutes after the group became empty (standalone groups: after the commit),
// checked every offsets.retention.check.interval.ms; a group left with no offsets is deleted.
//
// Transactional offsets (Kafka's OffsetMetadataManager): TxnOffsetCommit is checked as an
// offset commit that ignores the group's state (a member-less group is created for generation
// -1, an unknown group with a generation is ILLEGAL_GENERATION), appended as one transactional
// batch for the producer, and kept pending per producer id until completeTransaction writes the
// producer's marker: COMMIT moves each pending offset to the committed ones unless a later
// record (a plain commit made meanwhile) already replaced it, ABORT drops them. A tombstone
// (OffsetDelete, DeleteGroups, expiry) removes pending offsets too, so a commit never brings a
// deleted offset back. OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT for a
// partition with a pending offset. Offsets with a pending one do not expire, nor does a group
// with pending offsets. Whether the transaction may write to the group's partition at all
// (AddOffsetsToTxn, or TxnOffsetCommit v5's implicit add) is the transaction coordinator's
// answer, through the TransactionVerifier it plugs in.
//
// Not done: the KIP-848 "consumer" group protocol (ConsumerGroupHeartbeat), share groups, and
// the mapping of deleted topics to offset tombstones.

import { randomUUID } from "node:crypto";
import { ErrorCode } from "../protocol/error-codes.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import { escapeForLog, log as brokerLog } from "../log.ts";
import type { BrokerConfig } from "../config/broker-config.ts";
import {
  ClassicGroup, ClassicGroupMember, EMPTY_ASSIGNMENT, GroupError, joinError, syncError,
  type GroupProtocol, type GroupState, type JoinGroupResult, type SyncGroupResult,
} from "./classic-group.ts";
import type { CoordinatorRecord, GroupMetadataValue, OffsetCommitRecord } from "./coordinator-records.ts";
import { partitionForGroup, type CoordinatorLog, type RecordPosition, type TransactionalProducer } from "./offsets-topic.ts";
import { OffsetsStore, PendingTransactionalOffsets, type CommittedOffset } from "./offsets-store.ts";
import type { TransactionMarker } from "../records/control-batch.ts";
import type { Scheduler } from "./scheduler.ts";

export interface GroupCoordinatorConfig {
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMaxSize: number;
  /** How long a new member's parked JoinGroup may keep it alive (Kafka: 5 minutes). */
  newMemberJoinTimeoutMs: number;
  offsetsRetentionMs: number;
  offsetsRetentionCheckIntervalMs: number;
  offsetMetadataMaxBytes: number;
}

export function coordinatorConfigFrom(config: BrokerConfig): GroupCoordinatorConfig {
  return {
    groupMinSessionTimeoutMs: config.groupMinSessionTimeoutMs,
    groupMaxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
    groupInitialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
    groupMaxSize: config.groupMaxSize,
    newMemberJoinTimeoutMs: 5 * 60_000,
    offsetsRetentionMs: config.offsetsRetentionMinutes * 60_000,
    offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs,
    offsetMetadataMaxBytes: config.offsetMetadataMaxBytes,
  };
}

export const DEFAULT_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3000,
  groupMaxSize: 2147483647,
  newMemberJoinTimeoutMs: 5 * 60_000,
  offsetsRetentionMs: 7 * 24 * 3_600_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};

export interface JoinGroupParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** May be views of a request buffer: the coordinator copies what it keeps. */
  protocols: GroupProtocol[];
  reason: string | null;
  clientId: string;
  clientHost: string;
  /** JoinGroup version: v4+ requires a known member id, v9+ lets a static leader skip assignment. */
  apiVersion: number;
}

export interface SyncGroupParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  /** May be views of a request buffer: the coordinator copies what it keeps. */
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface LeaveGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveGroupResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface OffsetCommitParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** -1: the broker's retention (OffsetCommit v2–v4 may give one). */
  retentionTimeMs: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }[];
  }[];
  /** v9+ answers GROUP_ID_NOT_FOUND where older versions answer ILLEGAL_GENERATION. */
  apiVersion: number;
}

export interface TxnOffsetCommitParams {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** -1, "" and null before v3 (KIP-447), which carries no group membership. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }[];
  }[];
  apiVersion: number;
}

/**
 * Kafka's transaction verification before a transactional offset commit is written
 * (CoordinatorRuntime.scheduleTransactionalWriteOperation → maybeStartTransactionVerification),
 * answered by the transaction coordinator: does the producer's ongoing transaction include the
 * group's __consumer_offsets partition (AddOffsetsToTxn; TxnOffsetCommit v0–v4), or may it add
 * it now (v5+, transaction version 2)? Returns an error code. Measured on Kafka 4.3.1: a v3
 * commit whose partition was never added is INVALID_TXN_STATE (48), v5 adds it; a wrong
 * producer epoch is INVALID_PRODUCER_EPOCH (47) at v3 and v5, an unknown producer id
 * INVALID_PRODUCER_ID_MAPPING (49).
 */
export interface TransactionVerifier {
  verifyTransactionalOffsetCommit(request: {
    transactionalId: string; producerId: number; producerEpoch: number; offsetsPartition: number; apiVersion: number;
  }): number | Promise<number>;
}

export interface PartitionError {
  partitionIndex: number;
  errorCode: number;
}

export interface TopicPartitionErrors {
  name: string;
  partitions: PartitionError[];
}

export interface FetchedOffset {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface OffsetFetchResult {
  groupId: string;
  errorCode: number;
  topics: { name: string; partitions: FetchedOffset[] }[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

export interface DescribedGroup {
  groupId: string;
  errorCode: number;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: {
    memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string;
    memberMetadata: Uint8Array; memberAssignment: Uint8Array;
  }[];
}

export interface OffsetDeleteResult {
  errorCode: number;
  topics: TopicPartitionErrors[];
}

type Logger = Pick<typeof brokerLog, "info" | "warn" | "error" | "debug">;

const SEP = "\u0000";

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  private readonly records: CoordinatorLog;
  private readonly scheduler: Scheduler;
  private readonly log: Logger;
  private readonly groups = new Map<string, ClassicGroup>();
  readonly offsets = new OffsetsStore();
  /** Transactional offsets waiting for their transaction's marker. */
  readonly pendingOffsets = new PendingTransactionalOffsets();
  private verifier: TransactionVerifier | null = null;
  /** Appends done so far (Kafka writes an empty group record for a new group when nothing else was written). */
  private appends = 0;

  constructor(records: CoordinatorLog, scheduler: Scheduler, config: GroupCoordinatorConfig = DEFAULT_COORDINATOR_CONFIG, log: Logger = brokerLog) {
    this.records = records;
    this.scheduler = scheduler;
    this.config = config;
    this.log = log;
  }

  // ---------------------------------------------------------------- loading and lifecycle

  /** Replays __consumer_offsets (groups and offsets), then starts member sessions and the expiration job. */
  load(): { groups: number; offsets: number; openTransactions: number } {
    this.records.replay({
      record: (rec, at) => this.replay(rec, at),
      marker: (partition, producerId, _producerEpoch, commit) => this.endPendingTransaction(partition, producerId, commit),
    });
    // Offsets always belong to a group (a member-less one when they were committed standalone).
    for (const groupId of this.offsets.groupIds()) this.getOrCreateSimpleGroup(groupId);
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) this.rescheduleHeartbeat(group, member);
      if (group.numMembers > this.config.groupMaxSize) this.prepareRebalance(group, "loaded group over capacity");
    }
    this.scheduleExpiration();
    return { groups: this.groups.size, offsets: this.offsets.size, openTransactions: this.pendingOffsets.size };
  }

  /** The transaction coordinator's check of transactional offset commits (none: every one is accepted). */
  useTransactionVerifier(verifier: TransactionVerifier | null): void {
    this.verifier = verifier;
  }

  shutdown(): void {
    this.scheduler.cancelAll();
  }

  /** Creates __consumer_offsets if the log has such a step (FindCoordinator does this, as Kafka). */
  ensureOffsetsTopic(): void {
    (this.records as { ensureTopic?: () => void }).ensureTopic?.();
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.records.numPartitions);
  }

  /** The group, if any (tests and tools). */
  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  private replay(rec: CoordinatorRecord, at: RecordPosition): void {
    if (rec.kind === "offset") {
      // Offsets always belong to a group (Kafka's replay creates a member-less one).
      if (rec.value !== null) this.getOrCreateSimpleGroup(rec.groupId);
      this.applyOffsetRecord(rec, at);
      return;
    }
    if (rec.value === null) {
      this.groups.delete(rec.groupId);
      return;
    }
    this.groups.set(rec.groupId, this.groupFromRecord(rec.groupId, rec.value));
  }

  private groupFromRecord(groupId: string, v: GroupMetadataValue): ClassicGroup {
    const group = new ClassicGroup(groupId, () => this.scheduler.now(), {
      state: v.members.length === 0 ? "Empty" : "Stable",
      generationId: v.generation,
      protocolType: v.protocolType === "" ? null : v.protocolType,
      protocolName: v.protocol,
      leaderId: v.leader,
      stateTimestamp: v.currentStateTimestamp,
    });
    for (const m of v.members) {
      group.add(new ClassicGroupMember({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout,
        sessionTimeoutMs: m.sessionTimeout, protocolType: v.protocolType,
        protocols: [{ name: v.protocol ?? "", metadata: m.subscription }], assignment: m.assignment,
      }), null);
    }
    // add() takes the first member as leader; the record names the real one.
    group.leaderId = v.leader;
    group.subscribedTopics = group.computeSubscribedTopics();
    return group;
  }

  private getOrCreateSimpleGroup(groupId: string): ClassicGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new ClassicGroup(groupId, () => this.scheduler.now());
      this.groups.set(groupId, group);
    }
    return group;
  }

  /**
   * An offset record, replayed or just appended (Kafka's OffsetMetadataManager.replay): a
   * transactional one (its batch has a producer id) is pending until its producer's marker; a
   * tombstone removes the committed offset and every pending one of the partition.
   */
  private applyOffsetRecord(rec: OffsetCommitRecord, at: RecordPosition): void {
    if (rec.value === null) {
      this.offsets.remove(rec.groupId, rec.topic, rec.partition);
      this.pendingOffsets.remove(rec.groupId, rec.topic, rec.partition);
      return;
    }
    const value: CommittedOffset = {
      offset: rec.value.offset, leaderEpoch: rec.value.leaderEpoch, metadata: rec.value.metadata,
      commitTimestamp: rec.value.commitTimestamp, expireTimestamp: rec.value.expireTimestamp, recordOffset: at.offset,
    };
    if (at.producerId === -1) this.offsets.put(rec.groupId, rec.topic, rec.partition, value);
    else this.pendingOffsets.put(at.partition, at.producerId, at.producerEpoch, rec.groupId, rec.topic, rec.partition, value);
  }

  /**
   * A marker for the producer's transaction in an offsets partition, replayed or just appended
   * (Kafka's replayEndTransactionMarker): COMMIT makes its pending offsets committed, each unless
   * the current one was stored by a later record; ABORT drops them.
   */
  private endPendingTransaction(offsetsPartition: number, producerId: number, commit: boolean): number {
    const pending = this.pendingOffsets.complete(offsetsPartition, producerId);
    if (!pending || !commit) return 0;
    let applied = 0;
    for (const [groupId, topic, partition, o] of pending.entries()) {
      const current = this.offsets.get(groupId, topic, partition);
      if (current !== undefined && current.recordOffset > o.recordOffset) continue;
      this.getOrCreateSimpleGroup(groupId);
      this.offsets.put(groupId, topic, partition, o);
      applied++;
    }
    return applied;
  }

  /**
   * Appends an operation's records to the group's partition (as one transactional batch for
   * `transaction`), then applies what they change in memory (offsets, deleted groups). Throws
   * NOT_COORDINATOR when the log cannot be written (a full disk, an offline log dir: nothing is
   * applied), Kafka's answer to a storage error (CoordinatorOperationExceptionHelper:
   * KAFKA_STORAGE_ERROR → NOT_COORDINATOR).
   */
  /**
   * The offset records of a commit (OffsetCommit, TxnOffsetCommit) and each partition's answer:
   * metadata above offset.metadata.max.bytes is OFFSET_METADATA_TOO_LARGE and not stored.
   */
  private offsetRecords(
    groupId: string,
    topics: { name: string; partitions: { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }[] }[],
    now: number, expireTimestamp: number,
  ): { records: CoordinatorRecord[]; response: TopicPartitionErrors[] } {
    const records: CoordinatorRecord[] = [];
    const response: TopicPartitionErrors[] = [];
    for (const t of topics) {
      const partitions: PartitionError[] = [];
      for (const x of t.partitions) {
        const metadata = x.committedMetadata ?? "";
        if (metadata.length > this.config.offsetMetadataMaxBytes) {
          partitions.push({ partitionIndex: x.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE });
          continue;
        }
        partitions.push({ partitionIndex: x.partitionIndex, errorCode: ErrorCode.NONE });
        records.push({
          kind: "offset", groupId, topic: t.name, partition: x.partitionIndex,
          value: { offset: x.committedOffset, leaderEpoch: x.committedLeaderEpoch, metadata, commitTimestamp: now, expireTimestamp, topicId: ZERO_UUID },
        });
      }
      response.push({ name: t.name, partitions });
    }
    return { records, response };
  }

  private persist(groupId: string, records: CoordinatorRecord[], transaction?: TransactionalProducer): void {
    if (records.length === 0) return;
    const partition = this.partitionFor(groupId);
    let baseOffset: number;
    try {
      baseOffset = this.records.append(partition, records, transaction);
    } catch (e) {
      this.log.error(`group ${escapeForLog(groupId)}: cannot write __consumer_offsets: ${(e as Error).message}`);
      // The log's refusal (a fenced producer epoch) keeps its code; anything else is a storage error.
      const code = (e as { errorCode?: unknown }).errorCode;
      throw new GroupError(typeof code === "number" ? code : ErrorCode.NOT_COORDINATOR, (e as Error).message);
    }
    this.appends++;
    const producerId = transaction?.producerId ?? -1;
    const producerEpoch = transaction?.producerEpoch ?? -1;
    records.forEach((rec, i) => {
      if (rec.kind === "offset") {
        this.applyOffsetRecord(rec, { partition, offset: baseOffset + i, producerId, producerEpoch });
      } else if (rec.value === null) {
        const group = this.groups.get(rec.groupId);
        if (group) {
          this.groups.delete(rec.groupId);
          group.transitionTo("Dead");
        }
      }
    });
  }

  private groupRecord(group: ClassicGroup, assignment: Map<string, Uint8Array>): CoordinatorRecord {
    return {
      kind: "group",
      groupId: group.groupId,
      value: {
        protocolType: group.protocolType ?? "",
        generation: group.generationId,
        protocol: group.protocolName,
        leader: group.leaderId,
        currentStateTimestamp: group.stateTimestamp,
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
          rebalanceTimeout: m.rebalanceTimeoutMs, sessionTimeout: m.sessionTimeoutMs,
          subscription: m.metadata(group.protocolName), assignment: assignment.get(m.memberId) ?? EMPTY_ASSIGNMENT,
        })),
      },
    };
  }

  /** Kafka's newEmptyGroupMetadataRecord: generation 0, no protocol, no members. */
  private emptyGroupRecord(group: ClassicGroup): CoordinatorRecord {
    return {
      kind: "group", groupId: group.groupId,
      value: { protocolType: "", generation: 0, protocol: null, leader: null, currentStateTimestamp: group.stateTimestamp, members: [] },
    };
  }

  // ---------------------------------------------------------------- timers

  private heartbeatKey(groupId: string, memberId: string): string {
    return `heartbeat${SEP}${groupId}${SEP}${memberId}`;
  }

  private joinKey(groupId: string): string {
    return `join${SEP}${groupId}`;
  }

  private syncKey(groupId: string): string {
    return `sync${SEP}${groupId}`;
  }

  private rescheduleHeartbeat(group: ClassicGroup, member: ClassicGroupMember, timeoutMs = member.sessionTimeoutMs): void {
    const groupId = group.groupId;
    const memberId = member.memberId;
    this.scheduler.schedule(this.heartbeatKey(groupId, memberId), timeoutMs, () => this.guard(() => this.expireMemberHeartbeat(groupId, memberId)));
  }

  private scheduleExpiration(): void {
    this.scheduler.schedule("expire-group-metadata", this.config.offsetsRetentionCheckIntervalMs, () => {
      this.guard(() => this.cleanupGroupMetadata());
      this.scheduleExpiration();
    });
  }

  /** Timer tasks must not throw into the event loop. */
  private guard(task: () => void): void {
    try {
      task();
    } catch (e) {
      this.log.error(`group coordinator timer task failed: ${(e as Error).stack ?? e}`);
    }
  }

  // ---------------------------------------------------------------- JoinGroup

  joinGroup(p: JoinGroupParams): Promise<JoinGroupResult> {
    if (p.groupId === "") return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, p.memberId));
    if (p.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs || p.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, p.memberId));
    }
    const params: JoinGroupParams = { ...p, protocols: p.protocols.map((x) => ({ name: x.name, metadata: x.metadata.slice() })) };
    return new Promise<JoinGroupResult>((resolve) => {
      try {
        this.classicGroupJoin(params, resolve);
      } catch (e) {
        if (e instanceof GroupError) return resolve(joinError(e.errorCode, p.memberId));
        this.log.error(`JoinGroup of group ${escapeForLog(p.groupId)} failed: ${(e as Error).stack ?? e}`);
        resolve(joinError(ErrorCode.UNKNOWN_SERVER_ERROR, p.memberId));
      }
    });
  }

  private classicGroupJoin(p: JoinGroupParams, resolve: (r: JoinGroupResult) => void): void {
    const isUnknownMember = p.memberId === "";
    let group = this.groups.get(p.groupId);
    const isNewGroup = group === undefined;
    if (!group) {
      // A member id for a group that does not exist: the member must rejoin from scratch.
      if (!isUnknownMember) return resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, p.memberId));
      group = new ClassicGroup(p.groupId, () => this.scheduler.now());
      this.groups.set(p.groupId, group);
    }
    const appendsBefore = this.appends;
    if (!this.acceptJoiningMember(group, p.memberId)) {
      group.remove(p.memberId);
      resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, ""));
    } else if (isUnknownMember) {
      this.joinNewMember(p, group, resolve);
    } else {
      this.joinExistingMember(p, group, resolve);
    }
    if (isNewGroup && this.appends === appendsBefore) {
      // Kafka commits a new group to the log even when the join wrote nothing yet.
      try {
        this.persist(group.groupId, [this.emptyGroupRecord(group)]);
      } catch (e) {
        this.groups.delete(group.groupId);
        for (const m of group.members.values()) this.scheduler.cancel(this.heartbeatKey(group.groupId, m.memberId));
        for (const id of group.pendingJoinMembers) this.scheduler.cancel(this.heartbeatKey(group.groupId, id));
        this.scheduler.cancel(this.joinKey(group.groupId));
        resolve(joinError((e as GroupError).errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, ""));
      }
    }
  }

  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case "Empty":
      case "Dead":
        return true;
      case "PreparingRebalance":
        return (group.hasMember(memberId) && group.member(memberId).isAwaitingJoin) || group.numAwaitingJoin < this.config.groupMaxSize;
      case "CompletingRebalance":
      case "Stable":
        return group.hasMember(memberId) || group.numMembers < this.config.groupMaxSize;
    }
  }

  private joinNewMember(p: JoinGroupParams, group: ClassicGroup, resolve: (r: JoinGroupResult) => void): void {
    if (group.is("Dead")) return resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, ""));
    if (!group.supportsProtocols(p.protocolType, p.protocols.map((x) => x.name))) {
      return resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, ""));
    }
    const newMemberId = `${p.groupInstanceId ?? p.clientId}-${randomUUID()}`;
    if (p.groupInstanceId !== null) {
      const existing = group.staticMemberId(p.groupInstanceId);
      if (existing !== undefined) return this.updateStaticMember(p, group, existing, newMemberId, resolve);
      return this.addMemberThenRebalanceOrCompleteJoin(p, group, newMemberId, resolve);
    }
    if (p.apiVersion >= 4) {
      // The member must come back with this id; until then it is pending, for one session timeout.
      group.addPendingMember(newMemberId);
      const groupId = group.groupId;
      this.scheduler.schedule(this.heartbeatKey(groupId, newMemberId), p.sessionTimeoutMs,
        () => this.guard(() => this.expireMemberHeartbeat(groupId, newMemberId)));
      return resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, newMemberId));
    }
    this.addMemberThenRebalanceOrCompleteJoin(p, group, newMemberId, resolve);
  }

  private joinExistingMember(p: JoinGroupParams, group: ClassicGroup, resolve: (r: JoinGroupResult) => void): void {
    const memberId = p.memberId;
    if (group.is("Dead")) return resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId));
    if (!group.supportsProtocols(p.protocolType, p.protocols.map((x) => x.name))) {
      return resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId));
    }
    if (group.isPendingMember(memberId)) {
      if (p.groupInstanceId !== null) return resolve(joinError(ErrorCode.UNKNOWN_SERVER_ERROR, memberId));
      return this.addMemberThenRebalanceOrCompleteJoin(p, group, memberId, resolve);
    }
    try {
      group.validateMember(memberId, p.groupInstanceId);
    } catch (e) {
      if (e instanceof GroupError) return resolve(joinError(e.errorCode, memberId));
      throw e;
    }
    const member = group.member(memberId);
    switch (group.state) {
      case "PreparingRebalance":
        return this.updateMemberThenRebalanceOrCompleteJoin(p, group, member, resolve);
      case "CompletingRebalance":
        if (member.matches(p.protocols)) {
          // Same metadata (it probably missed the JoinGroup answer): the current generation again.
          return resolve(this.joinResult(group, memberId, group.isLeader(memberId)));
        }
        return this.updateMemberThenRebalanceOrCompleteJoin(p, group, member, resolve);
      case "Stable":
        // The leader rejoining forces a rebalance (it may have seen metadata change); so does a
        // member whose protocols changed. Others just get the current generation.
        if (group.isLeader(memberId) || !member.matches(p.protocols)) {
          return this.updateMemberThenRebalanceOrCompleteJoin(p, group, member, resolve);
        }
        return resolve(this.joinResult(group, memberId, false));
      default:
        return resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    }
  }

  private joinResult(group: ClassicGroup, memberId: string, withMembers: boolean, skipAssignment = false): JoinGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? "",
      skipAssignment,
      memberId,
      members: withMembers ? group.joinResponseMembers() : [],
    };
  }

  private updateMemberThenRebalanceOrCompleteJoin(p: JoinGroupParams, group: ClassicGroup, member: ClassicGroupMember,
    resolve: (r: JoinGroupResult) => void): void {
    // A second JoinGroup while one is parked replaces it; answer the first so no connection waits forever.
    if (member.awaitingJoin) group.completeJoin(member, joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, resolve);
    this.maybePrepareRebalanceOrCompleteJoin(group, `member ${member.memberId} rejoins (${p.reason ?? "no reason given"})`);
  }

  private addMemberThenRebalanceOrCompleteJoin(p: JoinGroupParams, group: ClassicGroup, memberId: string,
    resolve: (r: JoinGroupResult) => void): void {
    const member = new ClassicGroupMember({
      memberId, groupInstanceId: p.groupInstanceId, clientId: p.clientId, clientHost: p.clientHost,
      rebalanceTimeoutMs: p.rebalanceTimeoutMs, sessionTimeoutMs: p.sessionTimeoutMs,
      protocolType: p.protocolType, protocols: p.protocols,
    });
    member.isNew = true;
    // During the initial rebalance, every new member extends the delay.
    if (group.is("PreparingRebalance") && group.previousState === "Empty") group.newMemberAdded = true;
    group.add(member, resolve);
    // A parked new member cannot heartbeat; it is given the new-member join timeout instead.
    this.rescheduleHeartbeat(group, member, this.config.newMemberJoinTimeoutMs);
    this.maybePrepareRebalanceOrCompleteJoin(group, `new member ${memberId} joins (${p.reason ?? "no reason given"})`);
  }

  private updateStaticMember(p: JoinGroupParams, group: ClassicGroup, oldMemberId: string, newMemberId: string,
    resolve: (r: JoinGroupResult) => void): void {
    const instanceId = p.groupInstanceId!;
    const currentLeader = group.leaderId;
    this.scheduler.cancel(this.heartbeatKey(group.groupId, oldMemberId));
    const member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.rescheduleHeartbeat(group, member);
    const oldRebalanceTimeout = member.rebalanceTimeoutMs;
    const oldSessionTimeout = member.sessionTimeoutMs;
    const oldProtocols = member.protocols;
    group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, resolve);

    switch (group.state) {
      case "Stable": {
        if (group.protocolName !== group.selectProtocol()) {
          return this.maybePrepareRebalanceOrCompleteJoin(group, `static member ${instanceId} rejoins with other protocols`);
        }
        // Same protocol: no rebalance; store the new member id and hand back the current generation.
        try {
          this.persist(group.groupId, [this.groupRecord(group, group.assignments())]);
        } catch (e) {
          group.updateMember(member, oldProtocols, oldRebalanceTimeout, oldSessionTimeout, null);
          const old = group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
          this.scheduler.cancel(this.heartbeatKey(group.groupId, newMemberId));
          this.rescheduleHeartbeat(group, old);
          return resolve({
            ...joinError((e as GroupError).errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, ""),
            generationId: group.generationId, protocolType: group.protocolType, protocolName: group.protocolName,
            leader: currentLeader ?? "",
          });
        }
        if (p.apiVersion >= 9) {
          const isLeader = group.isLeader(newMemberId);
          group.completeJoin(member, this.joinResult(group, newMemberId, isLeader, isLeader));
        } else {
          group.completeJoin(member, { ...this.joinResult(group, newMemberId, false), leader: currentLeader ?? "" });
        }
        return;
      }
      case "CompletingRebalance":
        // The leader may already have assigned the old member id: rebalance again.
        return this.prepareRebalance(group, `static member ${instanceId} rejoins during CompletingRebalance`);
      case "PreparingRebalance":
        return this.maybeCompleteJoinPhase(group);
      default:
        throw new Error(`group ${group.groupId} in state ${group.state} while static member ${instanceId} rejoins`);
    }
  }

  private maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup, reason: string): void {
    if (group.canRebalance()) this.prepareRebalance(group, reason);
    else this.maybeCompleteJoinPhase(group);
  }

  private maybeCompleteJoinPhase(group: ClassicGroup): void {
    if (!group.is("PreparingRebalance")) return;
    // The initial rebalance always waits for its delay.
    if (group.previousState === "Empty") return;
    if (!group.hasAllMembersJoined()) return;
    this.completeJoin(group);
  }

  private prepareRebalance(group: ClassicGroup, reason: string): void {
    // Members waiting for their assignment must rejoin.
    if (group.is("CompletingRebalance")) this.resetAndPropagateAssignmentWithError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.removeSyncExpiration(group);
    const isInitialRebalance = group.is("Empty");
    const groupId = group.groupId;
    if (isInitialRebalance) {
      const delayMs = this.config.groupInitialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.scheduler.schedule(this.joinKey(groupId), delayMs,
        () => this.guard(() => this.tryCompleteInitialRebalanceElseSchedule(groupId, delayMs, remainingMs)));
    }
    group.transitionTo("PreparingRebalance");
    this.log.info(`preparing to rebalance group ${escapeForLog(groupId)} (generation ${group.generationId}): ${escapeForLog(reason)}`);
    if (!isInitialRebalance) this.maybeCompleteJoinElseSchedule(group);
  }

  private maybeCompleteJoinElseSchedule(group: ClassicGroup): void {
    if (group.hasAllMembersJoined()) return this.completeJoin(group);
    const groupId = group.groupId;
    this.scheduler.schedule(this.joinKey(groupId), group.rebalanceTimeoutMs(), () => this.guard(() => this.completeJoinOf(groupId)));
  }

  private tryCompleteInitialRebalanceElseSchedule(groupId: string, delayMs: number, remainingMs: number): void {
    const group = this.groups.get(groupId);
    if (!group) return;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const newDelayMs = Math.min(this.config.groupInitialRebalanceDelayMs, remainingMs);
      const newRemainingMs = Math.max(remainingMs - delayMs, 0);
      this.scheduler.schedule(this.joinKey(groupId), newDelayMs,
        () => this.guard(() => this.tryCompleteInitialRebalanceElseSchedule(groupId, newDelayMs, newRemainingMs)));
      return;
    }
    this.completeJoin(group);
  }

  private completeJoinOf(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group) this.completeJoin(group);
  }

  /**
   * Ends the join phase: dynamic members that did not rejoin are dropped, the generation is
   * bumped, and every parked JoinGroup is answered (or, with no member left, the group is Empty).
   */
  private completeJoin(group: ClassicGroup): void {
    const groupId = group.groupId;
    this.scheduler.cancel(this.joinKey(groupId));
    const gone = group.notYetRejoinedMembers().filter((m) => !m.isStatic);
    for (const m of gone) {
      this.removeMember(group, m);
    }
    if (gone.length > 0) this.log.info(`group ${escapeForLog(groupId)} removed members that did not rejoin: ${gone.map((m) => escapeForLog(m.memberId)).join(", ")}`);
    if (group.is("Dead")) return;
    if (!group.maybeElectNewJoinedLeader() && group.numMembers > 0) {
      // Nobody rejoined: wait another rebalance timeout (sessions will remove the dead members).
      this.scheduler.schedule(this.joinKey(groupId), group.rebalanceTimeoutMs(), () => this.guard(() => this.completeJoinOf(groupId)));
      return;
    }
    group.initNextGeneration();
    if (group.is("Empty")) {
      this.log.info(`group ${escapeForLog(groupId)} with generation ${group.generationId} is now empty`);
      try {
        this.persist(groupId, [this.groupRecord(group, new Map())]);
      } catch {
        // An empty generation lost to a failed write is harmless: the previous one expires.
      }
      return;
    }
    this.log.info(`stabilized group ${escapeForLog(groupId)} generation ${group.generationId} (protocol ${escapeForLog(group.protocolName)}) with ${group.numMembers} member(s)`);
    for (const member of group.members.values()) {
      group.completeJoin(member, this.joinResult(group, member.memberId, group.isLeader(member.memberId)));
      this.rescheduleHeartbeat(group, member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    const generation = group.generationId;
    this.scheduler.schedule(this.syncKey(groupId), group.rebalanceTimeoutMs(), () => this.guard(() => this.expirePendingSync(groupId, generation)));
  }

  private expirePendingSync(groupId: string, generationId: number): void {
    const group = this.groups.get(groupId);
    if (!group || group.generationId !== generationId) return;
    if (!group.is("CompletingRebalance") && !group.is("Stable")) return;
    if (group.pendingSyncMembers.size === 0) return;
    const pending = [...group.pendingSyncMembers];
    for (const id of pending) if (group.hasMember(id)) this.removeMember(group, group.member(id));
    this.prepareRebalance(group, `members ${pending.join(", ")} did not sync in time`);
  }

  private removeSyncExpiration(group: ClassicGroup): void {
    group.pendingSyncMembers.clear();
    this.scheduler.cancel(this.syncKey(group.groupId));
  }

  private expireMemberHeartbeat(groupId: string, memberId: string): void {
    const group = this.groups.get(groupId);
    if (!group || group.is("Dead")) return;
    if (group.isPendingMember(memberId)) {
      this.log.info(`pending member ${escapeForLog(memberId)} of group ${escapeForLog(groupId)} expired`);
      group.remove(memberId);
      if (group.is("PreparingRebalance") && group.hasAllMembersJoined()) this.completeJoin(group);
      return;
    }
    const member = group.members.get(memberId);
    if (!member || member.hasSatisfiedHeartbeat()) return;
    this.log.info(`member ${escapeForLog(memberId)} of group ${escapeForLog(groupId)} failed (session timeout); removing it`);
    this.removeMember(group, member);
    if (group.is("Stable") || group.is("CompletingRebalance")) {
      this.maybePrepareRebalanceOrCompleteJoin(group, `member ${memberId} expired`);
    } else if (group.is("PreparingRebalance") && group.hasAllMembersJoined()) {
      this.completeJoin(group);
    }
  }

  /**
   * Removes a member, answering whatever it has parked (UNKNOWN_MEMBER_ID: a JoinGroup as Kafka
   * does, and also a SyncGroup, which Kafka leaves unanswered) and stopping its session timer.
   */
  private removeMember(group: ClassicGroup, member: ClassicGroupMember): void {
    this.scheduler.cancel(this.heartbeatKey(group.groupId, member.memberId));
    group.completeJoin(member, joinError(ErrorCode.UNKNOWN_MEMBER_ID, ""));
    group.completeSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
  }

  // ---------------------------------------------------------------- SyncGroup

  syncGroup(p: SyncGroupParams): Promise<SyncGroupResult> {
    if (p.groupId === "") return Promise.resolve(syncError(ErrorCode.INVALID_GROUP_ID));
    const group = this.groups.get(p.groupId);
    if (!group || group.isEmpty) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is("Dead")) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    try {
      group.validateMember(p.memberId, p.groupInstanceId);
    } catch (e) {
      if (e instanceof GroupError) return Promise.resolve(syncError(e.errorCode));
      throw e;
    }
    if (p.generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (inconsistent(p.protocolType, group.protocolType) || inconsistent(p.protocolName, group.protocolName)) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const member = group.member(p.memberId);
    switch (group.state) {
      case "PreparingRebalance":
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case "Stable":
        this.removePendingSyncMember(group, p.memberId);
        return Promise.resolve({
          errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment,
        });
      case "CompletingRebalance":
        break;
      default:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
    const assignments = new Map<string, Uint8Array>();
    if (group.isLeader(p.memberId)) {
      for (const a of p.assignments) assignments.set(a.memberId, a.assignment.slice());
      for (const m of group.members.values()) if (!assignments.has(m.memberId)) assignments.set(m.memberId, EMPTY_ASSIGNMENT);
    }
    return new Promise<SyncGroupResult>((resolve) => {
      if (member.awaitingSync) group.completeSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      member.awaitingSync = resolve;
      this.removePendingSyncMember(group, p.memberId);
      if (!group.isLeader(p.memberId)) return;
      this.log.info(`assignment received from leader ${escapeForLog(p.memberId)} of group ${escapeForLog(group.groupId)} for generation ${group.generationId}`);
      try {
        this.persist(group.groupId, [this.groupRecord(group, assignments)]);
      } catch (e) {
        const code = e instanceof GroupError ? e.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
        this.resetAndPropagateAssignmentWithError(group, code);
        this.maybePrepareRebalanceOrCompleteJoin(group, `error ${code} storing the assignment`);
        return;
      }
      for (const m of group.members.values()) m.assignment = assignments.get(m.memberId) ?? EMPTY_ASSIGNMENT;
      this.propagateAssignment(group, ErrorCode.NONE);
      group.transitionTo("Stable");
    });
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    const cancel = group.is("Dead") || group.is("Empty") || group.is("PreparingRebalance") || group.pendingSyncMembers.size === 0;
    if (cancel) this.scheduler.cancel(this.syncKey(group.groupId));
  }

  private resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) m.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, errorCode);
  }

  private propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const member of group.members.values()) {
      const delivered = group.completeSync(member, {
        errorCode, protocolType: ok ? group.protocolType : null, protocolName: ok ? group.protocolName : null, assignment: member.assignment,
      });
      // Sessions of members parked in SyncGroup restart from here.
      if (delivered) this.rescheduleHeartbeat(group, member);
    }
  }

  // ---------------------------------------------------------------- Heartbeat, LeaveGroup

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      group.validateMember(memberId, groupInstanceId);
    } catch (e) {
      if (e instanceof GroupError) return e.errorCode;
      throw e;
    }
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case "PreparingRebalance":
        this.rescheduleHeartbeat(group, group.member(memberId));
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case "CompletingRebalance":
      case "Stable":
        this.rescheduleHeartbeat(group, group.member(memberId));
        return ErrorCode.NONE;
      default:
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  leaveGroup(groupId: string, members: LeaveGroupMember[]): LeaveGroupResult {
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
    if (!group) {
      return {
        errorCode: ErrorCode.NONE,
        members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
      };
    }
    if (group.is("Dead")) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const results: LeaveGroupResult["members"] = [];
    const left: string[] = [];
    for (const m of members) {
      const reason = m.reason ?? "not provided";
      let errorCode: number = ErrorCode.NONE;
      if (m.memberId === "") {
        // Administrative removal of a static member by its instance id.
        const id = m.groupInstanceId !== null ? group.staticMemberId(m.groupInstanceId) : undefined;
        if (id !== undefined) {
          this.log.info(`static member ${escapeForLog(m.groupInstanceId)} (${escapeForLog(id)}) leaves group ${escapeForLog(groupId)}: ${escapeForLog(reason)}`);
          this.removeMember(group, group.member(id));
          left.push(id);
        } else {
          errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        }
      } else if (group.isPendingMember(m.memberId)) {
        group.remove(m.memberId);
        this.scheduler.cancel(this.heartbeatKey(groupId, m.memberId));
        left.push(m.memberId);
      } else {
        try {
          group.validateMember(m.memberId, m.groupInstanceId);
          this.log.info(`member ${escapeForLog(m.memberId)} leaves group ${escapeForLog(groupId)}: ${escapeForLog(reason)}`);
          this.removeMember(group, group.member(m.memberId));
          left.push(m.memberId);
        } catch (e) {
          if (!(e instanceof GroupError)) throw e;
          errorCode = e.errorCode;
        }
      }
      results.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    }
    if (left.length > 0) {
      if (group.is("Stable") || group.is("CompletingRebalance")) {
        this.maybePrepareRebalanceOrCompleteJoin(group, `explicit LeaveGroup of ${left.join(", ")}`);
      } else if (group.is("PreparingRebalance")) {
        this.maybeCompleteJoinPhase(group);
      }
    }
    return { errorCode: ErrorCode.NONE, members: results };
  }

  // ---------------------------------------------------------------- offsets

  /**
   * Kafka's ClassicGroup.validateOffsetCommit. A transactional commit may come without
   * membership (TxnOffsetCommit before v3) and is not held back by a rebalance.
   */
  private validateOffsetCommit(group: ClassicGroup, memberId: string, groupInstanceId: string | null, generationId: number, transactional = false): void {
    if (group.is("Dead")) throw new GroupError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    // Generation -1 (admin clients, consumers without group management): allowed while Empty.
    if (generationId < 0 && group.is("Empty")) return;
    if (generationId >= 0 || memberId !== "" || groupInstanceId !== null) {
      group.validateMember(memberId, groupInstanceId);
      if (generationId !== group.generationId) throw new GroupError(ErrorCode.ILLEGAL_GENERATION);
    } else if (!transactional && !group.is("Empty")) {
      throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID);
    }
    if (!transactional && group.is("CompletingRebalance")) throw new GroupError(ErrorCode.REBALANCE_IN_PROGRESS);
  }

  /**
   * Resolves once the group's writes so far are on disk (the group commit of its
   * __consumer_offsets partition): what an OffsetCommit answer waits for. Null: nothing to wait for.
   */
  whenDurable(groupId: string): Promise<void> | null {
    return this.records.whenDurable(this.partitionFor(groupId));
  }

  commitOffsets(p: OffsetCommitParams): TopicPartitionErrors[] {
    const all = (errorCode: number): TopicPartitionErrors[] =>
      p.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((x) => ({ partitionIndex: x.partitionIndex, errorCode })) }));
    let group = this.groups.get(p.groupId);
    let created = false;
    if (!group) {
      if (p.generationId >= 0) return all(p.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION);
      group = this.getOrCreateSimpleGroup(p.groupId);
      created = true;
    }
    try {
      this.validateOffsetCommit(group, p.memberId, p.groupInstanceId, p.generationId);
    } catch (e) {
      if (created) this.groups.delete(p.groupId);
      if (e instanceof GroupError) return all(e.errorCode);
      throw e;
    }
    // A commit keeps the member's session, as a heartbeat would.
    if ((group.is("Stable") || group.is("PreparingRebalance")) && group.hasMember(p.memberId)) {
      this.rescheduleHeartbeat(group, group.member(p.memberId));
    }
    const now = this.scheduler.now();
    const expireTimestamp = p.retentionTimeMs === -1 ? -1 : now + p.retentionTimeMs;
    const { records, response } = this.offsetRecords(p.groupId, p.topics, now, expireTimestamp);
    try {
      this.persist(p.groupId, records);
    } catch (e) {
      if (created && !this.offsets.group(p.groupId)) this.groups.delete(p.groupId);
      return all((e as GroupError).errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
    }
    return response;
  }

  /**
   * TxnOffsetCommit (Kafka's OffsetMetadataManager.commitTransactionalOffset): the offsets are
   * appended to the group's partition as one transactional batch of the producer and kept
   * pending until its transaction's marker (completeTransaction). Answered once on disk.
   */
  async commitTransactionalOffsets(p: TxnOffsetCommitParams): Promise<TopicPartitionErrors[]> {
    const all = (errorCode: number): TopicPartitionErrors[] =>
      p.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((x) => ({ partitionIndex: x.partitionIndex, errorCode })) }));
    if (p.groupId === "") return all(ErrorCode.INVALID_GROUP_ID);
    const offsetsPartition = this.partitionFor(p.groupId);
    // As Kafka's ReplicaManager, no verification while the producer's transaction, in this
    // epoch, is already open in the partition (Kafka 4.3.1 then accepts even another
    // transactional id).
    if (this.verifier !== null && this.pendingOffsets.producerEpoch(offsetsPartition, p.producerId) !== p.producerEpoch) {
      const verified = await this.verifier.verifyTransactionalOffsetCommit({
        transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, offsetsPartition, apiVersion: p.apiVersion,
      });
      if (verified !== ErrorCode.NONE) return all(verified);
    }
    // The log refuses another epoch of a producer whose transaction is open in the partition
    // (Kafka's ProducerAppendInfo); the verifier answers the same for any other mismatch.
    const openEpoch = this.pendingOffsets.producerEpoch(offsetsPartition, p.producerId);
    if (openEpoch !== undefined && openEpoch !== p.producerEpoch) return all(ErrorCode.INVALID_PRODUCER_EPOCH);

    let group = this.groups.get(p.groupId);
    let created = false;
    if (!group) {
      if (p.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.getOrCreateSimpleGroup(p.groupId);
      created = true;
    }
    try {
      this.validateOffsetCommit(group, p.memberId, p.groupInstanceId, p.generationId, true);
    } catch (e) {
      if (created) this.groups.delete(p.groupId);
      if (e instanceof GroupError) return all(e.errorCode);
      throw e;
    }
    const now = this.scheduler.now();
    const { records, response } = this.offsetRecords(p.groupId, p.topics, now, -1);
    try {
      this.persist(p.groupId, records, { producerId: p.producerId, producerEpoch: p.producerEpoch });
    } catch (e) {
      if (created && !this.offsets.group(p.groupId)) this.groups.delete(p.groupId);
      return all((e as GroupError).errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR);
    }
    try {
      await this.records.whenDurable(offsetsPartition);
    } catch {
      // A failed flush is a storage error: NOT_COORDINATOR, as for OffsetCommit.
      return response.map((t) => ({
        name: t.name, partitions: t.partitions.map((x) => ({ ...x, errorCode: x.errorCode === ErrorCode.NONE ? ErrorCode.NOT_COORDINATOR : x.errorCode })),
      }));
    }
    return response;
  }

  /**
   * Ends a transaction in one __consumer_offsets partition (what the transaction coordinator
   * calls for a transaction that added offsets; Kafka's GroupCoordinatorService.completeTransaction):
   * the marker is appended, then the producer's pending offsets of the partition's groups are
   * committed or dropped. Resolves once the marker is on disk. Rejects with a GroupError whose
   * errorCode is NOT_COORDINATOR when the marker cannot be written or flushed (nothing is then
   * applied when the append failed), or the error code the log gave for refusing it.
   */
  async completeTransaction(offsetsPartition: number, marker: TransactionMarker): Promise<void> {
    if (!Number.isInteger(offsetsPartition) || offsetsPartition < 0 || offsetsPartition >= this.records.numPartitions) {
      throw new GroupError(ErrorCode.NOT_COORDINATOR, `no partition ${offsetsPartition} of __consumer_offsets`);
    }
    const what = `${marker.commit ? "COMMIT" : "ABORT"} marker of producer ${marker.producerId} (epoch ${marker.producerEpoch})`;
    try {
      this.records.appendMarker(offsetsPartition, marker, this.scheduler.now());
    } catch (e) {
      this.log.error(`cannot write the ${what} to __consumer_offsets-${offsetsPartition}: ${(e as Error).message}`);
      const code = (e as { errorCode?: unknown }).errorCode;
      throw new GroupError(typeof code === "number" ? code : ErrorCode.NOT_COORDINATOR, (e as Error).message);
    }
    const applied = this.endPendingTransaction(offsetsPartition, marker.producerId, marker.commit);
    this.log.debug(`${what} written to __consumer_offsets-${offsetsPartition}: ${applied} offset(s) committed`);
    try {
      await this.records.whenDurable(offsetsPartition);
    } catch (e) {
      throw new GroupError(ErrorCode.NOT_COORDINATOR, (e as Error).message);
    }
  }

  /**
   * Committed offsets of a group: the partitions asked for (unknown ones: offset -1, no error),
   * or every committed partition when topics is null. An unknown group has no offsets. With
   * requireStable (OffsetFetch v7+), a partition with a pending transactional offset is
   * UNSTABLE_OFFSET_COMMIT (offset -1), as in Kafka's OffsetMetadataManager.fetchOffsets; a
   * partition whose only offset is pending is not listed when every offset is asked for.
   */
  fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null, requireStable = false): OffsetFetchResult {
    const group = this.groups.get(groupId);
    const known = group !== undefined && !group.is("Dead");
    const stored = known ? this.offsets.group(groupId) : undefined;
    const toFetched = (topic: string, partitionIndex: number, o: CommittedOffset | undefined): FetchedOffset => {
      if (requireStable && this.pendingOffsets.has(groupId, topic, partitionIndex)) {
        return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      return o
        ? { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }
        : { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.NONE };
    };
    if (topics === null) {
      const out: OffsetFetchResult["topics"] = [];
      for (const [name, partitions] of stored ?? []) {
        out.push({ name, partitions: [...partitions].map(([index, o]) => toFetched(name, index, o)) });
      }
      return { groupId, errorCode: ErrorCode.NONE, topics: out };
    }
    return {
      groupId,
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((index) => toFetched(t.name, index, stored?.get(t.name)?.get(index))),
      })),
    };
  }

  /** OffsetDelete: removes a group's offsets of topics it is not subscribed to. */
  deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): OffsetDeleteResult {
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const group = this.groups.get(groupId);
    if (!group || group.is("Dead")) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    if ((group.is("Stable") || group.is("PreparingRebalance") || group.is("CompletingRebalance")) && !group.usesConsumerProtocol()) {
      return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    }
    const records: CoordinatorRecord[] = [];
    const out: TopicPartitionErrors[] = [];
    for (const t of topics) {
      if (group.isSubscribedToTopic(t.name)) {
        out.push({ name: t.name, partitions: t.partitions.map((i) => ({ partitionIndex: i, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC })) });
        continue;
      }
      for (const i of t.partitions) {
        // A tombstone also for an offset only pending in a transaction (Kafka does the same).
        if (this.offsets.get(groupId, t.name, i) || this.pendingOffsets.has(groupId, t.name, i)) {
          records.push({ kind: "offset", groupId, topic: t.name, partition: i, value: null });
        }
      }
      out.push({ name: t.name, partitions: t.partitions.map((i) => ({ partitionIndex: i, errorCode: ErrorCode.NONE })) });
    }
    try {
      this.persist(groupId, records);
    } catch (e) {
      return { errorCode: (e as GroupError).errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, topics: [] };
    }
    return { errorCode: ErrorCode.NONE, topics: out };
  }

  // ---------------------------------------------------------------- administration

  /** ListGroups: state filter case-insensitive, type filter ("classic", "consumer", ...) too. */
  listGroups(statesFilter: string[], typesFilter: string[]): ListedGroup[] {
    const states = new Set(statesFilter.map((s) => s.trim().toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.trim().toLowerCase()));
    const out: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
      if (types.size > 0 && !types.has("classic")) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType ?? "", groupState: g.state, groupType: "classic" });
    }
    return out;
  }

  /** DescribeGroups: an unknown group is described as Dead with no error; metadata only when Stable. */
  describeGroups(groupIds: string[]): DescribedGroup[] {
    return groupIds.map((groupId) => {
      const g = this.groups.get(groupId);
      if (!g) return { groupId, errorCode: ErrorCode.NONE, groupState: "Dead", protocolType: "", protocolData: "", members: [] };
      const stable = g.is("Stable");
      return {
        groupId,
        errorCode: ErrorCode.NONE,
        groupState: g.state,
        protocolType: g.protocolType ?? "",
        protocolData: stable ? (g.protocolName ?? "") : "",
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
          memberMetadata: stable ? m.metadata(g.protocolName) : EMPTY_ASSIGNMENT, memberAssignment: m.assignment,
        })),
      };
    });
  }

  /** DeleteGroups: only groups without members (NON_EMPTY_GROUP otherwise); offsets go with them. */
  deleteGroups(groupIds: string[]): { groupId: string; errorCode: number }[] {
    return [...new Set(groupIds)].map((groupId) => {
      const g = this.groups.get(groupId);
      if (!g || g.is("Dead")) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
      if (!g.is("Empty")) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
      const records: CoordinatorRecord[] = [];
      for (const [topic, partitions] of this.offsets.group(groupId) ?? []) {
        for (const partition of partitions.keys()) records.push({ kind: "offset", groupId, topic, partition, value: null });
      }
      // Pending transactional offsets go too (Kafka's deleteAllOffsets): their commit then finds nothing.
      for (const [topic, partitions] of this.pendingOffsets.partitionsOf(groupId)) {
        for (const partition of partitions) {
          if (!this.offsets.get(groupId, topic, partition)) records.push({ kind: "offset", groupId, topic, partition, value: null });
        }
      }
      records.push({ kind: "group", groupId, value: null });
      try {
        this.persist(groupId, records);
      } catch (e) {
        return { groupId, errorCode: (e as GroupError).errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR };
      }
      this.scheduler.cancel(this.joinKey(groupId));
      this.log.info(`deleted group ${escapeForLog(groupId)} and ${records.length - 1} offset(s)`);
      return { groupId, errorCode: ErrorCode.NONE };
    });
  }

  /**
   * The periodic expiration (Kafka's cleanupGroupMetadata): expired offsets get tombstones, and a
   * group with no members left and no offsets left is deleted.
   */
  cleanupGroupMetadata(): void {
    const now = this.scheduler.now();
    let expired = 0;
    for (const group of [...this.groups.values()]) {
      const records: CoordinatorRecord[] = [];
      const allExpired = this.expiredOffsets(group, now, records);
      expired += records.length;
      if (allExpired && group.is("Empty")) records.push({ kind: "group", groupId: group.groupId, value: null });
      try {
        this.persist(group.groupId, records);
      } catch {
        // Tried again at the next check.
      }
    }
    if (expired > 0) this.log.info(`expired ${expired} committed offset(s)`);
  }

  /**
   * Adds tombstones for the group's expired offsets; true when the group has none left. An
   * offset with a pending transactional one does not expire, and a group with pending offsets
   * is never "all expired" (Kafka 4.3.1's cleanupExpiredOffsets).
   */
  private expiredOffsets(group: ClassicGroup, now: number, records: CoordinatorRecord[]): boolean {
    const openTransaction = this.pendingOffsets.hasOpenTransaction(group.groupId);
    const stored = this.offsets.group(group.groupId);
    if (!stored) return !openTransaction;
    let base: ((o: { commitTimestamp: number }) => number) | null = null;
    if (group.protocolType !== null) {
      if (group.is("Empty")) {
        // Offsets expire a retention period after the group became empty.
        base = (o) => (group.stateTimestamp !== -1 ? group.stateTimestamp : o.commitTimestamp);
      } else if (group.usesConsumerProtocol() && group.subscribedTopics !== null && group.is("Stable")) {
        base = (o) => o.commitTimestamp;
      }
    } else {
      // A standalone group: a retention period after each commit.
      base = (o) => o.commitTimestamp;
    }
    if (base === null) return false;
    let allExpired = true;
    for (const [topic, partitions] of stored) {
      if (group.isSubscribedToTopic(topic)) {
        allExpired = false;
        continue;
      }
      for (const [partition, o] of partitions) {
        const isExpired = o.expireTimestamp !== -1 ? now >= o.expireTimestamp : now - base(o) >= this.config.offsetsRetentionMs;
        if (isExpired && !this.pendingOffsets.has(group.groupId, topic, partition)) {
          records.push({ kind: "offset", groupId: group.groupId, topic, partition, value: null });
        } else {
          allExpired = false;
        }
      }
    }
    return allExpired && !openTransaction;
  }

  /** Every group's state (for logs and tests). */
  states(): Map<string, GroupState> {
    return new Map([...this.groups.values()].map((g) => [g.groupId, g.state]));
  }
}

function inconsistent(requested: string | null, current: string | null): boolean {
  return requested !== null && current !== null && requested !== current;
}

/** The broker's coordinator; a broker context built without one (some unit tests) cannot serve groups. */
export function coordinatorOf(broker: { groups?: GroupCoordinator }): GroupCoordinator {
  if (!broker.groups) throw new Error("this broker context has no group coordinator");
  return broker.groups;
}
