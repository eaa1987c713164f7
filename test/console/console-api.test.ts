// Every console endpoint over HTTP against the compiled broker, with kafkajs (an independent Kafka
// client) checking that what the console did is what a Kafka client sees, and the other way round:
// a topic created in the console is in Metadata, a config set in the console is in
// DescribeConfigs, a message produced in the console is consumed by kafkajs, a group consuming
// with kafkajs shows its lag in the console. Errors are Kafka's own codes and messages, because
// the console hands its requests to the Kafka handlers.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ConfigResourceTypes } from "kafkajs";
import { eventually, startConsoleBroker, type ConsoleBroker } from "./helpers.ts";

let c: ConsoleBroker;
beforeAll(async () => {
  c = await startConsoleBroker();
}, 60_000);
afterAll(async () => {
  await c?.broker.stop();
});

describe("pages", () => {
  test("/, /console.css and /console.js are served from the binary; the script is JavaScript", async () => {
    const page = await fetch(`${c.base}/`, { signal: AbortSignal.timeout(5000) });
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('<script type="module" src="/console.js">');
    const css = await fetch(`${c.base}/console.css`, { signal: AbortSignal.timeout(5000) });
    expect(css.headers.get("content-type")).toContain("text/css");
    const js = await (await fetch(`${c.base}/console.js`, { signal: AbortSignal.timeout(5000) })).text();
    expect(js).toContain("function route(");
    // Types removed: "const main = document.getElementById(...)" without "!" or annotations.
    expect(js).not.toMatch(/: (string|number|Json)\b/);
    expect((await fetch(`${c.base}/api/nope`, { signal: AbortSignal.timeout(5000) })).status).toBe(404);
  }, 10_000);
});

test("GET /api/cluster: the node, its listeners and its configs (DescribeConfigs)", async () => {
  const { status, body } = await c.get("/api/cluster");
  expect(status).toBe(200);
  expect(body.nodeId).toBe(1);
  // The configured listener (port 0 here: the bound port is in the start-up line).
  expect(body.listeners[0]).toMatchObject({ name: "PLAINTEXT", host: "127.0.0.1", securityProtocol: "PLAINTEXT" });
  expect(body.principal).toBe("User:ANONYMOUS");
  const retention = body.config.configs.find((x: any) => x.name === "log.retention.hours");
  expect(retention?.value).toBe("168");
}, 10_000);

describe("topics", () => {
  test("POST /api/topics creates through CreateTopics: kafkajs sees it; Kafka's errors for a duplicate, a bad name, a bad config", async () => {
    const created = await c.post("/api/topics", { name: "orders", partitions: 3, configs: { "retention.ms": "3600000" } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ ok: true, error: "NONE", partitions: 3 });
    const admin = c.kafka.admin();
    await admin.connect();
    try {
      const md = await admin.fetchTopicMetadata({ topics: ["orders"] });
      expect(md.topics[0]!.partitions.length).toBe(3);
      const again = await c.post("/api/topics", { name: "orders", partitions: 1 });
      expect([again.status, again.body.error, again.body.message]).toEqual([400, "TOPIC_ALREADY_EXISTS", "Topic 'orders' already exists."]);
      const bad = await c.post("/api/topics", { name: "no/slashes", partitions: 1 });
      expect([bad.status, bad.body.error]).toEqual([400, "INVALID_TOPIC_EXCEPTION"]);
      const badConfig = await c.post("/api/topics", { name: "x1", partitions: 1, configs: { "retention.ms": "soon" } });
      expect([badConfig.status, badConfig.body.error]).toEqual([400, "INVALID_CONFIG"]);
      expect(badConfig.body.message).toContain("retention.ms");
      const notJson = await c.post("/api/topics", "[]");
      expect(notJson.status).toBe(400);
    } finally {
      await admin.disconnect();
    }
  }, 20_000);

  test("GET /api/topics paginates and filters; GET /api/topics/:name has partitions, offsets and configs", async () => {
    for (const n of ["pg-a", "pg-b", "pg-c"]) expect((await c.post("/api/topics", { name: n, partitions: 1 })).status).toBe(200);
    const page = await c.get("/api/topics?filter=pg-&limit=2&offset=1");
    expect(page.body.total).toBe(3);
    expect(page.body.topics.map((t: any) => t.name)).toEqual(["pg-b", "pg-c"]);
    const one = await c.get("/api/topics/orders");
    expect(one.body.partitionDetails.map((p: any) => p.partition)).toEqual([0, 1, 2]);
    expect(one.body.retentionMs).toBe(3_600_000);
    expect(one.body.config.configs.find((x: any) => x.name === "retention.ms")).toMatchObject({ value: "3600000", source: "DYNAMIC_TOPIC_CONFIG" });
    expect((await c.get("/api/topics/missing")).status).toBe(404);
    expect((await c.get("/api/topics/%E0%A4%A")).status).toBe(400); // a broken %-escape
  }, 20_000);

  test("live throughput: messages and bytes per second between samples (at most one a second)", async () => {
    expect((await c.post("/api/topics", { name: "rate", partitions: 1 })).status).toBe(200);
    expect((await c.get("/api/topics?filter=rate")).body.topics[0].messages).toBe(0);
    const producer = c.kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: "rate", messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}` })) });
    } finally {
      await producer.disconnect();
    }
    await Bun.sleep(1100);
    const second = (await c.get("/api/topics?filter=rate")).body.topics[0];
    expect(second.messages).toBe(20);
    // 20 messages over the span of the samples kept: at least the 1.1 s slept, at most ~11 s.
    expect(second.messagesPerSec).toBeGreaterThan(20 / 12);
    expect(second.messagesPerSec).toBeLessThanOrEqual(20 / 1.1);
    expect(second.bytesPerSec).toBeGreaterThan(0);
  }, 20_000);

  test("POST /api/topics/:name/configs alters through IncrementalAlterConfigs: kafkajs' DescribeConfigs sees it", async () => {
    const set = await c.post("/api/topics/orders/configs", { set: { "retention.ms": "7200000", "cleanup.policy": "compact,delete" } });
    expect(set.body).toMatchObject({ ok: true });
    const admin = c.kafka.admin();
    await admin.connect();
    try {
      const d = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: "orders", configNames: ["retention.ms", "cleanup.policy"] }] });
      const entries = Object.fromEntries(d.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
      expect(entries).toEqual({ "retention.ms": "7200000", "cleanup.policy": "compact,delete" });
    } finally {
      await admin.disconnect();
    }
    const del = await c.post("/api/topics/orders/configs", { delete: ["cleanup.policy"] });
    expect(del.body.ok).toBe(true);
    expect((await c.get("/api/topics/orders")).body.cleanupPolicy).toBe("delete");
    const bad = await c.post("/api/topics/orders/configs", { set: { "retention.ms": "-7" } });
    expect([bad.status, bad.body.error]).toEqual([400, "INVALID_CONFIG"]);
    const missing = await c.post("/api/topics/nope/configs", { set: { "retention.ms": "1000" } });
    expect([missing.status, missing.body.message]).toEqual([404, "The topic 'nope' does not exist."]);
  }, 20_000);
});

describe("messages", () => {
  const T0 = Date.UTC(2026, 0, 1);

  test("POST produce goes through Produce: kafkajs consumes key, value and headers; text and hex encodings", async () => {
    expect((await c.post("/api/topics", { name: "browse", partitions: 2 })).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const r = await c.post("/api/topics/browse/produce", {
        partition: 0, key: `key-${i}`, value: JSON.stringify({ n: i, note: i === 3 ? "needle-in-value" : "hay" }),
        headers: [{ key: "trace", value: i === 4 ? "needle-in-header" : `t${i}` }], timestamp: T0 + i * 1000,
      });
      expect(r.body).toMatchObject({ ok: true, offset: i });
    }
    const hex = await c.post("/api/topics/browse/produce", { partition: 1, key: null, value: "00ff10", encoding: "hex" });
    expect(hex.body).toMatchObject({ ok: true, partition: 1, offset: 0 });
    const badPartition = await c.post("/api/topics/browse/produce", { partition: 9, value: "x" });
    expect([badPartition.status, badPartition.body.error]).toEqual([404, "UNKNOWN_TOPIC_OR_PARTITION"]);

    const consumer = c.kafka.consumer({ groupId: "browse-reader", maxWaitTimeInMs: 100 });
    await consumer.connect();
    const seen: { partition: number; key: string | null; value: Buffer | null; trace?: string }[] = [];
    try {
      await consumer.subscribe({ topic: "browse", fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.push({ partition, key: message.key?.toString() ?? null, value: message.value, trace: message.headers?.trace?.toString() });
        },
      });
      await eventually("6 messages consumed", 20_000, async () => (seen.length >= 6 ? true : undefined));
    } finally {
      await consumer.disconnect();
    }
    const p0 = seen.filter((m) => m.partition === 0);
    expect(p0.map((m) => m.key)).toEqual(["key-0", "key-1", "key-2", "key-3", "key-4"]);
    expect(p0[4]!.trace).toBe("needle-in-header");
    expect(seen.find((m) => m.partition === 1)!.value).toEqual(Buffer.from([0x00, 0xff, 0x10]));
  }, 40_000);

  test("GET messages: from an offset, by timestamp (ListOffsets: first at or after it), latest; text and hex", async () => {
    const from2 = await c.get("/api/topics/browse/messages?partition=0&offset=2&limit=2");
    expect(from2.body.messages.map((m: any) => m.offset)).toEqual([2, 3]);
    expect(from2.body.nextOffset).toBe(4);
    expect(from2.body.messages[0].key.text).toBe("key-2");
    expect(from2.body.messages[0].headers[0]).toMatchObject({ key: "trace", value: { text: "t2" } });
    const byTime = await c.get(`/api/topics/browse/messages?partition=0&timestamp=${T0 + 2500}`);
    expect(byTime.body.foundOffset).toBe(3);
    expect(byTime.body.messages.map((m: any) => m.offset)).toEqual([3, 4]);
    expect(byTime.body.messages[0].timestamp).toBe(T0 + 3000);
    const afterAll = await c.get(`/api/topics/browse/messages?partition=0&timestamp=${T0 + 60_000}`);
    expect([afterAll.body.foundOffset, afterAll.body.messages.length]).toEqual([-1, 0]);
    const latest = await c.get("/api/topics/browse/messages?partition=0&from=latest&limit=2");
    expect(latest.body.messages.map((m: any) => m.offset)).toEqual([3, 4]);
    const binary = await c.get("/api/topics/browse/messages?partition=1");
    expect(binary.body.messages[0].value).toEqual({ size: 3, text: null, hex: "00ff10", truncated: false });
    expect(binary.body.messages[0].key).toBeNull();
  }, 20_000);

  test("GET search: the whole topic (all partitions), in key, value or headers, with progress and a scan budget", async () => {
    const inValue = await c.search("browse", "q=needle-in-value");
    const done = inValue.at(-1);
    expect(done).toEqual({ type: "done", scanned: 6, total: 6, matches: 1, reason: "complete" });
    expect(inValue.filter((e) => e.type === "match").map((e) => e.row.offset)).toEqual([3]);
    expect(inValue.some((e) => e.type === "progress" && e.scanned === 6)).toBe(true);
    const inHeader = await c.search("browse", "q=NEEDLE-IN-HEADER");
    expect(inHeader.filter((e) => e.type === "match").map((e) => e.row.offset)).toEqual([4]);
    const headersOff = await c.search("browse", "q=needle-in-header&headers=0");
    expect(headersOff.at(-1).matches).toBe(0);
    const inKey = await c.search("browse", "q=key-1&value=0&headers=0");
    expect(inKey.filter((e) => e.type === "match").map((e) => e.row.key.text)).toEqual(["key-1"]);
    const hexBytes = await c.search("browse", `q=${encodeURIComponent("\u00ff")}`);
    expect(hexBytes.at(-1).matches).toBe(0); // U+00FF is c3 bf in UTF-8, not the byte ff
    const budget = await c.search("browse", "q=hay&budget=2");
    expect(budget.at(-1)).toMatchObject({ type: "done", scanned: 2, reason: "budget" });
    expect((await fetch(`${c.base}/api/topics/browse/search`, { signal: AbortSignal.timeout(5000) })).status).toBe(400);
  }, 20_000);

  test("POST delete-records goes through DeleteRecords: the log start moves; internal topics are refused", async () => {
    const r = await c.post("/api/topics/browse/delete-records", { partition: 0, offset: 2 });
    expect(r.body).toMatchObject({ ok: true, lowWatermark: 2 });
    const after = await c.get("/api/topics/browse/messages?partition=0&offset=0");
    expect(after.body.logStartOffset).toBe(2);
    expect(after.body.messages[0].offset).toBe(2);
    const tooFar = await c.post("/api/topics/browse/delete-records", { partition: 0, offset: 99 });
    expect(tooFar.body.error).toBe("OFFSET_OUT_OF_RANGE");
    const internal = await c.post("/api/topics/__consumer_offsets/delete-records", { partition: 0, offset: 0 });
    expect(internal.body.error).toBe("INVALID_TOPIC_EXCEPTION");
  }, 20_000);
});

describe("groups", () => {
  test("a kafkajs group's members, assignment and lag; lag moves as it consumes; reset with a dry run, only while empty", async () => {
    expect((await c.post("/api/topics", { name: "work", partitions: 2 })).status).toBe(200);
    const producer = c.kafka.producer();
    await producer.connect();
    await producer.send({ topic: "work", messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `m${i}` })) });
    const consumer = c.kafka.consumer({ groupId: "workers", maxWaitTimeInMs: 100, heartbeatInterval: 500 });
    await consumer.connect();
    let consumed = 0;
    try {
      await consumer.subscribe({ topic: "work", fromBeginning: true });
      await consumer.run({ eachMessage: async () => { consumed++; } });
      const stable = await eventually("group Stable with all 10 committed", 20_000, async () => {
        const g = (await c.get("/api/groups/workers")).body;
        return g.state === "Stable" && g.offsets.length === 2 && g.totalLag === 0 ? g : undefined;
      });
      expect(stable.members.length).toBe(1);
      expect(stable.members[0].assignment).toEqual([{ topic: "work", partitions: [0, 1] }]);
      expect(stable.offsets.map((o: any) => [o.partition, o.committed, o.lag])).toEqual([[0, 5], [1, 5]].map(([p, n]) => [p, n, 0]));
      const list = (await c.get("/api/groups")).body.groups.find((g: any) => g.groupId === "workers");
      expect(list).toMatchObject({ state: "Stable", members: 1, partitions: 2, totalLag: 0 });

      // A reset while a member is there: refused as kafka-consumer-groups refuses it.
      const refused = await c.post("/api/groups/workers/reset-offsets", { topic: "work", to: "earliest", dryRun: false });
      expect(refused.status).toBe(409);
      expect(refused.body.message).toBe("Assignments can only be reset if the group 'workers' is inactive, but the current state is Stable.");
    } finally {
      await consumer.disconnect();
    }
    expect(consumed).toBe(10);
    // Lag moves: 4 more messages, nobody consuming.
    await producer.send({ topic: "work", messages: Array.from({ length: 4 }, (_, i) => ({ partition: i % 2, value: `n${i}` })) });
    await producer.disconnect();
    const lagging = await eventually("lag 4", 10_000, async () => {
      const g = (await c.get("/api/groups/workers")).body;
      return g.totalLag === 4 && g.state === "Empty" ? g : undefined;
    });
    expect(lagging.offsets.map((o: any) => o.lag)).toEqual([2, 2]);

    const preview = await c.post("/api/groups/workers/reset-offsets", { topic: "work", to: "earliest", dryRun: true });
    expect(preview.body).toMatchObject({ ok: true, dryRun: true, state: "Empty", canExecute: true });
    expect(preview.body.plan.map((p: any) => [p.partition, p.currentOffset, p.newOffset])).toEqual([[0, 5, 0], [1, 5, 0]]);
    expect((await c.get("/api/groups/workers")).body.totalLag).toBe(4); // a dry run commits nothing
    const clamped = await c.post("/api/groups/workers/reset-offsets", { topic: "work", partitions: [1], to: "offset", offset: 100, dryRun: true });
    expect(clamped.body.plan).toEqual([{ partition: 1, currentOffset: 5, newOffset: 7, note: "New offset (100) is higher than latest offset for topic partition work-1. Value will be set to 7" }]);
    const done = await c.post("/api/groups/workers/reset-offsets", { topic: "work", to: "earliest", dryRun: false });
    expect(done.body).toMatchObject({ ok: true, dryRun: false });
    expect((await c.get("/api/groups/workers")).body.totalLag).toBe(14);
    // The reset is what a Kafka client sees: kafkajs' fetchOffsets.
    const admin = c.kafka.admin();
    await admin.connect();
    try {
      const fetched = await admin.fetchOffsets({ groupId: "workers", topics: ["work"] });
      expect(fetched[0]!.partitions.map((p) => p.offset).sort()).toEqual(["0", "0"]);
    } finally {
      await admin.disconnect();
    }
    const latest = await c.post("/api/groups/workers/reset-offsets", { topic: "work", to: "latest", dryRun: false });
    expect(latest.body.plan.map((p: any) => p.newOffset)).toEqual([7, 7]);
    expect((await c.get("/api/groups/workers")).body.totalLag).toBe(0);
    const byTime = await c.post("/api/groups/workers/reset-offsets", { topic: "work", to: "timestamp", timestamp: 0, dryRun: true });
    expect(byTime.body.plan.map((p: any) => p.newOffset)).toEqual([0, 0]);
    // After every record: the log end, with kafka-consumer-groups' warning.
    const future = await c.post("/api/groups/workers/reset-offsets", { topic: "work", partitions: [0], to: "timestamp", timestamp: Date.now() + 3_600_000, dryRun: true });
    expect(future.body.plan).toEqual([{ partition: 0, currentOffset: 7, newOffset: 7, note: "Partition 0 from topic work is empty. Falling back to latest known offset." }]);
  }, 60_000);

  test("lag is against the last stable offset: an open transaction's records are not lag until it commits", async () => {
    expect((await c.post("/api/topics", { name: "txn-work", partitions: 1 })).status).toBe(200);
    const producer = c.kafka.producer({ transactionalId: "console-txn", maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    try {
      await c.post("/api/groups/txn-readers/reset-offsets", { topic: "txn-work", to: "latest", dryRun: false });
      const txn = await producer.transaction();
      await txn.send({ topic: "txn-work", messages: Array.from({ length: 5 }, (_, i) => ({ value: `t${i}` })) });
      const open = (await c.get("/api/groups/txn-readers")).body.offsets[0];
      expect([open.committed, open.highWatermark, open.lastStableOffset, open.lag]).toEqual([0, 5, 0, 0]);
      await txn.commit();
      const committed = await eventually("LSO past the marker", 10_000, async () => {
        const o = (await c.get("/api/groups/txn-readers")).body.offsets[0];
        return o.lastStableOffset === 6 ? o : undefined;
      });
      expect(committed.lag).toBe(6); // 5 records and the commit marker, as a read_committed consumer's position moves
      const rows = (await c.get("/api/topics/txn-work/messages?partition=0")).body.messages;
      expect(rows.map((m: any) => m.control)).toEqual([null, null, null, null, null, "COMMIT"]);
      expect(rows[0].transactional).toBe(true);
    } finally {
      await producer.disconnect();
    }
  }, 40_000);

  test("__consumer_offsets and __transaction_state are decoded into readable rows", async () => {
    const offsets = (await c.get("/api/topics/__consumer_offsets/messages?partition=0&limit=500")).body.messages;
    const commit = offsets.find((m: any) => m.decoded?.type === "OffsetCommit" && m.decoded.group === "workers");
    expect(commit.decoded).toMatchObject({ group: "workers", topic: "work" });
    expect(typeof commit.decoded.offset).toBe("number");
    const groupRow = offsets.find((m: any) => m.decoded?.type === "GroupMetadata" && m.decoded.group === "workers" && m.decoded.members?.length === 1);
    expect(groupRow.decoded.protocolType).toBe("consumer");
    // EndTxn is answered at PrepareCommit (as Kafka does); CompleteCommit follows the markers.
    const states = await eventually("CompleteCommit in __transaction_state", 10_000, async () => {
      const txns = (await c.get("/api/topics/__transaction_state/messages?partition=0&limit=500")).body.messages;
      const s: string[] = txns.filter((m: any) => m.decoded?.transactionalId === "console-txn").map((m: any) => m.decoded.state);
      return s.includes("CompleteCommit") ? s : undefined;
    });
    expect(states).toContain("Ongoing");
    expect(states).toContain("PrepareCommit");
  }, 20_000);
});

describe("refusals", () => {
  test("a change from another site, or not JSON, is refused (CSRF) and changes nothing", async () => {
    const cross = await c.post("/api/topics", { name: "evil-1", partitions: 1 }, { origin: "http://evil.example" });
    expect(cross.status).toBe(403);
    const fetchMeta = await c.post("/api/topics", { name: "evil-2", partitions: 1 }, { "sec-fetch-site": "cross-site" });
    expect(fetchMeta.status).toBe(403);
    const form = await fetch(`${c.base}/api/topics`, {
      method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "name=evil-3", signal: AbortSignal.timeout(5000),
    });
    expect(form.status).toBe(415);
    const reset = await c.post("/api/groups/workers/reset-offsets", { topic: "work", to: "earliest", dryRun: false }, { origin: "http://evil.example" });
    expect(reset.status).toBe(403);
    const names = (await c.get("/api/topics?filter=evil")).body.total;
    expect(names).toBe(0);
    const wrongMethod = await fetch(`${c.base}/api/topics/orders/produce`, { signal: AbortSignal.timeout(5000) });
    expect(wrongMethod.status).toBe(405);
  }, 10_000);
});
