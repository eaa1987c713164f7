// /metrics: the broker's state in Prometheus' text format (exposition.ts), written at each
// scrape. Counters are read from where the work counts them (RequestMetrics for the listeners,
// PartitionTraffic for produced and fetched records, GroupCommit's fsync announcements, the
// cleaner's and retention's activity); gauges (log sizes and offsets, lag, connections, queued
// bytes, memory) are computed here, from the state the broker keeps anyway. Which Kafka JMX
// metric each one stands for is in README ("Metrics"); names follow Prometheus' conventions
// (base units, `_total` counters, `_seconds`, `_bytes`).
//
// Consumer lag is the committed offset against the partition's last stable offset (a
// read_committed consumer cannot get past an open transaction, and transaction markers take
// offsets of their own: against the high watermark the lag of such a consumer would never reach
// 0). Not done: per-client quotas, replication metrics (a single node has no followers).

import type { BrokerConfig } from "../config/broker-config.ts";
import type { GroupCoordinator } from "../groups/group-coordinator.ts";
import type { MemoryPool } from "../server/memory-pool.ts";
import type { RunningListener } from "../server/listener.ts";
import type { LogStore } from "../storage/log-store.ts";
import type { LogCleaner } from "../storage/log-cleaner.ts";
import type { PartitionLog } from "../storage/partition-log.ts";
import { PartitionTraffic } from "../storage/partition-traffic.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { handlerFor } from "../handlers/registry.ts";
import { VERSION, COMMIT } from "../version.ts";
import { CONTENT_TYPE, Exposition, Histogram, LATENCY_BUCKETS_SECONDS } from "./exposition.ts";
import type { RequestMetrics } from "./request-metrics.ts";
import type { EventLoopDelay } from "./event-loop-delay.ts";
import type { HttpRoute } from "../http/server.ts";

export interface MetricSources {
  config: Pick<BrokerConfig, "nodeId">;
  store: LogStore;
  groups?: GroupCoordinator;
  /** The running Kafka listeners (their open connections). */
  listeners: () => readonly RunningListener[];
  pool: MemoryPool;
  requests: RequestMetrics;
  cleaner?: LogCleaner;
  eventLoop?: EventLoopDelay;
  /** A topic's min.insync.replicas (its config, else the broker's, else 1). */
  minInsyncReplicas: (topic: string) => number;
}

/** What a page shows of a partition log. */
type LogFigures = Pick<PartitionLog, "traffic" | "sizeInBytes" | "segmentCount" | "logStartOffset" | "highWatermark" | "lastStableOffset"> & { logDir: string | null };
type PartitionRow = { topic: string; partition: number; log: LogFigures };

/** A partition never written since start-up has no log open (nor a directory): all zeros. */
const NO_LOG: LogFigures = {
  traffic: new PartitionTraffic(),
  sizeInBytes: 0, segmentCount: 0, logStartOffset: 0, highWatermark: 0, lastStableOffset: 0, logDir: null,
};

const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));
const STARTED_AT_SECONDS = Date.now() / 1000 - performance.now() / 1000;

/**
 * A page is served again, not rendered again, to scrapes within this long of its rendering: a
 * client scraping in a loop then costs the event loop (which the Kafka listeners share) an HTTP
 * answer, not a walk over every partition and group. Measured (test/metrics/measure-latency.ts,
 * README "Metrics"): without it, two clients scraping back to back doubled produce latency.
 */
export const RENDER_REUSE_MS = 1000;

export class BrokerMetrics {
  /** Each partition log fdatasync's time (GroupCommit.onFsync). */
  readonly fsync = new Histogram(LATENCY_BUCKETS_SECONDS);
  private last: { text: string; at: number } | null = null;

  constructor(private readonly sources: MetricSources, private readonly reuseMs = RENDER_REUSE_MS) {
    sources.store.groupCommit.onFsync((seconds) => this.fsync.observe(seconds));
  }

  /** The GET /metrics route. */
  route(): HttpRoute {
    return (req, url) => {
      if (url.pathname !== "/metrics") return undefined;
      if (req.method !== "GET" && req.method !== "HEAD") return new Response("GET /metrics\n", { status: 405, headers: { allow: "GET, HEAD" } });
      return new Response(this.page(), { headers: { "content-type": CONTENT_TYPE } });
    };
  }

  /** The last rendering if it is recent enough (RENDER_REUSE_MS), else a new one. */
  page(now = performance.now()): string {
    if (this.last === null || now - this.last.at >= this.reuseMs) this.last = { text: this.render(), at: now };
    return this.last.text;
  }

  render(): string {
    const out = new Exposition();
    const partitions = this.partitionList();
    this.broker(out);
    this.requestFamilies(out);
    this.topics(out, partitions);
    this.partitions(out, partitions);
    this.consumerGroups(out);
    this.logActivity(out);
    this.runtime(out);
    return out.text();
  }

  private broker(out: Exposition): void {
    out.family("bunka_info", "gauge", "Bunka's version and node id (value 1).")
      .sample("bunka_info", { version: VERSION, commit: COMMIT, bun: Bun.version, node_id: this.sources.config.nodeId }, 1);
    const t = this.sources.store.traffic;
    out.family("bunka_bytes_in_total", "counter", "Bytes of record batches produced by clients, all topics (Kafka BrokerTopicMetrics BytesInPerSec).")
      .sample("bunka_bytes_in_total", null, t.bytesIn);
    out.family("bunka_messages_in_total", "counter", "Records produced by clients, all topics (Kafka BrokerTopicMetrics MessagesInPerSec).")
      .sample("bunka_messages_in_total", null, t.messagesIn);
    out.family("bunka_bytes_out_total", "counter", "Bytes of record batches fetched by consumers, all topics (Kafka BrokerTopicMetrics BytesOutPerSec).")
      .sample("bunka_bytes_out_total", null, t.bytesOut);
    out.family("bunka_messages_out_total", "counter", "Records in the batches fetched by consumers, all topics.")
      .sample("bunka_messages_out_total", null, t.messagesOut);
  }

  private requestFamilies(out: Exposition): void {
    const r = this.sources.requests;
    const apis: [number, string][] = [];
    for (let key = 0; key < r.requests.length; key++) if (r.requests[key]! > 0) apis.push([key, apiName(key)]);
    out.family("bunka_requests_total", "counter", "Requests answered, by API (Kafka RequestMetrics RequestsPerSec).");
    for (const [key, api] of apis) out.sample("bunka_requests_total", { api }, r.requests[key]!);
    out.family("bunka_request_errors_total", "counter", "Error codes in responses, by API and error (Kafka RequestMetrics ErrorsPerSec).");
    for (const [key, api] of apis) {
      const errors = r.errors[key];
      if (errors === undefined) continue;
      for (const [code, n] of [...errors].sort((a, b) => a[0] - b[0])) {
        out.sample("bunka_request_errors_total", { api, error: ERROR_NAMES.get(code) ?? String(code) }, n);
      }
    }
    out.family("bunka_request_duration_seconds", "histogram", "Time from a request's dispatch to its response written, by API (Kafka RequestMetrics TotalTimeMs).");
    for (const [key, api] of apis) {
      const h = r.latency[key];
      if (h !== undefined) out.histogram("bunka_request_duration_seconds", { api }, h);
    }
    const listeners = this.sources.listeners();
    let inFlight = 0;
    out.family("bunka_connections", "gauge", "Open client connections, by listener (Kafka socket-server-metrics connection-count).");
    for (const l of listeners) {
      for (const c of l.connections) inFlight += c.pendingResponses;
      out.sample("bunka_connections", { listener: l.listener.name }, l.connections.size);
    }
    out.family("bunka_requests_in_flight", "gauge", "Requests read whose responses are not written yet, long-polling fetches included (Kafka RequestChannel RequestQueueSize + ResponseQueueSize).")
      .sample("bunka_requests_in_flight", null, inFlight);
    const pool = this.sources.pool;
    out.family("bunka_request_queued_bytes", "gauge", "Bytes of requests read but not yet handled: partial frames and frames held back (Kafka MemoryPoolUsed).")
      .sample("bunka_request_queued_bytes", null, pool.requestBytes);
    out.family("bunka_request_queue_limit_bytes", "gauge", "queued.max.request.bytes (+Inf: no limit).")
      .sample("bunka_request_queue_limit_bytes", null, pool.limit);
    out.family("bunka_response_queued_bytes", "gauge", "Bytes of responses encoded but not yet written to their sockets.")
      .sample("bunka_response_queued_bytes", null, pool.responseBytes);
    out.family("bunka_network_received_bytes_total", "counter", "Bytes read from client sockets (Kafka socket-server-metrics incoming-byte-total).")
      .sample("bunka_network_received_bytes_total", null, r.bytesIn);
    out.family("bunka_network_sent_bytes_total", "counter", "Bytes written to client sockets (Kafka socket-server-metrics outgoing-byte-total).")
      .sample("bunka_network_sent_bytes_total", null, r.bytesOut);
  }

  /**
   * Every partition of every topic; one not open has all zeros. Never opens a log: that would
   * create its directory, and for 1,000 topics stall the event loop for seconds at a scrape.
   */
  private partitionList(): PartitionRow[] {
    const store = this.sources.store;
    const rows: PartitionRow[] = [];
    for (const t of store.metadata.topicsByName.values()) {
      for (const p of t.partitions) {
        const log = store.openedPartition(t.name, p.partitionId) ?? { ...NO_LOG, logDir: store.logDirOf(t.name, p.partitionId) };
        rows.push({ topic: t.name, partition: p.partitionId, log });
      }
    }
    return rows;
  }

  private topics(out: Exposition, partitions: readonly PartitionRow[]): void {
    const byTopic = new Map<string, { bytesIn: number; messagesIn: number; bytesOut: number; messagesOut: number; size: number; partitions: number }>();
    for (const { topic, log } of partitions) {
      let t = byTopic.get(topic);
      if (t === undefined) byTopic.set(topic, (t = { bytesIn: 0, messagesIn: 0, bytesOut: 0, messagesOut: 0, size: 0, partitions: 0 }));
      t.bytesIn += log.traffic.bytesIn;
      t.messagesIn += log.traffic.messagesIn;
      t.bytesOut += log.traffic.bytesOut;
      t.messagesOut += log.traffic.messagesOut;
      t.size += log.sizeInBytes;
      t.partitions++;
    }
    const topics = [...byTopic].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const each = (name: string, type: "counter" | "gauge", help: string, value: (t: typeof topics[number][1]) => number) => {
      out.family(name, type, help);
      for (const [topic, t] of topics) out.sample(name, { topic }, value(t));
    };
    each("bunka_topic_bytes_in_total", "counter", "Bytes of record batches produced into the topic since its logs were opened (Kafka BrokerTopicMetrics BytesInPerSec,topic=).", (t) => t.bytesIn);
    each("bunka_topic_messages_in_total", "counter", "Records produced into the topic (Kafka BrokerTopicMetrics MessagesInPerSec,topic=).", (t) => t.messagesIn);
    each("bunka_topic_bytes_out_total", "counter", "Bytes of record batches fetched from the topic by consumers (Kafka BrokerTopicMetrics BytesOutPerSec,topic=).", (t) => t.bytesOut);
    each("bunka_topic_messages_out_total", "counter", "Records in the batches fetched from the topic by consumers.", (t) => t.messagesOut);
    each("bunka_topic_log_size_bytes", "gauge", "Bytes of the topic's partition logs (Kafka Log Size, summed).", (t) => t.size);
    each("bunka_topic_partitions", "gauge", "Partitions of the topic.", (t) => t.partitions);
  }

  private partitions(out: Exposition, partitions: readonly PartitionRow[]): void {
    const { store, minInsyncReplicas } = this.sources;
    const rows = partitions.map(({ topic, partition, log }) => {
      const offline = log.logDir !== null && store.failures.isOffline(log.logDir);
      const isr = offline ? 0 : 1;
      return { labels: { topic, partition }, log, offline, underMinIsr: isr < minInsyncReplicas(topic) };
    });
    const each = (name: string, help: string, value: (r: typeof rows[number]) => number) => {
      out.family(name, "gauge", help);
      for (const r of rows) out.sample(name, r.labels, value(r));
    };
    each("bunka_partition_log_size_bytes", "Bytes of the partition's log segments (Kafka Log Size).", (r) => r.log.sizeInBytes);
    each("bunka_partition_log_segments", "Segments of the partition's log (Kafka Log NumLogSegments).", (r) => r.log.segmentCount);
    each("bunka_partition_log_start_offset", "The partition's log start offset (Kafka Log LogStartOffset).", (r) => r.log.logStartOffset);
    each("bunka_partition_log_end_offset", "The partition's log end offset, its high watermark on a single node (Kafka Log LogEndOffset).", (r) => r.log.highWatermark);
    each("bunka_partition_last_stable_offset", "The partition's last stable offset: below its first open transaction.", (r) => r.log.lastStableOffset);
    each("bunka_partition_under_min_isr", "1 if the partition's in-sync replicas (1, 0 with its log dir offline) are fewer than min.insync.replicas: acks=all produces fail (Kafka Partition UnderMinIsr).", (r) => (r.underMinIsr ? 1 : 0));
    each("bunka_partition_offline", "1 if the partition's log dir is offline (Kafka OfflinePartitionsCount, per partition).", (r) => (r.offline ? 1 : 0));
    out.family("bunka_under_min_isr_partitions", "gauge", "Partitions under min.insync.replicas (Kafka ReplicaManager UnderMinIsrPartitionCount).")
      .sample("bunka_under_min_isr_partitions", null, rows.filter((r) => r.underMinIsr).length);
    out.family("bunka_offline_partitions", "gauge", "Partitions whose log dir is offline (Kafka KafkaController OfflinePartitionsCount).")
      .sample("bunka_offline_partitions", null, rows.filter((r) => r.offline).length);
    out.family("bunka_offline_log_dirs", "gauge", "Log dirs taken offline by a failed write (Kafka LogManager OfflineLogDirectoryCount).")
      .sample("bunka_offline_log_dirs", null, store.failures.offline.size);
  }

  private consumerGroups(out: Exposition): void {
    const { groups, store } = this.sources;
    const rows: { labels: { group: string; topic: string; partition: number }; committed: number; lag: number }[] = [];
    const lagSum = new Map<string, number>();
    if (groups !== undefined) {
      for (const group of [...groups.offsets.groupIds()].sort()) {
        const byTopic = groups.offsets.group(group);
        if (byTopic === undefined) continue;
        for (const topic of [...byTopic.keys()].sort()) {
          for (const [partition, committed] of [...byTopic.get(topic)!].sort((a, b) => a[0] - b[0])) {
            if (!store.metadata.topicsByName.get(topic)?.partitions.some((p) => p.partitionId === partition) || committed.offset < 0) continue;
            const log = store.openedPartition(topic, partition) ?? NO_LOG;
            const lag = Math.max(0, log.lastStableOffset - committed.offset);
            rows.push({ labels: { group, topic, partition }, committed: committed.offset, lag });
            lagSum.set(group, (lagSum.get(group) ?? 0) + lag);
          }
        }
      }
    }
    out.family("bunka_consumer_group_committed_offset", "gauge", "A group's committed offset of a partition (kafka_exporter kafka_consumergroup_current_offset).");
    for (const r of rows) out.sample("bunka_consumer_group_committed_offset", r.labels, r.committed);
    out.family("bunka_consumer_group_lag", "gauge", "The partition's last stable offset minus the group's committed offset, at least 0 (kafka-consumer-groups --describe LAG).");
    for (const r of rows) out.sample("bunka_consumer_group_lag", r.labels, r.lag);
    out.family("bunka_consumer_group_lag_sum", "gauge", "A group's lag over all its partitions (kafka_exporter kafka_consumergroup_lag_sum).");
    for (const [group, lag] of lagSum) out.sample("bunka_consumer_group_lag_sum", { group }, lag);
    out.family("bunka_consumer_group_members", "gauge", "Members of a group, with its state (Kafka GroupMetadataManager NumGroups by state, per group).");
    for (const g of groups?.listGroups([], []) ?? []) {
      const members = groups!.group(g.groupId)?.members.size ?? 0;
      out.sample("bunka_consumer_group_members", { group: g.groupId, state: g.groupState }, members);
    }
  }

  private logActivity(out: Exposition): void {
    out.family("bunka_log_fsync_duration_seconds", "histogram", "Time of each partition log fdatasync by the group commit (Kafka LogFlushStats LogFlushRateAndTimeMs).")
      .histogram("bunka_log_fsync_duration_seconds", null, this.fsync);
    const r = this.sources.store.retentionActivity;
    out.family("bunka_log_retention_passes_total", "counter", "Retention checks over every partition (log.retention.check.interval.ms).")
      .sample("bunka_log_retention_passes_total", null, r.passes);
    out.family("bunka_log_retention_deleted_segments_total", "counter", "Segments deleted by retention (time, size or log start offset; Kafka LogManager cleanup).")
      .sample("bunka_log_retention_deleted_segments_total", null, r.segmentsDeleted);
    out.family("bunka_log_retention_deleted_bytes_total", "counter", "Bytes of the segments deleted by retention.")
      .sample("bunka_log_retention_deleted_bytes_total", null, r.bytesDeleted);
    const c = this.sources.cleaner?.activity;
    if (c === undefined) return;
    out.family("bunka_log_cleaner_passes_total", "counter", "Log cleaner passes that cleaned a log (compacted topics).")
      .sample("bunka_log_cleaner_passes_total", null, c.passes);
    out.family("bunka_log_cleaner_segments_total", "counter", "Segments rewritten by the log cleaner.")
      .sample("bunka_log_cleaner_segments_total", null, c.segmentsCleaned);
    out.family("bunka_log_cleaner_read_bytes_total", "counter", "Bytes of segments the cleaner rewrote, before cleaning.")
      .sample("bunka_log_cleaner_read_bytes_total", null, c.bytesRead);
    out.family("bunka_log_cleaner_written_bytes_total", "counter", "Bytes the cleaner wrote (written / read: Kafka LogCleaner cleaner-recopy-percent).")
      .sample("bunka_log_cleaner_written_bytes_total", null, c.bytesWritten);
    out.family("bunka_log_cleaner_removed_records_total", "counter", "Records the cleaner removed (superseded keys, tombstones, aborted data).")
      .sample("bunka_log_cleaner_removed_records_total", null, c.recordsRemoved);
    out.family("bunka_log_cleaner_last_pass_duration_seconds", "gauge", "How long the last cleaner pass took (Kafka LogCleaner max-clean-time-secs).")
      .sample("bunka_log_cleaner_last_pass_duration_seconds", null, c.lastPassSeconds);
    out.family("bunka_log_cleaner_last_pass_timestamp_seconds", "gauge", "When the last cleaner pass ended, Unix time; 0: none yet (Kafka LogCleanerManager time-since-last-run-ms).")
      .sample("bunka_log_cleaner_last_pass_timestamp_seconds", null, c.lastPassEndMs / 1000);
  }

  private runtime(out: Exposition): void {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    out.family("process_resident_memory_bytes", "gauge", "Resident memory (RSS).").sample("process_resident_memory_bytes", null, mem.rss);
    out.family("process_cpu_seconds_total", "counter", "User and system CPU time.").sample("process_cpu_seconds_total", null, (cpu.user + cpu.system) / 1e6);
    out.family("process_start_time_seconds", "gauge", "Start time of the process, Unix time.").sample("process_start_time_seconds", null, Math.round(STARTED_AT_SECONDS));
    out.family("bunka_heap_used_bytes", "gauge", "JavaScript heap in use.").sample("bunka_heap_used_bytes", null, mem.heapUsed);
    out.family("bunka_heap_size_bytes", "gauge", "JavaScript heap size.").sample("bunka_heap_size_bytes", null, mem.heapTotal);
    out.family("bunka_external_memory_bytes", "gauge", "Memory outside the JavaScript heap held by its objects (buffers).").sample("bunka_external_memory_bytes", null, mem.external);
    const loop = this.sources.eventLoop;
    if (loop === undefined) return;
    out.family("bunka_event_loop_delay_seconds", "histogram", "How late a timer due every 100 ms ran: how long any callback waits for the event loop.")
      .histogram("bunka_event_loop_delay_seconds", null, loop.histogram);
    out.family("bunka_event_loop_delay_max_seconds", "gauge", "The largest event-loop delay seen.")
      .sample("bunka_event_loop_delay_max_seconds", null, loop.max);
  }
}

/** Kafka's request names (ApiKeys.name: Produce, Fetch, ...), from the handler registry. */
function apiName(apiKey: number): string {
  return handlerFor(apiKey)?.name ?? `api_${apiKey}`;
}
