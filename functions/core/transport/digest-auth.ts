import { hash, randomUUID } from 'node:crypto';

/**
 * HTTP authentication for SEND (swarm-scsp.md 3.5): Digest (RFC 7616: MD5, SHA-256 and
 * SHA-512-256, each also in its -sess form, with qop=auth; RFC 2069 MD5 without qop), and Basic
 * only where the caller allows it (the registry's `allowBasic`, and only over https). The
 * challenge of each node is kept so a warm worker answers pre-emptively: one request per SEND.
 */

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** True when both name the same account (a missing `b` counts as the same). */
export function sameCredentials(a: Credentials, b: Credentials | null | undefined): boolean {
  return !b || (a.username === b.username && a.password === b.password);
}

/** A control character or a character outside Latin-1. */
const UNFIT = /[\u0000-\u001f\u007f]|[^\u0000-\u00ff]/;

/**
 * Why credentials cannot be used, or null: a control character (CR, LF, NUL...) or a character
 * outside Latin-1 cannot travel in a header (Basic, Castor-System-Auth) and is a configuration
 * error, never something a retry mends (`credentials-invalid`). Names the field, never its value.
 * Asked where credentials come in (the credentials provider, so a start can refuse them) and where
 * they go out (`ClusterTransport.request`, which every request passes); nowhere else.
 */
export function credentialsProblem(c: Credentials): string | null {
  // One test for the common case (nothing wrong); every SEND checks its credentials.
  if (!UNFIT.test(c.username) && !UNFIT.test(c.password)) return null;
  for (const [field, value] of [
    ['username', c.username],
    ['password', c.password],
  ] as const) {
    if (/[\u0000-\u001f\u007f]/.test(value)) return `the ${field} contains a control character (CR, LF, NUL...)`;
    if (/[^\u0000-\u00ff]/.test(value)) return `the ${field} contains characters outside Latin-1`;
  }
  return null;
}

/** Digest algorithms spoken, strongest first; a -sess variant ranks after its plain form. */
const ALGORITHMS: Readonly<Record<string, { hash: string; sess: boolean; rank: number }>> = {
  'SHA-256': { hash: 'sha256', sess: false, rank: 0 },
  'SHA-512-256': { hash: 'sha512-256', sess: false, rank: 1 },
  'SHA-256-SESS': { hash: 'sha256', sess: true, rank: 2 },
  'SHA-512-256-SESS': { hash: 'sha512-256', sess: true, rank: 3 },
  MD5: { hash: 'md5', sess: false, rank: 4 },
  'MD5-SESS': { hash: 'md5', sess: true, rank: 5 },
};

function algorithmOf(c: Challenge): (typeof ALGORITHMS)[string] | undefined {
  return ALGORITHMS[(c.algorithm ?? 'MD5').toUpperCase()];
}

const offersQopAuth = (c: Challenge) =>
  c.qop !== undefined && c.qop.split(',').some((q) => q.trim().toLowerCase() === 'auth');

/** A Digest challenge this client can answer: a known algorithm, qop=auth (or RFC 2069 plain MD5). */
function usableDigest(c: Challenge): boolean {
  const alg = algorithmOf(c);
  if (c.scheme !== 'digest' || c.nonce === undefined || !alg) return false;
  if (offersQopAuth(c)) return true;
  return c.qop === undefined && alg.hash === 'md5' && !alg.sess;
}

export interface AuthPolicy {
  /** May Basic be answered (sends the password itself; only over TLS)? @default false */
  readonly allowBasic?: boolean;
}

/**
 * Picks the strongest usable challenge: Digest by algorithm strength, then Basic when allowed.
 * Null when nothing offered can be answered (an unknown algorithm, auth-int only, Basic refused).
 */
export function pickChallenge(challenges: readonly Challenge[], policy: AuthPolicy = {}): Challenge | null {
  const digests = challenges.filter(usableDigest).sort((a, b) => algorithmOf(a)!.rank - algorithmOf(b)!.rank);
  if (digests[0]) return digests[0];
  return policy.allowBasic ? (challenges.find((c) => c.scheme === 'basic') ?? null) : null;
}

/** Why `pickChallenge` found nothing, for an operator: what the node offered. */
export function describeOffer(challenges: readonly Challenge[], policy: AuthPolicy = {}): string {
  const offered = challenges.map((c) =>
    c.scheme === 'basic' ? 'Basic' : `Digest ${c.algorithm ?? 'MD5'}${c.qop ? ` qop=${c.qop}` : ''}`,
  );
  const basic =
    challenges.some((c) => c.scheme === 'basic') && !policy.allowBasic
      ? '; Basic is not allowed for this cluster over this connection'
      : '';
  return `no supported authentication offered (${offered.join(', ') || 'no challenge'})${basic}`;
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** A fresh client nonce: randomUUID draws from a cached entropy pool, cheaper than randomBytes. */
const freshCnonce = () => randomUUID().replaceAll('-', '');

/** Hex digest of a UTF-8 string, with the one-shot `crypto.hash` (Node 24 runs every SEND). */
const hexDigest = (algorithm: string, text: string): string => hash(algorithm, text, 'hex');

/**
 * What a Digest answer to one challenge repeats on every request: the parameters before `uri`
 * and after `cnonce`, and H(username:realm:password). Built once per challenge, so a request
 * hashes only what changes (the request line, the count and the client nonce).
 */
interface DigestPlan {
  readonly hash: string;
  readonly sess: boolean;
  readonly qop: boolean;
  readonly nonce: string;
  readonly head: string;
  readonly tail: string;
  readonly base: string;
}

function digestPlan(c: Challenge, { username, password }: Credentials): DigestPlan {
  const alg = algorithmOf(c)!;
  const h = (s: string) => hexDigest(alg.hash, s);
  const nonce = c.nonce ?? '';
  const userhash = c.userhash === true;
  const head = `username=${quote(userhash ? h(`${username}:${c.realm}`) : username)}, realm=${quote(c.realm)}, nonce=${quote(nonce)}`;
  const tail = [
    ...(c.opaque !== undefined ? [`opaque=${quote(c.opaque)}`] : []),
    ...(c.algorithm !== undefined ? [`algorithm=${c.algorithm}`] : []),
    ...(userhash ? ['userhash=true'] : []),
  ];
  return {
    hash: alg.hash,
    sess: alg.sess,
    qop: offersQopAuth(c),
    nonce,
    head,
    tail: tail.length ? `, ${tail.join(', ')}` : '',
    base: h(`${username}:${c.realm}:${password}`),
  };
}

/**
 * The auth state of one node: its last challenge and the nonce count. `authorize` builds the
 * header for the next request pre-emptively; `update` takes a new challenge.
 */
export class NodeAuth {
  #challenge: Challenge | null = null;
  #plan: DigestPlan | null = null;
  #nc = 0;
  readonly #policy: AuthPolicy;
  readonly #cnonce: () => string;

  constructor(
    readonly credentials: Credentials,
    policy: AuthPolicy & { readonly cnonce?: () => string } = {},
  ) {
    this.#policy = policy;
    this.#cnonce = policy.cnonce ?? freshCnonce;
  }

  /** True when this state may answer Basic. */
  get allowsBasic(): boolean {
    return this.#policy.allowBasic === true;
  }

  get hasChallenge(): boolean {
    return this.#challenge !== null;
  }

  /** Takes a challenge from a 401. Returns false when nothing usable was offered. */
  update(challenges: readonly Challenge[]): boolean {
    const chosen = pickChallenge(challenges, this.#policy);
    if (!chosen) return false;
    if (chosen.nonce !== this.#challenge?.nonce || chosen.realm !== this.#challenge?.realm) this.#nc = 0;
    this.#challenge = chosen;
    this.#plan = chosen.scheme === 'digest' ? digestPlan(chosen, this.credentials) : null;
    return true;
  }

  /** Forgets the challenge (after a rejection), so the next request starts with a fresh one. */
  reset(): void {
    this.#challenge = null;
    this.#plan = null;
    this.#nc = 0;
  }

  /** The Authorization header for `method requestTarget`, or null before any challenge. */
  authorize(method: string, requestTarget: string): string | null {
    const c = this.#challenge;
    if (!c) return null;
    if (this.#plan) return this.#digest(this.#plan, method, requestTarget);
    const { username, password } = this.credentials;
    return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }

  #digest(p: DigestPlan, method: string, uri: string): string {
    const h = (s: string) => hexDigest(p.hash, s);
    const ha2 = h(`${method}:${uri}`);
    if (!p.qop) return `Digest ${p.head}, uri=${quote(uri)}, response="${h(`${p.base}:${p.nonce}:${ha2}`)}"${p.tail}`;
    this.#nc += 1;
    const nc = this.#nc.toString(16).padStart(8, '0');
    const cnonce = this.#cnonce();
    const ha1 = p.sess ? h(`${p.base}:${p.nonce}:${cnonce}`) : p.base;
    const response = h(`${ha1}:${p.nonce}:${nc}:${cnonce}:auth:${ha2}`);
    return `Digest ${p.head}, uri=${quote(uri)}, response="${response}", qop=auth, nc=${nc}, cnonce=${quote(cnonce)}${p.tail}`;
  }
}

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
