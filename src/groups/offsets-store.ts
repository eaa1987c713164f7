// Committed offsets in memory, by group, topic and partition (Kafka's OffsetMetadataManager
// "offsets" map), and the transactional offsets still waiting for their transaction's marker
// (its "pendingTransactionalOffsets" and "openTransactionsByGroup"). Filled by replaying
// __consumer_offsets at startup and by every commit after it has been appended to the log.
//
// Every offset remembers the log offset of the record that stored it (Kafka's
// OffsetAndMetadata.recordOffset): when a transaction commits, its offset replaces the current
// one only if it was appended later, so a plain commit made while the transaction was open wins
// over it, and compacting __consumer_offsets cannot bring an older offset back.

export interface CommittedOffset {
  offset: number;
  /** -1 when the commit carried none. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Only commits that gave a retention time (OffsetCommit v2–v4) have one; else -1. */
  expireTimestamp: number;
  /** Offset in __consumer_offsets of the record that stored this offset. */
  recordOffset: number;
}

export class OffsetsStore {
  private readonly byGroup = new Map<string, Map<string, Map<number, CommittedOffset>>>();

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  put(groupId: string, topic: string, partition: number, value: CommittedOffset): void {
    let topics = this.byGroup.get(groupId);
    if (!topics) this.byGroup.set(groupId, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, value);
  }

  remove(groupId: string, topic: string, partition: number): boolean {
    const topics = this.byGroup.get(groupId);
    const partitions = topics?.get(topic);
    if (!topics || !partitions || !partitions.delete(partition)) return false;
    if (partitions.size === 0) topics.delete(topic);
    if (topics.size === 0) this.byGroup.delete(groupId);
    return true;
  }

  /** topic → partition → offset, for one group (undefined when it has none). */
  group(groupId: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> | undefined {
    return this.byGroup.get(groupId);
  }

  groupIds(): IterableIterator<string> {
    return this.byGroup.keys();
  }

  /** Every offset: [groupId, topic, partition, offset]. */
  *entries(): Generator<[string, string, number, CommittedOffset]> {
    for (const [groupId, topics] of this.byGroup) {
      for (const [topic, partitions] of topics) {
        for (const [partition, o] of partitions) yield [groupId, topic, partition, o];
      }
    }
  }

  get size(): number {
    let n = 0;
    for (const topics of this.byGroup.values()) for (const partitions of topics.values()) n += partitions.size;
    return n;
  }
}

/**
 * Transactional offsets not yet committed or aborted, per __consumer_offsets partition and
 * producer id (a transaction's marker ends them in one partition), and which producers have one
 * per group, topic and partition (Kafka 4.3.1's OffsetMetadataManager.OpenTransactions). A
 * tombstone (OffsetDelete, DeleteGroups, expiry) removes a partition's pending offsets of every
 * producer, so a later commit of the transaction cannot bring the offset back.
 */
export class PendingTransactionalOffsets {
  /** offsets partition → producer id → its open transaction's offsets there. */
  private readonly byPartition = new Map<number, Map<number, { producerEpoch: number; offsets: OffsetsStore }>>();
  /** group → topic → partition → producer ids with a pending offset for it. */
  private readonly openByGroup = new Map<string, Map<string, Map<number, Set<number>>>>();

  put(offsetsPartition: number, producerId: number, producerEpoch: number, groupId: string, topic: string, partition: number, value: CommittedOffset): void {
    let producers = this.byPartition.get(offsetsPartition);
    if (!producers) this.byPartition.set(offsetsPartition, (producers = new Map()));
    let pending = producers.get(producerId);
    if (!pending) producers.set(producerId, (pending = { producerEpoch, offsets: new OffsetsStore() }));
    pending.producerEpoch = producerEpoch;
    pending.offsets.put(groupId, topic, partition, value);
    let topics = this.openByGroup.get(groupId);
    if (!topics) this.openByGroup.set(groupId, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    let open = partitions.get(partition);
    if (!open) partitions.set(partition, (open = new Set()));
    open.add(producerId);
  }

  /** The epoch of the producer's open transaction in this partition, if it has pending offsets there. */
  producerEpoch(offsetsPartition: number, producerId: number): number | undefined {
    return this.byPartition.get(offsetsPartition)?.get(producerId)?.producerEpoch;
  }

  /** Does any open transaction hold an offset for this partition of the group? */
  has(groupId: string, topic: string, partition: number): boolean {
    return this.openByGroup.get(groupId)?.get(topic)?.has(partition) ?? false;
  }

  /** Has the group any pending offset? */
  hasOpenTransaction(groupId: string): boolean {
    return this.openByGroup.has(groupId);
  }

  /** The group's partitions with a pending offset: topic → partitions. */
  partitionsOf(groupId: string): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [topic, partitions] of this.openByGroup.get(groupId) ?? []) out.set(topic, [...partitions.keys()]);
    return out;
  }

  /** A tombstone: the partition's pending offsets of every producer go. */
  remove(groupId: string, topic: string, partition: number): void {
    const open = this.openByGroup.get(groupId)?.get(topic)?.get(partition);
    if (!open) return;
    for (const producers of this.byPartition.values()) {
      for (const producerId of open) producers.get(producerId)?.offsets.remove(groupId, topic, partition);
    }
    this.unmark(groupId, topic, partition, null);
  }

  /**
   * Ends the producer's transaction in this partition (its marker): returns its pending offsets
   * (undefined when it had none).
   */
  complete(offsetsPartition: number, producerId: number): OffsetsStore | undefined {
    const producers = this.byPartition.get(offsetsPartition);
    const pending = producers?.get(producerId);
    if (!producers || !pending) return undefined;
    producers.delete(producerId);
    if (producers.size === 0) this.byPartition.delete(offsetsPartition);
    for (const [groupId, topic, partition] of pending.offsets.entries()) this.unmark(groupId, topic, partition, producerId);
    return pending.offsets;
  }

  /** Forgets that `producerId` (null: every producer) has a pending offset for the partition. */
  private unmark(groupId: string, topic: string, partition: number, producerId: number | null): void {
    const topics = this.openByGroup.get(groupId);
    const partitions = topics?.get(topic);
    const open = partitions?.get(partition);
    if (!topics || !partitions || !open) return;
    if (producerId === null) open.clear();
    else open.delete(producerId);
    if (open.size > 0) return;
    partitions.delete(partition);
    if (partitions.size > 0) return;
    topics.delete(topic);
    if (topics.size === 0) this.openByGroup.delete(groupId);
  }

  /** Open transactions (producer ids with pending offsets), counted per offsets partition. */
  get size(): number {
    let n = 0;
    for (const producers of this.byPartition.values()) n += producers.size;
    return n;
  }
}
