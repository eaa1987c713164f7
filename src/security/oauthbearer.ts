// SASL/OAUTHBEARER (RFC 7628) with unsecured JWTs, as Kafka's OAuthBearerSaslServer and its
// default OAuthBearerUnsecuredValidatorCallbackHandler check them (for development and tests:
// nothing is signed). The client's message is `n,[a=<authzid>],\x01auth=Bearer <token>\x01[k=v\x01]\x01`;
// the token is `<base64url header>.<base64url claims>.` with header alg "none" and no signature.
// Checked: the principal claim (unsecuredValidatorPrincipalClaimName, default "sub") is a
// string, `iat` (if any) is not in the future, `exp` exists and is in the future (both with
// unsecuredValidatorAllowableClockSkewMs, default 0), exp after iat, and the scope claim
// (unsecuredValidatorScopeClaimName, default "scope") holds unsecuredValidatorRequiredScope. A
// token that fails is answered with a challenge, Kafka's JSON `{"status":"invalid_token"}`
// (`"insufficient_scope"` with the missing scope); the client's \x01 acknowledgement then fails
// the exchange with that JSON as the message. A malformed message fails with the generic
// answer. The session cannot outlive the token: Kafka's credential lifetime is `exp`.

import { SaslAuthenticationError, SaslCredentialError, SaslUnansweredError } from "./scram.ts";
import type { OAuthBearerSettings } from "../config/listener-security.ts";

export { DEFAULT_OAUTHBEARER_SETTINGS, type OAuthBearerSettings } from "../config/listener-security.ts";

const SEP = "\u0001";
const SASLNAME = "(?:[\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]|=2C|=3D)+";
const KVPAIRS = `(?:[A-Za-z]+=[\\x21-\\x7E \\t\\r\\n]+${SEP})*`;
const INITIAL_RESPONSE = new RegExp(`^n,(?:a=(${SASLNAME}))?,${SEP}(${KVPAIRS})${SEP}$`);
const AUTH = /^(\w+) +([-_~+/.a-zA-Z0-9]+=*)$/;

class IllegalToken extends Error {
  constructor(message: string, readonly scope: string | null = null) {
    super(message);
  }
}

function decodeJson(part: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new IllegalToken("malformed Base64 URL encoded value");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
  } catch {
    throw new IllegalToken("malformed JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new IllegalToken("malformed JSON");
  return value as Record<string, unknown>;
}

/** The principal and expiry (ms) of a valid unsecured JWT, as Kafka's unsecured validator checks it. */
export function validateUnsecuredJwt(token: string, s: OAuthBearerSettings, nowMs: number): { principal: string; expiresAtMs: number } {
  const parts = token.split(".");
  if (parts.length !== 3) throw new IllegalToken("Unsecured JWS compact serializations must have 3 dot-separated Base64URL-encoded values");
  if (parts[2] !== "") throw new IllegalToken("Unsecured JWS must not contain a digital signature");
  const header = decodeJson(parts[0]!);
  if (header.alg !== "none") throw new IllegalToken("Unsecured JWS must have 'none' for an algorithm");
  const claims = decodeJson(parts[1]!);
  const principal = claims[s.principalClaimName];
  if (typeof principal !== "string" || principal === "") throw new IllegalToken(`Required claim missing or not a string: ${s.principalClaimName}`);
  const iat = claims.iat;
  if (iat !== undefined && typeof iat !== "number") throw new IllegalToken("iat is not a number");
  if (typeof iat === "number" && 1000 * iat > nowMs + s.allowableClockSkewMs) throw new IllegalToken("The Issued At value was after the indicated time");
  const exp = claims.exp;
  if (typeof exp !== "number") throw new IllegalToken("Required claim missing: exp");
  if (nowMs - s.allowableClockSkewMs >= 1000 * exp) throw new IllegalToken("The indicated time was on or after the Expiration Time value");
  if (typeof iat === "number" && exp <= iat) throw new IllegalToken("The Expiration Time was not after the Issued At time");
  if (s.requiredScope.length > 0) {
    const raw = claims[s.scopeClaimName];
    const scope = typeof raw === "string" ? raw.split(" ").filter((x) => x !== "") : Array.isArray(raw) ? raw.map(String) : [];
    for (const wanted of s.requiredScope) if (!scope.includes(wanted)) throw new IllegalToken(`The provided scope (${scope}) was missing a required scope (${wanted})`, `[${s.requiredScope.join(", ")}]`);
  }
  return { principal, expiresAtMs: Math.floor(1000 * exp) };
}

/** The server side of one OAUTHBEARER exchange (Kafka's OAuthBearerSaslServer). */
export class OAuthBearerServer {
  authorizationId = "";
  complete = false;
  /** When the token expires (ms): the session may not last longer. */
  credentialExpiresAtMs: number | null = null;
  private errorMessage: string | null = null;
  /** The token's principal, when it could be read (for the failed-authentication log line). */
  attemptedUser: string | null = null;

  constructor(private readonly settings: OAuthBearerSettings, private readonly now: () => number = Date.now) {}

  evaluate(token: Uint8Array): Uint8Array {
    if (token.length === 1 && token[0] === 1 && this.errorMessage !== null) throw new SaslAuthenticationError(this.errorMessage);
    this.errorMessage = null;
    const m = INITIAL_RESPONSE.exec(new TextDecoder().decode(token));
    if (m === null) throw new SaslCredentialError("Invalid OAUTHBEARER client first message");
    const [, authzid, kvpairs] = m;
    const properties = new Map<string, string>();
    for (const kv of kvpairs!.split(SEP)) {
      if (kv === "") continue;
      const eq = kv.indexOf("=");
      properties.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    const auth = properties.get("auth");
    if (auth === undefined) throw new SaslCredentialError("Invalid OAUTHBEARER client first message: 'auth' not specified");
    const a = AUTH.exec(auth);
    if (a === null) throw new SaslCredentialError("Invalid OAUTHBEARER client first message: invalid 'auth' format");
    // Kafka formats this message with a group its pattern lacks, so an IllegalArgumentException
    // escapes and the connection is closed without an answer (measured against Kafka 4.3.1).
    if (a[1]!.toLowerCase() !== "bearer") throw new SaslUnansweredError("Invalid scheme in OAUTHBEARER client first message");
    let valid;
    try {
      valid = validateUnsecuredJwt(a[2]!, this.settings, this.now());
    } catch (e) {
      if (!(e instanceof IllegalToken)) throw e;
      // OAuthBearerSaslServer.jsonErrorResponse
      this.errorMessage = e.scope === null ? '{"status":"invalid_token"}' : `{"status":"insufficient_scope", "scope":"${e.scope}"}`;
      return new TextEncoder().encode(this.errorMessage);
    }
    this.attemptedUser = valid.principal;
    if (authzid !== undefined && authzid !== "" && authzid !== valid.principal) {
      throw new SaslAuthenticationError(`Authentication failed: Client requested an authorization id (${authzid}) that is different from the token's principal name (${valid.principal})`);
    }
    this.authorizationId = valid.principal;
    this.credentialExpiresAtMs = valid.expiresAtMs;
    this.complete = true;
    return new Uint8Array(0);
  }
}
