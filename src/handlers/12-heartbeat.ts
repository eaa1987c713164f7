// Heartbeat (12), v0–v4, served by the group coordinator: keeps a member's session alive.
// REBALANCE_IN_PROGRESS while the group prepares a rebalance (the member must rejoin),
// ILLEGAL_GENERATION for another generation, UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID for members
// the group does not know (group.instance.id is read from v3), INVALID_GROUP_ID for "".
// Authorization: READ on the group, else GROUP_AUTHORIZATION_FAILED.

import {
  HEARTBEAT, readHeartbeatRequest, writeHeartbeatResponse, type HeartbeatRequest, type HeartbeatResponse,
} from "../protocol/messages/heartbeat.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

registerApi<HeartbeatRequest, HeartbeatResponse>({
  spec: HEARTBEAT,
  readRequest: readHeartbeatRequest,
  writeResponse: writeHeartbeatResponse,
  handle(request, ctx) {
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const groupInstanceId = ctx.apiVersion >= 3 ? request.groupInstanceId : null;
    const errorCode = coordinatorOf(ctx.broker).heartbeat(request.groupId, request.memberId, groupInstanceId, request.generationId);
    return { throttleTimeMs: 0, errorCode };
  },
});
