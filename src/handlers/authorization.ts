// A request's principal checked against the broker's authorizer, as Kafka's AuthHelper does it
// for KafkaApis: without an authorizer everything is allowed; with one, each check is one
// StandardAuthorizer decision on a LITERAL resource, for the request's principal and client host.
// Denials that a client asked for explicitly are logged at INFO (rate-limited), as Kafka's
// kafka.authorizer.logger logs them (logIfDenied); filters (topics hidden from Metadata, groups
// left out of ListGroups) are not.

import type { BrokerConfig } from "../config/broker-config.ts";
import type { ClusterMetadata } from "../storage/cluster-metadata.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import {
  CLUSTER_NAME, OPERATION_NAMES, PATTERN_TYPE_NAMES, PERMISSION_NAMES, RESOURCE_TYPE_NAMES, ResourceType, StandardAuthorizer, javaHostAddress,
} from "../security/authorizer.ts";
import { RateLimitedLog, escapeForLog } from "../log.ts";
import { RequestError, handlerFor, type RequestContext } from "./registry.ts";
import { AclOperation } from "../security/authorizer.ts";

export { AclOperation, ResourceType } from "../security/authorizer.ts";

/**
 * The authorizer `config` asks for, holding the ACLs of `metadata` and following its changes
 * (Kafka's StandardAuthorizer fed by the metadata log); undefined when none is configured.
 */
export function authorizerFor(config: BrokerConfig, metadata: ClusterMetadata): StandardAuthorizer | undefined {
  if (config.authorizer === null) return undefined;
  const authorizer = new StandardAuthorizer(config.authorizer);
  for (const [id, acl] of metadata.acls) authorizer.addAcl(id, acl);
  metadata.onAclChange((change) => {
    if (change.removed) authorizer.removeAcl(change.id);
    else authorizer.addAcl(change.id, change.acl);
  });
  return authorizer;
}

const denials = new RateLimitedLog(10_000);

/** SecurityUtils.resourceTypeName: how Kafka's audit log names resource types. */
const RESOURCE_TYPE_LOG_NAMES = ["Unknown", "Any", "Topic", "Group", "Cluster", "TransactionalId", "DelegationToken", "User"];

/** The client host as ACL hosts name it (Java's InetAddress.getHostAddress form). */
export function aclHost(ctx: RequestContext): string {
  return javaHostAddress(ctx.remoteAddress ?? "");
}

/**
 * AuthHelper.authorize: may the request's principal do `operation` on the resource? Always true
 * without an authorizer. `logIfDenied` false for checks that only filter what is shown.
 */
export function authorize(ctx: RequestContext, operation: number, resourceType: number, resourceName: string, logIfDenied = true): boolean {
  const authorizer = ctx.broker.authorizer;
  if (authorizer === undefined) return true;
  const host = aclHost(ctx);
  const rule = authorizer.decide(ctx.principal, host, operation, resourceType, resourceName);
  const allowed = rule === "SuperUser" || rule === "DefaultAllow" || (typeof rule === "object" && rule.allowed);
  if (!allowed && logIfDenied) {
    // Kafka's kafka.authorizer.logger line (StandardAuthorizerData.buildAuditMessage).
    const who = `${ctx.principal.type}:${ctx.principal.name}`;
    const basedOn = typeof rule === "object"
      ? `MatchingAcl(acl=StandardAcl[resourceType=${RESOURCE_TYPE_NAMES[rule.acl.resourceType]}, resourceName=${escapeForLog(rule.acl.resourceName)}, ` +
        `patternType=${PATTERN_TYPE_NAMES[rule.acl.patternType]}, principal=${escapeForLog(rule.acl.principal)}, host=${escapeForLog(rule.acl.host)}, ` +
        `operation=${OPERATION_NAMES[rule.acl.operation]}, permissionType=${PERMISSION_NAMES[rule.acl.permissionType]}])`
      : rule;
    denials.info(`${who}|${host}|${operation}|${resourceType}|${resourceName}`,
      `Principal = ${escapeForLog(who)} is Denied operation = ${OPERATION_NAMES[operation]} from host = ${escapeForLog(host)} ` +
      `on resource = ${RESOURCE_TYPE_LOG_NAMES[resourceType]}:LITERAL:${escapeForLog(resourceName)} for request = ` +
      `${handlerFor(ctx.apiKey)?.name ?? `API key ${ctx.apiKey}`} with resourceRefCount = 1 based on rule ${basedOn}`);
  }
  return allowed;
}

/**
 * AuthHelper.authorizeClusterOperation: refuses the whole request with
 * CLUSTER_AUTHORIZATION_FAILED unless the principal may do `operation` on the cluster.
 */
export function authorizeCluster(ctx: RequestContext, operation: number): void {
  if (!authorize(ctx, operation, ResourceType.CLUSTER, CLUSTER_NAME)) {
    // Kafka: "Request <its RequestChannel.Request> needs <OPERATION> permission."
    const request = `${handlerFor(ctx.apiKey)?.name ?? `API key ${ctx.apiKey}`} v${ctx.apiVersion} from ${ctx.remoteAddress ?? "?"}`;
    throw new RequestError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, `Request ${request} needs ${OPERATION_NAMES[operation]} permission.`);
  }
}

/** AuthHelper.filterByAuthorized: the names among `names` the principal may do `operation` on. */
export function authorizedNames(
  ctx: RequestContext, operation: number, resourceType: number, names: Iterable<string>, logIfDenied = true,
): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    if (authorize(ctx, operation, resourceType, name, logIfDenied)) out.add(name);
  }
  return out;
}

/**
 * Authorizer.authorizeByResourceType (KIP-679): may the principal do `operation` on at least one
 * resource of the type? Always true without an authorizer.
 */
export function authorizeByResourceType(ctx: RequestContext, operation: number, resourceType: number): boolean {
  const authorizer = ctx.broker.authorizer;
  return authorizer === undefined || authorizer.authorizeByResourceType(ctx.principal, aclHost(ctx), operation, resourceType);
}

/** Errors.X.message() of the authorization errors, as Kafka sends them where it sets a message. */
export const AUTHORIZATION_FAILED_MESSAGES: Readonly<Record<number, string>> = {
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED]: "Topic authorization failed.",
  [ErrorCode.GROUP_AUTHORIZATION_FAILED]: "Group authorization failed.",
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]: "Cluster authorization failed.",
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]: "Transactional Id authorization failed.",
};

// ConfigResource.Type ids.
const CONFIG_TOPIC = 2, CONFIG_BROKER = 4, CONFIG_BROKER_LOGGER = 8, CONFIG_CLIENT_METRICS = 16, CONFIG_GROUP = 32;

/**
 * ConfigHelper / KafkaApis for DescribeConfigs, AlterConfigs and IncrementalAlterConfigs: may the
 * principal do `operation` (DESCRIBE_CONFIGS or ALTER_CONFIGS) on a config resource? Broker,
 * broker logger and client metrics resources are checked on the cluster, topics and groups on
 * themselves. Returns null when allowed (or for another type), else the error and its message.
 */
export function configResourceRefusal(
  ctx: RequestContext, operation: number, configResourceType: number, resourceName: string,
): { errorCode: number; errorMessage: string } | null {
  let resourceType: number, name: string, errorCode: number;
  switch (configResourceType) {
    case CONFIG_BROKER: case CONFIG_BROKER_LOGGER: case CONFIG_CLIENT_METRICS:
      resourceType = ResourceType.CLUSTER; name = CLUSTER_NAME; errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED; break;
    case CONFIG_TOPIC:
      resourceType = ResourceType.TOPIC; name = resourceName; errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED; break;
    case CONFIG_GROUP:
      resourceType = ResourceType.GROUP; name = resourceName; errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED; break;
    default:
      return null;
  }
  return authorize(ctx, operation, resourceType, name) ? null : { errorCode, errorMessage: AUTHORIZATION_FAILED_MESSAGES[errorCode]! };
}

/**
 * The ALTER_CONFIGS refusals of an AlterConfigs / IncrementalAlterConfigs request, one per
 * resource (null: allowed, or left to the config checks: a resource named twice, which answers
 * "Duplicate resource." first, or a type the request does not take).
 */
export function alterConfigsRefusals(
  ctx: RequestContext, resources: readonly { resourceType: number; resourceName: string }[], skipTypes: readonly number[] = [],
): ({ errorCode: number; errorMessage: string } | null)[] {
  const key = (r: { resourceType: number; resourceName: string }) => `${r.resourceType}:${r.resourceName}`;
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return resources.map((r) => counts.get(key(r))! > 1 || skipTypes.includes(r.resourceType) ? null
    : configResourceRefusal(ctx, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName));
}
