// SaslAuthenticate (36), v0–v2: one SASL token of the exchange the handshake (v1) chose, given to
// the connection's SaslAuthenticator (Kafka's SaslServerAuthenticator.handleSaslToken). A failed
// exchange is answered SASL_AUTHENTICATION_FAILED with Kafka's message (the mechanism's own, or
// "Authentication failed during authentication due to invalid credentials with SASL mechanism X"
// so nothing leaks about the user) and the connection is closed after the answer (a failure Kafka
// does not answer closes it without one). Once complete,
// v1+ carries session_lifetime_ms (connections.max.reauth.ms, KIP-368). Sent on a connection that
// is not authenticating (a PLAINTEXT or SSL listener, or after authentication) it reaches
// KafkaApis, which answers ILLEGAL_SASL_STATE; so does Bunka.

import {
  SASL_AUTHENTICATE, readSaslAuthenticateRequest, writeSaslAuthenticateResponse,
  type SaslAuthenticateRequest, type SaslAuthenticateResponse,
} from "../protocol/messages/sasl-authenticate.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi } from "./registry.ts";

const NO_BYTES = new Uint8Array(0);

function failed(errorCode: number, errorMessage: string | null): SaslAuthenticateResponse {
  return { errorCode, errorMessage, authBytes: NO_BYTES, sessionLifetimeMs: 0 };
}

registerApi<SaslAuthenticateRequest, SaslAuthenticateResponse>({
  spec: SASL_AUTHENTICATE,
  readRequest: readSaslAuthenticateRequest,
  writeResponse: writeSaslAuthenticateResponse,
  handle(request, ctx) {
    const sasl = ctx.sasl;
    if (sasl === undefined || sasl.state !== "AUTHENTICATE") {
      // KafkaApis.handleSaslAuthenticateRequest
      return failed(ErrorCode.ILLEGAL_SASL_STATE, "SaslAuthenticate request received after successful authentication");
    }
    // null: no answer; the connection closes (its SaslAuthenticator says why).
    return sasl.authenticate(request.authBytes, ctx.apiVersion);
  },
  errorResponse(_request, errorCode, message) {
    return failed(errorCode, message);
  },
});
