// A raw idempotent producer whose producer id outlives the broker it started on: the
// graduate-in-place case (graduate.sh) starts it on Bunka and continues it on Apache Kafka.
// Kafka's clients cannot be handed a producer id, so this speaks Produce and InitProducerId
// itself (the repository's generated codecs, a bare socket), keeping {producerId, epoch, next
// sequence} in a JSON state file between runs.
//
//   bun test/interop/graduate-producer.ts start <host:port> <topic> <partition> <batches> <state.json>
//     InitProducerId (no transactional id), then <batches> batches of 10 records, sequences
//     0, 10, 20, ...; every one must be accepted (error 0).
//   bun test/interop/graduate-producer.ts continue <host:port> <topic> <partition> <batches> <state.json>
//     With the saved id and epoch: first the last batch again (a retry: the broker must answer
//     it as a duplicate, error 0 and the batch's first offset, writing nothing), then a batch
//     that skips a sequence (must be refused with OUT_OF_ORDER_SEQUENCE_NUMBER, 45), then
//     <batches> new batches at the next sequences (each error 0, offsets following on).
// Prints one summary line; exit status 1 with the reason when a check fails.

import { readFileSync, writeFileSync } from "node:fs";
import { Reader } from "../../src/protocol/reader.ts";
import { defaultProduceRequest, readProduceResponse, writeProduceRequest } from "../../src/protocol/messages/produce.ts";
import { readInitProducerIdResponse, writeInitProducerIdRequest } from "../../src/protocol/messages/init-producer-id.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { connect } from "./raw-fetch.ts";
import type { WireClient } from "../support/wire-client.ts";

const PRODUCE_VERSION = 9;
const INIT_PRODUCER_ID_VERSION = 4;
const RECORDS_PER_BATCH = 10;
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;

interface State {
  producerId: number;
  producerEpoch: number;
  nextSequence: number;
  lastBatchBaseOffset: number;
}

const [mode, bootstrap, topic, partitionArg, batchesArg, stateFile] = process.argv.slice(2);
if ((mode !== "start" && mode !== "continue") || !bootstrap || !topic || !partitionArg || !batchesArg || !stateFile) {
  console.error("usage: bun test/interop/graduate-producer.ts start|continue <host:port> <topic> <partition> <batches> <state.json>");
  process.exit(2);
}
const partition = Number(partitionArg);
const batches = Number(batchesArg);
let correlation = 7000;

function fail(why: string): never {
  console.log(`FAIL ${why}`);
  process.exit(1);
}

async function receiveFor(client: WireClient, id: number, flexible: boolean): Promise<Reader> {
  const frame = await client.receive(15000);
  const r = new Reader(frame);
  const got = r.int32();
  if (got !== id) fail(`correlation id ${got}, expected ${id}`);
  if (flexible) r.skipTaggedFields();
  return r;
}

async function produce(client: WireClient, s: State, baseSequence: number, tag: string): Promise<{ errorCode: number; baseOffset: number }> {
  const batch = buildRecordBatch({
    producerId: s.producerId,
    producerEpoch: s.producerEpoch,
    baseSequence,
    records: Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({
      key: new TextEncoder().encode(`seq-${baseSequence + i}`),
      value: new TextEncoder().encode(`${tag} record ${baseSequence + i}`),
    })),
  });
  const id = ++correlation;
  client.send(0, PRODUCE_VERSION, id, 2, (w) => writeProduceRequest(w, PRODUCE_VERSION, {
    ...defaultProduceRequest(),
    acks: -1,
    timeoutMs: 10000,
    topicData: [{ name: topic!, partitionData: [{ index: partition, records: batch }] }],
  }), "bunka-graduate-producer");
  const r = await receiveFor(client, id, true);
  const resp = readProduceResponse(r, PRODUCE_VERSION);
  const p = resp.responses.find((t) => t.name === topic)?.partitionResponses.find((x) => x.index === partition);
  if (r.failed || !p) fail("malformed Produce response");
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

const client = await connect(bootstrap);
try {
  if (mode === "start") {
    const id = ++correlation;
    client.send(22, INIT_PRODUCER_ID_VERSION, id, 2, (w) => writeInitProducerIdRequest(w, INIT_PRODUCER_ID_VERSION, {
      transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1,
    }), "bunka-graduate-producer");
    const r = await receiveFor(client, id, true);
    const init = readInitProducerIdResponse(r, INIT_PRODUCER_ID_VERSION);
    if (r.failed || init.errorCode !== 0 || init.producerId < 0) fail(`InitProducerId: error ${init.errorCode}, id ${init.producerId}`);
    const s: State = { producerId: init.producerId, producerEpoch: init.producerEpoch, nextSequence: 0, lastBatchBaseOffset: -1 };
    for (let b = 0; b < batches; b++) {
      const got = await produce(client, s, s.nextSequence, "before");
      if (got.errorCode !== 0) fail(`batch at sequence ${s.nextSequence}: error ${got.errorCode}`);
      s.lastBatchBaseOffset = got.baseOffset;
      s.nextSequence += RECORDS_PER_BATCH;
    }
    writeFileSync(stateFile, JSON.stringify(s));
    console.log(`OK producerId=${s.producerId} epoch=${s.producerEpoch} nextSequence=${s.nextSequence} lastBatchBaseOffset=${s.lastBatchBaseOffset}`);
  } else {
    const s = JSON.parse(readFileSync(stateFile, "utf8")) as State;
    const retry = await produce(client, s, s.nextSequence - RECORDS_PER_BATCH, "before");
    if (retry.errorCode !== 0 || retry.baseOffset !== s.lastBatchBaseOffset) {
      fail(`the last batch again (a retry): error ${retry.errorCode}, offset ${retry.baseOffset}; expected 0 and the duplicate's ${s.lastBatchBaseOffset}`);
    }
    const gap = await produce(client, s, s.nextSequence + 1, "gap");
    if (gap.errorCode !== OUT_OF_ORDER_SEQUENCE_NUMBER) fail(`a batch skipping a sequence: error ${gap.errorCode}, expected ${OUT_OF_ORDER_SEQUENCE_NUMBER}`);
    let expectedOffset = -1;
    for (let b = 0; b < batches; b++) {
      const got = await produce(client, s, s.nextSequence, "after");
      if (got.errorCode !== 0) fail(`batch at sequence ${s.nextSequence}: error ${got.errorCode} (a sequence error means the producer state did not move)`);
      if (expectedOffset >= 0 && got.baseOffset !== expectedOffset) fail(`batch at sequence ${s.nextSequence} got offset ${got.baseOffset}, expected ${expectedOffset}`);
      expectedOffset = got.baseOffset + RECORDS_PER_BATCH;
      s.lastBatchBaseOffset = got.baseOffset;
      s.nextSequence += RECORDS_PER_BATCH;
    }
    writeFileSync(stateFile, JSON.stringify(s));
    console.log(`OK producerId=${s.producerId} epoch=${s.producerEpoch} retry answered as duplicate, gap refused (45), nextSequence=${s.nextSequence}`);
  }
} finally {
  client.close();
}
