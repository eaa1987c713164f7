// bun build --compile src/main.ts → ./bunka, one self-contained executable. Built under a
// temporary name and renamed, so a broker starting concurrently never runs a half-written file.
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const out = join(root, "bunka");
const tmp = `${out}.${process.pid}.tmp`;
const started = performance.now();
const result = Bun.spawnSync([process.execPath, "build", "--compile", "--minify-syntax", "--sourcemap=none",
  // The log cleaner's worker is an entry point of its own (Bun bundles each worker separately).
  join(root, "src/main.ts"), join(root, "src/storage/log-cleaner-worker.ts"), "--outfile", tmp], { stdout: "inherit", stderr: "inherit" });
if (result.exitCode !== 0) {
  await rm(tmp, { force: true });
  process.exit(result.exitCode ?? 1);
}
await rename(tmp, out);
console.error(`[bunka] built ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
