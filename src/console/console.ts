// The web console (issue 14): its page and its JSON API, as one route provider for the HTTP
// listener (src/http/server.ts). Pages: brokers and config, topics (paginated on the server,
// with live throughput), a topic's partitions, produce/delete records/config forms, a message
// browser with seek by offset and timestamp and a whole-topic search, consumer groups with lag
// and offset reset. See console-api.ts for what each endpoint does and which Kafka handler it
// goes through.

import type { BrokerContext } from "../handlers/registry.ts";
import { consoleAssets } from "./assets.ts";
import type { HttpRoute } from "../http/server.ts";
import { consoleApi, type ConsoleApiOptions } from "./console-api.ts";

export type { ConsoleApiOptions } from "./console-api.ts";

export function consoleRoutes(broker: BrokerContext, opts: ConsoleApiOptions = {}): HttpRoute {
  const api = consoleApi(broker, opts);
  return (req, url) => api(req, url) ?? consoleAssets(req, url);
}
