// Launcher for the interop cases written in other languages: starts the compiled ./bunka on a
// free loopback port with a temporary log dir (test/support/broker-process.ts), prints
// "127.0.0.1:<port>" as the only line on stdout, forwards everything the broker logs to stderr,
// and stays alive until SIGTERM/SIGINT (or until stdin closes, with --stdin), then stops the
// broker and removes its log dir.
//
//   bun test/interop/broker.ts [--stdin] [--log FILE]
//
// BUNKA_BROKER_PROPS  extra server.properties lines, newline- or comma-separated "key=value"
//                     (e.g. "num.partitions=3,log.segment.bytes=1048576")
// --log FILE          append the broker's log to FILE instead of stderr

import { appendFileSync } from "node:fs";
import { startBroker } from "../support/broker-process.ts";

function parseProps(text: string | undefined): Record<string, string> {
  const props: Record<string, string> = {};
  for (const raw of (text ?? "").split(/[\n,]/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`BUNKA_BROKER_PROPS: expected key=value, got "${line}"`);
    props[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return props;
}

const args = process.argv.slice(2);
const watchStdin = args.includes("--stdin");
const logAt = args.indexOf("--log");
const logFile = logAt >= 0 ? args[logAt + 1] : undefined;

const broker = await startBroker({ properties: parseProps(process.env.BUNKA_BROKER_PROPS) });

let forwarded = 0;
const forward = () => {
  const text = broker.output();
  if (text.length > forwarded) {
    const chunk = text.slice(forwarded);
    forwarded = text.length;
    if (logFile) appendFileSync(logFile, chunk);
    else process.stderr.write(chunk);
  }
};
forward();
const pump = setInterval(forward, 100);

process.stdout.write(`127.0.0.1:${broker.port}\n`);

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    clearInterval(pump);
    const exit = await broker.stop();
    forward();
    if (exit !== 0 && code === 0) code = 1;
  }
  process.exit(code);
}

process.on("SIGTERM", () => void stop(0));
process.on("SIGINT", () => void stop(0));
broker.proc.exited.then((c) => {
  if (!stopping) {
    forward();
    process.stderr.write(`broker.ts: bunka exited unexpectedly with ${c}\n`);
    void stop(1);
  }
});
if (watchStdin) {
  (async () => {
    for await (const _ of Bun.stdin.stream()) { /* wait for EOF */ }
    await stop(0);
  })();
}
