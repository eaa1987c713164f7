// DescribeUserScramCredentials (50), v0: the SCRAM mechanisms and iteration counts of users, from
// the credentials in __cluster_metadata, as Kafka's ScramImage.describe answers: no users (null or
// empty) means every user with a credential; a user without one is RESOURCE_NOT_FOUND
// ("Attempt to describe a user credential that does not exist: <user>"), a user named twice
// DUPLICATE_RESOURCE ("Cannot describe SCRAM credentials for the same user twice in a single
// request: <user>"). Kafka answers in hash-map order; Bunka in the request's order (every user:
// by name), mechanisms by type. Needs DESCRIBE on the cluster (KafkaApis), else the whole request
// is CLUSTER_AUTHORIZATION_FAILED "Cluster authorization failed." and, as Kafka's getErrorResponse
// writes it, one result per user asked for with that error and no user name.

import {
  DESCRIBE_USER_SCRAM_CREDENTIALS, readDescribeUserScramCredentialsRequest, writeDescribeUserScramCredentialsResponse,
  type DescribeUserScramCredentialsRequest, type DescribeUserScramCredentialsResponse,
} from "../protocol/messages/describe-user-scram-credentials.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi } from "./registry.ts";
import { AclOperation, AUTHORIZATION_FAILED_MESSAGES, authorize, ResourceType } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";

type Result = DescribeUserScramCredentialsResponse["results"][number];

registerApi<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>({
  spec: DESCRIBE_USER_SCRAM_CREDENTIALS,
  readRequest: readDescribeUserScramCredentialsRequest,
  writeResponse: writeDescribeUserScramCredentialsResponse,
  handle(request, ctx) {
    if (!authorize(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) {
      const code = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      const message = AUTHORIZATION_FAILED_MESSAGES[code]!;
      return { throttleTimeMs: 0, errorCode: code, errorMessage: message,
        results: (request.users ?? []).map(() => ({ user: "", errorCode: code, errorMessage: message, credentialInfos: [] })) };
    }
    const credentials = ctx.broker.store.metadata.scramCredentials;
    const mechanisms = [...credentials.keys()].sort((a, b) => a - b);
    // user -> named more than once
    const users = new Map<string, boolean>();
    if (request.users === null || request.users.length === 0) {
      const all = new Set<string>();
      for (const byUser of credentials.values()) for (const user of byUser.keys()) all.add(user);
      for (const user of [...all].sort()) users.set(user, false);
    } else {
      for (const { name } of request.users) users.set(name, users.has(name));
    }
    const results: Result[] = [];
    for (const [user, duplicate] of users) {
      if (duplicate) {
        results.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, credentialInfos: [],
          errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}` });
        continue;
      }
      const credentialInfos = [];
      for (const mechanism of mechanisms) {
        const credential = credentials.get(mechanism)!.get(user);
        if (credential !== undefined) credentialInfos.push({ mechanism, iterations: credential.iterations });
      }
      results.push(credentialInfos.length > 0
        ? { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos }
        : { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, credentialInfos: [],
            errorMessage: `Attempt to describe a user credential that does not exist: ${user}` });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
  errorResponse(_request, errorCode, errorMessage) {
    return { throttleTimeMs: 0, errorCode, errorMessage, results: [] };
  },
});
