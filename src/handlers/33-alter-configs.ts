// AlterConfigs (33), v0–v2, deprecated by Kafka in favour of IncrementalAlterConfigs. Follows
// Kafka 4's KafkaApis.handleAlterConfigsRequest (ConfigAdminManager.preprocess) and the
// controller's ConfigurationControlManager.legacyAlterConfigs, both here (config-changes.ts has
// the rules and Bunka's differences): the keys given become the whole set of dynamic configs of
// a TOPIC (2), BROKER (4; "" the cluster-wide default, or this node's id) or GROUP (32) resource,
// every other key of it is deleted. BROKER_LOGGER answers INVALID_REQUEST "Unknown resource type
// 8", as Kafka does. Changes are ConfigRecords in __cluster_metadata (one batch per request);
// validate_only checks and writes nothing. Answers are in request order with Kafka's error codes
// and messages. Authorization (ControllerApis.authorizeAlterResource): ALTER_CONFIGS on the
// cluster (broker), the topic or the group, else CLUSTER_/TOPIC_/GROUP_AUTHORIZATION_FAILED with
// the error's default message. No AlterConfigPolicy.

import {
  ALTER_CONFIGS, readAlterConfigsRequest, writeAlterConfigsResponse,
  type AlterConfigsRequest, type AlterConfigsResponse,
} from "../protocol/messages/alter-configs.ts";
import { registerApi } from "./registry.ts";
import { alterConfigsRefusals } from "./authorization.ts";
import { changeConfigs } from "./config-changes.ts";
import { AlterConfigOp } from "../config/config-alteration.ts";

registerApi<AlterConfigsRequest, AlterConfigsResponse>({
  spec: ALTER_CONFIGS,
  readRequest: readAlterConfigsRequest,
  writeResponse: writeAlterConfigsResponse,
  handle(request, ctx) {
    const resources = request.resources.map((r) => ({
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      ops: r.configs.map((c) => ({ name: c.name, op: AlterConfigOp.SET, value: c.value })),
    }));
    const refusals = alterConfigsRefusals(ctx, resources, [8]);
    const allowed = changeConfigs(ctx.broker, resources.filter((_, i) => refusals[i] === null), { incremental: false, validateOnly: request.validateOnly });
    let next = 0;
    const outcomes = refusals.map((refusal) => refusal ?? allowed[next++]!);
    return {
      throttleTimeMs: 0,
      responses: request.resources.map((r, i) => ({ ...outcomes[i]!, resourceType: r.resourceType, resourceName: r.resourceName })),
    };
  },
});
