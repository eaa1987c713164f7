// ApiVersions (18), v0–v4. The list is the handler registry, so what is advertised is what is
// served. Kafka behaviour followed: a version above our maximum is answered with
// UNSUPPORTED_VERSION in the v0 body format listing only ApiVersions' own range (Kafka's
// ApiVersionsRequest.getErrorResponse); v3+ client software name/version must match Kafka's
// pattern or the answer is INVALID_REQUEST. Not done: feature negotiation beyond an empty list.

import {
  API_VERSIONS, readApiVersionsRequest, writeApiVersionsResponse,
  type ApiVersionsRequest, type ApiVersionsResponse,
} from "../protocol/messages/api-versions.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, registeredApis } from "./registry.ts";

const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

function response(errorCode: number, apiKeys: ApiVersionsResponse["apiKeys"]): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
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
    })));
  },
  unsupportedVersionResponse() {
    return response(ErrorCode.UNSUPPORTED_VERSION, [{
      apiKey: API_VERSIONS.apiKey, minVersion: API_VERSIONS.minVersion, maxVersion: API_VERSIONS.maxVersion,
    }]);
  },
});
