// How Kafka reads and checks the ACLs and filters of CreateAcls / DescribeAcls / DeleteAcls
// requests before they reach the authorizer (pure; the handlers 29-31 use it):
// - CreateAclsRequest / DescribeAclsRequest / DeleteAclsRequest refuse a request with an UNKNOWN
//   (code 0) resource type, pattern type, operation or permission when they are parsed (Kafka closes
//   the connection: an IllegalArgumentException while parsing);
// - other unknown codes read as UNKNOWN (fromCode);
// - CreateAcls: ResourcePattern / AccessControlEntry refuse ANY resource type, MATCH or ANY pattern
//   type, ANY operation or permission (an IllegalArgumentException in KafkaApis: the whole request
//   answered UNKNOWN_SERVER_ERROR); AclApis refuses a CLUSTER resource not named kafka-cluster and
//   an empty name; AclControlManager.validateNewAcl refuses the rest (INVALID_REQUEST each).

import {
  AclOperation, AclPermissionType, CLUSTER_NAME, OPERATION_NAMES, PATTERN_TYPE_NAMES, PERMISSION_NAMES, PatternType,
  RESOURCE_TYPE_NAMES, ResourceType, knownCode, type AclBinding, type AclBindingFilter,
} from "./authorizer.ts";

/** The raw codes of an ACL or filter in a request. */
export interface AclCodes {
  resourceType: number;
  patternType: number;
  operation: number;
  permissionType: number;
}

/** Whether the request parser refuses it: a code that is UNKNOWN (0) as sent. */
export function hasUnknownCode(c: AclCodes): boolean {
  return c.resourceType === 0 || c.patternType === 0 || c.operation === 0 || c.permissionType === 0;
}

/** The codes as Kafka's fromCode reads them (an unknown byte becomes UNKNOWN). */
export function knownCodes<T extends AclCodes>(c: T): T {
  return {
    ...c,
    resourceType: knownCode(c.resourceType, RESOURCE_TYPE_NAMES),
    patternType: knownCode(c.patternType, PATTERN_TYPE_NAMES),
    operation: knownCode(c.operation, OPERATION_NAMES),
    permissionType: knownCode(c.permissionType, PERMISSION_NAMES),
  };
}

/** Why ResourcePattern / AccessControlEntry cannot hold the binding (IllegalArgumentException), or null. */
export function bindingConstructionProblem(acl: AclBinding): string | null {
  if (acl.resourceType === ResourceType.ANY) return "resourceType must not be ANY";
  if (acl.patternType === PatternType.MATCH || acl.patternType === PatternType.ANY) return `patternType must not be ${PATTERN_TYPE_NAMES[acl.patternType]}`;
  if (acl.operation === AclOperation.ANY) return "operation must not be ANY";
  if (acl.permissionType === AclPermissionType.ANY) return "permissionType must not be ANY";
  return null;
}

/** Why a new ACL is refused with INVALID_REQUEST (AclApis, then AclControlManager.validateNewAcl), or null. */
export function newAclProblem(acl: AclBinding): string | null {
  if (acl.resourceType === ResourceType.CLUSTER && acl.resourceName !== CLUSTER_NAME) {
    return `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`;
  }
  if (acl.resourceName === "") return "Invalid empty resource name";
  if (acl.resourceType === ResourceType.UNKNOWN || acl.resourceType === ResourceType.ANY) {
    return `Invalid resourceType ${RESOURCE_TYPE_NAMES[acl.resourceType]}`;
  }
  if (acl.patternType !== PatternType.LITERAL && acl.patternType !== PatternType.PREFIXED) {
    return `Invalid patternType ${PATTERN_TYPE_NAMES[acl.patternType]}`;
  }
  if (acl.operation === AclOperation.UNKNOWN || acl.operation === AclOperation.ANY) return `Invalid operation ${OPERATION_NAMES[acl.operation]}`;
  if (acl.permissionType !== AclPermissionType.DENY && acl.permissionType !== AclPermissionType.ALLOW) {
    return `Invalid permissionType ${PERMISSION_NAMES[acl.permissionType]}`;
  }
  if (!acl.principal.includes(":")) {
    return `Could not parse principal from \`${acl.principal}\` (no colon is present separating the principal type from the principal name)`;
  }
  return null;
}

/** AclControlManager.validateFilter: why a delete filter is refused with INVALID_REQUEST, or null. */
export function deleteFilterProblem(f: AclBindingFilter): string | null {
  if (f.resourceType === ResourceType.UNKNOWN || f.patternType === PatternType.UNKNOWN) return "Unknown patternFilter.";
  if (f.operation === AclOperation.UNKNOWN || f.permissionType === AclPermissionType.UNKNOWN) return "Unknown entryFilter.";
  return null;
}
