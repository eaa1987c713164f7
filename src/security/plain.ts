// SASL/PLAIN (RFC 4616) as Kafka's PlainSaslServer reads it: `[authzid] NUL authcid NUL passwd`,
// checked against the `user_<name>` options of the listener's PlainLoginModule JAAS entry
// (PlainServerCallbackHandler). Every failure is a SaslAuthenticationException in Kafka, so its
// message reaches the client as it is.

import { timingSafeEqual } from "node:crypto";
import { SaslAuthenticationError } from "./scram.ts";

export class PlainServer {
  authorizationId = "";
  complete = false;
  /** The user name the client gave (for the failed-authentication log line). */
  attemptedUser: string | null = null;

  constructor(private readonly users: ReadonlyMap<string, string>) {}

  evaluate(token: Uint8Array): Uint8Array {
    const text = new TextDecoder().decode(token);
    // PlainSaslServer.extractTokens: at most 4 pieces split on NUL; exactly 3 are wanted.
    const tokens: string[] = [];
    let start = 0;
    for (let i = 0; i < 4; i++) {
      const end = text.indexOf("\u0000", start);
      if (end < 0) {
        tokens.push(text.slice(start));
        break;
      }
      tokens.push(text.slice(start, end));
      start = end + 1;
    }
    if (tokens.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${tokens.length}`);
    const [authzid, username, password] = tokens as [string, string, string];
    this.attemptedUser = username;
    if (username === "") throw new SaslAuthenticationError("Authentication failed: username not specified");
    if (password === "") throw new SaslAuthenticationError("Authentication failed: password not specified");
    const expected = this.users.get(username);
    if (expected === undefined || !samePassword(password, expected)) {
      throw new SaslAuthenticationError("Authentication failed: Invalid username or password");
    }
    if (authzid !== "" && authzid !== username) {
      throw new SaslAuthenticationError("Authentication failed: Client requested an authorization id that is different from username");
    }
    this.authorizationId = username;
    this.complete = true;
    return new Uint8Array(0);
  }
}

function samePassword(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
