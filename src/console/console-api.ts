// The console's JSON API under /api/. Reads come from the broker's own state (cluster metadata,
// partition logs, the group coordinator), filtered by the caller's DESCRIBE/READ rights as the
// Kafka APIs filter them; every change is a Kafka request handed to the API's own handler
// (kafka-calls.ts): CreateTopics (19), IncrementalAlterConfigs (44), Produce (0), DeleteRecords
// (21), OffsetCommit (8) for offset resets, and ListOffsets (2) for seeking by timestamp and
// reset targets. A change is refused unless the request passes the HTTP listener's CSRF guard
// (refuseCrossSite), and every call runs as the principal its authenticator admitted.
//
// Offset reset follows kafka-consumer-groups --reset-offsets (ConsumerGroupCommand.
// ResetOffsetsCommand): only for a group with no members (Empty, or one Kafka does not know);
// targets earliest, latest (ListOffsets EARLIEST/LATEST, read_uncommitted as the tool's
// AdminClient asks), a timestamp (ListOffsets by timestamp; no record at or after it → the log
// end, with the tool's warning) or an offset clamped to [log start, log end] with the tool's
// warning; a dry run answers the same plan and commits nothing; the commit is an OffsetCommit
// with generation -1 and no member, as AdminClient.alterConsumerGroupOffsets sends.
// Lag is the last stable offset minus the committed offset, so an open transaction's records are
// not counted as lag (a read_committed consumer cannot get past the LSO). kafka-consumer-groups
// --describe counts against the high watermark (its ListOffsets is read_uncommitted); the
// console shows the high watermark beside the lag.

import { ErrorCode } from "../protocol/error-codes.ts";
import type { BrokerContext } from "../handlers/registry.ts";
import { AclOperation, ResourceType, authorize } from "../handlers/authorization.ts";
import { isInternalTopic } from "../handlers/topic-name.ts";
import { logConfigResolver } from "../config/log-config.ts";
import { ConfigResourceType } from "../config/config-defs.ts";
import { AlterConfigOp } from "../config/config-alteration.ts";
import { subscriptionTopics } from "../groups/classic-group.ts";
import { buildRecordBatch } from "../records/record-batch-builder.ts";
import { ANONYMOUS } from "../security/authorizer.ts";
import type { CreateTopicsRequest, CreateTopicsResponse } from "../protocol/messages/create-topics.ts";
import type { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from "../protocol/messages/incremental-alter-configs.ts";
import type { ProduceRequest, ProduceResponse } from "../protocol/messages/produce.ts";
import type { DeleteRecordsRequest, DeleteRecordsResponse } from "../protocol/messages/delete-records.ts";
import type { ListOffsetsRequest, ListOffsetsResponse } from "../protocol/messages/list-offsets.ts";
import type { OffsetCommitRequest, OffsetCommitResponse } from "../protocol/messages/offset-commit.ts";
import type { DescribeConfigsRequest, DescribeConfigsResponse } from "../protocol/messages/describe-configs.ts";
import { VERSION, COMMIT } from "../version.ts";
import { principalOf, refuseCrossSite, remoteAddressOf, type HttpRoute } from "../http/server.ts";
import { KafkaApiCaller, type ConsoleCaller } from "./kafka-calls.ts";
import { readRows } from "./messages.ts";
import { searchTopic } from "./search.ts";
import { ThroughputSampler } from "./throughput.ts";

export interface ConsoleApiOptions {
  /** When the broker started (default: when the console was set up, just after the listeners). */
  startedAt?: number;
}

const ERROR_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ErrorCode).map(([k, v]) => [v, k]));
const AUTHORIZATION_FAILURES = new Set<number>([
  ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
]);

const LATEST = -1, EARLIEST = -2;
/** DescribeConfigs' config_source codes (Kafka's DescribeConfigsResponse.ConfigSource). */
const CONFIG_SOURCES = [
  "UNKNOWN", "DYNAMIC_TOPIC_CONFIG", "DYNAMIC_BROKER_CONFIG", "DYNAMIC_DEFAULT_BROKER_CONFIG", "STATIC_BROKER_CONFIG",
  "DEFAULT_CONFIG", "DYNAMIC_BROKER_LOGGER_CONFIG", "CLIENT_METRICS_CONFIG", "GROUP_CONFIG",
];

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
}

/** A Kafka error code as the API answers it: 200 for NONE, 403 for authorization, 404 unknown, else 400. */
function kafkaAnswer(errorCode: number, message: string | null, extra: Record<string, unknown> = {}): Response {
  const status = errorCode === ErrorCode.NONE ? 200 : AUTHORIZATION_FAILURES.has(errorCode) ? 403
    : errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? 404 : 400;
  return json({ ok: errorCode === ErrorCode.NONE, errorCode, error: ERROR_NAMES[errorCode] ?? String(errorCode), message, ...extra }, status);
}

class BadRequest extends Error {}

function int(v: unknown, name: string, fallback?: number): number {
  if ((v === undefined || v === null || v === "") && fallback !== undefined) return fallback;
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new BadRequest(`${name} must be an integer`);
  return n;
}

function bytesOf(text: unknown, encoding: unknown, name: string): Uint8Array | null {
  if (text === null || text === undefined) return null;
  if (typeof text !== "string") throw new BadRequest(`${name} must be a string or null`);
  if (encoding === "hex") {
    const clean = text.replace(/\s+/g, "");
    if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new BadRequest(`${name} is not hex`);
    return new Uint8Array(Buffer.from(clean, "hex"));
  }
  if (encoding === "base64") return new Uint8Array(Buffer.from(text, "base64"));
  return new TextEncoder().encode(text);
}

async function body(req: Request): Promise<Record<string, unknown>> {
  try {
    const b = await req.json();
    if (b === null || typeof b !== "object" || Array.isArray(b)) throw new Error();
    return b as Record<string, unknown>;
  } catch {
    throw new BadRequest("the body must be a JSON object");
  }
}

export function consoleApi(broker: BrokerContext, opts: ConsoleApiOptions = {}): HttpRoute {
  const kafka = new KafkaApiCaller(broker);
  const store = broker.store;
  const metadata = store.metadata;
  const startedAt = opts.startedAt ?? Date.now();
  const throughput = new ThroughputSampler(store);
  const logConfig = (topic: string) => logConfigResolver(broker.config, metadata).forTopic(topic);

  const describe = (caller: ConsoleCaller, type: number, name: string, op: number = AclOperation.DESCRIBE) =>
    authorize(kafka.context(caller), op, type, name, false);

  async function describeConfigs(caller: ConsoleCaller, resourceType: number, resourceName: string) {
    const res = await kafka.call<DescribeConfigsRequest, DescribeConfigsResponse>(32, {
      resources: [{ resourceType, resourceName, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false,
    }, caller);
    const r = res.results[0]!;
    return {
      errorCode: r.errorCode, error: ERROR_NAMES[r.errorCode], message: r.errorMessage,
      configs: r.configs.map((c) => ({
        name: c.name, value: c.isSensitive ? null : c.value, source: CONFIG_SOURCES[c.configSource] ?? String(c.configSource), readOnly: c.readOnly, sensitive: c.isSensitive,
      })),
    };
  }

  async function listOffset(caller: ConsoleCaller, topic: string, partition: number, timestamp: number) {
    const res = await kafka.call<ListOffsetsRequest, ListOffsetsResponse>(2, {
      replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
    }, caller);
    return res.topics[0]!.partitions[0]!;
  }

  // What the console shows of a partition: its open log, else an empty one (storage opens a log
  // on first use; one never used has no records, and looking must not create its files).
  const EMPTY_LOG = { logStartOffset: 0, highWatermark: 0, lastStableOffset: 0, nextOffset: 0, sizeInBytes: 0, segmentCount: 0 };
  const shownLog = (topic: string, partition: number) => store.openedPartition(topic, partition) ?? EMPTY_LOG;

  function topicSummary(name: string) {
    const t = metadata.topicsByName.get(name)!;
    let size = 0, messages = 0, end = 0;
    for (const p of t.partitions) {
      const log = shownLog(name, p.partitionId);
      size += log.sizeInBytes;
      messages += log.highWatermark - log.logStartOffset;
      end += log.nextOffset;
    }
    const c = logConfig(name);
    const rate = throughput.rate(name);
    return {
      name, topicId: t.topicId, partitions: t.partitions.length, internal: isInternalTopic(name), sizeBytes: size, messages, endOffsets: end,
      retentionMs: c.retentionMs, retentionBytes: c.retentionBytes, cleanupPolicy: [c.deleteEnabled ? "delete" : null, c.compactEnabled ? "compact" : null].filter(Boolean).join(","),
      messagesPerSec: rate.messagesPerSec, bytesPerSec: rate.bytesPerSec,
    };
  }

  function partitionRows(name: string) {
    const t = metadata.topicsByName.get(name)!;
    return t.partitions.map((p) => {
      const log = shownLog(name, p.partitionId);
      return {
        partition: p.partitionId, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr,
        logStartOffset: log.logStartOffset, highWatermark: log.highWatermark, lastStableOffset: log.lastStableOffset,
        sizeBytes: log.sizeInBytes, segments: log.segmentCount,
      };
    });
  }

  function groupLag(groupId: string) {
    const groups = broker.groups!;
    const offsets = groups.fetchOffsets(groupId, null);
    const rows: { topic: string; partition: number; committed: number; logStartOffset: number; highWatermark: number; lastStableOffset: number; lag: number | null; metadata: string }[] = [];
    for (const t of offsets.topics) {
      for (const p of t.partitions) {
        const exists = metadata.topicsByName.get(t.name)?.partitions.some((x) => x.partitionId === p.partitionIndex) ?? false;
        const log = exists ? shownLog(t.name, p.partitionIndex) : undefined;
        const lso = log?.lastStableOffset ?? -1;
        rows.push({
          topic: t.name, partition: p.partitionIndex, committed: p.committedOffset, metadata: p.metadata,
          logStartOffset: log?.logStartOffset ?? -1, highWatermark: log?.highWatermark ?? -1, lastStableOffset: lso,
          lag: log === undefined || p.committedOffset < 0 ? null : Math.max(0, lso - p.committedOffset),
        });
      }
    }
    rows.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return rows;
  }

  const routes: [string, RegExp, (m: RegExpMatchArray, req: Request, url: URL, caller: ConsoleCaller) => Promise<Response> | Response][] = [
    ["GET", /^\/api\/cluster$/, async (_m, _req, _url, caller) => {
      const c = broker.config;
      return json({
        clusterId: broker.clusterId, nodeId: c.nodeId, version: VERSION, commit: COMMIT, bun: Bun.version,
        startedAt, uptimeMs: Date.now() - startedAt, logDirs: c.logDirs,
        listeners: c.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
        topics: metadata.topicsByName.size, groups: broker.groups?.listGroups([], []).length ?? 0,
        principal: `${caller.principal.type}:${caller.principal.name}`,
        config: await describeConfigs(caller, ConfigResourceType.BROKER, String(c.nodeId)),
      });
    }],
    ["GET", /^\/api\/topics$/, (_m, _req, url, caller) => {
      const filter = (url.searchParams.get("filter") ?? "").toLowerCase();
      const internal = url.searchParams.get("internal") !== "0";
      const offset = int(url.searchParams.get("offset"), "offset", 0);
      const limit = Math.min(int(url.searchParams.get("limit"), "limit", 100), 1000);
      throughput.sample();
      const names = [...metadata.topicsByName.keys()]
        .filter((n) => (internal || !isInternalTopic(n)) && (filter === "" || n.toLowerCase().includes(filter)) && describe(caller, ResourceType.TOPIC, n))
        .sort();
      return json({ total: names.length, offset, limit, topics: names.slice(offset, offset + limit).map(topicSummary) });
    }],
    ["GET", /^\/api\/topics\/([^/]+)$/, async (m, _req, _url, caller) => {
      const name = decodeURIComponent(m[1]!);
      if (!metadata.topicsByName.has(name) || !describe(caller, ResourceType.TOPIC, name)) return kafkaAnswer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
      throughput.sample();
      return json({ ...topicSummary(name), partitionDetails: partitionRows(name), config: await describeConfigs(caller, ConfigResourceType.TOPIC, name) });
    }],
    ["POST", /^\/api\/topics$/, async (_m, req, _url, caller) => {
      const b = await body(req);
      if (typeof b.name !== "string") throw new BadRequest("name must be a string");
      const configs = Object.entries((b.configs ?? {}) as Record<string, unknown>).map(([name, value]) => ({ name, value: value === null ? null : String(value) }));
      const res = await kafka.call<CreateTopicsRequest, CreateTopicsResponse>(19, {
        topics: [{ name: b.name, numPartitions: int(b.partitions, "partitions", -1), replicationFactor: int(b.replicationFactor, "replicationFactor", -1), assignments: [], configs }],
        timeoutMs: 30_000, validateOnly: b.validateOnly === true,
      }, caller);
      const t = res.topics[0]!;
      return kafkaAnswer(t.errorCode, t.errorMessage, { name: t.name, topicId: t.topicId, partitions: t.numPartitions });
    }],
    ["POST", /^\/api\/topics\/([^/]+)\/configs$/, async (m, req, _url, caller) => {
      const name = decodeURIComponent(m[1]!);
      const b = await body(req);
      const set = Object.entries((b.set ?? {}) as Record<string, unknown>).map(([k, v]) => ({ name: k, configOperation: AlterConfigOp.SET, value: String(v) }));
      const del = ((b.delete ?? []) as unknown[]).map((k) => ({ name: String(k), configOperation: AlterConfigOp.DELETE, value: null }));
      const res = await kafka.call<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(44, {
        resources: [{ resourceType: ConfigResourceType.TOPIC, resourceName: name, configs: [...set, ...del] }], validateOnly: b.validateOnly === true,
      }, caller);
      const r = res.responses[0]!;
      return kafkaAnswer(r.errorCode, r.errorMessage);
    }],
    ["POST", /^\/api\/topics\/([^/]+)\/produce$/, async (m, req, _url, caller) => {
      const name = decodeURIComponent(m[1]!);
      const b = await body(req);
      const headers = ((b.headers ?? []) as { key?: unknown; value?: unknown }[]).map((h, i) => {
        if (typeof h?.key !== "string") throw new BadRequest(`headers[${i}].key must be a string`);
        return { key: h.key, value: bytesOf(h.value, b.encoding, `headers[${i}].value`) };
      });
      const records = buildRecordBatch({
        records: [{ key: bytesOf(b.key, b.encoding, "key"), value: bytesOf(b.value, b.encoding, "value"), headers, timestamp: b.timestamp === undefined ? Date.now() : int(b.timestamp, "timestamp") }],
      });
      const partition = int(b.partition, "partition", 0);
      const res = await kafka.call<ProduceRequest, ProduceResponse>(0, {
        transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name, partitionData: [{ index: partition, records }] }],
      }, caller);
      const p = res.responses[0]!.partitionResponses[0]!;
      return kafkaAnswer(p.errorCode, p.errorMessage, { partition, offset: p.baseOffset, logAppendTimeMs: p.logAppendTimeMs });
    }],
    ["POST", /^\/api\/topics\/([^/]+)\/delete-records$/, async (m, req, _url, caller) => {
      const name = decodeURIComponent(m[1]!);
      const b = await body(req);
      const partition = int(b.partition, "partition");
      const res = await kafka.call<DeleteRecordsRequest, DeleteRecordsResponse>(21, {
        topics: [{ name, partitions: [{ partitionIndex: partition, offset: int(b.offset, "offset") }] }], timeoutMs: 30_000,
      }, caller);
      const p = res.topics[0]!.partitions[0]!;
      return kafkaAnswer(p.errorCode, null, { partition, lowWatermark: p.lowWatermark });
    }],
    ["GET", /^\/api\/topics\/([^/]+)\/messages$/, async (m, _req, url, caller) => {
      const name = decodeURIComponent(m[1]!);
      const q = url.searchParams;
      const partition = int(q.get("partition"), "partition", 0);
      const limit = Math.min(Math.max(int(q.get("limit"), "limit", 50), 1), 500);
      if (!describe(caller, ResourceType.TOPIC, name, AclOperation.READ)) return kafkaAnswer(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed.");
      if (!metadata.topicsByName.get(name)?.partitions.some((p) => p.partitionId === partition)) {
        return kafkaAnswer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${name}-${partition} does not exist.`);
      }
      const log = store.partition(name, partition)!;
      let from: number;
      let seek: Record<string, unknown> = {};
      if (q.get("timestamp") !== null && q.get("timestamp") !== "") {
        // ListOffsets by timestamp: the first record at or after it; none → the log end.
        const ts = int(q.get("timestamp"), "timestamp");
        const found = await listOffset(caller, name, partition, ts);
        if (found.errorCode !== ErrorCode.NONE) return kafkaAnswer(found.errorCode, null);
        from = found.offset >= 0 ? found.offset : log.highWatermark;
        seek = { timestamp: ts, foundOffset: found.offset, foundTimestamp: found.timestamp };
      } else if (q.get("from") === "latest") {
        from = Math.max(log.logStartOffset, log.highWatermark - limit);
      } else if (q.get("offset") !== null && q.get("offset") !== "") {
        from = int(q.get("offset"), "offset");
      } else {
        from = log.logStartOffset;
      }
      const read = readRows(name, partition, log, from, limit);
      return json({
        topic: name, partition, requestedOffset: from, ...seek, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark,
        lastStableOffset: log.lastStableOffset, nextOffset: read.nextOffset, messages: read.rows,
      });
    }],
    ["GET", /^\/api\/topics\/([^/]+)\/search$/, (m, req, url, caller) => {
      const name = decodeURIComponent(m[1]!);
      const q = url.searchParams;
      if (!metadata.topicsByName.has(name)) return kafkaAnswer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
      if (!describe(caller, ResourceType.TOPIC, name, AclOperation.READ)) return kafkaAnswer(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed.");
      const text = q.get("q") ?? "";
      if (text === "") throw new BadRequest("q (the text to find) is required");
      const fields = { key: q.get("key") !== "0", value: q.get("value") !== "0", headers: q.get("headers") !== "0" };
      const partitions = q.get("partition") ? [int(q.get("partition"), "partition")] : undefined;
      const budget = Math.min(Math.max(int(q.get("budget"), "budget", 1_000_000), 1), 100_000_000);
      const maxMatches = Math.min(Math.max(int(q.get("max"), "max", 100), 1), 10_000);
      let aborted = false;
      const events = searchTopic(store, { topic: name, text, fields, partitions, budget, maxMatches }, () => aborted || req.signal.aborted);
      const encoder = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await events.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(JSON.stringify(next.value) + "\n"));
        },
        cancel() {
          aborted = true;
        },
      });
      return new Response(stream, { headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" } });
    }],
    ["GET", /^\/api\/groups$/, (_m, _req, _url, caller) => {
      const groups = broker.groups;
      if (groups === undefined) return json({ groups: [] });
      const listed = groups.listGroups([], []).filter((g) => describe(caller, ResourceType.GROUP, g.groupId)).sort((a, b) => a.groupId.localeCompare(b.groupId));
      return json({
        groups: listed.map((g) => {
          const lag = groupLag(g.groupId);
          const d = groups.describeGroups([g.groupId])[0]!;
          return {
            groupId: g.groupId, state: g.groupState, protocolType: g.protocolType, type: g.groupType, members: d.members.length,
            partitions: lag.length, totalLag: lag.reduce((n, r) => n + (r.lag ?? 0), 0),
          };
        }),
      });
    }],
    ["GET", /^\/api\/groups\/([^/]+)$/, (m, _req, _url, caller) => {
      const groupId = decodeURIComponent(m[1]!);
      const groups = broker.groups;
      if (groups === undefined || !describe(caller, ResourceType.GROUP, groupId)) return kafkaAnswer(ErrorCode.GROUP_AUTHORIZATION_FAILED, "Authorization failed.");
      const d = groups.describeGroups([groupId])[0]!;
      const lag = groupLag(groupId);
      return json({
        groupId, state: d.groupState, protocolType: d.protocolType, protocol: d.protocolData,
        members: d.members.map((mem) => ({
          memberId: mem.memberId, groupInstanceId: mem.groupInstanceId, clientId: mem.clientId, clientHost: mem.clientHost,
          subscription: d.protocolType === "consumer" ? subscriptionTopics(mem.memberMetadata) : null,
          assignment: d.protocolType === "consumer" ? consumerAssignment(mem.memberAssignment) : null,
        })),
        offsets: lag, totalLag: lag.reduce((n, r) => n + (r.lag ?? 0), 0),
      });
    }],
    ["POST", /^\/api\/groups\/([^/]+)\/reset-offsets$/, async (m, req, _url, caller) => {
      const groupId = decodeURIComponent(m[1]!);
      const groups = broker.groups;
      if (groups === undefined) return kafkaAnswer(ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
      // The plan shows the group's offsets: DESCRIBE on the group, as OffsetFetch needs (the
      // commit itself is authorized by the OffsetCommit handler: READ on the group and topic).
      if (!describe(caller, ResourceType.GROUP, groupId)) return kafkaAnswer(ErrorCode.GROUP_AUTHORIZATION_FAILED, "Authorization failed.");
      const b = await body(req);
      const topic = b.topic;
      if (typeof topic !== "string") throw new BadRequest("topic must be a string");
      const t = metadata.topicsByName.get(topic);
      if (t === undefined) return kafkaAnswer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${topic}' does not exist.`);
      const partitions = Array.isArray(b.partitions) ? b.partitions.map((p, i) => int(p, `partitions[${i}]`)) : t.partitions.map((p) => p.partitionId);
      const to = String(b.to ?? "");
      if (!["earliest", "latest", "offset", "timestamp"].includes(to)) throw new BadRequest("to must be earliest, latest, offset or timestamp");
      const dryRun = b.dryRun !== false;
      const current = groups.fetchOffsets(groupId, [{ name: topic, partitionIndexes: partitions }]).topics[0]!.partitions;
      const plan: { partition: number; currentOffset: number; newOffset: number; note: string | null }[] = [];
      for (const partition of partitions) {
        const log = store.partition(topic, partition);
        if (log === undefined) return kafkaAnswer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition} does not exist.`);
        let target: number;
        let note: string | null = null;
        if (to === "offset") {
          const wanted = int(b.offset, "offset");
          target = Math.min(Math.max(wanted, log.logStartOffset), log.highWatermark);
          if (target !== wanted) {
            note = `New offset (${wanted}) is ${wanted < target ? "lower than earliest" : "higher than latest"} offset for topic partition ${topic}-${partition}. Value will be set to ${target}`;
          }
        } else {
          const found = await listOffset(caller, topic, partition, to === "earliest" ? EARLIEST : to === "latest" ? LATEST : int(b.timestamp, "timestamp"));
          if (found.errorCode !== ErrorCode.NONE) return kafkaAnswer(found.errorCode, null);
          target = found.offset >= 0 ? found.offset : log.highWatermark;
          if (found.offset < 0) note = `Partition ${partition} from topic ${topic} is empty. Falling back to latest known offset.`;
        }
        plan.push({ partition, currentOffset: current.find((c) => c.partitionIndex === partition)?.committedOffset ?? -1, newOffset: target, note });
      }
      const state = groups.describeGroups([groupId])[0]!.groupState;
      const inactive = state === "Empty" || state === "Dead";
      if (dryRun) return json({ ok: true, dryRun: true, groupId, state, canExecute: inactive, topic, plan });
      if (!inactive) {
        // ConsumerGroupCommand's refusal, word for word.
        return json({ ok: false, error: "NON_EMPTY_GROUP", message: `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${state}.`, state, plan }, 409);
      }
      const res = await kafka.call<OffsetCommitRequest, OffsetCommitResponse>(8, {
        groupId, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1,
        topics: [{ name: topic, partitions: plan.map((p) => ({ partitionIndex: p.partition, committedOffset: p.newOffset, committedLeaderEpoch: -1, committedMetadata: "" })) }],
      }, caller);
      const failed = res.topics.flatMap((rt) => rt.partitions).find((p) => p.errorCode !== ErrorCode.NONE);
      return kafkaAnswer(failed?.errorCode ?? ErrorCode.NONE, null, { dryRun: false, groupId, topic, plan });
    }],
  ];

  const serve = async (req: Request, url: URL): Promise<Response> => {
    // The HTTP listener authenticated the request already (401 otherwise); none configured: anonymous.
    const principal = principalOf(req) ?? ANONYMOUS;
    // The client's address, for ACLs naming a host, as a Kafka connection's peer address (unknown,
    // "", only when called without a socket: then only ACLs for every host "*" match).
    const caller: ConsoleCaller = { principal, remoteAddress: remoteAddressOf(req) ?? "" };
    const methodMatches = routes.filter(([, re]) => re.test(url.pathname));
    if (methodMatches.length === 0) return json({ error: "NOT_FOUND", message: `no such endpoint: ${url.pathname}` }, 404);
    const route = methodMatches.find(([method]) => method === req.method || (method === "GET" && req.method === "HEAD"));
    if (route === undefined) return json({ error: "METHOD_NOT_ALLOWED", message: `${req.method} ${url.pathname}` }, 405);
    if (route[0] !== "GET") {
      // Every route that changes something: no cross-site requests (CSRF), JSON bodies only.
      const refused = refuseCrossSite(req);
      if (refused !== null) return refused;
    }
    try {
      return await route[2](url.pathname.match(route[1])!, req, url, caller);
    } catch (e) {
      if (e instanceof BadRequest || e instanceof URIError) return json({ error: "BAD_REQUEST", message: e.message }, 400);
      throw e;
    }
  };
  return (req, url) => (url.pathname.startsWith("/api/") ? serve(req, url) : undefined);
}

/** ConsumerProtocolAssignment: int16 version, [topic: int16 string, [partition: int32]], user data. */
export function consumerAssignment(bytes: Uint8Array): { topic: string; partitions: number[] }[] | null {
  if (bytes.length < 6) return bytes.length === 0 ? [] : null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder();
  let pos = 2;
  const out: { topic: string; partitions: number[] }[] = [];
  const count = dv.getInt32(pos);
  pos += 4;
  for (let i = 0; i < count; i++) {
    if (pos + 2 > bytes.length) return null;
    const len = dv.getInt16(pos);
    pos += 2;
    if (len < 0 || pos + len + 4 > bytes.length) return null;
    const topic = text.decode(bytes.subarray(pos, pos + len));
    pos += len;
    const n = dv.getInt32(pos);
    pos += 4;
    if (n < 0 || pos + 4 * n > bytes.length) return null;
    const partitions: number[] = [];
    for (let j = 0; j < n; j++, pos += 4) partitions.push(dv.getInt32(pos));
    out.push({ topic, partitions });
  }
  return out;
}

