// Micro-benchmarks of the hot paths, with Bun's own timer: `bun run bench`.
// Prints ops/s and MB/s per case; compare runs side by side on the same machine.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { readRequestHeader } from "../../src/protocol/messages/headers.ts";
import { readProduceRequest, writeProduceRequest } from "../../src/protocol/messages/produce.ts";
import { writeFetchResponse, defaultFetchResponsePartitionData } from "../../src/protocol/messages/fetch.ts";
import { crc32c } from "../../src/storage/crc32c.ts";
import { buildRecordBatch } from "../../src/storage/record-batch-builder.ts";
import { RecordBatchView } from "../../src/storage/record-batch.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";

function bench(name: string, bytesPerOp: number, fn: () => void, seconds = 1): void {
  for (let i = 0; i < 1000; i++) fn(); // warm up the JIT
  let ops = 0;
  const start = Bun.nanoseconds();
  const end = start + seconds * 1e9;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    now = Bun.nanoseconds();
  }
  const secs = (now - start) / 1e9;
  const mbs = bytesPerOp > 0 ? `  ${((ops * bytesPerOp) / secs / 1e6).toFixed(1).padStart(9)} MB/s` : "";
  console.log(`${name.padEnd(44)} ${(ops / secs).toFixed(0).padStart(12)} ops/s${mbs}`);
}

const value = new Uint8Array(1024).fill(7);
const batch = buildRecordBatch({ records: Array.from({ length: 16 }, () => ({ value })) });

bench("crc32c 16 KiB batch (pure TS)", batch.length, () => { crc32c(batch, 21); });

const produceWriter = new Writer(64 * 1024, null);
const at = produceWriter.reserveInt32();
produceWriter.int16(0); produceWriter.int16(11); produceWriter.int32(1); produceWriter.nullableString("bench"); produceWriter.uvarint(0);
writeProduceRequest(produceWriter, 11, {
  transactionalId: null, acks: -1, timeoutMs: 30000,
  topicData: [{ name: "bench", partitionData: [{ index: 0, records: batch }] }],
});
produceWriter.setInt32(at, produceWriter.pos - 4);
const produceFrame = produceWriter.finish().slice(4);

bench("request header + Produce v11 decode", produceFrame.length, () => {
  const r = new Reader(produceFrame);
  readRequestHeader(r, 2);
  readProduceRequest(r, 11);
});

const dir = mkdtempSync(join(tmpdir(), "bunka-bench-"));
const log = PartitionLog.open(join(dir, "bench-0"), {});
bench("Produce decode + validate + append (16 KiB)", produceFrame.length, () => {
  const r = new Reader(produceFrame);
  readRequestHeader(r, 2);
  const req = readProduceRequest(r, 11);
  const records = req.topicData[0]!.partitionData[0]!.records!;
  const view = new RecordBatchView(records);
  if (!view.isCrcValid()) throw new Error("crc");
  log.append(records);
});

const fetched = log.read(0, 1 << 20, true);
const records = fetched === "out-of-range" ? new Uint8Array(0) : Buffer.concat(fetched.batches);
bench("Fetch v16 response encode (1 MiB of batches)", records.length, () => {
  const w = new Writer(records.length + 1024);
  writeFetchResponse(w, 16, {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0, nodeEndpoints: [],
    responses: [{ topic: "", topicId: "0".repeat(32), partitions: [{ ...defaultFetchResponsePartitionData(), records }] }],
  });
  w.release();
});
log.close();
rmSync(dir, { recursive: true, force: true });
