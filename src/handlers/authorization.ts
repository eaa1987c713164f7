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
  CLUSTER_NAME, OPERATION_NAMES, RESOURCE_TYPE_NAMES, ResourceType, StandardAuthorizer, javaHostAddress,
} from "../security/authorizer.ts";
import { RateLimitedLog, escapeForLog } from "../log.ts";
import { RequestError, type RequestContext } from "./registry.ts";

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
  const allowed = authorizer.authorize(ctx.principal, host, operation, resourceType, resourceName);
  if (!allowed && logIfDenied) {
    const who = `${ctx.principal.type}:${ctx.principal.name}`;
    denials.info(`${who}|${host}|${operation}|${resourceType}|${resourceName}`,
      `Principal = ${escapeForLog(who)} is Denied operation = ${OPERATION_NAMES[operation]} from host = ${escapeForLog(host)} ` +
      `on resource = ${RESOURCE_TYPE_NAMES[resourceType]}:LITERAL:${escapeForLog(resourceName)} for request = API key ${ctx.apiKey}`);
  }
  return allowed;
}

/**
 * AuthHelper.authorizeClusterOperation: refuses the whole request with
 * CLUSTER_AUTHORIZATION_FAILED unless the principal may do `operation` on the cluster.
 */
export function authorizeCluster(ctx: RequestContext, operation: number): void {
  if (!authorize(ctx, operation, ResourceType.CLUSTER, CLUSTER_NAME)) {
    throw new RequestError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, `Request ${OPERATION_NAMES[operation]} on the cluster is not authorized.`);
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
