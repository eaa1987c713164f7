// One JAAS login module entry as Kafka's `sasl.jaas.config` holds it, read as Kafka's JaasConfig
// reads it (a java.io.StreamTokenizer): `<LoginModule class> <flag> [<key>=<value>]... ;` where a
// value is a word or a "double-quoted" string (backslash escapes \n \t \r \b \f \\ \" and octal),
// and // or /* */ comments are skipped. Kafka refuses a sasl.jaas.config with other than one
// module: "JAAS config property contains N login modules, should be 1 module".

export type JaasControlFlag = "required" | "requisite" | "sufficient" | "optional";

export interface JaasLoginModule {
  loginModule: string;
  flag: JaasControlFlag;
  options: Map<string, string>;
}

type Token = { kind: "word" | "quoted"; text: string } | { kind: "=" | ";" };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "/" && text[i + 1] === "/") { while (i < text.length && text[i] !== "\n") i++; continue; }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (c === "=" || c === ";") { out.push({ kind: c }); i++; continue; }
    if (c === '"') {
      let s = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("Invalid JAAS config: unterminated quoted value");
        const d = text[i++]!;
        if (d === '"') break;
        if (d === "\\" && i < text.length) {
          const e = text[i++]!;
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", a: "\x07", v: "\v" };
          if (map[e] !== undefined) s += map[e];
          else if (/[0-7]/.test(e)) {
            let oct = e;
            while (oct.length < 3 && /[0-7]/.test(text[i] ?? "")) oct += text[i++];
            s += String.fromCharCode(parseInt(oct, 8) & 0xff);
          } else s += e;
        } else s += d;
      }
      out.push({ kind: "quoted", text: s });
      continue;
    }
    let w = "";
    while (i < text.length && !/[\s=;"]/.test(text[i]!)) w += text[i++];
    out.push({ kind: "word", text: w });
  }
  return out;
}

const FLAGS: readonly string[] = ["required", "requisite", "sufficient", "optional"];

/** The one login module of a sasl.jaas.config value; throws an Error with Kafka's wording on a malformed one. */
export function parseJaasConfig(text: string): JaasLoginModule {
  const tokens = tokenize(text);
  const modules: JaasLoginModule[] = [];
  let i = 0;
  const word = (what: string): string => {
    const t = tokens[i++];
    if (t === undefined || (t.kind !== "word" && t.kind !== "quoted")) throw new Error(`Invalid JAAS config: expected ${what}`);
    return t.text;
  };
  while (i < tokens.length) {
    const loginModule = word("a login module class name");
    const flag = word("a control flag").toLowerCase();
    if (!FLAGS.includes(flag)) throw new Error(`Invalid JAAS config: Invalid login module control flag '${flag}' in JAAS config`);
    const options = new Map<string, string>();
    for (;;) {
      const t = tokens[i];
      if (t === undefined) throw new Error("Invalid JAAS config: the login module entry does not end with ';'");
      if (t.kind === ";") { i++; break; }
      const key = word("an option name");
      if (tokens[i]?.kind !== "=") throw new Error(`Invalid JAAS config: expected '=' after option ${key}`);
      i++;
      options.set(key, word(`a value for option ${key}`));
    }
    modules.push({ loginModule, flag: flag as JaasControlFlag, options });
  }
  if (modules.length !== 1) throw new Error(`JAAS config property contains ${modules.length} login modules, should be 1 module`);
  return modules[0]!;
}
