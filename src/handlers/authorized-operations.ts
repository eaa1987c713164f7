// Kafka's authorized-operations bit fields (AuthHelper.authorizedOperations): one bit per
// AclOperation code, set for each operation the resource type supports
// (AclEntry.supportedOperations) that the request's principal is allowed; every supported one
// when no authorizer is configured.

import { ResourceType, SUPPORTED_OPERATIONS, operationBits } from "../security/authorizer.ts";
import { aclHost } from "./authorization.ts";
import type { RequestContext } from "./registry.ts";

/** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS = 0x0df8. */
export const TOPIC_OPERATIONS = operationBits(SUPPORTED_OPERATIONS[ResourceType.TOPIC]!);
export const GROUP_OPERATIONS = operationBits(SUPPORTED_OPERATIONS[ResourceType.GROUP]!);
export const CLUSTER_OPERATIONS = operationBits(SUPPORTED_OPERATIONS[ResourceType.CLUSTER]!);
/** The schema default: "not requested". */
export const OPERATIONS_NOT_REQUESTED = -2147483648;

/** The operations on the resource the request's principal may do, as a bit field. */
export function authorizedOperations(ctx: RequestContext, resourceType: number, resourceName: string): number {
  const authorizer = ctx.broker.authorizer;
  if (authorizer === undefined) return operationBits(SUPPORTED_OPERATIONS[resourceType] ?? []);
  return authorizer.authorizedOperations(ctx.principal, aclHost(ctx), resourceType, resourceName);
}
