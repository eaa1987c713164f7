// AlterUserScramCredentials (51), v0: SCRAM credentials set and removed in __cluster_metadata
// (UserScramCredentialRecord, RemoveUserScramCredentialRecord), all in one batch, as Kafka's
// ScramControlManager.alterCredentials checks them: a user altered twice in the request is
// DUPLICATE_RESOURCE ("A user credential cannot be altered twice in the same request"), an empty
// name UNACCEPTABLE_CREDENTIAL ("Username must not be empty"), an unknown mechanism
// UNSUPPORTED_SASL_MECHANISM ("Unknown SCRAM mechanism"), iterations below 4096 or above 16384
// UNACCEPTABLE_CREDENTIAL ("Too few iterations" / "Too many iterations"), removing a credential
// that does not exist RESOURCE_NOT_FOUND ("Attempt to delete a user credential that does not
// exist"). The client sends the salt and salted password; the server keeps StoredKey and
// ServerKey derived from it. Results: removals, then upserts, then errors (Kafka's order, its
// hash maps aside). Needs ALTER on the cluster (ControllerApis), else every user named is
// CLUSTER_AUTHORIZATION_FAILED (sorted by name, as Kafka's getErrorResponse lists them).

import {
  ALTER_USER_SCRAM_CREDENTIALS, readAlterUserScramCredentialsRequest, writeAlterUserScramCredentialsResponse,
  type AlterUserScramCredentialsRequest, type AlterUserScramCredentialsResponse,
} from "../protocol/messages/alter-user-scram-credentials.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { SCRAM_MAX_ITERATIONS, credentialFromSaltedPassword, scramMechanismByType } from "../security/scram.ts";
import type { ScramCredentialChange } from "../storage/cluster-metadata.ts";
import { registerApi } from "./registry.ts";
import { AclOperation, authorizeCluster } from "./authorization.ts";

type Result = AlterUserScramCredentialsResponse["results"][number];
type Failure = { errorCode: number; errorMessage: string };

const DUPLICATE: Failure = { errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: "A user credential cannot be altered twice in the same request" };

function checkNameAndMechanism(name: string, mechanism: number): Failure | null {
  if (name === "") return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: "Username must not be empty" };
  if (scramMechanismByType(mechanism) === undefined) return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: "Unknown SCRAM mechanism" };
  return null;
}

registerApi<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>({
  spec: ALTER_USER_SCRAM_CREDENTIALS,
  readRequest: readAlterUserScramCredentialsRequest,
  writeResponse: writeAlterUserScramCredentialsResponse,
  handle(request, ctx) {
    authorizeCluster(ctx, AclOperation.ALTER);
    const metadata = ctx.broker.store.metadata;
    const deletions = new Map<string, ScramCredentialChange>();
    const upserts = new Map<string, ScramCredentialChange>();
    const errors = new Map<string, Failure>();
    for (const d of request.deletions) {
      if (errors.has(d.name)) continue;
      if (deletions.delete(d.name)) {
        errors.set(d.name, DUPLICATE);
        continue;
      }
      const failure = checkNameAndMechanism(d.name, d.mechanism)
        ?? (metadata.scramCredential(d.mechanism, d.name) === undefined
          ? { errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to delete a user credential that does not exist" } : null);
      if (failure !== null) errors.set(d.name, failure);
      else deletions.set(d.name, { user: d.name, mechanism: d.mechanism, credential: null });
    }
    for (const u of request.upsertions) {
      if (errors.has(u.name)) continue;
      if (deletions.delete(u.name) || upserts.delete(u.name)) {
        errors.set(u.name, DUPLICATE);
        continue;
      }
      let failure = checkNameAndMechanism(u.name, u.mechanism);
      const mechanism = scramMechanismByType(u.mechanism);
      if (failure === null && u.iterations < mechanism!.minIterations) failure = { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: "Too few iterations" };
      if (failure === null && u.iterations > SCRAM_MAX_ITERATIONS) failure = { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: "Too many iterations" };
      if (failure !== null) {
        errors.set(u.name, failure);
        continue;
      }
      // The request's byte fields are views of the receive buffer: copied before they are kept.
      const credential = credentialFromSaltedPassword(mechanism!, u.saltedPassword.slice(), u.salt.slice(), u.iterations);
      upserts.set(u.name, { user: u.name, mechanism: u.mechanism, credential });
    }
    metadata.alterScramCredentials([...deletions.values(), ...upserts.values()]);
    const results: Result[] = [];
    for (const user of [...deletions.keys(), ...upserts.keys()]) results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null });
    for (const [user, f] of errors) results.push({ user, ...f });
    return { throttleTimeMs: 0, results };
  },
  errorResponse(request, errorCode, errorMessage) {
    const users = new Set([...request.deletions.map((d) => d.name), ...request.upsertions.map((u) => u.name)]);
    return { throttleTimeMs: 0, results: [...users].sort().map((user) => ({ user, errorCode, errorMessage })) };
  },
});
