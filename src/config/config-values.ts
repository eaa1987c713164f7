// Reading config values the way Kafka's ConfigDef does, against the tables in config-defs.ts:
// parse by type (numbers and strings trimmed, booleans case-insensitive, lists split on commas),
// check the validator, and print the value back as Kafka prints it (a DOUBLE 1 is "1.0", a LIST
// " a , b" is "a,b"). Error messages are Kafka's ("Invalid value X for configuration K: ...").
//
// A broker's values come in Kafka's layers (DynamicBrokerConfig), highest priority first:
// DYNAMIC_BROKER_CONFIG (ConfigRecords of BROKER resource "<this node id>"),
// DYNAMIC_DEFAULT_BROKER_CONFIG (BROKER resource "", the cluster-wide default),
// STATIC_BROKER_CONFIG (server.properties), DEFAULT_CONFIG (Kafka's default). A topic's value is
// its own (DYNAMIC_TOPIC_CONFIG), else that of the first layer setting any of its broker synonyms
// (the first synonym set in that layer wins; hours/minutes converted), else the topic default:
// - effectiveBrokerValue / effectiveTopicValue: the value a feature applies (Produce, retention).
// - effectiveTopicConfigs (CreateTopics v5+, KafkaConfigSchema.resolveEffectiveTopicConfig): the
//   value and the layer it came from.
// - describeTopicConfig (DescribeConfigs, ConfigHelper.createTopicConfigEntry): the synonyms are
//   the node-dynamic, cluster-dynamic, static then default values of the first synonym's broker
//   group, with everything before the first synonym's own name dropped. So retention.ms inherited
//   from log.retention.hours has the right value but source DEFAULT_CONFIG and no synonyms,
//   exactly as Kafka 4.3.1 answers.

import {
  BROKER_CONFIGS, BROKER_SYNONYM_GROUPS, ConfigSource, ConfigType, GROUP_CONFIGS, KAFKA_BROKER_KEYS, TOPIC_CONFIGS,
  type BrokerConfigDef, type ConfigDef, type ConfigSynonym, type GroupConfigDef, type TopicConfigDef,
} from "./config-defs.ts";

export const TOPIC_CONFIGS_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));
export const BROKER_CONFIGS_BY_NAME: ReadonlyMap<string, BrokerConfigDef> = new Map(BROKER_CONFIGS.map((d) => [d.name, d]));
export const GROUP_CONFIGS_BY_NAME: ReadonlyMap<string, GroupConfigDef> = new Map(GROUP_CONFIGS.map((d) => [d.name, d]));

export type ValueCheck = { ok: true; value: string } | { ok: false; message: string };

const INT_RANGE = { INT: [-(2n ** 31n), 2n ** 31n - 1n], SHORT: [-(2n ** 15n), 2n ** 15n - 1n], LONG: [-(2n ** 63n), 2n ** 63n - 1n] } as const;
const JAVA_DOUBLE = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;

function invalid(def: ConfigDef, value: string, message: string): ValueCheck {
  return { ok: false, message: `Invalid value ${value} for configuration ${def.name}: ${message}` };
}

/** Parses, validates and prints back one value; the message is Kafka's ConfigException text. */
export function checkConfigValue(def: ConfigDef, raw: string): ValueCheck {
  const trimmed = raw.trim();
  switch (def.type) {
    case "BOOLEAN": {
      const lower = trimmed.toLowerCase();
      if (lower !== "true" && lower !== "false") return invalid(def, raw, "Expected value to be either true or false");
      return { ok: true, value: lower };
    }
    case "INT":
    case "SHORT":
    case "LONG": {
      const [lo, hi] = INT_RANGE[def.type];
      const n = /^[+-]?\d+$/.test(trimmed) ? BigInt(trimmed) : null;
      if (n === null || n < lo || n > hi) return invalid(def, raw, `Not a number of type ${def.type}`);
      const v = def.validator;
      if (v?.kind === "range") {
        if (v.min !== undefined && n < BigInt(v.min)) return invalid(def, n.toString(), `Value must be at least ${v.min}`);
        if (v.max !== undefined && n > BigInt(v.max)) return invalid(def, n.toString(), `Value must be no more than ${v.max}`);
      } else if (v?.kind === "gzipLevel" && n !== -1n && (n < 1n || n > 9n)) {
        return invalid(def, n.toString(), "Value must be between 1 and 9 or equal to -1");
      }
      return { ok: true, value: n.toString() };
    }
    case "DOUBLE": {
      if (!JAVA_DOUBLE.test(trimmed)) return invalid(def, raw, "Not a number of type DOUBLE");
      const x = Number(trimmed.replace(/[fFdD]$/, ""));
      const v = def.validator;
      if (v?.kind === "range") {
        if (v.min !== undefined && x < Number(v.min)) return invalid(def, javaDouble(x), `Value must be at least ${v.min}`);
        if (v.max !== undefined && x > Number(v.max)) return invalid(def, javaDouble(x), `Value must be no more than ${v.max}`);
      }
      return { ok: true, value: javaDouble(x) };
    }
    case "LIST": {
      const items = trimmed === "" ? [] : trimmed.split(/\s*,\s*/);
      const v = def.validator;
      if (v?.kind === "eachOf") {
        for (const item of items) {
          if (item === "") return { ok: false, message: `Configuration '${def.name}' values must not be empty.` };
          if (!v.values.includes(item)) return invalid(def, item, `String must be one of: ${v.values.join(", ")}`);
        }
      } else if (v?.kind === "throttledReplicas") {
        const ok = (items.length === 1 && items[0] === "*") || items.every((i) => /^(\d+:\d+)?$/.test(i));
        if (!ok) {
          return invalid(def, `[${items.join(", ")}]`,
            `${def.name} must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...`);
        }
      }
      return { ok: true, value: items.join(",") };
    }
    case "STRING": {
      const v = def.validator;
      if (v?.kind === "oneOf" && !v.values.includes(trimmed)) {
        return invalid(def, trimmed, `String must be one of: ${v.values.join(", ")}`);
      }
      if (v?.kind === "autoOffsetReset" && !/^(latest|earliest)$/i.test(trimmed) && !/^by_duration:[-+]?P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d{0,9})?S)?)?$/i.test(trimmed)) {
        return invalid(def, trimmed, `Invalid value \`${trimmed}\` for configuration ${def.name}. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'.`);
      }
      return { ok: true, value: trimmed };
    }
    case "CLASS":
      return { ok: true, value: trimmed };
    case "PASSWORD":
      return { ok: true, value: raw };
  }
}

/** Java's Double.toString for the values configs hold: 1 → "1.0", 1e7 → "1.0E7". */
export function javaDouble(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
  const abs = Math.abs(x);
  if (abs === 0 || (abs >= 1e-3 && abs < 1e7)) {
    const s = String(x);
    return s.includes(".") ? s : `${s}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split("e");
  return `${mantissa!.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/**
 * A broker's config values by layer, highest priority first, as Kafka's DynamicBrokerConfig keeps
 * them (DEFAULT_CONFIG, the last layer, is the tables' defaults).
 */
export interface BrokerConfigLayers {
  /** DYNAMIC_BROKER_CONFIG: this node's own dynamic values (BROKER resource "<node id>"). */
  readonly node: ReadonlyMap<string, string>;
  /** DYNAMIC_DEFAULT_BROKER_CONFIG: the cluster-wide dynamic values (BROKER resource ""). */
  readonly cluster: ReadonlyMap<string, string>;
  /** STATIC_BROKER_CONFIG: server.properties (broker.id implied by node.id, as Kafka does). */
  readonly static: ReadonlyMap<string, string>;
}

/**
 * Where the dynamic broker values come from: resource name ("" for the cluster-wide default, else
 * a node id) -> key -> value. ClusterMetadata (its brokerConfigs) is one.
 */
export interface DynamicBrokerConfigSource {
  readonly brokerConfigs: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** What a broker's static layer is made of (BrokerConfig is one). */
export interface StaticBrokerConfig {
  readonly nodeId: number;
  readonly raw: ReadonlyMap<string, string>;
}

const NO_VALUES: ReadonlyMap<string, string> = new Map();

/** The layers of this node's config: its dynamic values, the cluster's, then server.properties. */
export function brokerConfigLayers(config: StaticBrokerConfig, dynamic?: DynamicBrokerConfigSource | null): BrokerConfigLayers {
  return {
    node: dynamic?.brokerConfigs.get(String(config.nodeId)) ?? NO_VALUES,
    cluster: dynamic?.brokerConfigs.get("") ?? NO_VALUES,
    static: withImpliedKeys(config.raw),
  };
}

/** Layers with server.properties only (no dynamic configs). */
export function staticConfigLayers(raw: ReadonlyMap<string, string>): BrokerConfigLayers {
  return { node: NO_VALUES, cluster: NO_VALUES, static: withImpliedKeys(raw) };
}

/** Kafka's default of a broker key (Bunka's where Bunka differs: node.id, log.dirs), or null for none. */
export function brokerDefault(name: string): string | null {
  return (BROKER_CONFIGS_BY_NAME.get(name) ?? KAFKA_BROKER_KEYS.get(name))?.default ?? null;
}

/**
 * The effective value of a broker key on this node: this node's dynamic value, else the
 * cluster-wide dynamic default, else server.properties (trimmed), else Kafka's default (null when
 * the key has none, e.g. log.retention.ms: its value is then given by log.retention.hours, see
 * effectiveTopicValue for the value a topic gets). Dynamic values are stored as Kafka prints
 * them. Cheap enough for every request.
 */
export function effectiveBrokerValue(name: string, config: StaticBrokerConfig, dynamic?: DynamicBrokerConfigSource | null): string | null {
  const own = dynamic?.brokerConfigs.get(String(config.nodeId))?.get(name) ?? dynamic?.brokerConfigs.get("")?.get(name);
  if (own !== undefined) return own;
  const fromFile = config.raw.get(name) ?? (name === "broker.id" ? config.raw.get("node.id") : undefined);
  return fromFile !== undefined ? fromFile.trim() : brokerDefault(name);
}

/**
 * The effective value of a topic config: the topic's own value (`topicValues`, e.g.
 * ClusterMetadata.topicConfigs.get(topic)), else the broker's through its synonyms and layers
 * (log.retention.ms, .minutes, .hours for retention.ms, converted to ms), else the default.
 * Throws for a name that is not a topic config.
 */
export function effectiveTopicValue(
  name: string, topicValues: ReadonlyMap<string, string> | undefined, config: StaticBrokerConfig, dynamic?: DynamicBrokerConfigSource | null,
): string {
  const def = TOPIC_CONFIGS_BY_NAME.get(name);
  if (def === undefined) throw new Error(`${name} is not a topic config`);
  const own = topicValues?.get(name);
  return own !== undefined ? normalized(def, own) : inheritedTopicValue(def, brokerConfigLayers(config, dynamic));
}

/**
 * Validates the full set of configs a topic would have (being created, or altered: its current
 * values with the changes applied), as Kafka's controller does: null values, unknown names, each
 * value in LogConfig's order, then the cross-checks (compaction lags, tiered storage) against the
 * broker's effective values. Returns the values as Kafka would print them, or the INVALID_CONFIG
 * message.
 */
export function validateTopicConfigs(
  configs: readonly { name: string; value: string | null }[],
  layers: BrokerConfigLayers,
): { ok: true; values: Map<string, string> } | { ok: false; message: string } {
  const nulls = configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) return { ok: false, message: `Null value not supported for topic configs: ${nulls.join(",")}` };
  const given = new Map<string, string>();
  for (const c of configs) given.set(c.name, c.value!);
  for (const name of given.keys()) {
    if (!TOPIC_CONFIGS_BY_NAME.has(name)) return { ok: false, message: `Unknown topic config name: ${name}` };
  }
  const values = new Map<string, string>();
  for (const def of TOPIC_CONFIGS) {
    const raw = given.get(def.name);
    if (raw === undefined) continue;
    const checked = checkConfigValue(def, raw);
    if (!checked.ok) return checked;
    values.set(def.name, checked.value);
  }
  const effective = (name: string) => values.get(name) ?? inheritedTopicValue(TOPIC_CONFIGS_BY_NAME.get(name)!, layers);
  const minLag = BigInt(effective("min.compaction.lag.ms"));
  const maxLag = BigInt(effective("max.compaction.lag.ms"));
  if (minLag > maxLag) {
    return { ok: false, message: `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})` };
  }
  if (values.get("remote.storage.enable") === "true") {
    // LogConfig.validateRemoteStorageOnlyIfSystemEnabled, validateNoRemoteStorageForCompactedTopic.
    if ((layers.static.get("remote.log.storage.system.enable") ?? "false").trim().toLowerCase() !== "true") {
      return { ok: false, message: "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage." };
    }
    if (effective("cleanup.policy").split(",").map((p) => p.trim()).includes("compact")) {
      return { ok: false, message: "Remote log storage is unsupported for the compacted topics" };
    }
  }
  return { ok: true, values };
}

/** A broker value of a synonym, converted to the topic config's unit; null if unusable. */
function synonymValue(def: TopicConfigDef, s: ConfigSynonym, raw: string): string | null {
  const brokerDef = BROKER_CONFIGS_BY_NAME.get(s.name);
  const parsed = brokerDef ? checkConfigValue({ ...brokerDef, validator: undefined }, raw) : { ok: true as const, value: raw };
  if (!parsed.ok) return null;
  let value = parsed.value;
  if (s.unit !== undefined) value = (BigInt(value) * (s.unit === "hours" ? 3_600_000n : 60_000n)).toString();
  // KafkaConfig.logRetentionTimeMillis: any negative retention is -1 (unlimited).
  if (def.name === "retention.ms" && value.startsWith("-")) value = "-1";
  const checked = checkConfigValue({ ...def, validator: undefined }, value);
  return checked.ok ? checked.value : null;
}

const LAYER_SOURCES = [
  ["node", ConfigSource.DYNAMIC_BROKER_CONFIG],
  ["cluster", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
  ["static", ConfigSource.STATIC_BROKER_CONFIG],
] as const;

/** The value a topic gets when it does not set `def`, and its layer: the first layer with a usable synonym, else the default. */
function inheritedTopicEntry(def: TopicConfigDef, layers: BrokerConfigLayers): { value: string | null; source: number } {
  for (const [layer, source] of LAYER_SOURCES) {
    for (const s of def.synonyms) {
      const raw = layers[layer].get(s.name);
      if (raw === undefined) continue;
      const value = synonymValue(def, s, raw);
      if (value !== null) return { value, source };
    }
  }
  return { value: def.default, source: ConfigSource.DEFAULT_CONFIG };
}

/** The value a topic gets when it does not set `def`: from the broker's layers, else the default. */
export function inheritedTopicValue(def: TopicConfigDef, layers: BrokerConfigLayers): string {
  return inheritedTopicEntry(def, layers).value ?? "";
}

export interface EffectiveConfig {
  name: string;
  value: string | null;
  source: number;
}

/** Every topic config of a topic with the given own values, Kafka's CreateTopics way, sorted by name. */
export function effectiveTopicConfigs(
  topicValues: ReadonlyMap<string, string> | undefined,
  layers: BrokerConfigLayers,
): EffectiveConfig[] {
  const out: EffectiveConfig[] = [];
  for (const def of TOPIC_CONFIGS) {
    const own = topicValues?.get(def.name);
    if (own !== undefined) out.push({ name: def.name, value: own, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    else out.push({ name: def.name, ...inheritedTopicEntry(def, layers) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

export interface DescribedSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  source: number;
  synonyms: DescribedSynonym[];
  configType: number;
  documentation: string | null;
  readOnly: boolean;
  sensitive: boolean;
}

/**
 * A DescribeConfigs entry: its source is that of its first synonym (the value in force), the
 * default when it has none, as Kafka's ConfigHelper reports it.
 */
function described(
  name: string, value: string | null, synonyms: DescribedSynonym[],
  def: { type: ConfigDef["type"]; doc: string } | undefined, documentation: string | null, readOnly: boolean, sensitive: boolean,
): DescribedConfig {
  return {
    name, value, synonyms,
    source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    configType: def ? ConfigType[def.type] : ConfigType.UNKNOWN,
    documentation, readOnly, sensitive,
  };
}

/** One topic config as DescribeConfigs reports it. */
export function describeTopicConfig(
  def: TopicConfigDef,
  topicValues: ReadonlyMap<string, string> | undefined,
  layers: BrokerConfigLayers,
): DescribedConfig {
  const own = topicValues?.get(def.name);
  const value = own !== undefined ? normalized(def, own) : inheritedTopicValue(def, layers);
  const synonyms = def.synonyms.length > 0 ? brokerSynonyms(def.synonyms[0]!.name, layers, false, true) : [];
  if (own !== undefined) synonyms.unshift({ name: def.name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  return described(def.name, value, synonyms, def, def.doc, false, false);
}

/** What Bunka knows of a broker key: its own table first (with docs), else Kafka's list. */
function brokerKeyDef(name: string): (ConfigDef & { readOnly: boolean }) | undefined {
  const own = BROKER_CONFIGS_BY_NAME.get(name);
  if (own !== undefined) return own;
  const kafka = KAFKA_BROKER_KEYS.get(name);
  return kafka === undefined ? undefined : { ...kafka, readOnly: kafka.mode === "static" };
}

/**
 * This node's broker configs as DescribeConfigs reports them, by name: the table's keys and every
 * key server.properties or a dynamic config (this node's or the cluster's) sets. A key Kafka does
 * not know is described with a hidden value, as Kafka does (it might be a password).
 */
export function describeBrokerConfigs(layers: BrokerConfigLayers): DescribedConfig[] {
  const names = new Set([...BROKER_CONFIGS_BY_NAME.keys(), ...layers.static.keys(), ...layers.node.keys(), ...layers.cluster.keys()]);
  const out: DescribedConfig[] = [];
  for (const name of [...names].sort()) {
    const def = brokerKeyDef(name);
    const sensitive = def === undefined || def.type === "PASSWORD";
    const given = layers.node.get(name) ?? layers.cluster.get(name) ?? layers.static.get(name);
    const value = sensitive ? null : given !== undefined ? normalized(def!, given) : def!.default;
    const synonyms = brokerSynonyms(name, layers, sensitive, true);
    out.push(described(name, value, synonyms, def, def?.doc || null, def?.readOnly ?? true, sensitive));
  }
  return out;
}

/**
 * The cluster-wide dynamic defaults (BROKER resource "") as DescribeConfigs reports them, by name:
 * only the keys set at that level, each with source DYNAMIC_DEFAULT_BROKER_CONFIG and only
 * synonyms of that source (Kafka's perBrokerConfig = false). A key Kafka does not know has its
 * value hidden.
 */
export function describeClusterDefaultConfigs(layers: BrokerConfigLayers): DescribedConfig[] {
  return [...layers.cluster.keys()].sort().map((name) => {
    const def = brokerKeyDef(name);
    const sensitive = def === undefined || def.type === "PASSWORD";
    const synonyms = brokerSynonyms(name, layers, sensitive, false);
    return described(name, sensitive ? null : layers.cluster.get(name)!, synonyms, def, def?.doc || null, def?.readOnly ?? true, sensitive);
  });
}

/**
 * Kafka's ConfigHelper.configSynonyms: the node-dynamic, cluster-dynamic, static then default
 * values of the keys in `name`'s synonym group, minus everything before `name` itself; for the
 * cluster-default resource (perBroker false) only the cluster-dynamic ones.
 */
function brokerSynonyms(name: string, layers: BrokerConfigLayers, sensitive: boolean, perBroker: boolean): DescribedSynonym[] {
  const group = BROKER_SYNONYM_GROUPS.find((g) => g.includes(name)) ?? [name];
  const list: DescribedSynonym[] = [];
  for (const [layer, source] of LAYER_SOURCES) {
    for (const s of group) {
      const v = layers[layer].get(s);
      if (v !== undefined) list.push({ name: s, value: sensitive ? null : v, source });
    }
  }
  for (const s of group) {
    const d = brokerDefault(s);
    if (d !== null) list.push({ name: s, value: sensitive ? null : d, source: ConfigSource.DEFAULT_CONFIG });
  }
  const first = list.findIndex((s) => s.name === name);
  const kept = first < 0 ? [] : list.slice(first);
  return perBroker ? kept : kept.filter((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
}

/**
 * A group's configs as DescribeConfigs reports them (ConfigHelper.createGroupConfigEntry), sorted
 * by name: the group's own value (GROUP_CONFIG), else its broker synonym's value
 * (group.consumer.* and the like, from the layers), else the default; synonyms are the group's
 * own entry then the broker synonym's values, as Kafka 4.3.1 answers.
 */
export function describeGroupConfigs(groupValues: ReadonlyMap<string, string> | undefined, layers: BrokerConfigLayers): DescribedConfig[] {
  return [...GROUP_CONFIGS].sort((a, b) => (a.name < b.name ? -1 : 1)).map((def) => {
    const own = groupValues?.get(def.name);
    const synonyms = def.synonym === null
      ? [{ name: def.name, value: def.default, source: ConfigSource.DEFAULT_CONFIG }]
      : brokerSynonyms(def.synonym, layers, false, true);
    const inherited = synonyms[0]?.value ?? def.default;
    const value = own !== undefined ? normalized(def, own) : inherited === null ? null : normalized(def, inherited);
    if (own !== undefined) synonyms.unshift({ name: def.name, value, source: ConfigSource.GROUP_CONFIG });
    return described(def.name, value, synonyms, def, def.doc, false, false);
  });
}

const impliedKeys = new WeakMap<ReadonlyMap<string, string>, ReadonlyMap<string, string>>();

/** Kafka copies node.id into broker.id when only node.id is set. */
function withImpliedKeys(raw: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  const nodeId = raw.get("node.id");
  if (nodeId === undefined || raw.has("broker.id")) return raw;
  let withBrokerId = impliedKeys.get(raw);
  if (withBrokerId === undefined) impliedKeys.set(raw, (withBrokerId = new Map([...raw, ["broker.id", nodeId]])));
  return withBrokerId;
}

export function normalized(def: ConfigDef, raw: string): string {
  const checked = checkConfigValue({ ...def, validator: undefined }, raw);
  return checked.ok ? checked.value : raw;
}
