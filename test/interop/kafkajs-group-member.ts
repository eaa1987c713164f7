// One kafkajs consumer-group member, run as its own process by kafkajs-groups.test.ts so that it
// can be killed outright (SIGKILL: no LeaveGroup, the broker must notice through the session
// timeout). Prints one JSON object per line on stdout:
//   {"event":"joined","memberId":M,"leader":B,"partitions":[...]} after each rebalance (GROUP_JOIN)
//   {"event":"msg","partition":P,"offset":O,"value":"..."}  for each message, before its commit
//   {"event":"committed","topics":[...]}                    after each offset commit
//   {"event":"crash","error":E,"restart":R}                 kafkajs's CRASH event
//   {"event":"request","api":"LeaveGroup"}                  its LeaveGroup answered
//   {"event":"stopped"}                                     disconnected (after SIGTERM)
// SIGTERM (or stdin closing) makes it disconnect cleanly, which sends LeaveGroup (unless kafkajs's
// runner is not running then: it skips the LeaveGroup, e.g. while it restarts after a crash).
//
//   bun test/interop/kafkajs-group-member.ts <host:port> <group> <topic> <sessionTimeoutMs> [fromBeginning]

import { Kafka, logLevel } from "kafkajs";

const [bootstrap, groupId, topic, sessionTimeout, fromBeginning] = process.argv.slice(2);
if (!bootstrap || !groupId || !topic) {
  console.error("usage: kafkajs-group-member.ts <host:port> <group> <topic> <sessionTimeoutMs> [fromBeginning]");
  process.exit(2);
}
const emit = (o: object) => process.stdout.write(JSON.stringify(o) + "\n");

const kafka = new Kafka({
  clientId: `member-${process.pid}`, brokers: [bootstrap], logLevel: logLevel.NOTHING,
  retry: { initialRetryTime: 200, retries: 20, maxRetryTime: 2000 },
});
const consumer = kafka.consumer({
  groupId, sessionTimeout: Number(sessionTimeout ?? 10000), heartbeatInterval: 1000, rebalanceTimeout: 20000,
  maxWaitTimeInMs: 200,
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  const partitions = (e.payload.memberAssignment[topic] ?? []).slice().sort((a, b) => a - b);
  emit({ event: "joined", memberId: e.payload.memberId, leader: e.payload.isLeader, partitions });
});
consumer.on(consumer.events.COMMIT_OFFSETS, (e) => emit({ event: "committed", topics: e.payload.topics }));
consumer.on(consumer.events.CRASH, (e) => emit({ event: "crash", error: String(e.payload.error), restart: e.payload.restart }));
// The LeaveGroup a clean stop sends, once answered (kafkajs's request instrumentation fires on the
// response), so that the test can tell a broker that ignored it from a client that never sent it.
consumer.on(consumer.events.REQUEST, (e) => {
  if (e.payload.apiName === "LeaveGroup") emit({ event: "request", api: "LeaveGroup" });
});

await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: fromBeginning === "fromBeginning" });
await consumer.run({
  autoCommitInterval: 200,
  eachMessage: async ({ partition, message }) => {
    emit({ event: "msg", partition, offset: Number(message.offset), value: message.value?.toString() ?? null });
  },
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await consumer.disconnect().catch((e) => emit({ event: "disconnect-error", error: String(e) }));
  emit({ event: "stopped" });
  // Exit once what was emitted is written.
  process.stdout.write("", () => process.exit(0));
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
