// DescribeGroups (15), v0–v5, served by the group coordinator: state, protocol type, and the
// members with client id/host and assignment; the protocol name and each member's metadata only
// while the group is Stable (Kafka's describeNoMetadata otherwise). An unknown group is
// described as state "Dead" with no error, as Kafka 4 does below v6. group.instance.id is shown
// from v4. Authorization (KafkaApis.handleDescribeGroupsRequest): DESCRIBE on each group; the
// groups refused answer GROUP_AUTHORIZATION_FAILED (DescribeGroupsResponse.groupError: empty
// state, protocol type and data) ahead of the others. authorized_operations (v3+, when asked for)
// is the group operations the principal may do (every one without an authorizer); else, and for
// errors, the schema default INT_MIN.

import {
  DESCRIBE_GROUPS, readDescribeGroupsRequest, writeDescribeGroupsResponse,
  type DescribeGroupsRequest, type DescribeGroupsResponse,
} from "../protocol/messages/describe-groups.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";
import { OPERATIONS_NOT_REQUESTED, authorizedOperations } from "./authorized-operations.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

registerApi<DescribeGroupsRequest, DescribeGroupsResponse>({
  spec: DESCRIBE_GROUPS,
  readRequest: readDescribeGroupsRequest,
  writeResponse: writeDescribeGroupsResponse,
  handle(request, ctx) {
    const withOperations = ctx.apiVersion >= 3 && request.includeAuthorizedOperations;
    const allowed = request.groups.filter((g) => authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, g));
    const refused = request.groups.filter((g) => !allowed.includes(g)).map((groupId) => ({
      errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: "", protocolType: "", protocolData: "", members: [],
      authorizedOperations: OPERATIONS_NOT_REQUESTED,
    }));
    return {
      throttleTimeMs: 0,
      groups: [...refused, ...coordinatorOf(ctx.broker).describeGroups(allowed).map((g) => ({
        ...g,
        authorizedOperations: withOperations && g.errorCode === ErrorCode.NONE
          ? authorizedOperations(ctx, ResourceType.GROUP, g.groupId) : OPERATIONS_NOT_REQUESTED,
      }))],
    };
  },
});
