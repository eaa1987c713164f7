// SyncGroup (14), v0–v5, served by the group coordinator. Followers' answers wait (a Promise)
// for the leader's assignment, which is stored in __consumer_offsets before anyone is answered.
// v5 makes protocol_type and protocol_name mandatory: a request without them is answered
// INCONSISTENT_GROUP_PROTOCOL without reaching the coordinator (KafkaApis); given ones must
// match the group's. group.instance.id is read from v3. An empty group id is INVALID_GROUP_ID.
// Authorization: READ on the group (checked after the v5 protocol fields, as KafkaApis does), else
// GROUP_AUTHORIZATION_FAILED.

import {
  SYNC_GROUP, readSyncGroupRequest, writeSyncGroupResponse, type SyncGroupRequest, type SyncGroupResponse,
} from "../protocol/messages/sync-group.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import type { SyncGroupResult } from "../groups/classic-group.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

registerApi<SyncGroupRequest, SyncGroupResponse>({
  spec: SYNC_GROUP,
  readRequest: readSyncGroupRequest,
  writeResponse: writeSyncGroupResponse,
  handle(request, ctx) {
    const version = ctx.apiVersion;
    if (version >= 5 && (request.protocolType === null || request.protocolName === null)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, protocolType: null, protocolName: null, assignment: new Uint8Array(0) };
    }
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: new Uint8Array(0) };
    }
    return coordinatorOf(ctx.broker).syncGroup({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
      protocolType: version >= 5 ? request.protocolType : null,
      protocolName: version >= 5 ? request.protocolName : null,
      assignments: request.assignments,
    }).then((r: SyncGroupResult): SyncGroupResponse => ({ throttleTimeMs: 0, ...r }));
  },
});
