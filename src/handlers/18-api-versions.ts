// ApiVersions (18), v0–v4. The list is the handler registry, so what is advertised is what is
// served. Kafka behaviour followed: a version above our maximum is answered with
// UNSUPPORTED_VERSION in the v0 body format listing only ApiVersions' own range (Kafka's
// ApiVersionsRequest.getErrorResponse); v3+ client software name/version must match Kafka's
// pattern or the answer is INVALID_REQUEST. v3+ carries the features (KIP-584) of
// transactions/features.ts: supported metadata.version 7–30 and transaction.version 0–2, the
// finalized levels from the metadata log's FeatureLevelRecords (else Kafka 4.3.1's format
// defaults: metadata.version 30, transaction.version 2), with the metadata offset as the epoch.
// Kafka 4.3.1 also lists group, kraft, share, streams and eligible-leader-replicas versions:
// Bunka serves none of those protocols and does not list them.

import {
  API_VERSIONS, readApiVersionsRequest, writeApiVersionsResponse,
  type ApiVersionsRequest, type ApiVersionsResponse,
} from "../protocol/messages/api-versions.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, registeredApis, type BrokerContext } from "./registry.ts";
import { finalizedFeatures, SUPPORTED_FEATURES } from "../transactions/features.ts";

const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

function response(errorCode: number, apiKeys: ApiVersionsResponse["apiKeys"], broker?: BrokerContext): ApiVersionsResponse {
  const finalized = broker === undefined ? null : finalizedFeatures(broker.store.metadata);
  return {
    errorCode,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: finalized === null ? [] : SUPPORTED_FEATURES.map((f) => ({ name: f.name, minVersion: f.minVersion, maxVersion: f.maxVersion })),
    finalizedFeaturesEpoch: finalized === null ? -1 : finalized.epoch,
    finalizedFeatures: finalized === null ? [] : [...finalized.levels].map(([name, level]) => ({ name, maxVersionLevel: level, minVersionLevel: level })),
    zkMigrationReady: false,
  };
}

registerApi<ApiVersionsRequest, ApiVersionsResponse>({
  spec: API_VERSIONS,
  readRequest: readApiVersionsRequest,
  writeResponse: writeApiVersionsResponse,
  handle(request, ctx) {
    if (ctx.apiVersion >= 3 && !(SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareName) &&
        SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareVersion))) {
      return response(ErrorCode.INVALID_REQUEST, []);
    }
    return response(ErrorCode.NONE, registeredApis().map((h) => ({
      apiKey: h.apiKey, minVersion: h.advertisedMinVersion, maxVersion: h.maxVersion,
    })), ctx.broker);
  },
  unsupportedVersionResponse() {
    return response(ErrorCode.UNSUPPORTED_VERSION, [{
      apiKey: API_VERSIONS.apiKey, minVersion: API_VERSIONS.minVersion, maxVersion: API_VERSIONS.maxVersion,
    }]);
  },
});
