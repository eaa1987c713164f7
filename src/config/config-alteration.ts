// Kafka's rules for changing dynamic configs (IncrementalAlterConfigs, AlterConfigs), as pure
// functions over the tables in config-defs.ts; the handlers orchestrate and write the records.
//
// - Incremental operations (ConfigurationControlManager.incrementalAlterConfigResource): SET,
//   DELETE, and for LIST keys APPEND (values not already there, in order) and SUBTRACT (first
//   occurrence of each value removed), starting from the resource's current value or else the
//   key's default; Java's String.split semantics (trailing empty parts dropped).
// - Broker changes (DynamicBrokerConfig.validateConfigs, run on the merged dynamic values of the
//   resource): a key that cannot change at run time answers "Cannot update these configs
//   dynamically: [...]"; known keys are parsed and checked by type and validator; keys Kafka does
//   not know are accepted (custom keys). Bunka also counts as not dynamic the per-broker keys
//   (listeners, listener.security.protocol.map, ssl.*, sasl.*, principal.builder.class,
//   cordoned.log.dirs, listener.name.*): it cannot apply them without a restart.
// - Group changes (GroupConfig.validate): unknown names, values by type and validator, bounds
//   set by the broker (group.consumer.min.session.timeout.ms and the like).

import { GROUP_CONFIGS, KAFKA_BROKER_KEYS, type ConfigDef } from "./config-defs.ts";
import {
  BROKER_CONFIGS_BY_NAME, GROUP_CONFIGS_BY_NAME, TOPIC_CONFIGS_BY_NAME, checkConfigValue, normalized,
  type BrokerConfigLayers,
} from "./config-values.ts";

/** AlterConfigOp.OpType ids. */
export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export const ALTER_CONFIG_OP_NAMES: Readonly<Record<number, string>> = { 0: "SET", 1: "DELETE", 2: "APPEND", 3: "SUBTRACT" };

/** A refused change: which of Kafka's errors, and its message. */
export interface AlterProblem {
  error: "INVALID_CONFIG" | "INVALID_REQUEST";
  message: string;
}

/** Java's String.split(","): trailing empty strings are dropped, "" gives [""]. */
export function javaSplit(s: string): string[] {
  if (s === "") return [""];
  const parts = s.split(",");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/**
 * The value an APPEND or SUBTRACT gives (ConfigurationControlManager): the current value, else
 * `listDefault`, split on commas without empty parts; APPEND adds each value not yet there,
 * SUBTRACT removes the first occurrence of each.
 */
export function applyListOp(op: number, current: string | undefined, listDefault: string | null, value: string): string {
  const base = current ?? listDefault;
  const parts = base === null ? [] : base.split(",").filter((p) => p !== "");
  for (const v of javaSplit(value)) {
    if (op === AlterConfigOp.APPEND) {
      if (!parts.includes(v)) parts.push(v);
    } else {
      const at = parts.indexOf(v);
      if (at >= 0) parts.splice(at, 1);
    }
  }
  return parts.join(",");
}

/** A broker key as Kafka 4.3.1 defines it, or undefined for a key Kafka does not know (a custom key). */
function kafkaBrokerKey(name: string): ConfigDef | undefined {
  return KAFKA_BROKER_KEYS.get(name);
}

/** Whether Bunka lets `name` change at run time (Kafka's dynamic keys minus the per-broker listener ones). */
function alterableBrokerKey(name: string): boolean {
  if (name.startsWith("listener.name.")) return false;
  const key = KAFKA_BROKER_KEYS.get(name);
  return key === undefined || key.mode === "cluster-wide";
}

/**
 * Checks the prospective APPEND/SUBTRACT of a BROKER resource (ConfigAdminManager's
 * prepareIncrementalConfigs): the key must be known and a LIST. Returns the problem or null.
 */
export function checkBrokerListOp(op: number, name: string): AlterProblem | null {
  const key = kafkaBrokerKey(name);
  if (key === undefined) return { error: "INVALID_CONFIG", message: `Unknown config name: ${name}` };
  if (key.type !== "LIST") {
    return { error: "INVALID_CONFIG", message: `Config value ${op === AlterConfigOp.APPEND ? "append" : "subtract"} is not allowed for config key: ${name}` };
  }
  return null;
}

/** The default an APPEND/SUBTRACT starts from for a key of a resource type (KafkaConfigSchema.getDefault). */
export function listDefault(resourceType: "TOPIC" | "BROKER" | "GROUP", name: string): string | null {
  const def = resourceType === "TOPIC" ? TOPIC_CONFIGS_BY_NAME.get(name)
    : resourceType === "GROUP" ? GROUP_CONFIGS_BY_NAME.get(name) : kafkaBrokerKey(name);
  return def?.default ?? null;
}

/** Whether a key of a resource type is a LIST (KafkaConfigSchema.isSplittable). */
export function isListConfig(resourceType: "TOPIC" | "GROUP", name: string): boolean {
  const def = resourceType === "TOPIC" ? TOPIC_CONFIGS_BY_NAME.get(name) : GROUP_CONFIGS_BY_NAME.get(name);
  return def?.type === "LIST";
}

/**
 * Validates the dynamic values a BROKER resource would have (DynamicBrokerConfig.validateConfigs;
 * Kafka answers INVALID_REQUEST with the message): keys that cannot change at run time first, then
 * each known key's value. Returns the values as stored (known keys as Kafka prints them, custom
 * keys as given), or the problem.
 */
export function validateBrokerConfigs(props: ReadonlyMap<string, string>): { ok: true; values: Map<string, string> } | { ok: false; problem: AlterProblem } {
  const fixed = [...props.keys()].filter((n) => !alterableBrokerKey(n));
  if (fixed.length > 0) {
    return { ok: false, problem: { error: "INVALID_REQUEST", message: `Cannot update these configs dynamically: [${fixed.join(", ")}]` } };
  }
  const values = new Map<string, string>();
  for (const [name, value] of props) {
    const key = kafkaBrokerKey(name);
    if (key === undefined) {
      values.set(name, value);
      continue;
    }
    const checked = checkConfigValue(key, value);
    if (!checked.ok) return { ok: false, problem: { error: "INVALID_REQUEST", message: checked.message } };
    // The form DescribeConfigs prints (Bunka's table may print a value differently, e.g. a double).
    const own = BROKER_CONFIGS_BY_NAME.get(name);
    values.set(name, own ? normalized(own, checked.value) : checked.value);
  }
  return { ok: true, values };
}

/** The broker keys bounding a group config (GroupConfig.validateValues), e.g. group.consumer.min/max.session.timeout.ms. */
function groupBounds(name: string): { min?: string; max?: string } {
  if (name === "streams.num.standby.replicas") return { max: "group.streams.max.standby.replicas" };
  const dot = name.indexOf(".");
  const [kind, rest] = [name.slice(0, dot), name.slice(dot + 1)];
  const min = `group.${kind}.min.${rest}`;
  const max = `group.${kind}.max.${rest}`;
  return { min: KAFKA_BROKER_KEYS.has(min) ? min : undefined, max: KAFKA_BROKER_KEYS.has(max) ? max : undefined };
}

/**
 * Validates the full set of configs a group would have (GroupConfig.validate; INVALID_CONFIG):
 * null values, unknown names, each value by type and validator, then each against the broker's
 * bounds for it (group.consumer.min.session.timeout.ms and the like). Returns the values as Kafka
 * prints them, or the message.
 */
export function validateGroupConfigs(
  configs: readonly { name: string; value: string | null }[],
  layers: BrokerConfigLayers,
): { ok: true; values: Map<string, string> } | { ok: false; message: string } {
  const nulls = configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) return { ok: false, message: `Null value not supported for group configs: ${nulls.join(",")}` };
  for (const c of configs) {
    if (!GROUP_CONFIGS_BY_NAME.has(c.name)) return { ok: false, message: `Unknown group config name: ${c.name}` };
  }
  const values = new Map<string, string>();
  for (const c of configs) {
    const checked = checkConfigValue(GROUP_CONFIGS_BY_NAME.get(c.name)!, c.value!);
    if (!checked.ok) return checked;
    values.set(c.name, checked.value);
  }
  const brokerInt = (key: string) => Number(layers.node.get(key) ?? layers.cluster.get(key) ?? layers.static.get(key)?.trim() ?? KAFKA_BROKER_KEYS.get(key)?.default);
  for (const def of GROUP_CONFIGS) {
    const value = values.get(def.name);
    if (value === undefined || def.type !== "INT") continue;
    const { min, max } = groupBounds(def.name);
    if (min !== undefined && Number(value) < brokerInt(min)) return { ok: false, message: `${def.name} must be greater than or equal to ${min}` };
    if (max !== undefined && Number(value) > brokerInt(max)) return { ok: false, message: `${def.name} must be less than or equal to ${max}` };
  }
  return { ok: true, values };
}
