// DescribeCluster (60), v0–v1. Follows Kafka 4's KafkaApis.handleDescribeCluster and
// AuthHelper.computeDescribeClusterResponse on a broker listener: the cluster id, this broker as
// the only broker (at its advertised endpoint for the listener the request came in on, with
// broker.rack when set) and as the controller id (a KRaft broker reports an alive broker). The
// cluster authorized operations, when asked: 0 without DESCRIBE on the cluster, else the cluster
// operations the principal may do (every one without an authorizer); else the schema's "not
// requested" value. Kafka checks nothing else: any principal may describe the cluster. Endpoint type (v1): brokers (1) is served; controllers (2)
// answers MISMATCHED_ENDPOINT_TYPE and any other UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST on
// v0, which cannot carry one), with Kafka's messages and every other field at its default.

import {
  DESCRIBE_CLUSTER, readDescribeClusterRequest, writeDescribeClusterResponse,
  type DescribeClusterRequest, type DescribeClusterResponse,
} from "../protocol/messages/describe-cluster.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi } from "./registry.ts";
import { advertisedEndpoint } from "./broker-endpoint.ts";
import { OPERATIONS_NOT_REQUESTED, authorizedOperations } from "./authorized-operations.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";

const BROKERS = 1;
const CONTROLLERS = 2;

registerApi<DescribeClusterRequest, DescribeClusterResponse>({
  spec: DESCRIBE_CLUSTER,
  readRequest: readDescribeClusterRequest,
  writeResponse: writeDescribeClusterResponse,
  handle(request, ctx) {
    const failed = (errorCode: number, errorMessage: string): DescribeClusterResponse => ({
      throttleTimeMs: 0,
      errorCode: ctx.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : errorCode,
      errorMessage,
      endpointType: BROKERS,
      clusterId: "",
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
    });
    if (request.endpointType === CONTROLLERS) {
      return failed(ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER");
    }
    if (request.endpointType !== BROKERS) {
      return failed(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${request.endpointType}`);
    }
    const { config, clusterId } = ctx.broker;
    const endpoint = advertisedEndpoint(ctx);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: BROKERS,
      clusterId,
      controllerId: config.nodeId,
      brokers: [{ brokerId: config.nodeId, host: endpoint.host, port: endpoint.port, rack: config.raw.get("broker.rack")?.trim() || null }],
      clusterAuthorizedOperations: !request.includeClusterAuthorizedOperations ? OPERATIONS_NOT_REQUESTED
        : authorize(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME) ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME) : 0,
    };
  },
});
