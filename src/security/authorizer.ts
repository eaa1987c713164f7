// Kafka's StandardAuthorizer (org.apache.kafka.metadata.authorizer) for one node, as a pure
// module: ACL bindings in, allow/deny out, no I/O. The ACLs come from __cluster_metadata
// (AccessControlEntryRecord / RemoveAccessControlEntryRecord, storage/cluster-metadata.ts) by id.
//
// Semantics (StandardAuthorizerData.authorize):
// - a super user (`super.users`, "Type:name" entries separated by ';') may do anything;
// - otherwise every ACL that applies to the resource is looked at: LITERAL ones whose name is the
//   resource's name, PREFIXED ones whose name starts it, and the LITERAL wildcard `*`; of those,
//   the ones whose principal is the request's or `User:*` and whose host is the client's or `*`;
//   any matching DENY denies, else any matching ALLOW allows;
// - ALLOW of READ, WRITE, DELETE or ALTER implies DESCRIBE, ALLOW of ALTER_CONFIGS implies
//   DESCRIBE_CONFIGS, ALL matches every operation (a DENY implies nothing but itself and ALL);
// - when no ACL names the resource at all: `allow.everyone.if.no.acl.found` (default false);
//   when ACLs name it but none matches: denied.
// Lookups use Kafka's order (resource type, then resource name REVERSED, pattern type, operation,
// principal, host, permission) in one sorted array: the ACLs that can apply to a name are found by
// binary search from the name down, jumping to the next possible prefix, as StandardAuthorizerData
// walks its NavigableSet.

/** ResourceType codes (org.apache.kafka.common.resource.ResourceType). */
export const ResourceType = {
  UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7,
} as const;
/** PatternType codes. MATCH and ANY exist only in filters. */
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
/** AclOperation codes. */
export const AclOperation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8,
  CLUSTER_ACTION: 9, DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14, TWO_PHASE_COMMIT: 15,
} as const;
/** AclPermissionType codes. */
export const AclPermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The name of the one CLUSTER resource (Kafka's Resource.CLUSTER_NAME). */
export const CLUSTER_NAME = "kafka-cluster";
export const WILDCARD_RESOURCE = "*";
export const WILDCARD_PRINCIPAL = "User:*";
export const WILDCARD_HOST = "*";

/** The name Kafka prints for a code (SecurityUtils / the enums' toString). */
export const RESOURCE_TYPE_NAMES = ["UNKNOWN", "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"];
export const PATTERN_TYPE_NAMES = ["UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED"];
export const OPERATION_NAMES = [
  "UNKNOWN", "ANY", "ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "CLUSTER_ACTION",
  "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "CREATE_TOKENS", "DESCRIBE_TOKENS", "TWO_PHASE_COMMIT",
];
export const PERMISSION_NAMES = ["UNKNOWN", "ANY", "DENY", "ALLOW"];

/** A known code, else UNKNOWN (0), as Kafka's fromCode reads an unknown byte. */
export function knownCode(code: number, names: readonly string[]): number {
  return code >= 0 && code < names.length ? code : 0;
}

/** One ACL (Kafka's AclBinding = ResourcePattern + AccessControlEntry, StandardAcl). */
export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  /** "Type:name", e.g. "User:alice" or "User:*". */
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/** An AclBindingFilter: null names match anything; ANY codes match any value. */
export interface AclBindingFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permissionType: number;
}

/** Who is asking (Kafka's KafkaPrincipal): "User:ANONYMOUS" before authentication. */
export interface Principal {
  type: string;
  name: string;
}

export const ANONYMOUS: Principal = { type: "User", name: "ANONYMOUS" };

export interface AuthorizerSettings {
  /** `super.users` entries as given ("User:admin"). */
  superUsers: readonly string[];
  /** `allow.everyone.if.no.acl.found`. */
  allowEveryoneIfNoAclFound: boolean;
}

/** The supported operations of each resource type (AclEntry.supportedOperations). */
export const SUPPORTED_OPERATIONS: Readonly<Record<number, readonly number[]>> = {
  [ResourceType.TOPIC]: [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE,
    AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  [ResourceType.GROUP]: [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
  [ResourceType.CLUSTER]: [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS,
    AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE],
  [ResourceType.TRANSACTIONAL_ID]: [AclOperation.DESCRIBE, AclOperation.WRITE],
  [ResourceType.DELEGATION_TOKEN]: [AclOperation.DESCRIBE],
  [ResourceType.USER]: [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS],
};

/** Kafka's Utils.to32BitField: one bit per operation code. */
export function operationBits(ops: Iterable<number>): number {
  let bits = 0;
  for (const op of ops) bits |= 1 << op;
  return bits;
}

/** "Type:name" → its two parts, split at the first ':' (StandardAcl.kafkaPrincipal); null without one. */
export function parsePrincipal(principal: string): Principal | null {
  const colon = principal.indexOf(":");
  return colon < 0 ? null : { type: principal.slice(0, colon), name: principal.slice(colon + 1) };
}

/** Kafka's StandardAcl.compareTo: type, name reversed, pattern, operation, principal, host, permission. */
export function compareAcls(a: AclBinding, b: AclBinding): number {
  if (a.resourceType !== b.resourceType) return a.resourceType - b.resourceType;
  if (a.resourceName !== b.resourceName) return a.resourceName < b.resourceName ? 1 : -1;
  if (a.patternType !== b.patternType) return a.patternType - b.patternType;
  if (a.operation !== b.operation) return a.operation - b.operation;
  if (a.principal !== b.principal) return a.principal < b.principal ? -1 : 1;
  if (a.host !== b.host) return a.host < b.host ? -1 : 1;
  return a.permissionType - b.permissionType;
}

/** Kafka's AclBindingFilter.matches (ResourcePatternFilter + AccessControlEntryFilter). */
export function filterMatches(f: AclBindingFilter, acl: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== acl.resourceType) return false;
  if (f.patternType !== PatternType.ANY && f.patternType !== PatternType.MATCH && f.patternType !== acl.patternType) return false;
  if (f.resourceName !== null) {
    if (f.patternType === PatternType.ANY || f.patternType === acl.patternType) {
      if (f.resourceName !== acl.resourceName) return false;
    } else if (acl.patternType === PatternType.LITERAL) {
      if (f.resourceName !== acl.resourceName && acl.resourceName !== WILDCARD_RESOURCE) return false;
    } else if (acl.patternType === PatternType.PREFIXED) {
      if (!f.resourceName.startsWith(acl.resourceName)) return false;
    } else {
      return false;
    }
  }
  if (f.principal !== null && f.principal !== acl.principal) return false;
  if (f.host !== null && f.host !== acl.host) return false;
  if (f.operation !== AclOperation.ANY && f.operation !== acl.operation) return false;
  return f.permissionType === AclPermissionType.ANY || f.permissionType === acl.permissionType;
}

/** Whether a binding is the same ACL (StandardAcl.equals). */
export function sameAcl(a: AclBinding, b: AclBinding): boolean {
  return compareAcls(a, b) === 0;
}

// ALLOW ACLs of these operations also allow DESCRIBE / DESCRIBE_CONFIGS.
const IMPLIES_DESCRIBE = new Set<number>([AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]);
const IMPLIES_DESCRIBE_CONFIGS = new Set<number>([AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]);

/** Which rule decided (for the audit line, as Kafka's MatchingRule.toString). */
export type AuthorizationRule = "SuperUser" | "DefaultAllow" | "DefaultDeny" | { acl: AclBinding; allowed: boolean };

export class StandardAuthorizer {
  private readonly superUsers: Set<string>;
  private readonly allowIfNoAcl: boolean;
  /** Every ACL in compareAcls order. */
  private sorted: AclBinding[] = [];
  private readonly byId = new Map<string, AclBinding>();

  constructor(settings: AuthorizerSettings) {
    this.superUsers = new Set(settings.superUsers);
    this.allowIfNoAcl = settings.allowEveryoneIfNoAclFound;
  }

  get aclCount(): number {
    return this.byId.size;
  }

  /** AclCache.addAcl: an id or an identical ACL already present is an error. */
  addAcl(id: string, acl: AclBinding): void {
    if (this.byId.has(id)) throw new Error(`An ACL with ID ${id} already exists.`);
    const i = this.lowerBound(acl);
    if (i < this.sorted.length && compareAcls(this.sorted[i]!, acl) === 0) throw new Error(`Unable to add the ACL with ID ${id} to aclsByResource`);
    this.sorted.splice(i, 0, { ...acl });
    this.byId.set(id, this.sorted[i]!);
  }

  /** AclCache.removeAcl. */
  removeAcl(id: string): void {
    const acl = this.byId.get(id);
    if (!acl) throw new Error(`ID ${id} not found in aclsById.`);
    const i = this.lowerBound(acl);
    if (this.sorted[i] !== acl) throw new Error(`Unable to remove the ACL with ID ${id} from aclsByResource`);
    this.sorted.splice(i, 1);
    this.byId.delete(id);
  }

  /** The ACLs a filter matches, in Kafka's order (AclCache.acls). */
  acls(filter: AclBindingFilter): AclBinding[] {
    return this.sorted.filter((acl) => filterMatches(filter, acl)).map((acl) => ({ ...acl }));
  }

  isSuperUser(principal: Principal): boolean {
    return this.superUsers.has(`${principal.type}:${principal.name}`);
  }

  /** Whether `principal` connecting from `host` may do `operation` on the LITERAL resource. */
  authorize(principal: Principal, host: string, operation: number, resourceType: number, resourceName: string): boolean {
    const rule = this.decide(principal, host, operation, resourceType, resourceName);
    return rule === "SuperUser" || rule === "DefaultAllow" || (typeof rule === "object" && rule.allowed);
  }

  /** The rule that decides an action (StandardAuthorizerData.authorize/findAclRule). */
  decide(principal: Principal, host: string, operation: number, resourceType: number, resourceName: string): AuthorizationRule {
    if (this.isSuperUser(principal)) return "SuperUser";
    let allow: AclBinding | null = null;
    let hasResourceAcls = false;
    const consider = (acl: AclBinding): AclBinding | null => {
      hasResourceAcls = true;
      const result = aclResult(operation, principal, host, acl);
      if (result === AclPermissionType.ALLOW) allow = acl;
      return result === AclPermissionType.DENY ? acl : null;
    };
    // 1. ACLs named by the resource name or one of its prefixes.
    const list = this.sorted;
    let i = this.lowerBound(exemplar(resourceType, resourceName, PatternType.UNKNOWN));
    while (i < list.length) {
      const acl = list[i]!;
      if (acl.resourceType !== resourceType) break;
      const upTo = matchesUpTo(resourceName, acl.resourceName);
      if (upTo === acl.resourceName.length) {
        // A literal ACL whose name is only a prefix of the resource's does not apply.
        if (acl.patternType === PatternType.LITERAL && upTo !== resourceName.length) {
          i++;
          continue;
        }
      } else if (!(acl.resourceName === WILDCARD_RESOURCE && acl.patternType === PatternType.LITERAL)) {
        // Past every ACL named by a prefix longer than upTo: jump to the next shorter prefix.
        i = this.lowerBound(exemplar(resourceType, resourceName.slice(0, upTo), PatternType.UNKNOWN));
        continue;
      }
      const deny = consider(acl);
      if (deny) return { acl: deny, allowed: false };
      i++;
    }
    // 2. The wildcard `*` (LITERAL) ACLs of the resource type.
    for (i = this.lowerBound(exemplar(resourceType, WILDCARD_RESOURCE, PatternType.LITERAL)); i < list.length; i++) {
      const acl = list[i]!;
      if (acl.resourceType !== resourceType || acl.resourceName !== WILDCARD_RESOURCE || acl.patternType !== PatternType.LITERAL) break;
      const deny = consider(acl);
      if (deny) return { acl: deny, allowed: false };
    }
    if (allow) return { acl: allow, allowed: true };
    if (hasResourceAcls) return "DefaultDeny";
    return this.allowIfNoAcl ? "DefaultAllow" : "DefaultDeny";
  }

  /**
   * Authorizer.authorizeByResourceType (KIP-679): whether the principal may do `operation` on
   * at least one resource of the type: allowed by a super user or a default allow (checked on the
   * name "hardcode"), or by an ALLOW ACL (LITERAL or PREFIXED) that no DENY ACL dominates.
   */
  authorizeByResourceType(principal: Principal, host: string, operation: number, resourceType: number): boolean {
    if (this.authorize(principal, host, operation, resourceType, "hardcode")) return true;
    const denyLiteral = new Set<string>(), denyPrefixed = new Set<string>();
    const allowLiteral = new Set<string>(), allowPrefixed = new Set<string>();
    let wildcardAllow = false;
    for (const acl of this.sorted) {
      if (acl.resourceType !== resourceType) continue;
      if (acl.host !== host && acl.host !== WILDCARD_HOST) continue;
      const p = parsePrincipal(acl.principal);
      const samePrincipal = p !== null && p.type === principal.type && p.name === principal.name;
      if (!samePrincipal && acl.principal !== WILDCARD_PRINCIPAL) continue;
      if (acl.operation !== operation && acl.operation !== AclOperation.ALL) continue;
      if (acl.permissionType === AclPermissionType.DENY) {
        if (acl.patternType === PatternType.LITERAL) {
          if (acl.resourceName === WILDCARD_RESOURCE) return false;
          denyLiteral.add(acl.resourceName);
        } else if (acl.patternType === PatternType.PREFIXED) {
          denyPrefixed.add(acl.resourceName);
        }
        continue;
      }
      if (acl.permissionType !== AclPermissionType.ALLOW) continue;
      if (acl.patternType === PatternType.LITERAL) {
        if (acl.resourceName === WILDCARD_RESOURCE) wildcardAllow = true;
        else allowLiteral.add(acl.resourceName);
      } else if (acl.patternType === PatternType.PREFIXED) {
        allowPrefixed.add(acl.resourceName);
      }
    }
    if (wildcardAllow) return true;
    const dominated = (name: string) => {
      for (let n = 1; n <= name.length; n++) if (denyPrefixed.has(name.slice(0, n))) return true;
      return false;
    };
    for (const name of allowLiteral) if (!denyLiteral.has(name) && !dominated(name)) return true;
    for (const name of allowPrefixed) if (!dominated(name)) return true;
    return false;
  }

  /** AuthHelper.authorizedOperations: the bit field of the resource type's operations allowed. */
  authorizedOperations(principal: Principal, host: string, resourceType: number, resourceName: string): number {
    const ops = SUPPORTED_OPERATIONS[resourceType] ?? [];
    return operationBits(ops.filter((op) => this.authorize(principal, host, op, resourceType, resourceName)));
  }

  /** First index whose ACL sorts at or after `acl`. */
  private lowerBound(acl: AclBinding): number {
    let lo = 0, hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareAcls(this.sorted[mid]!, acl) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A search key that sorts before every ACL of (type, name, pattern) (UNKNOWN codes, empty strings). */
function exemplar(resourceType: number, resourceName: string, patternType: number): AclBinding {
  return { resourceType, resourceName, patternType, principal: "", host: "", operation: AclOperation.UNKNOWN, permissionType: AclPermissionType.UNKNOWN };
}

/** How many leading characters the two names share (StandardAuthorizerData.matchesUpTo). */
function matchesUpTo(resource: string, pattern: string): number {
  const n = Math.min(resource.length, pattern.length);
  let i = 0;
  while (i < n && resource.charCodeAt(i) === pattern.charCodeAt(i)) i++;
  return i;
}

/**
 * StandardAuthorizerData.findResult for an ACL whose name applies: ALLOW or DENY when its
 * principal, host and operation match, else null.
 */
function aclResult(operation: number, principal: Principal, host: string, acl: AclBinding): number | null {
  const p = parsePrincipal(acl.principal);
  if (p === null) return null;
  const principalMatches = (p.type === principal.type && p.name === principal.name) || (p.type === "User" && p.name === "*");
  if (!principalMatches) return null;
  if (acl.host !== WILDCARD_HOST && acl.host !== host) return null;
  if (acl.operation !== AclOperation.ALL) {
    if (acl.permissionType === AclPermissionType.ALLOW) {
      if (operation === AclOperation.DESCRIBE) {
        if (!IMPLIES_DESCRIBE.has(acl.operation)) return null;
      } else if (operation === AclOperation.DESCRIBE_CONFIGS) {
        if (!IMPLIES_DESCRIBE_CONFIGS.has(acl.operation)) return null;
      } else if (operation !== acl.operation) {
        return null;
      }
    } else if (operation !== acl.operation) {
      return null;
    }
  }
  return acl.permissionType === AclPermissionType.ALLOW ? AclPermissionType.ALLOW : AclPermissionType.DENY;
}

/**
 * The client address as Java's InetAddress.getHostAddress prints it, the form Kafka ACL hosts are
 * written in: an IPv4-mapped IPv6 address as IPv4, other IPv6 addresses as eight groups of
 * hexadecimal without leading zeros or "::" ("0:0:0:0:0:0:0:1").
 */
export function javaHostAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(":")) return address;
  const [raw, scope] = address.split("%", 2) as [string, string | undefined];
  // An embedded IPv4 tail (::1.2.3.4) is two more groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(raw);
  const addr = v4 === null ? raw : raw.slice(0, v4.index) +
    ((Number(v4[1]) << 8) | Number(v4[2])).toString(16) + ":" + ((Number(v4[3]) << 8) | Number(v4[4])).toString(16);
  let groups: string[];
  if (addr.includes("::")) {
    const [l, r] = addr.split("::", 2) as [string, string];
    const left = l === "" ? [] : l.split(":");
    const right = r === "" ? [] : r.split(":");
    groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  } else {
    groups = addr.split(":");
  }
  const out = groups.map((g) => parseInt(g, 16).toString(16)).join(":");
  return scope === undefined ? out : `${out}%${scope}`;
}
