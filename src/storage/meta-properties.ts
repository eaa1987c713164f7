// meta.properties: Kafka's per-log-dir identity file, written as Kafka 4.3.1's
// MetaPropertiesEnsemble writes it (PropertiesUtils.writePropertiesFile: java.util.Properties.store
// with an empty comment, so "#", then "#" and the date as Date.toString prints it, then the keys
// in the order Kafka's Properties hash table puts them: node.id, directory.id, version,
// cluster.id). Version 1 is the KRaft form; Kafka 4 refuses version 0 (ZooKeeper) and any other.
// The cluster id is read from the first log dir that has one; otherwise a new one is generated
// and written to every log dir, so it stays the same across restarts. A file whose version Bunka
// does not know, whose node.id is another node's or whose cluster.id differs from another dir's is
// refused (MetaPropertiesError), as Kafka's MetaPropertiesEnsemble.verify refuses it.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { parseProperties } from "../config/properties.ts";

export const META_PROPERTIES_FILE = "meta.properties";

export class MetaPropertiesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetaPropertiesError";
  }
}

/** A random Kafka Uuid in its printed form: base64url of 16 bytes, no padding. */
export function newKafkaUuidString(): string {
  return randomBytes(16).toString("base64url");
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad2 = (n: number) => String(n).padStart(2, "0");

/** java.util.Date.toString in UTC: "Tue Dec 01 20:07:58 UTC 2026". */
export function javaDateString(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** The text of a meta.properties file, byte for byte as Kafka 4.3.1 writes it (in UTC). */
export function formatMetaProperties(p: { nodeId: number; directoryId: string; clusterId: string }, now = new Date()): string {
  return `#\n#${javaDateString(now)}\nnode.id=${p.nodeId}\ndirectory.id=${p.directoryId}\nversion=1\ncluster.id=${p.clusterId}\n`;
}

/**
 * The directory.id of a log dir's meta.properties as 32 lowercase hex digits (the form metadata
 * records carry), or undefined when there is no file or no id.
 */
export function readDirectoryId(dir: string): string | undefined {
  const file = join(dir, META_PROPERTIES_FILE);
  if (!existsSync(file)) return undefined;
  const id = parseProperties(readFileSync(file, "utf8")).get("directory.id");
  if (!id) return undefined;
  const bytes = Buffer.from(id, "base64url");
  return bytes.length === 16 ? bytes.toString("hex") : undefined;
}

export function readClusterId(logDirs: string[], nodeId = 1): string {
  let clusterId: string | undefined;
  for (const dir of logDirs) {
    const file = join(dir, META_PROPERTIES_FILE);
    if (!existsSync(file)) continue;
    const props = parseProperties(readFileSync(file, "utf8"));
    const version = props.get("version");
    if (version !== "1") {
      throw new MetaPropertiesError(`${file}: version ${version ?? "(none)"} is not 1, the only meta.properties version Kafka 4 ` +
        "and Bunka read (0 is ZooKeeper-era Kafka; another is a newer Kafka's)");
    }
    const storedNode = props.get("node.id");
    if (storedNode !== undefined && storedNode !== String(nodeId)) {
      throw new MetaPropertiesError(`${file}: stored node.id ${storedNode} does not match node.id ${nodeId} of the config`);
    }
    const id = props.get("cluster.id");
    if (id && clusterId !== undefined && id !== clusterId) {
      throw new MetaPropertiesError(`${file}: cluster.id ${id} differs from ${clusterId} of another log dir`);
    }
    if (id) clusterId ??= id;
  }
  clusterId ??= newKafkaUuidString();
  for (const dir of logDirs) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, META_PROPERTIES_FILE);
    if (existsSync(file)) continue;
    writeFileSync(file, formatMetaProperties({ nodeId, directoryId: newKafkaUuidString(), clusterId }));
  }
  return clusterId;
}
