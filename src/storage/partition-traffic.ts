// A partition's traffic since its log was opened: what clients produced into it (counted by the
// log's own append, PartitionLog.appendAsLeader, as Kafka's ReplicaManager counts BytesInPerSec
// and MessagesInPerSec) and what consumers fetched from it (counted by Fetch when it answers, as
// Kafka's KafkaApis counts BytesOutPerSec). Plain numbers, summed per topic only when someone
// asks (the /metrics scrape).

import { RECORD_BATCH_OVERHEAD, RECORDS_COUNT } from "../records/record-batch.ts";

export class PartitionTraffic {
  /** `total`: the broker's sum, counted along (it outlives deleted topics, so it never goes down). */
  constructor(private readonly total: PartitionTraffic | null = null) {}

  /** Bytes of client record batches appended. */
  bytesIn = 0;
  /** Records in them. */
  messagesIn = 0;
  /** Bytes of record batches sent to consumers. */
  bytesOut = 0;
  /** Records in them (a batch's record count, aborted transactional records included). */
  messagesOut = 0;

  /** A client batch of `records` records in `bytes` bytes was appended. */
  appended(bytes: number, records: number): void {
    this.bytesIn += bytes;
    this.messagesIn += records;
    if (this.total !== null) this.total.appended(bytes, records);
  }

  /** A fetch answered with these batches. */
  fetched(batches: readonly Uint8Array[]): void {
    let bytes = 0;
    let records = 0;
    for (const b of batches) {
      bytes += b.length;
      // The header's record count, read without a DataView (no allocation per batch).
      if (b.length >= RECORD_BATCH_OVERHEAD) {
        records += ((b[RECORDS_COUNT]! << 24) | (b[RECORDS_COUNT + 1]! << 16) | (b[RECORDS_COUNT + 2]! << 8) | b[RECORDS_COUNT + 3]!) >>> 0;
      }
    }
    this.sent(bytes, records);
  }

  private sent(bytes: number, records: number): void {
    this.bytesOut += bytes;
    this.messagesOut += records;
    if (this.total !== null) this.total.sent(bytes, records);
  }
}
