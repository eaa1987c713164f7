#!/usr/bin/env bash
# Topics "open" and "secret" and the ACLs of compare-acls-with-kafka.ts, through Kafka's own
# kafka-topics and kafka-acls, on the broker at 127.0.0.1:<port> (Bunka or Kafka).
set -uo pipefail
cd "$(dirname "$0")/../.."
port=${1:?usage: compare-acls-setup.sh <port>}
T="test/interop/kafka-run.sh tool"
B="--bootstrap-server 127.0.0.1:$port"
for t in open secret; do $T org.apache.kafka.tools.TopicCommand $B --create --topic $t --partitions 1 2>&1 | tail -1; done
A="$T org.apache.kafka.tools.AclCommand $B"
$A --add --allow-principal User:ANONYMOUS --operation All --cluster >/dev/null 2>&1
$A --add --deny-principal User:ANONYMOUS --operation IdempotentWrite --operation Create --cluster >/dev/null 2>&1
$A --add --deny-principal User:ANONYMOUS --operation All --topic secret >/dev/null 2>&1
$A --add --allow-principal User:ANONYMOUS --operation All --topic open >/dev/null 2>&1
$A --add --deny-principal User:ANONYMOUS --operation Write --operation AlterConfigs --topic open >/dev/null 2>&1
$A --add --deny-principal User:ANONYMOUS --operation Create --topic nocreate- --resource-pattern-type prefixed >/dev/null 2>&1
$A --add --allow-principal User:ANONYMOUS --operation All --group g-denied >/dev/null 2>&1
$A --add --deny-principal User:ANONYMOUS --operation Read --group g-denied >/dev/null 2>&1
$A --add --deny-principal User:ANONYMOUS --operation All --group g-hidden >/dev/null 2>&1
$A --list 2>&1 | grep -c principal
$A --add --deny-principal User:ANONYMOUS --operation Describe --cluster >/dev/null 2>&1
echo setup done
