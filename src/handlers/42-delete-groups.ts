// DeleteGroups (42), v0–v2, served by the group coordinator: a group without members is deleted
// with its committed offsets (tombstones in __consumer_offsets); a group with members is
// NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND. A group named twice is answered once
// (KafkaApis de-duplicates). Authorization: DELETE on each group; the groups refused answer
// GROUP_AUTHORIZATION_FAILED after the others.

import {
  DELETE_GROUPS, readDeleteGroupsRequest, writeDeleteGroupsResponse, type DeleteGroupsRequest, type DeleteGroupsResponse,
} from "../protocol/messages/delete-groups.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { AclOperation, ResourceType, authorizedNames } from "./authorization.ts";

registerApi<DeleteGroupsRequest, DeleteGroupsResponse>({
  spec: DELETE_GROUPS,
  readRequest: readDeleteGroupsRequest,
  writeResponse: writeDeleteGroupsResponse,
  handle(request, ctx) {
    const groups = [...new Set(request.groupsNames)];
    const deletable = authorizedNames(ctx, AclOperation.DELETE, ResourceType.GROUP, groups);
    const refused = groups.filter((g) => !deletable.has(g)).map((groupId) => ({ groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }));
    return { throttleTimeMs: 0, results: [...coordinatorOf(ctx.broker).deleteGroups(groups.filter((g) => deletable.has(g))), ...refused] };
  },
});
