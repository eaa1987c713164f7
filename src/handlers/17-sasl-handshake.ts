// SaslHandshake (17), v0–v1. On a SASL listener the connection's SaslAuthenticator answers it
// (Kafka's SaslServerAuthenticator.handleHandshakeRequest): the enabled mechanisms, with
// UNSUPPORTED_SASL_MECHANISM (and the connection closed after the answer) when the client's is
// not one of them; v0 means the SASL tokens follow as raw frames, v1 inside SaslAuthenticate. On
// an authenticated connection a handshake starts re-authentication (KIP-368) when the client can
// (Connection/SaslAuthenticator.admit). Elsewhere (a PLAINTEXT or SSL listener, or a client that
// cannot re-authenticate) it reaches KafkaApis, which answers ILLEGAL_SASL_STATE with the enabled
// list empty; so does Bunka.

import {
  SASL_HANDSHAKE, readSaslHandshakeRequest, writeSaslHandshakeResponse,
  type SaslHandshakeRequest, type SaslHandshakeResponse,
} from "../protocol/messages/sasl-handshake.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi } from "./registry.ts";

registerApi<SaslHandshakeRequest, SaslHandshakeResponse>({
  spec: SASL_HANDSHAKE,
  readRequest: readSaslHandshakeRequest,
  writeResponse: writeSaslHandshakeResponse,
  handle(request, ctx) {
    const sasl = ctx.sasl;
    if (sasl === undefined || sasl.state !== "HANDSHAKE" && sasl.state !== "HANDSHAKE_OR_VERSIONS") {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
    }
    return sasl.handshake(request.mechanism, ctx.apiVersion);
  },
  errorResponse(_request, errorCode) {
    return { errorCode, mechanisms: [] };
  },
});
