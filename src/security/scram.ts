// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's ScramSaslServer and
// ScramFormatter do them:
//
//   SaltedPassword = PBKDF2-HMAC-H(password as UTF-8, salt, iterations)   (no SASLprep, as Kafka)
//   ClientKey = HMAC(SaltedPassword, "Client Key")   StoredKey = H(ClientKey)
//   ServerKey = HMAC(SaltedPassword, "Server Key")
//   AuthMessage = client-first-bare "," server-first "," client-final-without-proof
//   ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage); ServerSignature = HMAC(ServerKey, AuthMessage)
//
// The server keeps only salt, StoredKey, ServerKey and the iteration count (Kafka's
// UserScramCredentialRecord). Messages: client-first `n,[a=<authzid>],n=<saslname>,r=<nonce>[,ext]`
// (gs2 "n" only: no channel binding), server-first `r=<client nonce><server nonce>,s=<salt>,i=<n>`,
// client-final `c=<b64>,r=<nonce>[,ext],p=<proof>`, server-final `v=<signature>`. Kafka's checks
// and messages: a bad message, an unknown user, too few iterations or a wrong proof fail with
// the generic "invalid credentials" answer (SaslException); an authzid other than the user name
// has its own message (SaslAuthenticationException). The tokenauth extension (delegation tokens)
// is not served: such a client fails as an unknown user.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

export interface ScramMechanism {
  name: "SCRAM-SHA-256" | "SCRAM-SHA-512";
  /** Kafka's ScramMechanism type id (admin API and metadata records). */
  type: number;
  hash: "sha256" | "sha512";
  keyBytes: number;
  minIterations: number;
}

export const SCRAM_SHA_256: ScramMechanism = { name: "SCRAM-SHA-256", type: 1, hash: "sha256", keyBytes: 32, minIterations: 4096 };
export const SCRAM_SHA_512: ScramMechanism = { name: "SCRAM-SHA-512", type: 2, hash: "sha512", keyBytes: 64, minIterations: 4096 };
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [SCRAM_SHA_256, SCRAM_SHA_512];
/** Kafka's ScramControlManager.MAX_ITERATIONS. */
export const SCRAM_MAX_ITERATIONS = 16384;

export function scramMechanismByName(name: string): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === name);
}

export function scramMechanismByType(type: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.type === type);
}

/** What the server stores of a SCRAM password (UserScramCredentialRecord without name and mechanism). */
export interface ScramCredential {
  salt: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
  iterations: number;
}

const enc = new TextEncoder();

export function hmac(m: ScramMechanism, key: Uint8Array, data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHmac(m.hash, key).update(data).digest());
}

export function hash(m: ScramMechanism, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(m.hash).update(data).digest());
}

export function saltedPassword(m: ScramMechanism, password: string, salt: Uint8Array, iterations: number): Uint8Array {
  return new Uint8Array(pbkdf2Sync(enc.encode(password), salt, iterations, m.keyBytes, m.hash));
}

export function clientKey(m: ScramMechanism, salted: Uint8Array): Uint8Array {
  return hmac(m, salted, "Client Key");
}

/** The stored credential for a salted password, as Kafka's ScramControlManager derives it. */
export function credentialFromSaltedPassword(m: ScramMechanism, salted: Uint8Array, salt: Uint8Array, iterations: number): ScramCredential {
  return { salt, storedKey: hash(m, clientKey(m, salted)), serverKey: hmac(m, salted, "Server Key"), iterations };
}

export function credentialFromPassword(m: ScramMechanism, password: string, iterations: number, salt: Uint8Array = randomSalt()): ScramCredential {
  return credentialFromSaltedPassword(m, saltedPassword(m, password, salt, iterations), salt, iterations);
}

/** A salt as Kafka's ScramFormatter.secureRandomBytes makes one (the bytes of a random base-36 string). */
export function randomSalt(): Uint8Array {
  return enc.encode(randomNonce());
}

/** Kafka's ScramFormatter.secureRandomString: 130 random bits in base 36. */
export function randomNonce(): string {
  return BigInt("0x" + Buffer.from(randomBytes(17)).toString("hex")).toString(36).slice(0, 26).padStart(26, "0");
}

export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ (b[i] ?? 0);
  return out;
}

/** A SCRAM saslname (`=2C` is ",", `=3D` is "=") as Kafka's ScramFormatter.username reads it. */
export function usernameOf(saslName: string): string {
  return saslName.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

export function saslNameOf(username: string): string {
  return username.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

// Kafka's ScramMessages patterns.
const SASLNAME = "(?:[\\x01-\\x2B\\x2D-\\x3C\\x3E-\\x7F]|=2C|=3D)+";
const PRINTABLE = "[\\x21-\\x2B\\x2D-\\x7E]+";
const BASE64 = "(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?";
const VALUE = "[\\x01-\\x2B\\x2D-\\x7F]+";
const EXTENSIONS = `(?:,[A-Za-z]+=${VALUE})*`;
const CLIENT_FIRST = new RegExp(`^n,(?:a=(${SASLNAME}))?,(?:m=${VALUE},)?(n=(${SASLNAME}),r=(${PRINTABLE})(${EXTENSIONS}))$`);
const CLIENT_FINAL = new RegExp(`^(c=(${BASE64}),r=(${PRINTABLE})${EXTENSIONS}),p=(${BASE64})$`);

/** A failure whose message Kafka sends to the client as it is (SaslAuthenticationException). */
export class SaslAuthenticationError extends Error {}
/** A failure Kafka answers with its generic "invalid credentials" message (SaslException). */
export class SaslCredentialError extends Error {}
/** A failure Kafka does not answer at all (another exception): the connection is just closed. */
export class SaslUnansweredError extends Error {}

/** The server side of one SCRAM exchange (Kafka's ScramSaslServer). */
export class ScramServer {
  private state: "first" | "final" | "complete" | "failed" = "first";
  private clientFirstBare = "";
  private serverFirst = "";
  private nonce = "";
  private credential: ScramCredential | null = null;
  authorizationId = "";
  /** The user name the client gave (for the failed-authentication log line). */
  attemptedUser: string | null = null;

  constructor(readonly mechanism: ScramMechanism, private readonly lookup: (user: string) => ScramCredential | undefined,
    private readonly serverNonce: () => string = randomNonce) {}

  get complete(): boolean {
    return this.state === "complete";
  }

  evaluate(token: Uint8Array): Uint8Array {
    try {
      return this.step(new TextDecoder("utf-8", { fatal: false }).decode(token));
    } catch (e) {
      this.state = "failed";
      this.credential = null;
      throw e;
    }
  }

  private step(message: string): Uint8Array {
    switch (this.state) {
      case "first": {
        const m = CLIENT_FIRST.exec(message);
        if (m === null) throw new SaslCredentialError(`Invalid SCRAM client first message format: ${message}`);
        const [, authzid, bare, saslName, clientNonce, extensions] = m;
        const username = usernameOf(saslName!);
        this.attemptedUser = username;
        const tokenAuth = /,tokenauth=true(?:,|$)/i.test(extensions!);
        const credential = tokenAuth ? undefined : this.lookup(username);
        if (credential === undefined) throw new SaslCredentialError("Authentication failed: Invalid user credentials");
        if (authzid !== undefined && authzid !== "" && authzid !== username) {
          throw new SaslAuthenticationError("Authentication failed: Client requested an authorization id that is different from username");
        }
        if (credential.iterations < this.mechanism.minIterations) {
          throw new SaslCredentialError(`Iterations ${credential.iterations} is less than the minimum ${this.mechanism.minIterations} for ${this.mechanism.name}`);
        }
        this.authorizationId = username;
        this.credential = credential;
        this.clientFirstBare = bare!;
        this.nonce = clientNonce! + this.serverNonce();
        this.serverFirst = `r=${this.nonce},s=${Buffer.from(credential.salt).toString("base64")},i=${credential.iterations}`;
        this.state = "final";
        return enc.encode(this.serverFirst);
      }
      case "final": {
        const m = CLIENT_FINAL.exec(message);
        if (m === null) throw new SaslCredentialError(`Invalid SCRAM client final message format: ${message}`);
        const [, withoutProof, , nonce, proofB64] = m;
        if (!nonce!.endsWith(this.nonce)) throw new SaslCredentialError("Invalid client nonce in the final client message.");
        const credential = this.credential!;
        const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
        const signature = hmac(this.mechanism, credential.storedKey, authMessage);
        const proof = new Uint8Array(Buffer.from(proofB64!, "base64"));
        if (proof.length !== signature.length) throw new SaslCredentialError("Invalid client credentials");
        const computedStoredKey = hash(this.mechanism, xor(proof, signature));
        if (!timingSafeEqual(computedStoredKey, credential.storedKey)) throw new SaslCredentialError("Invalid client credentials");
        const serverSignature = hmac(this.mechanism, credential.serverKey, authMessage);
        this.credential = null;
        this.state = "complete";
        return enc.encode(`v=${Buffer.from(serverSignature).toString("base64")}`);
      }
      default:
        throw new SaslCredentialError(`Unexpected challenge in Sasl server state ${this.state}`);
    }
  }
}
