// DeleteRecords (21) through the handler registry over a real LogStore in a temp dir, at every
// served version (request encoded, read by the handler's codec, response encoded and decoded).
// The expected answers are what Apache Kafka 4.3.1 gave to the same requests from
// kafka-delete-records (org.apache.kafka.tools.DeleteRecordsCommand) on this machine, with ten
// records in each partition: low_watermark 3 for offset 3, the high watermark (10) for -1, the
// current start for an offset below it, OFFSET_OUT_OF_RANGE for 1000 and for -2,
// POLICY_VIOLATION for cleanup.policy=compact (and not for compact,delete), and
// INVALID_TOPIC_EXCEPTION for __consumer_offsets (ReplicaManager.deleteRecordsOnLocalLog).

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brokerConfigFrom } from "../../src/config/broker-config.ts";
import { parseProperties } from "../../src/config/properties.ts";
import "../../src/handlers/21-delete-records.ts";
import { handlerFor, type BrokerContext, type RequestContext } from "../../src/handlers/registry.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import * as DR from "../../src/protocol/messages/delete-records.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { batchOf } from "../storage/batches.ts";

const roots: string[] = [];
const stores: LogStore[] = [];
afterAll(() => {
  for (const s of stores) s.close();
  for (const d of roots) nodeFs.rmSync(d, { recursive: true, force: true });
});

function open(): BrokerContext {
  const dir = nodeFs.mkdtempSync(join(tmpdir(), "bunka-delete-records-"));
  roots.push(dir);
  const config = brokerConfigFrom(parseProperties(`node.id=1\nlog.dirs=${dir}\n`), "test");
  const store = LogStore.open({ logDirs: [dir] });
  stores.push(store);
  const topics: [string, number, { name: string; value: string }[]][] = [
    ["dr", 2, []],
    ["drc", 1, [{ name: "cleanup.policy", value: "compact" }]],
    ["drcd", 1, [{ name: "cleanup.policy", value: "compact,delete" }]],
    ["__consumer_offsets", 1, [{ name: "cleanup.policy", value: "compact" }]],
  ];
  for (const [name, partitions, configs] of topics) {
    store.metadata.createTopic(name, partitions, { nodeId: 1, configs });
    for (let p = 0; p < partitions; p++) store.partition(name, p)!.append(batchOf(10));
  }
  return { config, store, clusterId: "QnVua2FGaXh0dXJlQ2x1cw", groups: undefined as never };
}

async function deleteRecords(broker: BrokerContext, version: number, topic: string, partition: number, offset: number) {
  const handler = handlerFor(DR.DELETE_RECORDS.apiKey)!;
  const w = new Writer(128, null);
  DR.writeDeleteRecordsRequest(w, version, { topics: [{ name: topic, partitions: [{ partitionIndex: partition, offset }] }], timeoutMs: 30000 });
  const r = new Reader(w.finish().slice());
  const request = handler.readRequest(r, version);
  const ctx: RequestContext = {
    broker, apiKey: DR.DELETE_RECORDS.apiKey, apiVersion: version, correlationId: 1, clientId: "test",
    listener: broker.config.listeners[0]!, localAddress: "127.0.0.1", localPort: 9092,
    principal: { type: "User", name: "ANONYMOUS" },
  };
  const out = new Writer(128, null);
  handler.writeResponse(out, version, await handler.handle(request, ctx));
  const rr = new Reader(out.finish().slice());
  const response = DR.readDeleteRecordsResponse(rr, version);
  expect(rr.failed).toBe(false);
  expect(rr.remaining).toBe(0);
  const { lowWatermark, errorCode } = response.topics[0]!.partitions[0]!;
  return { lowWatermark, errorCode };
}

describe("DeleteRecords answers as Kafka 4.3.1's", () => {
  for (const version of [0, 1, 2]) {
    test(`v${version}`, async () => {
      const b = open();
      const ok = (lowWatermark: number) => ({ lowWatermark, errorCode: ErrorCode.NONE });
      const failed = (errorCode: number) => ({ lowWatermark: -1, errorCode });
      expect(await deleteRecords(b, version, "dr", 0, 3)).toEqual(ok(3));
      expect(await deleteRecords(b, version, "dr", 0, -1)).toEqual(ok(10));
      expect(await deleteRecords(b, version, "dr", 0, 1000)).toEqual(failed(ErrorCode.OFFSET_OUT_OF_RANGE));
      expect(await deleteRecords(b, version, "dr", 0, 1)).toEqual(ok(10)); // never backwards
      expect(await deleteRecords(b, version, "dr", 1, -2)).toEqual(failed(ErrorCode.OFFSET_OUT_OF_RANGE));
      expect(await deleteRecords(b, version, "nosuch", 0, 1)).toEqual(failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      expect(await deleteRecords(b, version, "dr", 7, 1)).toEqual(failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      expect(await deleteRecords(b, version, "drc", 0, 2)).toEqual(failed(ErrorCode.POLICY_VIOLATION));
      expect(await deleteRecords(b, version, "drc", 0, 1000)).toEqual(failed(ErrorCode.POLICY_VIOLATION)); // policy first
      expect(await deleteRecords(b, version, "drcd", 0, 2)).toEqual(ok(2));
      expect(await deleteRecords(b, version, "__consumer_offsets", 0, 0)).toEqual(failed(ErrorCode.INVALID_TOPIC_EXCEPTION));
      expect(await deleteRecords(b, version, "__consumer_offsets", 5, 0)).toEqual(failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      expect(b.store.partition("__consumer_offsets", 0)!.logStartOffset).toBe(0);
    });
  }
});
