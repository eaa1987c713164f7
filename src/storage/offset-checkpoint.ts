// Kafka's OffsetCheckpointFile, one per log dir and purpose (log-start-offset-checkpoint,
// cleaner-offset-checkpoint, recovery-point-offset-checkpoint): "0" (the version), the number of entries, then one
// "<topic> <partition> <offset>" line per partition; rewritten atomically (temp file, fsync,
// rename) whenever an entry changes. Entries are kept by partition directory name.

import type { FileSystem } from "./fs.ts";

export class OffsetCheckpoints {
  /** Log dir → partition directory name ("<topic>-<partition>") → offset. */
  private readonly byDir = new Map<string, Map<string, number>>();

  constructor(
    private readonly fs: FileSystem,
    logDirs: readonly string[],
    private readonly fileName: string,
    private readonly log: (msg: string) => void,
  ) {
    for (const dir of logDirs) this.byDir.set(dir, this.read(dir));
  }

  get(dir: string, partitionDir: string): number | undefined {
    return this.byDir.get(dir)?.get(partitionDir);
  }

  set(dir: string, partitionDir: string, offset: number): void {
    const entries = this.byDir.get(dir);
    if (entries === undefined || entries.get(partitionDir) === offset) return;
    entries.set(partitionDir, offset);
    this.write(dir);
  }

  /** Sets several entries, rewriting each changed file once (the periodic checkpoints). */
  setAll(entries: Iterable<{ dir: string; partitionDir: string; offset: number }>): void {
    const changed = new Set<string>();
    for (const { dir, partitionDir, offset } of entries) {
      const map = this.byDir.get(dir);
      if (map === undefined || map.get(partitionDir) === offset) continue;
      map.set(partitionDir, offset);
      changed.add(dir);
    }
    for (const dir of changed) this.write(dir);
  }

  delete(dir: string, partitionDir: string): void {
    if (this.byDir.get(dir)?.delete(partitionDir)) this.write(dir);
  }

  private read(dir: string): Map<string, number> {
    const out = new Map<string, number>();
    const path = `${dir}/${this.fileName}`;
    if (!this.fs.exists(path)) return out;
    const lines = new TextDecoder().decode(this.fs.readFile(path)).split("\n");
    const count = Number(lines[1]);
    if (lines[0]?.trim() !== "0" || !Number.isInteger(count)) {
      this.log(`${path}: not a version 0 offset checkpoint; ignoring it`);
      return out;
    }
    for (let i = 0; i < count; i++) {
      // Topic names have no spaces.
      const m = /^(\S+) (\d+) (\d+)$/.exec(lines[2 + i]?.trim() ?? "");
      if (!m) {
        this.log(`${path}: malformed line ${i + 3}; ignoring the file`);
        return new Map();
      }
      out.set(`${m[1]}-${m[2]}`, Number(m[3]));
    }
    return out;
  }

  private write(dir: string): void {
    const entries = [...this.byDir.get(dir)!];
    const lines = ["0", String(entries.length)];
    for (const [name, offset] of entries) {
      const dash = name.lastIndexOf("-");
      lines.push(`${name.slice(0, dash)} ${name.slice(dash + 1)} ${offset}`);
    }
    this.fs.writeFileAtomic(`${dir}/${this.fileName}`, new TextEncoder().encode(lines.join("\n") + "\n"));
  }
}
