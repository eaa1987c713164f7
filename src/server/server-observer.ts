// What the Kafka listeners announce as they work, for whoever counts it (src/metrics/): bytes
// read and written, and each request once its response is written (Kafka's RequestChannel
// updates RequestMetrics at the same point: when the response has been sent). One call per
// event, numbers only, so a subscriber can count without allocating; the response object is
// passed as it is (the subscriber reads what it wants from it, e.g. error codes).

export interface ServerObserver {
  /** `bytes` read from a client socket. */
  bytesReceived(bytes: number): void;
  /** `bytes` written to a client socket. */
  bytesSent(bytes: number): void;
  /**
   * A request's response was written whole (or, with acks=0, the request was handled and has
   * none: `response` is null). `elapsedMs`: from the dispatch of the request to then.
   */
  requestCompleted(apiKey: number, elapsedMs: number, response: unknown): void;
}

/** Nobody listening. */
export const NO_SERVER_OBSERVER: ServerObserver = {
  bytesReceived() {},
  bytesSent() {},
  requestCompleted() {},
};
