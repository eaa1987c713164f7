// IncrementalAlterConfigs (44), v0–v1. Follows Kafka 4's KafkaApis.handleIncrementalAlterConfigsRequest
// (ConfigAdminManager.preprocess on the broker) and the controller's
// ConfigurationControlManager.incrementalAlterConfigs, both here (config-changes.ts has the
// rules and Bunka's differences): TOPIC (2), BROKER (4; "" the cluster-wide default, or this
// node's id) and GROUP (32) resources take SET, DELETE, and for LIST keys APPEND and SUBTRACT;
// BROKER_LOGGER (8) sets the level of Bunka's root logger. Accepted changes are ConfigRecords in
// __cluster_metadata (one batch per request), so they survive a restart and are what Kafka's
// controller would replay; ClusterMetadata.onConfigChange() listeners hear of them.
// validate_only checks and writes nothing. Answers are in request order with Kafka's error codes
// and messages. Authorization (ControllerApis.authorizeAlterResource, ConfigAdminManager.preprocess): ALTER_CONFIGS on the
// cluster (broker, broker logger), the topic or the group, else CLUSTER_/TOPIC_/GROUP_AUTHORIZATION_FAILED with
// the error's default message. No AlterConfigPolicy.

import {
  INCREMENTAL_ALTER_CONFIGS, readIncrementalAlterConfigsRequest, writeIncrementalAlterConfigsResponse,
  type IncrementalAlterConfigsRequest, type IncrementalAlterConfigsResponse,
} from "../protocol/messages/incremental-alter-configs.ts";
import { registerApi } from "./registry.ts";
import { alterConfigsRefusals } from "./authorization.ts";
import { changeConfigs } from "./config-changes.ts";

registerApi<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  spec: INCREMENTAL_ALTER_CONFIGS,
  readRequest: readIncrementalAlterConfigsRequest,
  writeResponse: writeIncrementalAlterConfigsResponse,
  handle(request, ctx) {
    const resources = request.resources.map((r) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      ops: r.configs.map((c) => ({ name: c.name, op: c.configOperation, value: c.value })),
    }));
    const refusals = alterConfigsRefusals(ctx, resources);
    const allowed = changeConfigs(ctx.broker, resources.filter((_, i) => refusals[i] === null), { incremental: true, validateOnly: request.validateOnly });
    let next = 0;
    const outcomes = refusals.map((refusal) => refusal ?? allowed[next++]!);
    return {
      throttleTimeMs: 0,
      responses: request.resources.map((r, i) => ({ ...outcomes[i]!, resourceType: r.resourceType, resourceName: r.resourceName })),
    };
  },
});
