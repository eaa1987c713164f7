// DeleteGroups (42), v0–v2, served by the group coordinator: a group without members is deleted
// with its committed offsets (tombstones in __consumer_offsets); a group with members is
// NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND. A group named twice is answered once
// (KafkaApis de-duplicates). Not done: authorization.

import {
  DELETE_GROUPS, readDeleteGroupsRequest, writeDeleteGroupsResponse, type DeleteGroupsRequest, type DeleteGroupsResponse,
} from "../protocol/messages/delete-groups.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";

registerApi<DeleteGroupsRequest, DeleteGroupsResponse>({
  spec: DELETE_GROUPS,
  readRequest: readDeleteGroupsRequest,
  writeResponse: writeDeleteGroupsResponse,
  handle(request, ctx) {
    return { throttleTimeMs: 0, results: coordinatorOf(ctx.broker).deleteGroups(request.groupsNames) };
  },
});
