// Authentication on the HTTP listener: HTTP Basic (RFC 7617) against the broker's SASL users,
// once any Kafka listener is a SASL one; without SASL listeners the HTTP listener is as open as
// a PLAINTEXT Kafka listener (no authentication, every request anonymous). The same users and
// passwords as the Kafka clients', so an operator needs no second user store:
//   - PLAIN: the `user_<name>="<password>"` options of a SASL listener's PlainLoginModule JAAS
//     entry (Kafka's PlainServerCallbackHandler), compared in constant time;
//   - SCRAM-SHA-256 / SCRAM-SHA-512: the credentials in __cluster_metadata (kafka-configs
//     --alter --add-config 'SCRAM-SHA-256=[password=...]', bunka.add.scram): the password is
//     salted with the stored salt and iterations and its StoredKey compared with the stored one,
//     as a SCRAM server checks a client proof.
// A success is remembered for CACHE_MS (by a hash of the Authorization header), so a console
// page's many calls do not each pay thousands of PBKDF2 rounds. Basic sends the password with
// every request: put TLS in front (a reverse proxy) when the network is not trusted.
// Not done: OAUTHBEARER users (a bearer token is not a password), mTLS principals.

import { createHash, timingSafeEqual } from "node:crypto";
import type { BrokerConfig } from "../config/broker-config.ts";
import type { StoredScramCredential } from "../storage/cluster-metadata.ts";
import { clientKey, hash, saltedPassword, SCRAM_MECHANISMS } from "../security/scram.ts";
import { userPrincipal, type Principal } from "../security/principal.ts";
import type { HttpAuthenticator } from "./server.ts";

const CACHE_MS = 60_000;
const CACHE_MAX = 1024;

export interface ScramCredentialSource {
  scramCredential(mechanism: number, user: string): StoredScramCredential | undefined;
}

/** The authenticator for the broker's HTTP listener, or null when no listener uses SASL. */
export function saslBasicAuthenticator(config: Pick<BrokerConfig, "listenerSecurity">, credentials: ScramCredentialSource,
  now: () => number = Date.now): HttpAuthenticator | null {
  const sasl = [...config.listenerSecurity.values()].map((s) => s.sasl).filter((s) => s !== null);
  if (sasl.length === 0) return null;
  const plainUsers = new Map<string, string>();
  let scram = false;
  for (const s of sasl) {
    if (s.mechanisms.includes("PLAIN")) for (const [u, p] of s.plainUsers) if (!plainUsers.has(u)) plainUsers.set(u, p);
    if (s.mechanisms.some((m) => m.startsWith("SCRAM-"))) scram = true;
  }
  const verified = new Map<string, { user: string; until: number }>();
  return (req) => {
    const header = req.headers.get("authorization");
    if (header === null || !/^basic /i.test(header)) return null;
    const key = createHash("sha256").update(header).digest("base64");
    const cached = verified.get(key);
    if (cached !== undefined && cached.until > now()) return userPrincipal(cached.user);
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) return null;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    if (!checkPlain(plainUsers, user, password) && !(scram && checkScram(credentials, user, password))) return null;
    if (verified.size >= CACHE_MAX) verified.clear();
    verified.set(key, { user, until: now() + CACHE_MS });
    return userPrincipal(user) satisfies Principal;
  };
}

function checkPlain(users: ReadonlyMap<string, string>, user: string, password: string): boolean {
  const expected = users.get(user);
  if (expected === undefined) return false;
  const a = Buffer.from(password, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkScram(source: ScramCredentialSource, user: string, password: string): boolean {
  for (const m of SCRAM_MECHANISMS) {
    const stored = source.scramCredential(m.type, user);
    if (stored === undefined) continue;
    const storedKey = hash(m, clientKey(m, saltedPassword(m, password, stored.salt, stored.iterations)));
    if (storedKey.length === stored.storedKey.length && timingSafeEqual(storedKey, stored.storedKey)) return true;
  }
  return false;
}
