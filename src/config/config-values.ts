// Reading config values the way Kafka's ConfigDef does, against the tables in config-defs.ts:
// parse by type (numbers and strings trimmed, booleans case-insensitive, lists split on commas),
// check the validator, and print the value back as Kafka prints it (a DOUBLE 1 is "1.0", a LIST
// " a , b" is "a,b"). Error messages are Kafka's ("Invalid value X for configuration K: ...").
//
// Two ways of telling where a topic's effective value comes from, because Kafka has two:
// - effectiveTopicConfigs (CreateTopics v5+, KafkaConfigSchema.resolveEffectiveTopicConfig): the
//   topic's own value (DYNAMIC_TOPIC_CONFIG), else the first synonym set in server.properties
//   (STATIC_BROKER_CONFIG, hours/minutes converted), else the default (DEFAULT_CONFIG).
// - describeTopicConfig (DescribeConfigs, ConfigHelper.createTopicConfigEntry): the synonyms are
//   the static then default values of the first synonym's broker group, with everything before
//   the first synonym's own name dropped. So retention.ms inherited from log.retention.hours has
//   the right value but source DEFAULT_CONFIG and no synonyms, exactly as Kafka 4.3.1 answers.

import {
  BROKER_CONFIGS, BROKER_SYNONYM_GROUPS, ConfigSource, ConfigType, TOPIC_CONFIGS,
  type BrokerConfigDef, type ConfigDef, type ConfigSynonym, type TopicConfigDef,
} from "./config-defs.ts";

export const TOPIC_CONFIGS_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));
export const BROKER_CONFIGS_BY_NAME: ReadonlyMap<string, BrokerConfigDef> = new Map(BROKER_CONFIGS.map((d) => [d.name, d]));

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
 * Validates the configs of a topic being created, as Kafka's controller does: null values,
 * unknown names, each value in LogConfig's order, then the cross-checks (compaction lags, tiered
 * storage). Returns the values as Kafka would print them, or the INVALID_CONFIG message.
 */
export function validateTopicConfigs(
  configs: readonly { name: string; value: string | null }[],
  brokerRaw: ReadonlyMap<string, string>,
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
  const effective = (name: string) => values.get(name) ?? inheritedTopicValue(TOPIC_CONFIGS_BY_NAME.get(name)!, brokerRaw);
  const minLag = BigInt(effective("min.compaction.lag.ms"));
  const maxLag = BigInt(effective("max.compaction.lag.ms"));
  if (minLag > maxLag) {
    return { ok: false, message: `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})` };
  }
  if (values.get("remote.storage.enable") === "true") {
    return { ok: false, message: "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage." };
  }
  return { ok: true, values };
}

/** A server.properties value of a synonym, converted to the topic config's unit; null if unusable. */
function synonymValue(def: TopicConfigDef, s: ConfigSynonym, raw: string): string | null {
  const brokerDef = BROKER_CONFIGS_BY_NAME.get(s.name);
  const parsed = brokerDef ? checkConfigValue({ ...brokerDef, validator: undefined }, raw) : { ok: true as const, value: raw };
  if (!parsed.ok) return null;
  let value = parsed.value;
  if (s.unit !== undefined) value = (BigInt(value) * (s.unit === "hours" ? 3_600_000n : 60_000n)).toString();
  const checked = checkConfigValue({ ...def, validator: undefined }, value);
  return checked.ok ? checked.value : null;
}

/** The value a topic gets when it does not set `def`: from server.properties, else the default. */
export function inheritedTopicValue(def: TopicConfigDef, brokerRaw: ReadonlyMap<string, string>): string {
  for (const s of def.synonyms) {
    const raw = brokerRaw.get(s.name);
    if (raw === undefined) continue;
    const value = synonymValue(def, s, raw);
    if (value !== null) return value;
  }
  return def.default ?? "";
}

export interface EffectiveConfig {
  name: string;
  value: string | null;
  source: number;
}

/** Every topic config of a topic with the given own values, Kafka's CreateTopics way, sorted by name. */
export function effectiveTopicConfigs(
  topicValues: ReadonlyMap<string, string> | undefined,
  brokerRaw: ReadonlyMap<string, string>,
): EffectiveConfig[] {
  const out: EffectiveConfig[] = [];
  for (const def of TOPIC_CONFIGS) {
    const own = topicValues?.get(def.name);
    if (own !== undefined) {
      out.push({ name: def.name, value: own, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
      continue;
    }
    let entry: EffectiveConfig = { name: def.name, value: def.default, source: ConfigSource.DEFAULT_CONFIG };
    for (const s of def.synonyms) {
      const raw = brokerRaw.get(s.name);
      const value = raw === undefined ? null : synonymValue(def, s, raw);
      if (value !== null) {
        entry = { name: def.name, value, source: ConfigSource.STATIC_BROKER_CONFIG };
        break;
      }
    }
    out.push(entry);
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

/** One topic config as DescribeConfigs reports it. */
export function describeTopicConfig(
  def: TopicConfigDef,
  topicValues: ReadonlyMap<string, string> | undefined,
  brokerRaw: ReadonlyMap<string, string>,
): DescribedConfig {
  const own = topicValues?.get(def.name);
  const value = own !== undefined ? normalized(def, own) : inheritedTopicValue(def, brokerRaw);
  const synonyms = def.synonyms.length > 0 ? brokerSynonyms(def.synonyms[0]!.name, brokerRaw, false) : [];
  if (own !== undefined) synonyms.unshift({ name: def.name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  return {
    name: def.name,
    value,
    source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    synonyms,
    configType: ConfigType[def.type],
    documentation: def.doc,
    readOnly: false,
    sensitive: false,
  };
}

/** Every broker config (the table's and every key server.properties set) as DescribeConfigs reports them, by name. */
export function describeBrokerConfigs(brokerRaw: ReadonlyMap<string, string>): DescribedConfig[] {
  const raw = withImpliedKeys(brokerRaw);
  const names = new Set([...BROKER_CONFIGS_BY_NAME.keys(), ...raw.keys()]);
  const out: DescribedConfig[] = [];
  for (const name of [...names].sort()) {
    const def = BROKER_CONFIGS_BY_NAME.get(name);
    // Kafka hides the value of a key it has no type for (it might be a password).
    const sensitive = def === undefined || def.type === "PASSWORD";
    const given = raw.get(name);
    const value = sensitive ? null : given !== undefined ? normalized(def!, given) : def!.default;
    const synonyms = brokerSynonyms(name, raw, sensitive);
    out.push({
      name, value, synonyms,
      source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
      configType: def ? ConfigType[def.type] : ConfigType.UNKNOWN,
      documentation: def?.doc ?? null,
      readOnly: def?.readOnly ?? true,
      sensitive,
    });
  }
  return out;
}

/**
 * Kafka's ConfigHelper.configSynonyms: the static (server.properties) then default values of the
 * keys in `name`'s synonym group, minus everything before `name` itself.
 */
function brokerSynonyms(name: string, brokerRaw: ReadonlyMap<string, string>, sensitive: boolean): DescribedSynonym[] {
  const raw = withImpliedKeys(brokerRaw);
  const group = BROKER_SYNONYM_GROUPS.find((g) => g.includes(name)) ?? [name];
  const list: DescribedSynonym[] = [];
  for (const s of group) {
    const v = raw.get(s);
    if (v !== undefined) list.push({ name: s, value: sensitive ? null : v, source: ConfigSource.STATIC_BROKER_CONFIG });
  }
  for (const s of group) {
    const d = BROKER_CONFIGS_BY_NAME.get(s)?.default;
    if (d !== undefined && d !== null) list.push({ name: s, value: sensitive ? null : d, source: ConfigSource.DEFAULT_CONFIG });
  }
  const first = list.findIndex((s) => s.name === name);
  return first < 0 ? [] : list.slice(first);
}

/** Kafka copies node.id into broker.id when only node.id is set. */
function withImpliedKeys(raw: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  const nodeId = raw.get("node.id");
  if (nodeId === undefined || raw.has("broker.id")) return raw;
  return new Map([...raw, ["broker.id", nodeId]]);
}

function normalized(def: ConfigDef, raw: string): string {
  const checked = checkConfigValue({ ...def, validator: undefined }, raw);
  return checked.ok ? checked.value : raw;
}
