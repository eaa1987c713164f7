// DescribeConfigs (32), v1–v4. Follows Kafka 4's ConfigHelper.describeConfigs, resource by
// resource, in request order (tables in config-defs.ts, resolution in config-values.ts). Broker
// values come in Kafka's layers: this node's dynamic configs (DYNAMIC_BROKER_CONFIG), the
// cluster-wide dynamic defaults (DYNAMIC_DEFAULT_BROKER_CONFIG), server.properties
// (STATIC_BROKER_CONFIG), the default (DEFAULT_CONFIG); dynamic ones are ConfigRecords written by
// IncrementalAlterConfigs / AlterConfigs.
// - TOPIC (2): an illegal name answers INVALID_TOPIC_EXCEPTION, an unknown topic
//   UNKNOWN_TOPIC_OR_PARTITION; else every topic config Kafka 4.3.1 has, sorted by name: the
//   topic's own value (DYNAMIC_TOPIC_CONFIG, from its ConfigRecords), else the value inherited
//   from the broker's layers, with Kafka's synonym lists and its quirk that a value inherited
//   from a secondary key (log.retention.hours for retention.ms) reports DEFAULT_CONFIG and no
//   synonyms.
// - BROKER (4): this node's id: the broker configs (config-defs.ts, plus every key
//   server.properties or a dynamic config sets; keys Kafka does not know with a hidden value, as
//   Kafka does), each with its source and synonyms in Kafka's order (node dynamic, cluster
//   dynamic, static, default); "" (the cluster default): the keys set at that level, source
//   DYNAMIC_DEFAULT_BROKER_CONFIG with synonyms of that source only; another id or a non-number:
//   INVALID_REQUEST with Kafka's message.
// - BROKER_LOGGER (8): this node's id: the root logger at Bunka's log level
//   (DYNAMIC_BROKER_LOGGER_CONFIG); "", another id or a non-number: INVALID_REQUEST.
// - GROUP (32): any group id, existing or not (as Kafka): the 17 group configs of Kafka 4.3.1
//   (consumer.session.timeout.ms, share.*, streams.*), the group's own value (GROUP_CONFIG) or
//   its broker synonym's (group.consumer.session.timeout.ms, ...); "" answers INVALID_REQUEST
//   "Group name must not be empty". Bunka serves only the classic protocol, which these do not
//   affect (as in Kafka).
// - CLIENT_METRICS (16): INVALID_REQUEST "Unsupported resource type" (Kafka describes client
//   metrics subscriptions; Bunka has none).
// - Any other type makes the whole request invalid: every resource answers INVALID_REQUEST, as
//   Kafka's error response does.
// configuration_keys filters (null or empty: all); synonyms only when include_synonyms;
// documentation (v3+) only when include_documentation, Bunka's own one-line text (Kafka's own
// text differs). Entries are sorted by name (Kafka's order is a hash map's). Keys whose values
// differ from Kafka: min.insync.replicas is not reported as DYNAMIC_DEFAULT_BROKER_CONFIG (Kafka
// 4's controller writes a cluster-level record for it), and the broker list holds ~60 keys (plus
// those set) where Kafka lists ~340. Authorization (ConfigHelper.handleDescribeConfigsRequest):
// DESCRIBE_CONFIGS on the cluster (broker, broker logger, client metrics), the topic or the group;
// the resources refused answer CLUSTER_/TOPIC_/GROUP_AUTHORIZATION_FAILED with the error's default
// message after the others.

import {
  DESCRIBE_CONFIGS, readDescribeConfigsRequest, writeDescribeConfigsResponse,
  type DescribeConfigsRequest, type DescribeConfigsResponse,
  type DescribeConfigsRequestDescribeConfigsResource as Resource,
  type DescribeConfigsResponseDescribeConfigsResult as ResourceResult,
  type DescribeConfigsResponseDescribeConfigsResourceResult as ConfigResult,
} from "../protocol/messages/describe-configs.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type BrokerContext } from "./registry.ts";
import { AclOperation, configResourceRefusal } from "./authorization.ts";
import { topicNameProblem } from "./topic-name.ts";
import { ConfigResourceType, ConfigSource, ConfigType, TOPIC_CONFIGS } from "../config/config-defs.ts";
import {
  brokerConfigLayers, describeBrokerConfigs, describeClusterDefaultConfigs, describeGroupConfigs, describeTopicConfig,
  type DescribedConfig,
} from "../config/config-values.ts";
import { log } from "../log.ts";

const MALFORMED_REQUEST_MESSAGE = "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.";
const TOPIC_CONFIGS_SORTED = [...TOPIC_CONFIGS].sort((a, b) => (a.name < b.name ? -1 : 1));
const KNOWN_RESOURCE_TYPES = new Set<number>(Object.values(ConfigResourceType));

class ResourceError extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

registerApi<DescribeConfigsRequest, DescribeConfigsResponse>({
  spec: DESCRIBE_CONFIGS,
  readRequest: readDescribeConfigsRequest,
  writeResponse: writeDescribeConfigsResponse,
  handle(request, ctx) {
    if (request.resources.some((r) => !KNOWN_RESOURCE_TYPES.has(r.resourceType))) {
      return {
        throttleTimeMs: 0,
        results: request.resources.map((r) => result(r, ErrorCode.INVALID_REQUEST, MALFORMED_REQUEST_MESSAGE, [])),
      };
    }
    const refusals = request.resources.map((r) => configResourceRefusal(ctx, AclOperation.DESCRIBE_CONFIGS, r.resourceType, r.resourceName));
    const refused = request.resources.flatMap((r, i) => refusals[i] ? [result(r, refusals[i].errorCode, refusals[i].errorMessage, [])] : []);
    const results = request.resources.filter((_, i) => refusals[i] === null).map((resource) => {
      try {
        const described = describe(ctx.broker, resource);
        if ("errorCode" in described) return result(resource, described.errorCode, "", []);
        const wanted = resource.configurationKeys === null || resource.configurationKeys.length === 0
          ? null : new Set(resource.configurationKeys);
        const configs = described
          .filter((c) => wanted === null || wanted.has(c.name))
          .map((c) => configResult(c, request.includeSynonyms, request.includeDocumentation));
        return result(resource, ErrorCode.NONE, "", configs);
      } catch (e) {
        if (!(e instanceof ResourceError)) throw e;
        return result(resource, e.errorCode, e.message, []);
      }
    });
    return { throttleTimeMs: 0, results: [...results, ...refused] };
  },
});

function describe(broker: BrokerContext, resource: Resource): DescribedConfig[] | { errorCode: number } {
  const name = resource.resourceName;
  const metadata = broker.store.metadata;
  const layers = brokerConfigLayers(broker.config, metadata);
  switch (resource.resourceType) {
    case ConfigResourceType.TOPIC: {
      const problem = topicNameProblem(name);
      if (problem !== null) throw new ResourceError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
      if (!metadata.topicsByName.has(name)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
      const own = metadata.topicConfigs.get(name);
      return TOPIC_CONFIGS_SORTED.map((def) => describeTopicConfig(def, own, layers));
    }
    case ConfigResourceType.BROKER: {
      if (name === "") return describeClusterDefaultConfigs(layers);
      const id = brokerId(name);
      if (id !== broker.config.nodeId) {
        throw new ResourceError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.config.nodeId} or empty string, but received ${name}`);
      }
      return describeBrokerConfigs(layers);
    }
    case ConfigResourceType.GROUP: {
      if (name === "") throw new ResourceError(ErrorCode.INVALID_REQUEST, "Group name must not be empty");
      return describeGroupConfigs(metadata.groupConfigs.get(name), layers);
    }
    case ConfigResourceType.BROKER_LOGGER: {
      if (name === "") throw new ResourceError(ErrorCode.INVALID_REQUEST, "Broker id must not be empty");
      const id = brokerId(name);
      if (id !== broker.config.nodeId) {
        throw new ResourceError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${broker.config.nodeId} but received ${name}`);
      }
      const level = (["debug", "info", "warn", "error"] as const).find((l) => log.enabled(l)) ?? "error";
      return [{
        name: "root", value: level.toUpperCase(), source: ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG, synonyms: [],
        configType: ConfigType.UNKNOWN, documentation: "", readOnly: false, sensitive: false,
      }];
    }
    default:
      throw new ResourceError(ErrorCode.INVALID_REQUEST, "Unsupported resource type: CLIENT_METRICS");
  }
}

/** Kafka's resourceNameToBrokerId (Scala's String.toInt). */
function brokerId(name: string): number {
  const n = /^[+-]?\d{1,10}$/.test(name) ? Number(name) : NaN;
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
    throw new ResourceError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
  }
  return n;
}

function result(resource: Resource, errorCode: number, errorMessage: string, configs: ConfigResult[]): ResourceResult {
  return { errorCode, errorMessage, resourceType: resource.resourceType, resourceName: resource.resourceName, configs };
}

function configResult(c: DescribedConfig, includeSynonyms: boolean, includeDocumentation: boolean): ConfigResult {
  return {
    name: c.name,
    value: c.value,
    readOnly: c.readOnly,
    configSource: c.source,
    isSensitive: c.sensitive,
    synonyms: includeSynonyms ? c.synonyms : [],
    configType: c.configType,
    // Kafka never sets a logger entry's documentation, which leaves it "" either way.
    documentation: includeDocumentation || c.source === ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG ? c.documentation : null,
  };
}
