// What IncrementalAlterConfigs (44) and AlterConfigs (33) share: Kafka 4's two steps, the
// broker's preprocessing (ConfigAdminManager.preprocess) and the controller's change
// (ConfigurationControlManager, ControllerConfigurationValidator), run here one after the other.
// Answers come in request order, one per resource; the rules (list operations, broker and group
// validation) are in config/config-alteration.ts, topic validation in config/config-values.ts.
//
// Preprocessing, per resource: a (type, name) given twice answers INVALID_REQUEST "Each resource
// must appear at most once." for both; a key given twice "Error due to duplicate config keys"; a
// null value (except for DELETE) "Null value not supported for : a, b"; then by type:
// - BROKER (4): name "" is the cluster-wide default, else it must be this node's id ("Node id
//   must be an integer, but it is: x" / "Unexpected broker id, expected 1, but received 2"). The
//   resource's dynamic values with the change applied are checked as Kafka's
//   DynamicBrokerConfig does (INVALID_REQUEST), APPEND/SUBTRACT on an unknown or non-LIST key is
//   INVALID_CONFIG.
// - BROKER_LOGGER (8), incremental only: Bunka's one logger, "root": SET to one of Kafka's levels
//   (TRACE and DEBUG are Bunka's debug, FATAL its error), at once unless validate_only; not
//   persisted (as Kafka). AlterConfigs answers "Unknown resource type 8", as Kafka does.
// - TOPIC (2), GROUP (32): checked by the controller step.
// - CLIENT_METRICS (16): INVALID_REQUEST "Unsupported resource type: CLIENT_METRICS" (Kafka
//   stores client metrics subscriptions; Bunka has none). Any other type: "Unknown resource type N".
// The controller step, per TOPIC or GROUP resource: APPEND/SUBTRACT on a non-LIST key answers
// INVALID_CONFIG "Can't APPEND to key k because its type is not LIST."; the resulting set of
// configs is validated (name, values, cross-checks: INVALID_CONFIG with ConfigDef's message; a
// topic name "" or group name "" INVALID_REQUEST, an illegal topic name INVALID_TOPIC_EXCEPTION);
// then the topic must exist (UNKNOWN_TOPIC_OR_PARTITION "The topic 't' does not exist."). Groups
// need not exist, as in Kafka.
//
// Every accepted change becomes ConfigRecords (a null value deletes), all resources of the
// request in one metadata batch (Kafka's controller commits them atomically): for TOPIC and GROUP
// only keys whose value changes, for BROKER every key named (Kafka's KAFKA-14136: brokers reload).
// validate_only checks and answers the same and writes nothing. Values are stored as Kafka prints
// them back (" 100 " → "100"); Kafka stores the string as sent.
//
// Differences: an unknown operation type on TOPIC or GROUP answers INVALID_REQUEST "Unknown
// operations type N" (Kafka 4.3.1's controller fails with UNKNOWN_SERVER_ERROR and gives up its
// leadership); AlterConfigs with a resource twice answers both INVALID_REQUEST (Kafka 4.3.1
// fails to build its response and sends none); the per-broker keys Kafka can change at run time
// (listeners, ssl.*, sasl.*, listener.name.*, ...) answer "Cannot update these configs
// dynamically"; Kafka's further checks of a whole broker config (KafkaConfig's "requirement
// failed: ..." cross-checks) are not made. No AlterConfigPolicy; authorization is the handlers' (33, 44).

import { ErrorCode } from "../protocol/error-codes.ts";
import type { BrokerContext } from "./registry.ts";
import { topicNameProblem } from "./topic-name.ts";
import { ConfigResourceType, KAFKA_BROKER_KEYS } from "../config/config-defs.ts";
import { brokerConfigLayers, validateTopicConfigs } from "../config/config-values.ts";
import {
  ALTER_CONFIG_OP_NAMES, AlterConfigOp, applyListOp, checkBrokerListOp, isListConfig, listDefault,
  validateBrokerConfigs, validateGroupConfigs, type AlterProblem,
} from "../config/config-alteration.ts";
import type { ConfigChange } from "../storage/cluster-metadata.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { metadataStorageFailure } from "./topic-creation.ts";
import { escapeForLog, log, setLogLevel, type LogLevel } from "../log.ts";

/** One key of a resource to change; AlterConfigs' keys are all SET. */
export interface ConfigOperation {
  name: string;
  op: number;
  value: string | null;
}

export interface ResourceChange {
  resourceType: number;
  resourceName: string;
  ops: ConfigOperation[];
}

export interface ResourceOutcome {
  errorCode: number;
  errorMessage: string | null;
}

interface Accepted {
  changes: ConfigChange[];
  /** Done after the records are written (the logger level), unless validate_only. */
  apply?: () => void;
}

class Refused extends Error {
  constructor(readonly errorCode: number, message: string | null) {
    super(message ?? "");
  }
}

const OK: ResourceOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };
const ROOT_LOGGER = "root";
/** Log4j's levels Kafka accepts (LogLevelConfig.VALID_LOG_LEVELS, sorted) and Bunka's level for each. */
const LOGGER_LEVELS: Readonly<Record<string, LogLevel>> = {
  DEBUG: "debug", ERROR: "error", FATAL: "error", INFO: "info", TRACE: "debug", WARN: "warn",
};

function refuse(problem: AlterProblem): never {
  throw new Refused(problem.error === "INVALID_CONFIG" ? ErrorCode.INVALID_CONFIG : ErrorCode.INVALID_REQUEST, problem.message);
}

function invalidRequest(message: string): never {
  throw new Refused(ErrorCode.INVALID_REQUEST, message);
}

/**
 * Changes the configs of the given resources: IncrementalAlterConfigs when `incremental`, else
 * AlterConfigs (the given keys replace every dynamic config of the resource). Returns one outcome
 * per resource, in order.
 */
export function changeConfigs(
  broker: BrokerContext, resources: readonly ResourceChange[], opts: { incremental: boolean; validateOnly: boolean },
): ResourceOutcome[] {
  const counts = new Map<string, number>();
  const key = (r: ResourceChange) => `${r.resourceType}\u0000${r.resourceName}`;
  for (const r of resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  const accepted: { resource: ResourceChange; result: Accepted }[] = [];
  const outcomes = resources.map((resource): ResourceOutcome => {
    if (counts.get(key(resource))! > 1) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Each resource must appear at most once." };
    try {
      accepted.push({ resource, result: changeResource(broker, resource, opts.incremental) });
      return OK;
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      return { errorCode: e.errorCode, errorMessage: e.message };
    }
  });
  if (!opts.validateOnly) {
    try {
      broker.store.metadata.alterConfigs(accepted.flatMap((a) => a.result.changes));
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      // One batch, all or nothing: every accepted resource failed with it.
      const failure = metadataStorageFailure(e);
      const failed = new Set(accepted.map((a) => a.resource));
      return outcomes.map((o, i) => (failed.has(resources[i]!) ? { errorCode: failure.errorCode, errorMessage: failure.message } : o));
    }
    for (const { resource, result } of accepted) {
      result.apply?.();
      if (result.changes.length > 0) log.info(`altered configs of ${describeResource(resource)}: ${result.changes.map(printChange).join(", ")}`);
    }
  }
  return outcomes;
}

function changeResource(broker: BrokerContext, resource: ResourceChange, incremental: boolean): Accepted {
  const { resourceType: type, resourceName: name, ops } = resource;
  const seen = new Set<string>();
  for (const o of ops) {
    if (seen.has(o.name)) invalidRequest("Error due to duplicate config keys");
    seen.add(o.name);
  }
  const nulls = ops.filter((o) => o.value === null && (!incremental || o.op !== AlterConfigOp.DELETE)).map((o) => o.name);
  if (nulls.length > 0) invalidRequest(`Null value not supported for : ${nulls.join(", ")}`);
  switch (type) {
    case ConfigResourceType.BROKER:
      return changeBroker(broker, name, ops, incremental);
    case ConfigResourceType.TOPIC:
    case ConfigResourceType.GROUP:
      return changeTopicOrGroup(broker, type, name, ops, incremental);
    case ConfigResourceType.BROKER_LOGGER:
      if (!incremental) invalidRequest(`Unknown resource type ${type}`);
      return changeLogger(broker, name, ops);
    case ConfigResourceType.CLIENT_METRICS:
      invalidRequest("Unsupported resource type: CLIENT_METRICS");
    default:
      invalidRequest(`Unknown resource type ${type}`);
  }
}

function checkOperationTypes(ops: readonly ConfigOperation[]): void {
  for (const o of ops) {
    if (ALTER_CONFIG_OP_NAMES[o.op] === undefined) invalidRequest(`Unknown operations type ${o.op}`);
  }
}

/** Scala's String.toInt (Integer.parseInt): an optional sign and decimal digits, in int range. */
function parseNodeId(name: string): number | null {
  if (!/^[+-]?\d+$/.test(name)) return null;
  const n = Number(name);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : null;
}

function changeBroker(broker: BrokerContext, name: string, ops: readonly ConfigOperation[], incremental: boolean): Accepted {
  const nodeId = broker.config.nodeId;
  if (name !== "") {
    const id = parseNodeId(name);
    if (id === null) invalidRequest(`Node id must be an integer, but it is: ${name}`);
    if (id !== nodeId) invalidRequest(`Unexpected broker id, expected ${nodeId}, but received ${name}`);
  }
  const current = broker.store.metadata.brokerConfigs.get(name) ?? new Map<string, string>();
  let props: Map<string, string>;
  if (incremental) {
    checkOperationTypes(ops);
    props = new Map(current);
    for (const o of ops) {
      if (o.op === AlterConfigOp.SET) props.set(o.name, o.value!);
      else if (o.op === AlterConfigOp.DELETE) props.delete(o.name);
      else {
        const problem = checkBrokerListOp(o.op, o.name);
        if (problem !== null) refuse(problem);
        props.set(o.name, applyListOp(o.op, props.get(o.name), listDefault("BROKER", o.name), o.value!));
      }
    }
  } else {
    props = new Map(ops.map((o) => [o.name, o.value!]));
  }
  const checked = validateBrokerConfigs(props);
  if (!checked.ok) refuse(checked.problem);
  const record = (key: string, value: string | null): ConfigChange => ({ resourceType: ConfigResourceType.BROKER, resourceName: name, name: key, value });
  // Every key named gets a record, changed or not (KAFKA-14136).
  const changes = ops.map((o) => record(o.name, checked.values.get(o.name) ?? null));
  if (!incremental) for (const k of current.keys()) if (!props.has(k)) changes.push(record(k, null));
  return { changes };
}

function changeTopicOrGroup(
  broker: BrokerContext, type: number, name: string, ops: readonly ConfigOperation[], incremental: boolean,
): Accepted {
  const isTopic = type === ConfigResourceType.TOPIC;
  const metadata = broker.store.metadata;
  const current: ReadonlyMap<string, string> = (isTopic ? metadata.topicConfigs : metadata.groupConfigs).get(name) ?? new Map();
  let wanted: Map<string, string>;
  if (incremental) {
    checkOperationTypes(ops);
    wanted = new Map(current);
    for (const o of ops) {
      let value: string | null;
      if (o.op === AlterConfigOp.SET) value = o.value;
      else if (o.op === AlterConfigOp.DELETE) value = null;
      else {
        if (!isListConfig(isTopic ? "TOPIC" : "GROUP", o.name)) {
          throw new Refused(ErrorCode.INVALID_CONFIG, `Can't ${ALTER_CONFIG_OP_NAMES[o.op]} to key ${o.name} because its type is not LIST.`);
        }
        value = applyListOp(o.op, current.get(o.name), listDefault(isTopic ? "TOPIC" : "GROUP", o.name), o.value!);
      }
      if (value === null) wanted.delete(o.name);
      else wanted.set(o.name, value);
    }
  } else {
    wanted = new Map(ops.map((o) => [o.name, o.value!]));
  }
  const layers = brokerConfigLayers(broker.config, metadata);
  const entries = [...wanted].map(([k, value]) => ({ name: k, value }));
  let values: Map<string, string>;
  if (isTopic) {
    if (name === "") invalidRequest("Default topic resources are not allowed.");
    const problem = topicNameProblem(name);
    if (problem !== null) throw new Refused(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    const checked = validateTopicConfigs(entries, layers);
    if (!checked.ok) throw new Refused(ErrorCode.INVALID_CONFIG, checked.message);
    if (!metadata.topicsByName.has(name)) throw new Refused(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
    values = checked.values;
  } else {
    if (name === "") invalidRequest("Default group resources are not allowed.");
    const checked = validateGroupConfigs(entries, layers);
    if (!checked.ok) throw new Refused(ErrorCode.INVALID_CONFIG, checked.message);
    values = checked.values;
  }
  // Only keys whose value changes get a record.
  const changes: ConfigChange[] = [];
  for (const k of new Set([...ops.map((o) => o.name), ...current.keys()])) {
    const value = values.get(k) ?? null;
    if (value !== (current.get(k) ?? null)) changes.push({ resourceType: type, resourceName: name, name: k, value });
  }
  return { changes };
}

function changeLogger(broker: BrokerContext, name: string, ops: readonly ConfigOperation[]): Accepted {
  const nodeId = broker.config.nodeId;
  const id = parseNodeId(name);
  if (id === null) invalidRequest(`Node id must be an integer, but it is: ${name}`);
  if (id !== nodeId) invalidRequest(`Unexpected node id. Expected ${nodeId}, but received ${name}`);
  let level: LogLevel | undefined;
  for (const o of ops) {
    if (o.op === AlterConfigOp.APPEND || o.op === AlterConfigOp.SUBTRACT) {
      invalidRequest(`${ALTER_CONFIG_OP_NAMES[o.op]} operation is not allowed for the BROKER_LOGGER resource`);
    }
    if (o.op !== AlterConfigOp.SET && o.op !== AlterConfigOp.DELETE) {
      invalidRequest(`Unknown operation type ${o.op} is not allowed for the BROKER_LOGGER resource`);
    }
    if (o.name !== ROOT_LOGGER) throw new Refused(ErrorCode.INVALID_CONFIG, `Logger ${o.name} does not exist!`);
    if (o.op === AlterConfigOp.DELETE) invalidRequest(`Removing the log level of the ${ROOT_LOGGER} logger is not allowed`);
    level = LOGGER_LEVELS[o.value!];
    if (level === undefined) {
      throw new Refused(ErrorCode.INVALID_CONFIG, `Cannot set the log level of ${o.name} to ${o.value} as it is not a supported log level. Valid log levels are ${Object.keys(LOGGER_LEVELS).join(", ")}`);
    }
  }
  const chosen = level;
  return {
    changes: [],
    apply: chosen === undefined ? undefined : () => {
      setLogLevel(chosen);
      log.warn(`Updated the log level of ${ROOT_LOGGER} to ${chosen.toUpperCase()}`);
    },
  };
}

const TYPE_NAMES: Readonly<Record<number, string>> = { 2: "topic", 4: "broker", 8: "broker logger", 32: "group" };

function describeResource(r: ResourceChange): string {
  if (r.resourceType === ConfigResourceType.BROKER && r.resourceName === "") return "the cluster-wide broker default";
  return `${TYPE_NAMES[r.resourceType] ?? "resource"} ${escapeForLog(r.resourceName)}`;
}

function printChange(c: ConfigChange): string {
  if (c.value === null) return `-${escapeForLog(c.name)}`;
  const known = c.resourceType !== ConfigResourceType.BROKER || (KAFKA_BROKER_KEYS.get(c.name)?.type ?? "PASSWORD") !== "PASSWORD";
  return `${escapeForLog(c.name)}=${known ? escapeForLog(c.value) : "[hidden]"}`;
}
