// Who a connection is, as Kafka's DefaultKafkaPrincipalBuilder names it: User:ANONYMOUS on
// PLAINTEXT and on SSL without a client certificate; User:<SASL authorization id> after SASL;
// User:<subject DN> for a client certificate, the DN written as Java's
// X500Principal.getName() writes it (RFC 2253: the last RDN first, RDNs joined by ",", the
// values of a multi-valued RDN by "+", keywords CN C L ST O OU STREET DC UID, any other attribute
// as its dotted OID and "#" + the hex of its DER value; special characters escaped with "\"),
// then mapped by ssl.principal.mapping.rules, whose default (DEFAULT) keeps it as it is.

export interface KafkaPrincipal {
  type: string;
  name: string;
}

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ type: "User", name: "ANONYMOUS" });

export function userPrincipal(name: string): KafkaPrincipal {
  return { type: "User", name };
}

export function principalText(p: KafkaPrincipal): string {
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
