// meta.properties: Kafka's per-log-dir identity file (version=1, cluster.id, node.id,
// directory.id). The cluster id is read from the first log dir that has one; otherwise a new
// one is generated and written to every log dir, so it stays the same across restarts.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { parseProperties } from "../config/properties.ts";

/** A random Kafka Uuid in its printed form: base64url of 16 bytes, no padding. */
export function newKafkaUuidString(): string {
  return randomBytes(16).toString("base64url");
}

export function readClusterId(logDirs: string[], nodeId = 1): string {
  for (const dir of logDirs) {
    const file = join(dir, "meta.properties");
    if (!existsSync(file)) continue;
    const id = parseProperties(readFileSync(file, "utf8")).get("cluster.id");
    if (id) return id;
  }
  const clusterId = newKafkaUuidString();
  for (const dir of logDirs) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "meta.properties");
    if (existsSync(file)) continue;
    writeFileSync(file, `#\n#${new Date().toString()}\nnode.id=${nodeId}\n` +
      `directory.id=${newKafkaUuidString()}\nversion=1\ncluster.id=${clusterId}\n`);
  }
  return clusterId;
}
