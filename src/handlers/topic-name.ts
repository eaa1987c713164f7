// Kafka's topic name rules (org.apache.kafka.common.internals.Topic.validate, Kafka 4.3 wording).

const LEGAL = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Why a name is not a legal topic name, in Kafka 4's words, or null when it is. */
export function topicNameProblem(name: string): string | null {
  const reason = name.length === 0 ? "the empty string is not allowed"
    : name === "." ? "'.' is not allowed"
    : name === ".." ? "'..' is not allowed"
    : name.length > MAX_TOPIC_NAME_LENGTH ? `the length of '${name}' is longer than the max allowed length ${MAX_TOPIC_NAME_LENGTH}`
    : !LEGAL.test(name) ? `'${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`
    : null;
  return reason === null ? null : `Topic name is invalid: ${reason}`;
}

/** Kafka's Topic.isInternal (Topic.INTERNAL_TOPICS). */
export function isInternalTopic(name: string): boolean {
  return name === "__consumer_offsets" || name === "__transaction_state" || name === "__share_group_state";
}
