// Kafka prints a Uuid (topic ids, directory ids, cluster ids) as the URL-safe base64 of its 16
// bytes without padding (org.apache.kafka.common.Uuid.toString); Bunka's model keeps topic ids
// as 32 lowercase hex digits (what Reader.uuid returns). These convert between the two.

/** The topic id of `__cluster_metadata` (Kafka's Uuid.METADATA_TOPIC_ID = Uuid(0, 1)). */
export const METADATA_TOPIC_ID = "00000000000000000000000000000001";

/** 32 hex digits -> Kafka's printed form, e.g. "AAAAAAAAAAAAAAAAAAAAAQ". */
export function uuidHexToKafkaString(hex: string): string {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a 32-hex-digit uuid: ${hex}`);
  return Buffer.from(hex, "hex").toString("base64url");
}

/**
 * Kafka's printed form -> 32 lowercase hex digits, or null if it is not 16 bytes of base64.
 * Accepts the URL-safe alphabet Kafka writes and, leniently, standard base64 with padding (which
 * the CodeCrafters tester writes into partition.metadata).
 */
export function kafkaStringToUuidHex(s: string): string | null {
  const t = s.trim();
  if (!/^[A-Za-z0-9_\-+/]{21,22}={0,2}$/.test(t)) return null;
  const bytes = Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return bytes.length === 16 ? bytes.toString("hex") : null;
}
