// CreateAcls (30), v1–v3. Follows Kafka's AclApis.handleCreateAcls and the controller's
// AclControlManager.createAcls: ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every
// creation); without an authorizer SECURITY_DISABLED "No Authorizer is configured." for each;
// else each ACL is checked (INVALID_REQUEST with Kafka's message: a CLUSTER resource not named
// kafka-cluster, an empty name, an UNKNOWN code, a principal without ':') and the valid new ones
// are written as AccessControlEntryRecords with fresh ids in one __cluster_metadata batch; an ACL
// that exists already, or is asked twice, succeeds without a second record. A creation with an
// UNKNOWN (0) code closes the connection (Kafka's parser refuses it); one with an ANY resource
// type, ANY/MATCH pattern type, or ANY operation or permission fails the whole request with
// UNKNOWN_SERVER_ERROR, as Kafka's AclBinding constructor throws inside KafkaApis. A metadata log
// that cannot be written (a full disk) answers KAFKA_STORAGE_ERROR for the ACLs it would have held.

import {
  CREATE_ACLS, readCreateAclsRequest, writeCreateAclsResponse,
  type CreateAclsRequest, type CreateAclsResponse,
} from "../protocol/messages/create-acls.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { AclOperation, sameAcl, type AclBinding } from "../security/authorizer.ts";
import { bindingConstructionProblem, hasUnknownCode, knownCodes, newAclProblem } from "../security/acl-requests.ts";
import { RequestError, UnparsableRequestError, registerApi } from "./registry.ts";
import { metadataStorageFailure } from "./topic-creation.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { authorizeCluster } from "./authorization.ts";

registerApi<CreateAclsRequest, CreateAclsResponse>({
  spec: CREATE_ACLS,
  readRequest: readCreateAclsRequest,
  writeResponse: writeCreateAclsResponse,
  handle(request, ctx) {
    if (request.creations.some((c) => hasUnknownCode({ ...c, patternType: c.resourcePatternType }))) {
      throw new UnparsableRequestError("CreatableAcls contain unknown elements");
    }
    authorizeCluster(ctx, AclOperation.ALTER);
    const authorizer = ctx.broker.authorizer;
    if (authorizer === undefined) throw new RequestError(ErrorCode.SECURITY_DISABLED, "No Authorizer is configured.");
    const bindings: AclBinding[] = request.creations.map((c) => knownCodes({
      resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.resourcePatternType,
      principal: c.principal, host: c.host, operation: c.operation, permissionType: c.permissionType,
    }));
    for (const acl of bindings) {
      const problem = bindingConstructionProblem(acl);
      if (problem !== null) throw new RequestError(ErrorCode.UNKNOWN_SERVER_ERROR, problem);
    }
    const metadata = ctx.broker.store.metadata;
    const existing = [...metadata.acls.values()];
    const toWrite: AclBinding[] = [];
    const results = bindings.map((acl) => {
      const problem = newAclProblem(acl);
      if (problem !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem };
      if (!existing.some((e) => sameAcl(e, acl)) && !toWrite.some((e) => sameAcl(e, acl))) toWrite.push(acl);
      // Kafka leaves error_message at the schema default, "", on success.
      return { errorCode: ErrorCode.NONE, errorMessage: "" };
    });
    try {
      metadata.createAcls(toWrite);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      const failure = metadataStorageFailure(e);
      return { throttleTimeMs: 0, results: results.map((r) => r.errorCode === ErrorCode.NONE ? { errorCode: failure.errorCode, errorMessage: failure.message } : r) };
    }
    return { throttleTimeMs: 0, results };
  },
  errorResponse(request, errorCode, errorMessage) {
    return { throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage })) };
  },
});
