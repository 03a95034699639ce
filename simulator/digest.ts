import { createHash } from 'node:crypto';
import { randomHex32 } from './random.js';

/** Lower-case hex MD5 of a UTF-8 string. */
export function md5Hex(text: string | Uint8Array): string {
  return createHash('md5').update(text).digest('hex');
}

/** The fields of an `Authorization: Digest ...` header (RFC 2617). */
export interface DigestFields {
  username?: string;
  realm?: string;
  nonce?: string;
  uri?: string;
  response?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
  algorithm?: string;
}

/** A decoded Authorization header. */
export type Credentials =
  | { scheme: 'digest'; fields: DigestFields }
  | { scheme: 'basic'; user: string; password: string }
  | { scheme: 'other' };

/** Parses `a=b, c="d, e"` auth-params (quoted strings may hold escaped quotes). */
export function parseAuthParams(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const re = /\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const [, key = '', quoted, token] = m;
    out[key.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (token ?? '');
    if (re.lastIndex >= text.length) break;
  }
  return out;
}

/** Decodes an Authorization header value. */
export function parseAuthorization(value: string): Credentials {
  const space = value.indexOf(' ');
  const scheme = (space < 0 ? value : value.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : value.slice(space + 1);
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { scheme: 'basic', user: decoded, password: '' };
    return { scheme: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (scheme === 'digest') return { scheme: 'digest', fields: parseAuthParams(rest) as DigestFields };
  return { scheme: 'other' };
}

/** Digest algorithms the simulator speaks (RFC 7616 names). */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

const HASHES: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'MD5-SESS': 'md5',
  'SHA-256': 'sha256',
  'SHA-256-SESS': 'sha256',
};

/** The canonical name of an algorithm the simulator speaks, or null (absent means MD5). */
export function knownAlgorithm(name: string | undefined): DigestAlgorithm | null {
  const upper = (name ?? 'MD5').toUpperCase();
  if (!(upper in HASHES)) return null;
  return upper.endsWith('-SESS') ? (`${upper.slice(0, -5)}-sess` as DigestAlgorithm) : (upper as DigestAlgorithm);
}

/**
 * The Digest `response` a client must send (qop=auth, or RFC 2069 when qop is absent):
 * H(HA1:nonce:nc:cnonce:qop:HA2) with HA1 = H(user:realm:password) (for a -sess algorithm
 * H(H(user:realm:password):nonce:cnonce)) and HA2 = H(method:uri); H is MD5 or SHA-256.
 */
export function digestResponse(input: {
  user: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  nc?: string;
  cnonce?: string;
  qop?: string;
  algorithm?: DigestAlgorithm;
}): string {
  const alg = input.algorithm ?? 'MD5';
  const h = (text: string) => createHash(HASHES[alg.toUpperCase()]!).update(text).digest('hex');
  const base = h(`${input.user}:${input.realm}:${input.password}`);
  const ha1 = alg.endsWith('-sess') ? h(`${base}:${input.nonce}:${input.cnonce ?? ''}`) : base;
  const ha2 = h(`${input.method}:${input.uri}`);
  if (input.qop === undefined) return h(`${ha1}:${input.nonce}:${ha2}`);
  return h(`${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`);
}

/** How a presented nonce stands. */
export type NonceState = 'fresh' | 'stale';

interface NonceEntry {
  readonly expires: number;
  /** Highest nc seen, and the nc values seen within the replay window below it. */
  maxNc: number;
  seen: Set<number>;
}

/** nc values more than this far below the highest one seen are refused as replays. */
const NC_WINDOW = 4096;

/**
 * One node's nonces and opaque. A nonce may be used for many requests within its lifetime, each
 * with a new nc (in any order within a window, for clients that run requests in parallel).
 */
export class NonceStore {
  /** The node's opaque value, echoed by clients. */
  readonly opaque = randomHex32();
  private readonly nonces = new Map<string, NonceEntry>();

  constructor(private readonly lifetimeMs: number) {}

  /** Issues a new nonce. */
  issue(): string {
    const now = Date.now();
    if (this.nonces.size >= 1024) {
      for (const [nonce, entry] of this.nonces) if (entry.expires <= now) this.nonces.delete(nonce);
    }
    const nonce = randomHex32();
    this.nonces.set(nonce, { expires: now + this.lifetimeMs, maxNc: 0, seen: new Set() });
    return nonce;
  }

  /**
   * Checks a nonce and records its nc. Unknown, expired and replayed (nc already used) nonces are
   * all `stale`: the credentials were right, the client needs a new nonce.
   */
  use(nonce: string, ncText: string | undefined): NonceState {
    const entry = this.nonces.get(nonce);
    if (!entry) return 'stale';
    if (entry.expires <= Date.now()) {
      this.nonces.delete(nonce);
      return 'stale';
    }
    if (ncText === undefined) return 'fresh';
    const nc = /^[0-9a-fA-F]{1,8}$/.test(ncText) ? parseInt(ncText, 16) : NaN;
    if (!(nc > 0) || nc <= entry.maxNc - NC_WINDOW || entry.seen.has(nc)) return 'stale';
    entry.seen.add(nc);
    if (nc > entry.maxNc) {
      entry.maxNc = nc;
      if (entry.seen.size > 2 * NC_WINDOW) {
        for (const old of entry.seen) if (old <= nc - NC_WINDOW) entry.seen.delete(old);
      }
    }
    return 'fresh';
  }
}
