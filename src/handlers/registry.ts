// Every API the broker serves registers itself here with its version range; ApiVersions is
// computed from this table (franz-go kfake style), so advertising and serving cannot drift.

import type { Reader } from "../protocol/reader.ts";
import type { Writer } from "../protocol/writer.ts";
import type { BrokerConfig, Listener } from "../config/broker-config.ts";
import type { LogStore } from "../storage/log-store.ts";
import type { GroupCoordinator } from "../groups/group-coordinator.ts";
import type { Principal, StandardAuthorizer } from "../security/authorizer.ts";
import type { TransactionCoordinator } from "../transactions/transaction-coordinator.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import type { SaslAuthenticator } from "../security/sasl-authenticator.ts";
import { RateLimitedLog, escapeForLog, log } from "../log.ts";

export interface BrokerContext {
  config: BrokerConfig;
  store: LogStore;
  /** Cluster id as Kafka prints it (base64 of 16 bytes), from meta.properties when present. */
  clusterId: string;
  /** Consumer groups and committed offsets (loaded from __consumer_offsets at startup; main.ts sets it). */
  groups?: GroupCoordinator;
  /** The ACL authorizer (authorizer.class.name); absent when none is configured: everything is allowed. */
  authorizer?: StandardAuthorizer;
  /** Transactional ids and their transactions (loaded from __transaction_state at startup; main.ts sets it). */
  transactions?: TransactionCoordinator;
}

export interface RequestContext {
  broker: BrokerContext;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** The listener the request arrived on, and the socket's local end. */
  listener: Listener;
  localAddress: string;
  localPort: number;
  /** The client's address (the member host groups report; the host ACLs are matched against). */
  remoteAddress?: string;
  /**
   * Who sent the request (Kafka's RequestContext.principal): User:ANONYMOUS on PLAINTEXT and on
   * SSL without a client certificate, User:<certificate subject DN, mapped by
   * ssl.principal.mapping.rules> with one, User:<name> after SASL.
   */
  principal: Principal;
  /** The connection's SASL state, on a SASL_PLAINTEXT or SASL_SSL listener (SaslHandshake, SaslAuthenticate). */
  sasl?: SaslAuthenticator;
}

/** A response, or null for none at all (Produce with acks=0). */
export type HandlerResult<Res> = Res | null | Promise<Res | null>;

/** What the generated codec module says of an API (see build/apis.ts). */
export interface ApiSpec {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version of the request / response (Infinity when none). */
  requestFlexibleFrom: number;
  responseFlexibleFrom: number;
}

export interface ApiDefinition<Req = any, Res = any> {
  spec: ApiSpec;
  /** The served range, when narrower than the generated codec's. */
  minVersion?: number;
  maxVersion?: number;
  /**
   * Advertised in ApiVersions below minVersion but rejected when used (connection closed), as
   * Kafka 4 does for Produce v0–v2 so that librdkafka keeps its features on (KAFKA-18659).
   */
  advertisedMinVersion?: number;
  readRequest(r: Reader, version: number): Req;
  writeResponse(w: Writer, version: number, response: Res): void;
  /**
   * Called synchronously while the request's bytes are valid; byte fields of the request are
   * views of the receive buffer and must not be kept past the synchronous part of the call.
   */
  handle(request: Req, ctx: RequestContext): HandlerResult<Res>;
  /**
   * Kafka's AbstractRequest.getErrorResponse: the answer to a request refused as a whole (its
   * handler threw), every part of it carrying `errorCode`; null when Kafka has none (Produce
   * with acks=0), and then the connection is closed. Without it, a refused request closes the
   * connection.
   */
  errorResponse?(request: Req, errorCode: number, message: string | null, ctx: RequestContext): Res | null;
  /** Only ApiVersions answers a version it does not serve (in its v0 body format). */
  unsupportedVersionResponse?(ctx: RequestContext): Res;
  /** Initial response buffer size, to avoid regrowing for large responses. */
  responseSizeHint?: number;
  /**
   * Byte fields of at least this many bytes are sent from where they are (mmapped segments)
   * instead of being copied into the response buffer; they must stay valid until written.
   */
  zeroCopyBytes?: number;
}

export interface ApiHandler<Req = any, Res = any> extends ApiDefinition<Req, Res> {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  advertisedMinVersion: number;
  requestHeaderVersion(version: number): number;
  responseHeaderVersion(version: number): number;
}

/**
 * A request Kafka refuses as a whole (an exception out of KafkaApis): answered with the API's
 * error response carrying `errorCode` (see ApiDefinition.errorResponse).
 */
export class RequestError extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

/** Kafka's InvalidRequestException: INVALID_REQUEST for the whole request. */
export class InvalidRequestError extends RequestError {
  constructor(message: string) {
    super(ErrorCode.INVALID_REQUEST, message);
  }
}

/**
 * A request Kafka's parser refuses (an exception while it builds the request object, e.g. an
 * UNKNOWN code in an ACL filter): Kafka closes the connection without an answer.
 */
export class UnparsableRequestError extends RequestError {
  constructor(message: string) {
    super(ErrorCode.INVALID_REQUEST, message);
  }
}

const refusals = new RateLimitedLog(10_000);

/**
 * Kafka's RequestHandlerHelper.handleError for a handler that threw: a RequestError is the
 * client's doing (logged at INFO, rate-limited per client and API), anything else is a bug here
 * (logged as an error) and answered UNKNOWN_SERVER_ERROR, as Kafka answers its own exceptions.
 * Returns the error response, or why the connection must be closed instead.
 */
export function refusedRequest(handler: ApiHandler, request: unknown, ctx: RequestContext, e: unknown): { response: unknown } | { close: string } {
  const what = `${handler.name} v${ctx.apiVersion} request from ${ctx.remoteAddress ?? "?"} (client ${escapeForLog(ctx.clientId)})`;
  let errorCode: number;
  let message: string;
  if (e instanceof RequestError) {
    ({ errorCode, message } = e);
    refusals.info(`${handler.apiKey}:${ctx.clientId}`, `refused ${what}: ${escapeForLog(message)} (error ${errorCode})`);
  } else {
    errorCode = ErrorCode.UNKNOWN_SERVER_ERROR;
    message = String((e as Error)?.message ?? e);
    log.error(`${what} failed: ${(e as Error)?.stack ?? e}`);
  }
  if (e instanceof UnparsableRequestError) return { close: `refused ${handler.name} v${ctx.apiVersion} request: ${message}` };
  // Kafka's ApiError.fromThrowable sends no message with UNKNOWN_SERVER_ERROR.
  const answered = errorCode === ErrorCode.UNKNOWN_SERVER_ERROR ? null : message;
  const response = handler.errorResponse?.(request, errorCode, answered, ctx) ?? null;
  return response === null ? { close: `refused ${handler.name} v${ctx.apiVersion} request (error ${errorCode})` } : { response };
}

const handlers = new Map<number, ApiHandler>();

export function registerApi<Req, Res>(definition: ApiDefinition<Req, Res>): void {
  const { spec } = definition;
  if (handlers.has(spec.apiKey)) throw new Error(`API key ${spec.apiKey} registered twice`);
  const isApiVersions = spec.apiKey === 18;
  handlers.set(spec.apiKey, {
    ...definition,
    apiKey: spec.apiKey,
    name: spec.name,
    minVersion: definition.minVersion ?? spec.minVersion,
    maxVersion: definition.maxVersion ?? spec.maxVersion,
    advertisedMinVersion: definition.advertisedMinVersion ?? definition.minVersion ?? spec.minVersion,
    // Header v2 (v1 before flexible versions); an unknown newer version counts as flexible.
    requestHeaderVersion: (v) => (v >= spec.requestFlexibleFrom ? 2 : 1),
    // ApiVersions responses always use header v0 so any client can read the version list.
    responseHeaderVersion: (v) => (!isApiVersions && v >= spec.responseFlexibleFrom ? 1 : 0),
  });
}

export function handlerFor(apiKey: number): ApiHandler | undefined {
  return handlers.get(apiKey);
}

export function registeredApis(): ApiHandler[] {
  return [...handlers.values()].sort((a, b) => a.apiKey - b.apiKey);
}
