// ListGroups (16), v0–v5, served by the group coordinator: every group, including the
// member-less ones that standalone offset commits create (protocol type ""), as Kafka lists them.
// v4+ filters by state (case-insensitive: "Stable", "empty", ...), v5+ by type (only "classic"
// groups exist here, so any other type filter lists nothing). group_state is the state's name
// (v4+), group_type "classic" (v5+). Authorization (KafkaApis.handleListGroupsRequest): every group
// with DESCRIBE on the cluster, else only the groups the principal may DESCRIBE.

import {
  LIST_GROUPS, readListGroupsRequest, writeListGroupsResponse, type ListGroupsRequest, type ListGroupsResponse,
} from "../protocol/messages/list-groups.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";

registerApi<ListGroupsRequest, ListGroupsResponse>({
  spec: LIST_GROUPS,
  readRequest: readListGroupsRequest,
  writeResponse: writeListGroupsResponse,
  handle(request, ctx) {
    const version = ctx.apiVersion;
    const groups = coordinatorOf(ctx.broker).listGroups(version >= 4 ? request.statesFilter : [], version >= 5 ? request.typesFilter : []);
    const all = authorize(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, false);
    const visible = all ? groups : groups.filter((g) => authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId, false));
    return { throttleTimeMs: 0, errorCode: 0, groups: visible };
  },
});
