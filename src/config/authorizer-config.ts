// The authorizer's server.properties keys, read as Kafka's broker reads them:
// `authorizer.class.name` (empty: no authorizer, every request allowed; Kafka 4's KRaft
// authorizer org.apache.kafka.metadata.authorizer.StandardAuthorizer is the one Bunka has),
// `super.users` (StandardAuthorizer.getConfiguredSuperUsers: ';'-separated "Type:name", blanks
// skipped, an entry without ':' refused as SecurityUtils.parseKafkaPrincipal refuses it) and
// `allow.everyone.if.no.acl.found` (StandardAuthorizer.getDefaultResult: Boolean.parseBoolean,
// so anything but "true" in any case is false).

export const STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
export const AUTHORIZER_KEYS = ["authorizer.class.name", "super.users", "allow.everyone.if.no.acl.found"] as const;

export interface AuthorizerConfig {
  /** `super.users` entries as given, e.g. "User:admin". */
  superUsers: string[];
  allowEveryoneIfNoAclFound: boolean;
}

/** null when no authorizer is configured; throws Error(message) for a value Kafka would refuse. */
export function authorizerConfigFrom(get: (key: string) => string | undefined): AuthorizerConfig | null {
  const className = (get("authorizer.class.name") ?? "").trim();
  if (className === "") return null;
  if (className !== STANDARD_AUTHORIZER) {
    throw new Error(`authorizer.class.name=${className} is not supported: Bunka's authorizer is ${STANDARD_AUTHORIZER} (or leave it empty for none)`);
  }
  const superUsers: string[] = [];
  for (const entry of (get("super.users") ?? "").split(";")) {
    const v = entry.trim();
    if (v === "") continue;
    if (!v.includes(":")) throw new Error(`super.users: expected a string in format principalType:principalName but got ${v}`);
    superUsers.push(v);
  }
  const allow = (get("allow.everyone.if.no.acl.found") ?? "").trim().toLowerCase() === "true";
  return { superUsers, allowEveryoneIfNoAclFound: allow };
}
