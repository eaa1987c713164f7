// LeaveGroup (13), v0–v5, served by the group coordinator. v0–v2 name one member; v3+ a batch
// of members, each answered on its own (an empty member id with a group.instance.id removes that
// static member, as admin tools do); v5 adds a reason, which is logged. Before v3 the one
// member's error is the top-level error (LeaveGroupResponse's constructor). The members leave at
// once and the group rebalances without them. An unknown group answers UNKNOWN_MEMBER_ID for
// each member; an empty group id INVALID_GROUP_ID. Authorization: READ on the group, else
// GROUP_AUTHORIZATION_FAILED (top-level, no members).

import {
  LEAVE_GROUP, readLeaveGroupRequest, writeLeaveGroupResponse, type LeaveGroupRequest, type LeaveGroupResponse,
} from "../protocol/messages/leave-group.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

registerApi<LeaveGroupRequest, LeaveGroupResponse>({
  spec: LEAVE_GROUP,
  readRequest: readLeaveGroupRequest,
  writeResponse: writeLeaveGroupResponse,
  handle(request, ctx) {
    const version = ctx.apiVersion;
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    }
    const members = version >= 3
      ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: version >= 5 ? m.reason : null }))
      : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
    const result = coordinatorOf(ctx.broker).leaveGroup(request.groupId, members);
    if (version >= 3) return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    const errorCode = result.errorCode !== 0 ? result.errorCode : (result.members[0]?.errorCode ?? 0);
    return { throttleTimeMs: 0, errorCode, members: [] };
  },
});
