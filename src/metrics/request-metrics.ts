// What the Kafka listeners did (server/server-observer.ts), counted as Kafka's RequestMetrics and
// SocketServer metrics count it: requests per API key (RequestsPerSec), their time from dispatch
// to the response written (TotalTimeMs, here a histogram), the error codes in their responses
// (ErrorsPerSec: every errorCode field of the response, as AbstractResponse.errorCounts walks
// them), and the bytes read and written (incoming-/outgoing-byte-total). Counting is plain
// numbers in arrays indexed by API key: nothing is allocated per request once an API key and
// error code have been seen.

import type { ServerObserver } from "../server/server-observer.ts";
import { Histogram, LATENCY_BUCKETS_SECONDS } from "./exposition.ts";

/** API keys are below this (Kafka's highest is in the 90s). */
const API_KEYS = 128;

export class RequestMetrics implements ServerObserver {
  bytesIn = 0;
  bytesOut = 0;
  /** Requests completed, by API key. */
  readonly requests = new Float64Array(API_KEYS);
  /** Time to response, by API key (made on the API's first request). */
  readonly latency: (Histogram | undefined)[] = new Array(API_KEYS);
  /** Error code → responses' error fields with it, by API key (NONE not counted). */
  readonly errors: (Map<number, number> | undefined)[] = new Array(API_KEYS);

  bytesReceived(bytes: number): void {
    this.bytesIn += bytes;
  }

  bytesSent(bytes: number): void {
    this.bytesOut += bytes;
  }

  requestCompleted(apiKey: number, elapsedMs: number, response: unknown): void {
    if (apiKey < 0 || apiKey >= API_KEYS) return;
    this.requests[apiKey]!++;
    let h = this.latency[apiKey];
    if (h === undefined) this.latency[apiKey] = h = new Histogram(LATENCY_BUCKETS_SECONDS);
    h.observe(elapsedMs / 1000);
    if (response !== null && typeof response === "object") this.countErrors(apiKey, response, 0);
  }

  /** Every non-zero `errorCode` in the response's objects and arrays (byte fields skipped). */
  private countErrors(apiKey: number, value: object, depth: number): void {
    if (depth > 8 || ArrayBuffer.isView(value)) return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        if (v !== null && typeof v === "object") this.countErrors(apiKey, v, depth + 1);
      }
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const v = record[key];
      if (key === "errorCode") {
        if (typeof v === "number" && v !== 0) this.countError(apiKey, v);
      } else if (v !== null && typeof v === "object") {
        this.countErrors(apiKey, v, depth + 1);
      }
    }
  }

  private countError(apiKey: number, code: number): void {
    let m = this.errors[apiKey];
    if (m === undefined) this.errors[apiKey] = m = new Map();
    m.set(code, (m.get(code) ?? 0) + 1);
  }
}
