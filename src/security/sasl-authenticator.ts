// One connection's SASL state on a SASL_PLAINTEXT or SASL_SSL listener, as Kafka's
// SaslServerAuthenticator keeps it (the connection asks admit() before each request):
//
//   HANDSHAKE_OR_VERSIONS  ApiVersions (→ HANDSHAKE) or SaslHandshake; anything else closes the
//                          connection without an answer ("Unexpected Kafka request of type X
//                          during SASL handshake.")
//   HANDSHAKE              SaslHandshake only (a second ApiVersions closes the connection)
//   AUTHENTICATE           SaslAuthenticate only (handshake v1); another request is answered with
//                          its own error response carrying ILLEGAL_SASL_STATE, then closed. After
//                          a v0 handshake the frames are raw SASL tokens (evaluateRaw), answered
//                          as raw size-prefixed tokens.
//   COMPLETE               everything; the principal is User:<authorization id>
//
// An unsupported mechanism is answered UNSUPPORTED_SASL_MECHANISM with the enabled list, and a
// failed exchange SASL_AUTHENTICATION_FAILED with Kafka's message; both then close the
// connection after the answer (`failure`). Re-authentication (KIP-368): with
// connections.max.reauth.ms > 0 the session lasts that long (session_lifetime_ms, SaslAuthenticate
// v1+); once it is over the next request closes the connection, unless it is a SaslHandshake,
// which (at most once a second) starts re-authentication with the same mechanism (another is
// refused) and the same principal (else "Cannot change principals during re-authentication").
// SaslHandshake lists the mechanisms in the order Kafka does: it puts sasl.enabled.mechanisms
// through a java.util.HashSet (SaslServerAuthenticator), so javaHashSetOrder() rebuilds that order.

import type { SaslSettings } from "../config/listener-security.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { ANONYMOUS, userPrincipal, type Principal } from "./principal.ts";
import { PlainServer } from "./plain.ts";
import { DEFAULT_OAUTHBEARER_SETTINGS, OAuthBearerServer } from "./oauthbearer.ts";
import { SaslAuthenticationError, SaslUnansweredError, ScramServer, scramMechanismByName, type ScramCredential } from "./scram.ts";

export type SaslState = "HANDSHAKE_OR_VERSIONS" | "HANDSHAKE" | "AUTHENTICATE" | "REAUTH_BAD_MECHANISM" | "COMPLETE" | "FAILED";

const API_VERSIONS = 18;
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const { UNSUPPORTED_SASL_MECHANISM, SASL_AUTHENTICATION_FAILED } = ErrorCode;

/** What the connection does with a request. */
export type Admission =
  | { serve: true }
  /** Closed; `answer`: first answer the request with its error response (ILLEGAL_SASL_STATE, reason). */
  | { serve: false; reason: string; answer: boolean };

interface MechanismServer {
  evaluate(token: Uint8Array): Uint8Array;
  readonly complete: boolean;
  readonly authorizationId: string;
  /** When the credential expires (OAUTHBEARER's token), if it does. */
  readonly credentialExpiresAtMs?: number | null;
  /** The user the client claimed to be, once read. */
  readonly attemptedUser: string | null;
}

export interface SaslAuthenticateResult {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Uint8Array;
  sessionLifetimeMs: number;
}

export class SaslAuthenticator {
  state: SaslState = "HANDSHAKE_OR_VERSIONS";
  /** The mechanism agreed by the last handshake. */
  mechanism: string | null = null;
  /** Set once authenticated (and kept through re-authentication). */
  principal: Principal | null = null;
  /** After a v0 handshake: the frames until authentication completes are raw tokens. */
  rawTokens = false;
  /** Why the connection must close once the current answer is written, or null. */
  failure: string | null = null;
  /** The user name a failed exchange was for (for the log line), when known. */
  attemptedUser: string | null = null;
  /** When the session ends (ms since the epoch), or null for never. */
  sessionExpiresAtMs: number | null = null;
  private reauthenticating = false;
  private lastSessionLifetimeMs = 0;
  private lastReauthenticationStartMs: number | null = null;
  private badMechanismMessage = "";
  private server: MechanismServer | null = null;
  private handshakeOrder: string[] | null = null;

  constructor(private readonly settings: SaslSettings,
    private readonly scramCredential: (mechanism: string, user: string) => ScramCredential | undefined,
    private readonly now: () => number = Date.now) {}

  get authenticated(): boolean {
    return this.state === "COMPLETE";
  }

  /** sasl.server.max.receive.size: the largest frame before authentication. */
  get maxReceiveBytes(): number {
    return this.settings.maxReceiveBytes;
  }

  /** As SaslHandshake lists them (Kafka's HashSet order). */
  get enabledMechanisms(): string[] {
    return (this.handshakeOrder ??= javaHashSetOrder(this.settings.mechanisms));
  }

  /** Whether a request of this API may be served now (Kafka's SaslServerAuthenticator and SocketServer). */
  admit(apiKey: number): Admission {
    switch (this.state) {
      case "COMPLETE":
        // KafkaChannel.maybeBeginServerReauthentication: only when the session has an end, and
        // at most once a second; otherwise the handshake reaches the handler (ILLEGAL_SASL_STATE).
        if (apiKey === SASL_HANDSHAKE && this.sessionExpiresAtMs !== null &&
            (this.lastReauthenticationStartMs === null || this.now() - this.lastReauthenticationStartMs >= 1000)) {
          this.lastReauthenticationStartMs = this.now();
          this.reauthenticating = true;
          this.state = "HANDSHAKE";
          return { serve: true };
        }
        if (this.sessionExpiresAtMs !== null && this.now() >= this.sessionExpiresAtMs) {
          return { serve: false, reason: "the SASL session expired (connections.max.reauth.ms) without re-authentication", answer: false };
        }
        return { serve: true };
      case "HANDSHAKE_OR_VERSIONS":
        if (apiKey === API_VERSIONS || apiKey === SASL_HANDSHAKE) return { serve: true };
        return this.fail(`Unexpected Kafka request of type ${apiKey} during SASL handshake.`, false);
      case "HANDSHAKE":
        if (apiKey === SASL_HANDSHAKE) return { serve: true };
        if (apiKey === API_VERSIONS) return this.fail("Unexpected ApiVersions request received during SASL authentication state HANDSHAKE_REQUEST", false);
        return this.fail(`Unexpected Kafka request of type ${apiKey} during SASL handshake.`, false);
      case "AUTHENTICATE":
        if (apiKey === SASL_AUTHENTICATE && !this.rawTokens) return { serve: true };
        return this.fail(`Unexpected Kafka request of type ${apiKey} during SASL authentication.`, true);
      case "REAUTH_BAD_MECHANISM":
        return this.fail(this.badMechanismMessage, false);
      case "FAILED":
        return { serve: false, reason: this.failure ?? "SASL authentication failed", answer: false };
    }
  }

  /**
   * An ApiVersions request was answered: only a handshake may follow (HANDSHAKE_REQUEST). One
   * answered UNSUPPORTED_VERSION does not count, so the client can retry with an older version.
   */
  apiVersionsAnswered(): void {
    if (this.state === "HANDSHAKE_OR_VERSIONS") this.state = "HANDSHAKE";
  }

  private fail(reason: string, answer: boolean): Admission {
    this.state = "FAILED";
    this.failure = reason;
    return { serve: false, reason, answer };
  }

  /** SaslHandshake: the mechanisms enabled, and whether the client's is one of them. */
  handshake(mechanism: string, version: number): { errorCode: number; mechanisms: string[] } {
    const mechanisms = this.enabledMechanisms;
    if (!mechanisms.includes(mechanism)) {
      this.state = "FAILED";
      this.failure = `Unsupported SASL mechanism ${mechanism}`;
      return { errorCode: UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    if (this.reauthenticating && mechanism !== this.mechanism) {
      this.badMechanismMessage = `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${this.mechanism}'`;
      this.state = "REAUTH_BAD_MECHANISM";
      return { errorCode: 0, mechanisms };
    }
    this.mechanism = mechanism;
    this.rawTokens = version === 0;
    const scram = scramMechanismByName(mechanism);
    this.server = scram !== undefined ? new ScramServer(scram, (user) => this.scramCredential(mechanism, user))
      : mechanism === "OAUTHBEARER" ? new OAuthBearerServer(this.settings.oauthbearer ?? DEFAULT_OAUTHBEARER_SETTINGS, this.now)
      : new PlainServer(this.settings.plainUsers);
    this.state = "AUTHENTICATE";
    return { errorCode: 0, mechanisms };
  }

  /**
   * SaslAuthenticate (handshake v1): one token of the exchange; null when Kafka sends no answer
   * and closes the connection (`failure` is then set).
   */
  authenticate(token: Uint8Array, version: number): SaslAuthenticateResult | null {
    try {
      const authBytes = this.evaluate(token);
      // Kafka leaves error_message at its default, "", on success.
      return { errorCode: 0, errorMessage: "", authBytes, sessionLifetimeMs: this.authenticated ? this.lastSessionLifetimeMs : 0 };
    } catch (e) {
      if (e instanceof SaslUnansweredError) return null;
      return { errorCode: SASL_AUTHENTICATION_FAILED, errorMessage: this.failure, authBytes: new Uint8Array(0), sessionLifetimeMs: 0 };
    }
  }

  /** A raw token after a v0 handshake: the answer token; throws when the exchange failed. */
  evaluateRaw(token: Uint8Array): Uint8Array {
    return this.evaluate(token);
  }

  private evaluate(token: Uint8Array): Uint8Array {
    const server = this.server!;
    let response: Uint8Array;
    try {
      response = server.evaluate(token);
      if (server.complete && this.reauthenticating && this.principal !== null && this.principal.name !== server.authorizationId) {
        throw new SaslAuthenticationError(`Cannot change principals during re-authentication from ${this.principal.type}.${this.principal.name}: ` +
          `User.${server.authorizationId}`);
      }
    } catch (e) {
      this.state = "FAILED";
      this.attemptedUser = server.attemptedUser;
      // Kafka sends a SaslAuthenticationException's own message; for any other failure a generic
      // one, so that nothing (such as whether the user exists) leaks to the client.
      this.failure = e instanceof SaslAuthenticationError ? e.message
        : `Authentication failed during ${this.reauthenticating ? "re-authentication" : "authentication"} due to invalid credentials with SASL mechanism ${this.mechanism}`;
      throw e;
    }
    if (server.complete) {
      this.principal = userPrincipal(server.authorizationId);
      this.lastSessionLifetimeMs = this.sessionLifetimeMs(server.credentialExpiresAtMs ?? null);
      this.state = "COMPLETE";
      this.rawTokens = false;
      this.reauthenticating = false;
      this.server = null;
    }
    return response;
  }

  /**
   * ReauthInfo.calcCompletionTimesAndReturnSessionLifetimeMs: connections.max.reauth.ms when set,
   * but never past the credential's expiry (an OAUTHBEARER token's exp); 0 and no end otherwise.
   */
  private sessionLifetimeMs(credentialExpiresAtMs: number | null): number {
    const max = this.settings.maxReauthMs.get(this.mechanism!) ?? 0;
    const now = this.now();
    if (credentialExpiresAtMs === null && max <= 0) {
      this.sessionExpiresAtMs = null;
      return 0;
    }
    const lifetime = Math.max(0, credentialExpiresAtMs === null ? max : max <= 0 ? credentialExpiresAtMs - now : Math.min(credentialExpiresAtMs - now, max));
    this.sessionExpiresAtMs = now + lifetime;
    return lifetime;
  }

  /** The principal requests are served as (ANONYMOUS until authenticated). */
  get currentPrincipal(): Principal {
    return this.principal ?? ANONYMOUS;
  }
}

/** Java's String.hashCode (UTF-16 code units, int32 arithmetic). */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The iteration order of `new HashSet<>(list)` in Java: buckets of a table of
 * max(n / 0.75 + 1, 16) rounded up to a power of two, by (h ^ h >>> 16) & (size - 1), and
 * insertion order within a bucket (too few names here for a bucket to become a tree).
 */
export function javaHashSetOrder(list: readonly string[]): string[] {
  const unique = [...new Set(list)];
  let size = 1;
  while (size < Math.max(Math.floor(unique.length / 0.75) + 1, 16)) size *= 2;
  const bucket = (s: string) => {
    const h = javaStringHash(s);
    return (h ^ (h >>> 16)) & (size - 1);
  };
  return unique.map((s, i) => ({ s, i, b: bucket(s) })).sort((x, y) => x.b - y.b || x.i - y.i).map((x) => x.s);
}
