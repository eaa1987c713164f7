// Registers every API handler (each file registers itself on import).
import "./00-produce.ts";
import "./01-fetch.ts";
import "./02-list-offsets.ts";
import "./03-metadata.ts";
import "./18-api-versions.ts";
import "./23-offset-for-leader-epoch.ts";
import "./75-describe-topic-partitions.ts";
