// Registers every API handler (each file registers itself on import).
import "./00-produce.ts";
import "./01-fetch.ts";
import "./18-api-versions.ts";
import "./75-describe-topic-partitions.ts";
