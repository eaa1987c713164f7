// fetch.max.bytes caps what one consumer Fetch response carries, whatever the request's max_bytes
// (Kafka's KafkaApis.handleFetchRequest), always with at least one batch; it also bounds what a
// client that never reads its responses holds per response (README, Memory bounds).

import { afterAll, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { Reader } from "../../src/protocol/reader.ts";
import {
  defaultFetchRequest, defaultFetchRequestFetchPartition, readFetchResponse, writeFetchRequest,
} from "../../src/protocol/messages/fetch.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { RecordBatchView, splitBatches } from "../../src/records/record-batch.ts";
import { startBroker, tempDir } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) nodeFs.rmSync(d, { recursive: true, force: true });
});

/** Batches in one Fetch v12 from offset 0 with max_bytes (request and partition) of 64 MiB. */
async function batchesInOneFetch(port: number): Promise<number> {
  const client = await WireClient.connect(port);
  try {
    const maxBytes = 64 << 20;
    client.send(1, 12, 7, 2, (w) => writeFetchRequest(w, 12, {
      ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 0, maxBytes, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: "t", topicId: "0".repeat(32), partitions: [{ ...defaultFetchRequestFetchPartition(), partition: 0, fetchOffset: 0, partitionMaxBytes: maxBytes }] }],
    }), "fetch-max-bytes-test");
    const r = new Reader(await client.receive(10_000));
    expect(r.int32()).toBe(7);
    r.skipTaggedFields();
    const res = readFetchResponse(r, 12);
    const p = res.responses[0]!.partitions[0]!;
    expect(p.errorCode).toBe(0);
    let n = 0;
    for (const b of splitBatches(p.records ?? new Uint8Array(0))) {
      expect(new RecordBatchView(b.slice()).isCrcValid()).toBe(true);
      n++;
    }
    return n;
  } finally {
    client.close();
  }
}

test("a consumer Fetch carries at most fetch.max.bytes (at least one batch), whatever its max_bytes", async () => {
  const dir = tempDir();
  dirs.push(dir);
  const store = LogStore.open({ logDirs: [dir], fsyncBeforeAck: false });
  store.metadata.createTopic("t", 1, { nodeId: 1 });
  const log = store.partition("t", 0)!;
  // 20 batches of about 600 bytes.
  for (let i = 0; i < 20; i++) log.append(buildRecordBatch({ records: [{ key: null, value: new Uint8Array(540).fill(65 + i) }] }));
  store.close();

  const capped = await startBroker({ logDir: dir, properties: { "fetch.max.bytes": 2048 } });
  try {
    // 2048 bytes hold three ~600-byte batches, not four.
    expect(await batchesInOneFetch(capped.port)).toBe(3);
  } finally {
    await capped.stop();
  }
  const tiny = await startBroker({ logDir: dir, properties: { "fetch.max.bytes": 1024 } });
  try {
    expect(await batchesInOneFetch(tiny.port)).toBe(1);
  } finally {
    await tiny.stop();
  }
  const uncapped = await startBroker({ logDir: dir });
  try {
    expect(await batchesInOneFetch(uncapped.port)).toBe(20);
  } finally {
    await uncapped.stop();
  }
}, 60_000);
