// What each listener's security protocol needs, read from Kafka's keys with Kafka's precedence:
// `listener.name.<listener, lower case>.<key>` over `<key>` (ListenerName.configPrefix), and for
// SASL `listener.name.<l>.<mechanism, lower case>.<key>` first (saslMechanismConfigPrefix).
//
// TLS (SSL, SASL_SSL): PEM only (ssl.keystore.type=PEM): `ssl.keystore.key` with
// `ssl.keystore.certificate.chain` inline, or `ssl.keystore.location` naming a PEM file holding
// the key and its chain; `ssl.key.password` decrypts an encrypted key; the truststore is
// `ssl.truststore.certificates` inline or `ssl.truststore.location` (PEM); `ssl.client.auth`
// none / requested / required. JKS and PKCS12 are refused with a config error that says so.
//
// SASL (SASL_PLAINTEXT, SASL_SSL): `sasl.enabled.mechanisms` (Kafka's default GSSAPI is not
// served: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER with unsecured JWTs are, the
// latter with the unsecuredValidator* options of its OAuthBearerLoginModule JAAS entry); PLAIN's users come from the JAAS config of
// PlainLoginModule (`user_<name>="<password>"` options, as PlainServerCallbackHandler reads
// them) in `listener.name.<l>.plain.sasl.jaas.config`, else `listener.name.<l>.sasl.jaas.config`,
// else `sasl.jaas.config` (Kafka's broker reads only the prefixed forms and a static JAAS file;
// the unprefixed fallback is Bunka's). `connections.max.reauth.ms` per mechanism (KIP-368).

import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error.ts";
import { parseJaasConfig } from "./jaas.ts";
import { SslPrincipalMapper } from "../security/principal.ts";

export type SecurityProtocol = "PLAINTEXT" | "SSL" | "SASL_PLAINTEXT" | "SASL_SSL";
export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];

export type ClientAuth = "none" | "requested" | "required";

export interface TlsSettings {
  /** The private key and certificate chain, PEM. */
  key: string;
  cert: string;
  /** ssl.key.password, for an encrypted private key. */
  passphrase: string | null;
  /** Trusted CA certificates (PEM), or null for the runtime's default roots. */
  ca: string | null;
  clientAuth: ClientAuth;
  /** ssl.principal.mapping.rules (checked here; applied by security/principal.ts SslPrincipalMapper). */
  principalMappingRules: string;
}

/** The SASL mechanisms Bunka serves. */
export const SUPPORTED_SASL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"] as const;

export interface SaslSettings {
  /** In the configured order (SaslHandshake answers this list). */
  mechanisms: string[];
  /** PLAIN users and passwords (user_<name>="<password>"). */
  plainUsers: Map<string, string>;
  /** connections.max.reauth.ms by mechanism; 0: sessions never expire. */
  maxReauthMs: Map<string, number>;
  /** OAUTHBEARER's unsecured-JWT validator options (OAuthBearerLoginModule's unsecuredValidator* JAAS options). */
  oauthbearer?: OAuthBearerSettings;
  /** sasl.server.max.receive.size: the largest frame before authentication (Kafka's default 524288). */
  maxReceiveBytes: number;
}

/** OAUTHBEARER's unsecured-JWT validator options (Kafka's OAuthBearerUnsecuredValidatorCallbackHandler). */
export interface OAuthBearerSettings {
  principalClaimName: string;
  scopeClaimName: string;
  requiredScope: string[];
  allowableClockSkewMs: number;
}

export const DEFAULT_OAUTHBEARER_SETTINGS: OAuthBearerSettings = {
  principalClaimName: "sub", scopeClaimName: "scope", requiredScope: [], allowableClockSkewMs: 0,
};

export interface ListenerSecurity {
  protocol: SecurityProtocol;
  tls: TlsSettings | null;
  sasl: SaslSettings | null;
}

const PEM_KEYSTORE_HINT = "Bunka reads PEM only: ssl.keystore.type=PEM with ssl.keystore.key and ssl.keystore.certificate.chain, " +
  "or ssl.keystore.location naming a PEM file that holds the private key and its certificate chain";
const PEM_TRUSTSTORE_HINT = "Bunka reads PEM only: ssl.truststore.type=PEM with ssl.truststore.certificates, " +
  "or ssl.truststore.location naming a PEM file of CA certificates";

/** A listener's value of `key`: the listener-prefixed key over the plain one. */
function lookup(props: Map<string, string>, listener: string, key: string): { key: string; value: string } | null {
  const prefixed = `listener.name.${listener.toLowerCase()}.${key}`;
  const v = props.get(prefixed);
  if (v !== undefined) return { key: prefixed, value: v };
  const plain = props.get(key);
  return plain === undefined ? null : { key, value: plain };
}

/** The keys this module reads (also listener-prefixed). */
export const LISTENER_SECURITY_KEYS: readonly string[] = [
  "ssl.keystore.type", "ssl.keystore.key", "ssl.keystore.certificate.chain", "ssl.keystore.location", "ssl.keystore.password",
  "ssl.key.password", "ssl.truststore.type", "ssl.truststore.certificates", "ssl.truststore.location", "ssl.client.auth",
  "sasl.enabled.mechanisms", "sasl.jaas.config", "connections.max.reauth.ms", "ssl.principal.mapping.rules", "sasl.server.max.receive.size",
];

/**
 * Whether `key` is one this module reads for a listener, so that start-up does not call it
 * unknown: `listener.name.<l>.<key>`, and `listener.name.<l>.<mechanism>.sasl.jaas.config` /
 * `.connections.max.reauth.ms`. Other listener-prefixed keys are warned about as unused.
 */
export function isListenerSecurityKey(key: string): boolean {
  const m = /^listener\.name\.[a-z0-9_]+\.(.+)$/.exec(key);
  if (m === null) return false;
  const rest = m[1]!;
  if (LISTENER_SECURITY_KEYS.includes(rest)) return true;
  const perMechanism = /^([a-z0-9-]+)\.(sasl\.jaas\.config|connections\.max\.reauth\.ms)$/.exec(rest);
  return perMechanism !== null && (SUPPORTED_SASL_MECHANISMS as readonly string[]).includes(perMechanism[1]!.toUpperCase());
}

export function listenerSecurity(props: Map<string, string>, name: string, protocol: SecurityProtocol): ListenerSecurity {
  const tls = protocol === "SSL" || protocol === "SASL_SSL" ? tlsSettings(props, name) : null;
  const sasl = protocol === "SASL_PLAINTEXT" || protocol === "SASL_SSL" ? saslSettings(props, name) : null;
  return { protocol, tls, sasl };
}

function readPemFile(key: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`${key}=${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return text;
}

/**
 * PEM blocks of the given labels (BEGIN <label>), in order, rewritten with 64-character lines:
 * Kafka's PemParser takes a block whatever its whitespace (a value joined by .properties line
 * continuations has none), OpenSSL only with line breaks.
 */
function pemBlocks(text: string, labels: RegExp): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    if (!labels.test(m[1]!)) continue;
    const body = m[2]!.replace(/\s+/g, "");
    out.push(`-----BEGIN ${m[1]}-----\n${body.replace(/.{1,64}/g, "$&\n")}-----END ${m[1]}-----\n`);
  }
  return out;
}

const KEY_LABELS = /^(?:RSA |EC |ENCRYPTED )?PRIVATE KEY$/;
const CERT_LABELS = /^CERTIFICATE$/;

function tlsSettings(props: Map<string, string>, listener: string): TlsSettings {
  const at = (key: string) => lookup(props, listener, key);
  const where = `listener ${listener}`;
  const type = at("ssl.keystore.type");
  if (type !== null && type.value.trim().toUpperCase() !== "PEM") {
    throw new ConfigError(`${type.key}=${type.value.trim()} is not supported. ${PEM_KEYSTORE_HINT}`);
  }
  const password = at("ssl.keystore.password");
  if (password !== null && password.value !== "") {
    // Kafka's DefaultSslEngineFactory: "SSL key store password cannot be specified with PEM format, only key password may be specified"
    throw new ConfigError(`${password.key}: SSL key store password cannot be specified with PEM format, only key password may be specified (ssl.key.password)`);
  }
  const inlineKey = at("ssl.keystore.key");
  const inlineChain = at("ssl.keystore.certificate.chain");
  const location = at("ssl.keystore.location");
  let keyPem: string;
  let chainPem: string;
  if (inlineKey !== null || inlineChain !== null) {
    if (inlineKey === null || inlineChain === null) {
      throw new ConfigError(`${where}: ssl.keystore.key and ssl.keystore.certificate.chain must be given together`);
    }
    keyPem = inlineKey.value;
    chainPem = inlineChain.value;
  } else if (location !== null) {
    const text = readPemFile(location.key, location.value.trim());
    if (!text.includes("-----BEGIN")) throw new ConfigError(`${location.key}=${location.value.trim()} is not a PEM file. ${PEM_KEYSTORE_HINT}`);
    keyPem = text;
    chainPem = text;
  } else {
    throw new ConfigError(`${where} uses TLS but has no key store: set ssl.keystore.type=PEM with ssl.keystore.key and ` +
      `ssl.keystore.certificate.chain, or ssl.keystore.location (also as listener.name.${listener.toLowerCase()}.ssl.*)`);
  }
  const keys = pemBlocks(keyPem, KEY_LABELS);
  const certs = pemBlocks(chainPem, CERT_LABELS);
  if (keys.length !== 1) throw new ConfigError(`${where}: the key store holds ${keys.length} private keys (PEM), not one`);
  if (certs.length === 0) throw new ConfigError(`${where}: the key store holds no certificate (PEM)`);
  const keyPassword = at("ssl.key.password");
  if (keys[0]!.includes("ENCRYPTED") && keyPassword === null) {
    throw new ConfigError(`${where}: the private key is encrypted and ssl.key.password is not set`);
  }
  // Read here, so a bad key or certificate is a config error naming the listener rather than a
  // failure to listen.
  try {
    createPrivateKey(keyPassword === null ? keys[0]! : { key: keys[0]!, passphrase: keyPassword.value });
  } catch (e) {
    throw new ConfigError(`${where}: the private key cannot be read${keyPassword === null ? "" : " with ssl.key.password"} (${(e as Error).message})`);
  }
  for (const c of certs) {
    try {
      new X509Certificate(c);
    } catch (e) {
      throw new ConfigError(`${where}: a certificate of the key store cannot be read (${(e as Error).message})`);
    }
  }

  const trustType = at("ssl.truststore.type");
  if (trustType !== null && trustType.value.trim().toUpperCase() !== "PEM") {
    throw new ConfigError(`${trustType.key}=${trustType.value.trim()} is not supported. ${PEM_TRUSTSTORE_HINT}`);
  }
  const trustInline = at("ssl.truststore.certificates");
  const trustLocation = at("ssl.truststore.location");
  let ca: string | null = null;
  if (trustInline !== null) ca = trustInline.value;
  else if (trustLocation !== null) ca = readPemFile(trustLocation.key, trustLocation.value.trim());
  if (ca !== null) {
    const trusted = pemBlocks(ca, CERT_LABELS);
    if (trusted.length === 0) throw new ConfigError(`${(trustInline ?? trustLocation)!.key}: no PEM certificate found. ${PEM_TRUSTSTORE_HINT}`);
    ca = trusted.join("");
  }

  const auth = at("ssl.client.auth")?.value.trim().toLowerCase() ?? "none";
  if (auth !== "none" && auth !== "requested" && auth !== "required") {
    throw new ConfigError(`Invalid value ${auth} for configuration ssl.client.auth: String must be one of: required, requested, none`);
  }
  const rules = at("ssl.principal.mapping.rules");
  if (rules !== null) {
    try {
      new SslPrincipalMapper(rules.value);
    } catch (e) {
      throw new ConfigError(`${rules.key}: ${(e as Error).message}`);
    }
  }
  return { key: keys[0]!, cert: certs.join(""), passphrase: keyPassword?.value ?? null, ca, clientAuth: auth, principalMappingRules: rules?.value ?? "DEFAULT" };
}

function saslSettings(props: Map<string, string>, listener: string): SaslSettings {
  const l = listener.toLowerCase();
  const enabled = lookup(props, listener, "sasl.enabled.mechanisms");
  const mechanisms = (enabled?.value ?? "GSSAPI").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (mechanisms.length === 0) throw new ConfigError(`listener ${listener}: ${enabled?.key ?? "sasl.enabled.mechanisms"} is empty`);
  for (const m of mechanisms) {
    if (!(SUPPORTED_SASL_MECHANISMS as readonly string[]).includes(m)) {
      throw new ConfigError(`listener ${listener}: SASL mechanism ${m}${enabled === null ? " (Kafka's default sasl.enabled.mechanisms)" : ""} ` +
        `is not supported by Bunka; set ${enabled?.key ?? "sasl.enabled.mechanisms"} to some of ${SUPPORTED_SASL_MECHANISMS.join(", ")}`);
    }
  }
  const plainUsers = new Map<string, string>();
  if (mechanisms.includes("PLAIN")) {
    const candidates = [`listener.name.${l}.plain.sasl.jaas.config`, `listener.name.${l}.sasl.jaas.config`, "sasl.jaas.config"];
    const key = candidates.find((k) => props.has(k));
    if (key === undefined) {
      throw new ConfigError(`listener ${listener} enables PLAIN but no JAAS config names its users: set ${candidates[0]}=` +
        `org.apache.kafka.common.security.plain.PlainLoginModule required user_<name>="<password>";`);
    }
    let jaas;
    try {
      jaas = parseJaasConfig(props.get(key)!);
    } catch (e) {
      throw new ConfigError(`${key}: ${(e as Error).message}`);
    }
    if (jaas.loginModule === PLAIN_LOGIN_MODULE) {
      for (const [option, value] of jaas.options) if (option.startsWith("user_")) plainUsers.set(option.slice(5), value);
    }
  }
  let oauthbearer: OAuthBearerSettings | undefined;
  if (mechanisms.includes("OAUTHBEARER")) {
    const key = [`listener.name.${l}.oauthbearer.sasl.jaas.config`, `listener.name.${l}.sasl.jaas.config`, "sasl.jaas.config"].find((k) => props.has(k));
    const options = new Map<string, string>();
    if (key !== undefined) {
      try {
        const jaas = parseJaasConfig(props.get(key)!);
        if (jaas.loginModule === OAUTHBEARER_LOGIN_MODULE) for (const [k, v] of jaas.options) options.set(k, v);
      } catch (e) {
        throw new ConfigError(`${key}: ${(e as Error).message}`);
      }
    }
    const skew = Number(options.get("unsecuredValidatorAllowableClockSkewMs") ?? "0");
    if (!Number.isInteger(skew) || skew < 0) throw new ConfigError(`${key}: unsecuredValidatorAllowableClockSkewMs must be a non-negative integer`);
    oauthbearer = {
      principalClaimName: options.get("unsecuredValidatorPrincipalClaimName")?.trim() || DEFAULT_OAUTHBEARER_SETTINGS.principalClaimName,
      scopeClaimName: options.get("unsecuredValidatorScopeClaimName")?.trim() || DEFAULT_OAUTHBEARER_SETTINGS.scopeClaimName,
      // OAuthBearerScopeUtils.parseScope: space-delimited.
      requiredScope: (options.get("unsecuredValidatorRequiredScope") ?? "").split(" ").filter((x) => x !== ""),
      allowableClockSkewMs: skew,
    };
  }
  const maxReauthMs = new Map<string, number>();
  for (const m of mechanisms) {
    const key = [`listener.name.${l}.${m.toLowerCase()}.connections.max.reauth.ms`, `listener.name.${l}.connections.max.reauth.ms`,
      "connections.max.reauth.ms"].find((k) => props.has(k));
    const raw = key === undefined ? "0" : props.get(key)!.trim();
    const ms = Number(raw);
    if (!Number.isSafeInteger(ms)) throw new ConfigError(`${key}=${raw} is not a number of milliseconds`);
    maxReauthMs.set(m, Math.max(0, ms));
  }
  const receive = lookup(props, listener, "sasl.server.max.receive.size");
  const maxReceiveBytes = receive === null ? 524288 : Number(receive.value.trim());
  if (!Number.isSafeInteger(maxReceiveBytes) || maxReceiveBytes < 0) throw new ConfigError(`${receive!.key}=${receive!.value.trim()} is not a number of bytes`);
  const settings: SaslSettings = { mechanisms, plainUsers, maxReauthMs, maxReceiveBytes };
  if (oauthbearer !== undefined) settings.oauthbearer = oauthbearer;
  return settings;
}

export const PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
export const OAUTHBEARER_LOGIN_MODULE = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
