// DeleteRecords (21), v0–v2: moves a partition's log start offset forward (KafkaApis.
// handleDeleteRecordsRequest → ReplicaManager.deleteRecords → UnifiedLog): the offset -1 means
// the high watermark; an offset below -1 or past the high watermark is OFFSET_OUT_OF_RANGE; a
// topic whose cleanup.policy lacks "delete" is POLICY_VIOLATION (Partition.deleteRecordsOnLeader);
// unknown topics and partitions UNKNOWN_TOPIC_OR_PARTITION; an existing partition of an internal
// topic (__consumer_offsets, __transaction_state, __share_group_state) INVALID_TOPIC_EXCEPTION
// before any other check (ReplicaManager.deleteRecordsOnLocalLog). The answer's low_watermark is the
// new log start offset (-1 with an error). Whole segments below it are removed at once
// (PartitionLog.deleteRecordsBefore); Kafka leaves that to its next retention check. One replica,
// so nothing waits for followers and timeout_ms is not used. Authorization: DELETE on each topic,
// else its partitions answer TOPIC_AUTHORIZATION_FAILED (before the topic's existence is looked at).

import {
  DELETE_RECORDS, readDeleteRecordsRequest, writeDeleteRecordsResponse,
  type DeleteRecordsRequest, type DeleteRecordsResponse,
} from "../protocol/messages/delete-records.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type BrokerContext } from "./registry.ts";
import { AclOperation, ResourceType, authorizedNames } from "./authorization.ts";
import { logConfigResolver } from "../config/log-config.ts";
import { escapeForLog, log } from "../log.ts";

/** Kafka's Topic.isInternal: clients may not delete records of these. */
const INTERNAL_TOPICS = new Set(["__consumer_offsets", "__transaction_state", "__share_group_state"]);

type PartitionResult = DeleteRecordsResponse["topics"][number]["partitions"][number];

registerApi<DeleteRecordsRequest, DeleteRecordsResponse>({
  spec: DELETE_RECORDS,
  readRequest: readDeleteRecordsRequest,
  writeResponse: writeDeleteRecordsResponse,
  handle(request, ctx) {
    const broker = ctx.broker;
    const deletable = authorizedNames(ctx, AclOperation.DELETE, ResourceType.TOPIC, request.topics.map((t) => t.name));
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => deletable.has(t.name) ? deleteRecords(broker, t.name, p.partitionIndex, p.offset)
          : { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }),
      })),
    };
  },
});

function deleteRecords(broker: BrokerContext, topic: string, partition: number, offset: number): PartitionResult {
  const failed = (errorCode: number): PartitionResult => ({ partitionIndex: partition, lowWatermark: -1, errorCode });
  const partitionLog = broker.store.partition(topic, partition);
  if (partitionLog === undefined) return failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (INTERNAL_TOPICS.has(topic)) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION);
  const config = logConfigResolver(broker.config, broker.store.metadata).forTopic(topic);
  if (!config.deleteEnabled) return failed(ErrorCode.POLICY_VIOLATION);
  const before = partitionLog.logStartOffset;
  const result = partitionLog.deleteRecordsBefore(offset);
  if (result === "out-of-range") return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
  if (result !== before) log.info(`DeleteRecords: ${escapeForLog(topic)}-${partition} now starts at offset ${result} (was ${before})`);
  return { partitionIndex: partition, lowWatermark: result, errorCode: ErrorCode.NONE };
}
