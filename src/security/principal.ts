// Who a connection is, as Kafka's DefaultKafkaPrincipalBuilder names it: User:ANONYMOUS on
// PLAINTEXT and on SSL without a client certificate; User:<SASL authorization id> after SASL;
// User:<subject DN> for a client certificate, the DN written as Java's
// X500Principal.getName() writes it (RFC 2253: the last RDN first, RDNs joined by ",", the
// values of a multi-valued RDN by "+", keywords CN C L ST O OU STREET DC UID, any other attribute
// as its dotted OID and "#" + the hex of its DER value; special characters escaped with "\"),
// then mapped by ssl.principal.mapping.rules, whose default (DEFAULT) keeps it as it is.

// The principal type and ANONYMOUS are the authorizer's (Kafka's KafkaPrincipal).
import { ANONYMOUS, type Principal } from "./authorizer.ts";
export { ANONYMOUS, type Principal };

export function userPrincipal(name: string): Principal {
  return { type: "User", name };
}

export function principalText(p: Principal): string {
  return `${p.type}:${p.name}`;
}

// The keywords X500Principal.getName(RFC2253) writes; other attribute types are written as OIDs.
const RFC2253_KEYWORDS: Record<string, string> = {
  "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
  "2.5.4.9": "STREET", "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
};

interface Der {
  tag: number;
  /** The whole element (tag, length, contents). */
  whole: Uint8Array;
  contents: Uint8Array;
}

function readDer(buf: Uint8Array, at: number): Der {
  const tag = buf[at];
  let len = buf[at + 1];
  if (tag === undefined || len === undefined) throw new Error("truncated DER");
  let pos = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error("unsupported DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]!;
  }
  if (pos + len > buf.length) throw new Error("truncated DER");
  return { tag, whole: buf.subarray(at, pos + len), contents: buf.subarray(pos, pos + len) };
}

function children(el: Der): Der[] {
  const out: Der[] = [];
  for (let at = 0; at < el.contents.length;) {
    const c = readDer(el.contents, at);
    out.push(c);
    at += c.whole.length;
  }
  return out;
}

function oidText(bytes: Uint8Array): string {
  const parts: number[] = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let v = 0;
  for (let i = 1; i < bytes.length; i++) {
    v = v * 128 + (bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

/** The subject Name of a DER certificate (Certificate → TBSCertificate → subject). */
function subjectOf(der: Uint8Array): Der {
  const tbs = children(readDer(der, 0))[0]!;
  const fields = children(tbs);
  // version [0] is optional; then serial, signature, issuer, validity, subject.
  const first = fields[0]!.tag === 0xa0 ? 1 : 0;
  const subject = fields[first + 4];
  if (subject === undefined || subject.tag !== 0x30) throw new Error("certificate has no subject");
  return subject;
}

function decodeString(v: Der): string | null {
  switch (v.tag) {
    case 0x0c: // UTF8String
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString (Java reads it as ISO-8859-1)
      return v.tag === 0x0c ? new TextDecoder().decode(v.contents) : String.fromCharCode(...v.contents);
    case 0x1e: { // BMPString
      let s = "";
      for (let i = 0; i + 1 < v.contents.length; i += 2) s += String.fromCharCode((v.contents[i]! << 8) | v.contents[i + 1]!);
      return s;
    }
    case 0x1c: // UniversalString
      return null;
    default:
      return null;
  }
}

/** RFC 2253 section 2.4 escaping, as X500Principal's AVA.toRFC2253String applies it. */
function escapeValue(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (",+\"\\<>;".includes(c)) out += "\\" + c;
    // Leading spaces, and a "#" after them (Java writes " #x" as "\ \#x").
    else if ((c === " " || c === "#") && /^ *$/.test(s.slice(0, i))) out += "\\" + c;
    else out += c;
  }
  if (out.endsWith(" ") && !out.endsWith("\\ ")) out = out.slice(0, -1) + "\\ ";
  return out;
}

/** The subject DN of a DER X.509 certificate, as Java's X500Principal.getName() writes it. */
export function subjectDn(certificateDer: Uint8Array): string {
  const rdns = children(subjectOf(certificateDer));
  const written: string[] = [];
  for (const rdn of rdns) {
    const avas = children(rdn).map((ava) => {
      const [oid, value] = children(ava);
      const id = oidText(oid!.contents);
      const keyword = RFC2253_KEYWORDS[id];
      const text = keyword === undefined ? null : decodeString(value!);
      if (keyword === undefined || text === null) return `${id}=#${Buffer.from(value!.whole).toString("hex")}`;
      return `${keyword}=${escapeValue(text)}`;
    });
    written.push(avas.join("+"));
  }
  return written.reverse().join(",");
}

/**
 * ssl.principal.mapping.rules, as Kafka's SslPrincipalMapper applies them to a subject DN: a
 * comma-separated list of `DEFAULT` (the DN as it is) and `RULE:<pattern>/<replacement>/[L|U]`;
 * the first rule whose pattern matches the whole DN gives the name (every match replaced, Java's
 * replaceAll, then lower- or upper-cased); no matching rule refuses the client ("No rules apply
 * to <DN>"). Patterns are Java regular expressions read as JavaScript ones: the common forms
 * (groups, classes, `.*?`, anchors) mean the same.
 */
export class SslPrincipalMapper {
  private readonly rules: ({ kind: "default" } | { kind: "rule"; source: string; pattern: RegExp; replacement: string; caseChange: "" | "L" | "U" })[] = [];

  constructor(readonly text: string) {
    // Kafka's RULE_SPLITTER and RULE_PARSER.
    const rule = String.raw`(DEFAULT)|RULE:((?:\\.|[^\\/])*)/((?:\\.|[^\\/])*)/([LU]?).*?|(.*?)`;
    const splitter = new RegExp(String.raw`\s*(${rule})\s*(?:,\s*|$)`, "gy");
    const trimmed = text.trim();
    for (let at = 0; at < trimmed.length;) {
      splitter.lastIndex = at;
      const m = splitter.exec(trimmed);
      if (m === null || m[0] === "") throw new Error(`Invalid rule: ${trimmed.slice(at)}`);
      at = splitter.lastIndex;
      const one = m[1]!;
      if (m[2] !== undefined) this.rules.push({ kind: "default" });
      else if (m[3] !== undefined) {
        // RULE_PARSER.lookingAt must take the whole rule: nothing after the case flag.
        if (one !== `RULE:${m[3]}/${m[4]}/${m[5]}`) throw new Error(`Invalid rule: \`${one}\`, unmatched substring: \`${one.slice(`RULE:${m[3]}/${m[4]}/${m[5]}`.length)}\``);
        let pattern: RegExp;
        try {
          pattern = new RegExp(`^(?:${m[3]})$`);
        } catch (e) {
          throw new Error(`Invalid rule: ${one} (${(e as Error).message})`);
        }
        this.rules.push({ kind: "rule", source: m[3], pattern, replacement: m[4] ?? "", caseChange: (m[5] ?? "") as "" | "L" | "U" });
      } else if (one.trim() !== "") throw new Error(`Invalid rule: ${one}`);
    }
    if (this.rules.length === 0) this.rules.push({ kind: "default" });
  }

  /** The principal name for a DN; throws when no rule applies. */
  name(dn: string): string {
    for (const r of this.rules) {
      if (r.kind === "default") return dn;
      const m = r.pattern.exec(dn);
      if (m === null) continue;
      const groups = m.length - 1;
      let out = dn.replace(new RegExp(r.source, "g"), (...args: unknown[]) => javaReplacement(r.replacement, args as string[], groups));
      if (r.caseChange === "L") out = out.toLowerCase();
      else if (r.caseChange === "U") out = out.toUpperCase();
      return out;
    }
    throw new Error(`No rules apply to ${dn}, rules [${this.rules.map((r) => (r.kind === "default" ? "DEFAULT" : `RULE:${r.source}/${r.replacement}`)).join(", ")}]`);
  }
}

/** Java's Matcher.appendReplacement: `\x` is x, `$n` group n (digits taken while a group exists). */
function javaReplacement(replacement: string, match: string[], groups: number): string {
  let out = "";
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === "\\" && i + 1 < replacement.length) {
      out += replacement[++i];
    } else if (c === "$" && /[0-9]/.test(replacement[i + 1] ?? "")) {
      let n = Number(replacement[++i]);
      while (/[0-9]/.test(replacement[i + 1] ?? "") && n * 10 + Number(replacement[i + 1]) <= groups) n = n * 10 + Number(replacement[++i]);
      // SslPrincipalMapper.escapeLiteralBackReferences: a reference past the groups is literal.
      out += n > groups ? `$${n}` : (match[n] ?? "");
    } else out += c;
  }
  return out;
}
