// DescribeAcls (29), v1–v3. Follows Kafka's AclApis.handleDescribeAcls: DESCRIBE on the cluster
// (else CLUSTER_AUTHORIZATION_FAILED for the request); without an authorizer SECURITY_DISABLED
// "No Authorizer is configured on the broker"; else the ACLs the filter matches
// (AclBindingFilter.matches: ANY/MATCH pattern types, null names match anything), grouped by
// resource pattern. A filter with an UNKNOWN (0) code closes the connection, as Kafka's request
// parser refuses it. Resources come in the authorizer's order (Kafka's come from a HashMap).

import {
  DESCRIBE_ACLS, readDescribeAclsRequest, writeDescribeAclsResponse,
  type DescribeAclsRequest, type DescribeAclsResponse, type DescribeAclsResponseDescribeAclsResource as Resource,
} from "../protocol/messages/describe-acls.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { AclOperation } from "../security/authorizer.ts";
import { hasUnknownCode, knownCodes } from "../security/acl-requests.ts";
import { UnparsableRequestError, registerApi } from "./registry.ts";
import { authorizeCluster } from "./authorization.ts";

registerApi<DescribeAclsRequest, DescribeAclsResponse>({
  spec: DESCRIBE_ACLS,
  readRequest: readDescribeAclsRequest,
  writeResponse: writeDescribeAclsResponse,
  handle(request, ctx) {
    if (hasUnknownCode({ ...request, resourceType: request.resourceTypeFilter, patternType: request.patternTypeFilter })) {
      throw new UnparsableRequestError("DescribeAclsRequest contains UNKNOWN elements");
    }
    authorizeCluster(ctx, AclOperation.DESCRIBE);
    const authorizer = ctx.broker.authorizer;
    if (authorizer === undefined) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: "No Authorizer is configured on the broker", resources: [] };
    }
    const filter = knownCodes({
      resourceType: request.resourceTypeFilter, resourceName: request.resourceNameFilter, patternType: request.patternTypeFilter,
      principal: request.principalFilter, host: request.hostFilter, operation: request.operation, permissionType: request.permissionType,
    });
    const resources = new Map<string, Resource>();
    for (const acl of authorizer.acls(filter)) {
      const key = `${acl.resourceType}:${acl.patternType}:${acl.resourceName}`;
      let resource = resources.get(key);
      if (!resource) {
        resource = { resourceType: acl.resourceType, resourceName: acl.resourceName, patternType: acl.patternType, acls: [] };
        resources.set(key, resource);
      }
      resource.acls.push({ principal: acl.principal, host: acl.host, operation: acl.operation, permissionType: acl.permissionType });
    }
    // Kafka leaves error_message at the schema's default, "", on success.
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: "", resources: [...resources.values()] };
  },
  errorResponse(_request, errorCode, errorMessage) {
    return { throttleTimeMs: 0, errorCode, errorMessage, resources: [] };
  },
});
