// DeleteAcls (31), v1–v3. Follows Kafka's AclApis.handleDeleteAcls and the controller's
// AclControlManager.deleteAcls: ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every
// filter); without an authorizer SECURITY_DISABLED "No Authorizer is configured." for each; else
// each filter lists the ACLs it matches (AclBindingFilter.matches) and every matched ACL is
// removed with one RemoveAccessControlEntryRecord (an ACL matched by two filters is listed by both
// and removed once), all in one __cluster_metadata batch. A filter whose resource type or pattern
// type reads as UNKNOWN answers INVALID_REQUEST "Unknown patternFilter.", an operation or
// permission "Unknown entryFilter."; one with an UNKNOWN (0) code as sent closes the connection
// (Kafka's parser refuses it). Kafka's limit of 10000 ACLs per request is not applied. A metadata
// log that cannot be written (a full disk) answers KAFKA_STORAGE_ERROR for every filter that matched.

import {
  DELETE_ACLS, readDeleteAclsRequest, writeDeleteAclsResponse,
  type DeleteAclsRequest, type DeleteAclsResponse, type DeleteAclsResponseDeleteAclsFilterResult as FilterResult,
} from "../protocol/messages/delete-acls.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { AclOperation, compareAcls, filterMatches } from "../security/authorizer.ts";
import { deleteFilterProblem, hasUnknownCode, knownCodes } from "../security/acl-requests.ts";
import { RequestError, UnparsableRequestError, registerApi } from "./registry.ts";
import { metadataStorageFailure } from "./topic-creation.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { authorizeCluster } from "./authorization.ts";

registerApi<DeleteAclsRequest, DeleteAclsResponse>({
  spec: DELETE_ACLS,
  readRequest: readDeleteAclsRequest,
  writeResponse: writeDeleteAclsResponse,
  handle(request, ctx) {
    if (request.filters.some((f) => hasUnknownCode({ ...f, resourceType: f.resourceTypeFilter, patternType: f.patternTypeFilter }))) {
      throw new UnparsableRequestError("Filters contain UNKNOWN elements");
    }
    authorizeCluster(ctx, AclOperation.ALTER);
    if (ctx.broker.authorizer === undefined) throw new RequestError(ErrorCode.SECURITY_DISABLED, "No Authorizer is configured.");
    const metadata = ctx.broker.store.metadata;
    const all = [...metadata.acls].sort(([, a], [, b]) => compareAcls(a, b));
    const removed = new Set<string>();
    const filterResults: FilterResult[] = request.filters.map((f) => {
      const filter = knownCodes({
        resourceType: f.resourceTypeFilter, resourceName: f.resourceNameFilter, patternType: f.patternTypeFilter,
        principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permissionType: f.permissionType,
      });
      const problem = deleteFilterProblem(filter);
      if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, matchingAcls: [] };
      const matching = all.filter(([, acl]) => filterMatches(filter, acl));
      for (const [id] of matching) removed.add(id);
      return {
        errorCode: ErrorCode.NONE, errorMessage: null,
        matchingAcls: matching.map(([, acl]) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...acl })),
      };
    });
    try {
      metadata.deleteAcls([...removed]);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      const failure = metadataStorageFailure(e);
      return {
        throttleTimeMs: 0,
        filterResults: filterResults.map((r) => r.errorCode === ErrorCode.NONE && r.matchingAcls.length > 0
          ? { errorCode: failure.errorCode, errorMessage: failure.message, matchingAcls: [] } : r),
      };
    }
    return { throttleTimeMs: 0, filterResults };
  },
  errorResponse(request, errorCode, errorMessage) {
    return { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })) };
  },
});
