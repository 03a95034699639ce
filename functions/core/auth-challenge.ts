/** The challenges of a `WWW-Authenticate` answer (RFC 7235 syntax): Digest and Basic, the rest skipped. */
export interface Challenge {
  readonly scheme: 'digest' | 'basic';
  readonly realm: string;
  readonly nonce?: string;
  readonly opaque?: string;
  readonly qop?: string;
  readonly algorithm?: string;
  /** RFC 7616 3.4.4: the username is sent hashed. */
  readonly userhash?: boolean;
  readonly stale: boolean;
}

/**
 * Parses every challenge in the `WWW-Authenticate` header(s). Accepts repeated headers and
 * challenges joined in one header (`Digest realm="a", nonce="b", Basic realm="a"`).
 */
export function parseChallenges(header: string | readonly string[] | undefined): Challenge[] {
  if (!header) return [];
  const texts = typeof header === 'string' ? [header] : header;
  const out: Challenge[] = [];
  for (const text of texts) {
    // Tokenise: scheme words and name=value pairs (values quoted with \-escapes, or bare tokens).
    const re =
      /\s*(?:([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)|([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*))\s*,?/gy;
    let current: { scheme: string; params: Record<string, string> } | null = null;
    const flush = () => {
      if (!current) return;
      const scheme = current.scheme.toLowerCase();
      if (scheme === 'digest' || scheme === 'basic') {
        const p = current.params;
        out.push({
          scheme,
          realm: p.realm ?? '',
          ...(p.nonce !== undefined && { nonce: p.nonce }),
          ...(p.opaque !== undefined && { opaque: p.opaque }),
          ...(p.qop !== undefined && { qop: p.qop }),
          ...(p.algorithm !== undefined && { algorithm: p.algorithm }),
          ...(p.userhash !== undefined && { userhash: p.userhash.toLowerCase() === 'true' }),
          stale: (p.stale ?? '').toLowerCase() === 'true',
        });
      }
    };
    let m: RegExpExecArray | null;
    while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
      if (m[3]) {
        flush();
        current = { scheme: m[3], params: {} };
      } else if (m[1] && current) {
        let value = m[2] ?? '';
        if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
        current.params[m[1].toLowerCase()] = value;
      }
    }
    flush();
  }
  return out;
}
