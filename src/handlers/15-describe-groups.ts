// DescribeGroups (15), v0–v5, served by the group coordinator: state, protocol type, and the
// members with client id/host and assignment; the protocol name and each member's metadata only
// while the group is Stable (Kafka's describeNoMetadata otherwise). An unknown group is
// described as state "Dead" with no error, as Kafka 4 does below v6. authorized_operations
// (v3+, when asked for) is every group operation, as Kafka answers without an authorizer; else
// the schema default INT_MIN. group.instance.id is shown from v4. Not done: authorization.

import {
  DESCRIBE_GROUPS, readDescribeGroupsRequest, writeDescribeGroupsResponse,
  type DescribeGroupsRequest, type DescribeGroupsResponse,
} from "../protocol/messages/describe-groups.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";
import { GROUP_OPERATIONS, OPERATIONS_NOT_REQUESTED } from "./authorized-operations.ts";

registerApi<DescribeGroupsRequest, DescribeGroupsResponse>({
  spec: DESCRIBE_GROUPS,
  readRequest: readDescribeGroupsRequest,
  writeResponse: writeDescribeGroupsResponse,
  handle(request, ctx) {
    const withOperations = ctx.apiVersion >= 3 && request.includeAuthorizedOperations;
    return {
      throttleTimeMs: 0,
      groups: coordinatorOf(ctx.broker).describeGroups(request.groups).map((g) => ({
        ...g,
        authorizedOperations: withOperations && g.errorCode === ErrorCode.NONE ? GROUP_OPERATIONS : OPERATIONS_NOT_REQUESTED,
      })),
    };
  },
});
