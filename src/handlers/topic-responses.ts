// Per-topic response lists built partition by partition, each topic listed once in the order it
// was first named (OffsetCommit, TxnOffsetCommit: errors found before the coordinator is asked are
// merged with its answers under the same topic entry, as Kafka's response builders do).

export class TopicResponses<P> {
  readonly topics: { name: string; partitions: P[] }[] = [];
  private readonly byName = new Map<string, P[]>();

  add(name: string, partitions: P[]): void {
    let list = this.byName.get(name);
    if (!list) {
      list = [];
      this.byName.set(name, list);
      this.topics.push({ name, partitions: list });
    }
    list.push(...partitions);
  }
}
