/**
 * Parses `WWW-Authenticate` challenges (RFC 7235): `Bearer realm="…",service="…",scope="…"`
 * or `Basic realm="…"`, several of them possibly in one header. Pure.
 */
export interface AuthChallenge {
  scheme: string; // lower-case: "bearer", "basic"
  params: Record<string, string>; // keys lower-case
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  if (!header) return out;
  let s = header;
  let current: AuthChallenge | undefined;
  const skip = (re: RegExp) => {
    const m = re.exec(s);
    if (m) s = s.slice(m[0].length);
    return m;
  };
  while (s.length) {
    skip(/^[\s,]+/);
    if (!s.length) break;
    const tok = skip(TOKEN);
    if (!tok) break; // malformed: keep what was parsed
    const name = tok[0];
    skip(/^\s*/);
    if (s.startsWith('=') && current && !s.startsWith('==')) {
      s = s.slice(1);
      skip(/^\s*/);
      let value = '';
      if (s.startsWith('"')) {
        let i = 1;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        s = s.slice(i + 1);
      } else {
        const v = skip(/^[^,\s]*/);
        value = v ? v[0] : '';
      }
      current.params[name.toLowerCase()] = value;
      continue;
    }
    // a new scheme; an optional token68 may follow ("Negotiate abc==")
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    const t68 = /^[A-Za-z0-9._~+/-]+=*(?=\s*(,|$))/.exec(s);
    if (t68 && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=/.test(s)) {
      current.params[''] = t68[0];
      s = s.slice(t68[0].length);
    }
  }
  return out;
}
