// DeleteTopics (20), v1–v6. Follows Kafka 4's ControllerApis.deleteTopics: names (v1–v5
// topic_names; v6 topics with a name) and ids (v6 topics with a null name) are gathered first;
// neither given, both given, a name or id given twice, or a name whose id was also given answer
// INVALID_REQUEST with Kafka's messages; an unknown name answers UNKNOWN_TOPIC_OR_PARTITION and
// an unknown id UNKNOWN_TOPIC_ID (with the errors' default messages, v5+). Each remaining topic
// is deleted: a RemoveTopicRecord in the metadata log (which drops its configs too) and its
// partition directories removed (LogStore.deleteTopic: logs closed and mmaps dropped first,
// renamed to `<topic>-<p>.<uuid>-delete`, then removed at once where Kafka waits
// file.delete.delay.ms). A topic created again with the same name starts empty. Fetches parked
// on a deleted partition are woken and answer UNKNOWN_TOPIC_OR_PARTITION. Whole-request errors
// answer every topic with no message: delete.topic.enable=false (INVALID_REQUEST before v3,
// TOPIC_DELETION_DISABLED from v3) and a timeout <= 0 (REQUEST_TIMED_OUT).
// Differences: Kafka shuffles the results (so their order says nothing); here errors come first
// in the order found, then the deleted topics in request order. No quotas.
// Authorization (ControllerApis.deleteTopics): DELETE on the cluster, else DESCRIBE and DELETE on
// each topic. A name without DESCRIBE answers TOPIC_AUTHORIZATION_FAILED whether or not it exists;
// with DESCRIBE but not DELETE, an existing one does too; an id without DELETE answers it with the
// name only when DESCRIBE is allowed (message "Topic authorization failed.").

import {
  DELETE_TOPICS, readDeleteTopicsRequest, writeDeleteTopicsResponse,
  type DeleteTopicsRequest, type DeleteTopicsResponse, type DeleteTopicsResponseDeletableTopicResult as TopicResult,
} from "../protocol/messages/delete-topics.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import { registerApi } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";
import { log } from "../log.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { metadataStorageFailure } from "./topic-creation.ts";

const UNKNOWN_TOPIC_OR_PARTITION_MESSAGE = "This server does not host this topic-partition.";
const UNKNOWN_TOPIC_ID_MESSAGE = "This server does not host this topic ID.";
const TOPIC_AUTHORIZATION_FAILED_MESSAGE = "Topic authorization failed.";

registerApi<DeleteTopicsRequest, DeleteTopicsResponse>({
  spec: DELETE_TOPICS,
  readRequest: readDeleteTopicsRequest,
  writeResponse: writeDeleteTopicsResponse,
  handle(request, ctx) {
    const version = ctx.apiVersion;
    const store = ctx.broker.store;
    const requested = version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const wholeRequestError = (errorCode: number): DeleteTopicsResponse => ({
      throttleTimeMs: 0,
      responses: requested.map((t) => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage: null })),
    });
    if (ctx.broker.config.raw.get("delete.topic.enable")?.trim().toLowerCase() === "false") {
      return wholeRequestError(version < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED);
    }
    if (request.timeoutMs <= 0) return wholeRequestError(ErrorCode.REQUEST_TIMED_OUT);

    const responses: TopicResult[] = [];
    const respond = (name: string | null, topicId: string, errorCode: number, errorMessage: string | null) =>
      responses.push({ name, topicId, errorCode, errorMessage });

    const names = new Set<string>();
    const duplicateNames = new Set<string>();
    const ids = new Set<string>();
    const duplicateIds = new Set<string>();
    const addName = (name: string) => {
      if (duplicateNames.has(name) || names.has(name)) {
        duplicateNames.add(name);
        names.delete(name);
      } else {
        names.add(name);
      }
    };
    for (const t of requested) {
      if (t.name === null) {
        if (t.topicId === ZERO_UUID) {
          respond(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, "Neither topic name nor id were specified.");
        } else if (duplicateIds.has(t.topicId) || ids.has(t.topicId)) {
          duplicateIds.add(t.topicId);
          ids.delete(t.topicId);
        } else {
          ids.add(t.topicId);
        }
      } else if (t.topicId === ZERO_UUID) {
        addName(t.name);
      } else {
        respond(t.name, t.topicId, ErrorCode.INVALID_REQUEST, "You may not specify both topic name and topic id.");
      }
    }
    for (const name of duplicateNames) respond(name, ZERO_UUID, ErrorCode.INVALID_REQUEST, "Duplicate topic name.");
    for (const id of duplicateIds) respond(null, id, ErrorCode.INVALID_REQUEST, "Duplicate topic id.");

    const toDelete = new Map<string, string>(); // topic id -> name
    const toAuthorize = new Set(names);
    for (const id of ids) {
      const topic = store.metadata.topicsById.get(id);
      if (topic === undefined) respond(null, id, ErrorCode.UNKNOWN_TOPIC_ID, UNKNOWN_TOPIC_ID_MESSAGE);
      else {
        toDelete.set(id, topic.name);
        toAuthorize.add(topic.name);
      }
    }
    const clusterWide = authorize(ctx, AclOperation.DELETE, ResourceType.CLUSTER, CLUSTER_NAME, false);
    const describable = clusterWide ? toAuthorize : authorizedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, toAuthorize);
    const deletable = clusterWide ? toAuthorize : authorizedNames(ctx, AclOperation.DELETE, ResourceType.TOPIC, toAuthorize);
    for (const [id, name] of toDelete) {
      if (deletable.has(name)) continue;
      respond(describable.has(name) ? name : null, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED, TOPIC_AUTHORIZATION_FAILED_MESSAGE);
      toDelete.delete(id);
    }
    for (const name of names) {
      const topic = store.metadata.topicsByName.get(name);
      if (!describable.has(name) || (topic !== undefined && !deletable.has(name))) {
        respond(name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, TOPIC_AUTHORIZATION_FAILED_MESSAGE);
      } else if (topic === undefined) {
        respond(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_OR_PARTITION_MESSAGE);
      } else if (duplicateIds.has(topic.topicId) || toDelete.has(topic.topicId)) {
        duplicateIds.add(topic.topicId);
        toDelete.delete(topic.topicId);
        respond(name, topic.topicId, ErrorCode.INVALID_REQUEST, "The provided topic name maps to an ID that was already supplied.");
      } else {
        toDelete.set(topic.topicId, name);
      }
    }

    for (const [id, name] of toDelete) {
      let deleted;
      try {
        deleted = store.deleteTopic(id);
      } catch (e) {
        if (!(e instanceof StorageError)) throw e;
        const failure = metadataStorageFailure(e);
        respond(name, id, failure.errorCode, failure.message);
        continue;
      }
      if (deleted === undefined) {
        respond(name, id, ErrorCode.UNKNOWN_TOPIC_ID, UNKNOWN_TOPIC_ID_MESSAGE);
        continue;
      }
      // Closing the logs woke the fetches parked on them: they re-read and find the topic gone.
      log.info(`deleted topic ${name} (id ${id}, ${deleted.topic.partitions.length} partition(s))`);
      respond(name, id, ErrorCode.NONE, null);
    }
    return { throttleTimeMs: 0, responses };
  },
});
