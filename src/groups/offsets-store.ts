// Committed offsets in memory, by group, topic and partition (Kafka's OffsetMetadataManager
// "offsets" map). Filled by replaying __consumer_offsets at startup and by every commit after
// it has been appended to the log.

export interface CommittedOffset {
  offset: number;
  /** -1 when the commit carried none. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Only commits that gave a retention time (OffsetCommit v2–v4) have one; else -1. */
  expireTimestamp: number;
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

  get size(): number {
    let n = 0;
    for (const topics of this.byGroup.values()) for (const partitions of topics.values()) n += partitions.size;
    return n;
  }
}
