// DescribeClientQuotas (48), v0–v1. Bunka keeps no client quotas, so every valid filter matches
// nothing (entries empty); the filter is checked as Kafka's ClientQuotasImage.describe checks it,
// with its messages (INVALID_REQUEST; an entity type other than user, client-id and ip is
// UNSUPPORTED_VERSION). Served so that kafka-configs --describe --entity-type users, which asks
// for quotas next to SCRAM credentials, works. Needs DESCRIBE_CONFIGS on the cluster (KafkaApis),
// else CLUSTER_AUTHORIZATION_FAILED "Cluster authorization failed.". Not done: quotas
// themselves (AlterClientQuotas, throttling).

import {
  DESCRIBE_CLIENT_QUOTAS, readDescribeClientQuotasRequest, writeDescribeClientQuotasResponse,
  type DescribeClientQuotasRequest, type DescribeClientQuotasResponse,
} from "../protocol/messages/describe-client-quotas.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { InvalidRequestError, RequestError, registerApi } from "./registry.ts";
import { AclOperation, AUTHORIZATION_FAILED_MESSAGES, authorize, ResourceType } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;
const ENTITY_TYPES = ["user", "client-id", "ip"];

function checkFilter(request: DescribeClientQuotasRequest): void {
  const seen = new Set<string>();
  for (const c of request.components) {
    if (c.entityType === "") throw new InvalidRequestError("Invalid empty entity type.");
    if (seen.has(c.entityType)) throw new InvalidRequestError(`Entity type ${c.entityType} cannot appear more than once in the filter.`);
    if (!ENTITY_TYPES.includes(c.entityType)) throw new RequestError(ErrorCode.UNSUPPORTED_VERSION, `Unsupported entity type ${c.entityType}`);
    if (c.matchType === MATCH_EXACT && c.match === null) throw new InvalidRequestError("Request specified MATCH_TYPE_EXACT, but set match string to null.");
    if (c.matchType === MATCH_DEFAULT && c.match !== null) throw new InvalidRequestError("Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
    if (c.matchType === MATCH_SPECIFIED && c.match !== null) throw new InvalidRequestError("Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.");
    if (c.matchType !== MATCH_EXACT && c.matchType !== MATCH_DEFAULT && c.matchType !== MATCH_SPECIFIED) throw new InvalidRequestError(`Unknown match type ${c.matchType}`);
    seen.add(c.entityType);
  }
  if (seen.has("ip") && (seen.has("user") || seen.has("client-id"))) {
    throw new InvalidRequestError("Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.");
  }
}

registerApi<DescribeClientQuotasRequest, DescribeClientQuotasResponse>({
  spec: DESCRIBE_CLIENT_QUOTAS,
  readRequest: readDescribeClientQuotasRequest,
  writeResponse: writeDescribeClientQuotasResponse,
  handle(request, ctx) {
    if (!authorize(ctx, AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, CLUSTER_NAME)) {
      const code = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return { throttleTimeMs: 0, errorCode: code, errorMessage: AUTHORIZATION_FAILED_MESSAGES[code]!, entries: null };
    }
    checkFilter(request);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries: [] };
  },
  errorResponse(_request, errorCode, errorMessage) {
    return { throttleTimeMs: 0, errorCode, errorMessage, entries: null };
  },
});
