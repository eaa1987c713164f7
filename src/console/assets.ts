// The console's page, style sheet and script, embedded in the executable: imported as text, so
// `bun build --compile` carries them inside ./bunka (no files next to the binary). The script is
// TypeScript, turned into JavaScript once, on first request, by Bun's transpiler (types removed,
// nothing bundled: it imports nothing).

import indexPage from "./assets/index.html" with { type: "text" };
import consoleCss from "./assets/console.css" with { type: "text" };
import appSource from "./assets/console-app.ts.txt" with { type: "text" };
import type { HttpRoute } from "../http/server.ts";

// Imported as text, not as Bun's HTML bundle (which bun-types declares *.html to be).
const indexHtml = indexPage as unknown as string;
let appJs: string | null = null;

function script(): string {
  appJs ??= new Bun.Transpiler({ loader: "ts", target: "browser" }).transformSync(appSource);
  return appJs;
}

function asset(body: string, type: string): Response {
  return new Response(body, {
    headers: {
      "content-type": `${type}; charset=utf-8`, "cache-control": "no-cache",
      // The page loads only its own script and style and calls only its own API.
      "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      "x-content-type-options": "nosniff",
    },
  });
}

/** "/", "/index.html", "/console.css", "/console.js" (and no favicon). */
export const consoleAssets: HttpRoute = (req, url) => {
  if (req.method !== "GET" && req.method !== "HEAD") return undefined;
  switch (url.pathname) {
    case "/":
    case "/index.html":
    case "/console":
      return asset(indexHtml, "text/html");
    case "/console.css":
      return asset(consoleCss, "text/css");
    case "/console.js":
      return asset(script(), "text/javascript");
    case "/favicon.ico":
      return new Response(null, { status: 204 });
  }
  return undefined;
};
