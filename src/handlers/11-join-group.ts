// JoinGroup (11), v0–v9, served by the group coordinator (src/groups/group-coordinator.ts); the
// answer is a Promise when the member must wait for the rebalance, which blocks nothing else.
// As Kafka: v0 has no rebalance timeout (the session timeout is used); v4+ members without a
// member id and without group.instance.id get MEMBER_ID_REQUIRED and an id to rejoin with; v9
// lets a static leader that rejoins skip the assignment. protocol_name is "" for "none" before
// v7 and null from v7 (JoinGroupResponse's constructor). An empty group id is INVALID_GROUP_ID;
// a session timeout outside group.min/max.session.timeout.ms is INVALID_SESSION_TIMEOUT.
// The member's client host is "/<address>" as Kafka prints an InetAddress.
// Authorization: READ on the group, else GROUP_AUTHORIZATION_FAILED (JoinGroupRequest.getErrorResponse).
// Not done: the join reason is only logged.

import {
  JOIN_GROUP, readJoinGroupRequest, writeJoinGroupResponse, type JoinGroupRequest, type JoinGroupResponse,
} from "../protocol/messages/join-group.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import type { JoinGroupResult } from "../groups/classic-group.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

registerApi<JoinGroupRequest, JoinGroupResponse>({
  spec: JOIN_GROUP,
  readRequest: readJoinGroupRequest,
  writeResponse: writeJoinGroupResponse,
  handle(request, ctx) {
    const version = ctx.apiVersion;
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, generationId: -1, protocolType: null,
        protocolName: version >= 7 ? null : "", leader: "", skipAssignment: false, memberId: "", members: [],
      };
    }
    return coordinatorOf(ctx.broker).joinGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: version >= 5 ? request.groupInstanceId : null,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: version === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols,
      reason: request.reason,
      clientId: ctx.clientId ?? "",
      clientHost: clientHost(ctx),
      apiVersion: version,
    }).then((result) => joinGroupResponse(result, version));
  },
});

function joinGroupResponse(r: JoinGroupResult, version: number): JoinGroupResponse {
  let protocolName = r.protocolName;
  if (version < 7 && protocolName === null) protocolName = "";
  if (version >= 7 && protocolName === "") protocolName = null;
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    protocolName,
    leader: r.leader,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members,
  };
}

/** "/<client address>", as Kafka's member descriptions show it (InetAddress.toString). */
export function clientHost(ctx: RequestContext): string {
  const remote = ctx.remoteAddress ?? ctx.localAddress;
  const address = remote.startsWith("::ffff:") && remote.includes(".") ? remote.slice(7) : remote;
  return `/${address}`;
}
