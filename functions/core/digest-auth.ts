import { createHash, randomUUID } from 'node:crypto';

/**
 * HTTP authentication for SEND (swarm-scsp.md 3.5): RFC 2617 Digest with MD5 and qop=auth, as the
 * Caringo SDK builds it, and Basic where a node offers only Basic. The challenge of each node is
 * kept so a warm worker answers pre-emptively: one request per SEND, not two.
 */

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** True when both name the same account (a missing `b` counts as the same). */
export function sameCredentials(a: Credentials, b: Credentials | null | undefined): boolean {
  return !b || (a.username === b.username && a.password === b.password);
}

export interface Challenge {
  readonly scheme: 'digest' | 'basic';
  readonly realm: string;
  readonly nonce?: string;
  readonly opaque?: string;
  readonly qop?: string;
  readonly algorithm?: string;
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
    const re = /\s*(?:([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)|([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*))\s*,?/gy;
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

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

/** Picks the strongest usable challenge, as curl --anyauth does: Digest MD5 over Basic. */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | null {
  const digest = challenges.find(
    (c) =>
      c.scheme === 'digest' &&
      c.nonce !== undefined &&
      (c.algorithm === undefined || c.algorithm.toUpperCase() === 'MD5') &&
      (c.qop === undefined || c.qop.split(',').some((q) => q.trim().toLowerCase() === 'auth')),
  );
  return digest ?? challenges.find((c) => c.scheme === 'basic') ?? null;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The auth state of one node: its last challenge and the nonce count. `authorize` builds the
 * header for the next request pre-emptively; `update` takes a new challenge.
 */
export class NodeAuth {
  #challenge: Challenge | null = null;
  #nc = 0;
  #ha1: string | null = null;

  constructor(private readonly credentials: Credentials) {}

  get hasChallenge(): boolean {
    return this.#challenge !== null;
  }

  /** Takes a challenge from a 401. Returns false when nothing usable was offered. */
  update(challenges: readonly Challenge[]): boolean {
    const chosen = pickChallenge(challenges);
    if (!chosen) return false;
    if (chosen.nonce !== this.#challenge?.nonce || chosen.realm !== this.#challenge?.realm) this.#nc = 0;
    if (chosen.realm !== this.#challenge?.realm) this.#ha1 = null;
    this.#challenge = chosen;
    return true;
  }

  /** Forgets the challenge (after a rejection), so the next request starts with a fresh one. */
  reset(): void {
    this.#challenge = null;
    this.#nc = 0;
  }

  /** The Authorization header for `method requestTarget`, or null before any challenge. */
  authorize(method: string, requestTarget: string): string | null {
    const c = this.#challenge;
    if (!c) return null;
    const { username, password } = this.credentials;
    if (c.scheme === 'basic') {
      return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
    }
    this.#ha1 ??= md5(`${username}:${c.realm}:${password}`);
    const ha2 = md5(`${method}:${requestTarget}`);
    const parts = [
      `username=${quote(username)}`,
      `realm=${quote(c.realm)}`,
      `nonce=${quote(c.nonce ?? '')}`,
      `uri=${quote(requestTarget)}`,
    ];
    if (c.qop !== undefined) {
      this.#nc += 1;
      const nc = this.#nc.toString(16).padStart(8, '0');
      // randomUUID draws from a cached entropy pool: cheaper than randomBytes per request.
      const cnonce = randomUUID().replaceAll('-', '').slice(0, 16);
      const response = md5(`${this.#ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`);
      parts.push(`response=${quote(response)}`, 'qop=auth', `nc=${nc}`, `cnonce=${quote(cnonce)}`);
    } else {
      parts.push(`response=${quote(md5(`${this.#ha1}:${c.nonce}:${ha2}`))}`);
    }
    if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
    if (c.algorithm !== undefined) parts.push(`algorithm=${c.algorithm}`);
    return `Digest ${parts.join(', ')}`;
  }
}
