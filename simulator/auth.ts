import { ADMIN_REALM, ALLOW_METHODS } from './constants.js';
import {
  digestResponse,
  knownAlgorithm,
  parseAuthorization,
  type DigestAlgorithm,
  type DigestFields,
  type NonceStore,
} from './digest.js';
import { htmlPage } from './error-response.js';
import { httpNow } from './http-date.js';
import type { SimRequest } from './http-request.js';
import type { Header, ResponseWriter } from './http-response.js';

/** An authenticated admin; can tell whether its credentials also hold on another cluster. */
export interface Principal {
  readonly user: string;
  /** Whether the same credentials are valid against these admins (legacy SEND's remote check). */
  validOn(admins: Readonly<Record<string, string>>): boolean;
}

/** How one node authenticates. */
export interface AuthPolicy {
  readonly admins: Readonly<Record<string, string>>;
  readonly nonces: NonceStore;
  /** What the challenge offers; `basic` offers and accepts Basic only. */
  readonly challenge: 'digest+basic' | 'basic';
  /** Digest algorithms offered, one challenge each, in this order; and the only ones accepted. */
  readonly digestAlgorithms: readonly DigestAlgorithm[];
  readonly acceptBasic: boolean;
  /** The realm challenged and checked. @default ADMIN_REALM */
  readonly realm?: string;
}

/** The verdict on a request's credentials. */
export type AuthResult =
  | { ok: true; principal: Principal }
  /** No credentials: a plain challenge. */
  | { ok: false; reason: 'missing' }
  /** Right credentials on an unknown, expired or replayed nonce: challenge with stale=true. */
  | { ok: false; reason: 'stale' }
  /** Wrong credentials: challenge again with stale=false, counted as rejected. */
  | { ok: false; reason: 'rejected'; text: string };

/** Checks the request's Authorization header against the CAStor administrator realm. */
export function authenticate(req: SimRequest, policy: AuthPolicy): AuthResult {
  const header = req.headers.get('authorization');
  if (header === undefined) return { ok: false, reason: 'missing' };
  const creds = parseAuthorization(header);
  if (creds.scheme === 'basic') {
    if (policy.challenge !== 'basic' && !policy.acceptBasic) {
      return { ok: false, reason: 'rejected', text: 'Basic authentication is not accepted; use Digest' };
    }
    const { user, password } = creds;
    if (policy.admins[user] === undefined || policy.admins[user] !== password) {
      return { ok: false, reason: 'rejected', text: 'Invalid user or password' };
    }
    return { ok: true, principal: { user, validOn: (admins) => admins[user] === password } };
  }
  if (creds.scheme === 'digest' && policy.challenge !== 'basic') return checkDigest(req, creds.fields, policy);
  return { ok: false, reason: 'rejected', text: 'Unsupported authentication scheme' };
}

function checkDigest(req: SimRequest, f: DigestFields, policy: AuthPolicy): AuthResult {
  const { username, nonce, uri, response } = f;
  if (username === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return { ok: false, reason: 'rejected', text: 'Incomplete Digest credentials' };
  }
  const realm = policy.realm ?? ADMIN_REALM;
  if (f.realm !== realm) return { ok: false, reason: 'rejected', text: `Realm must be "${realm}"` };
  const algorithm = knownAlgorithm(f.algorithm);
  if (algorithm === null || !policy.digestAlgorithms.includes(algorithm)) {
    return {
      ok: false,
      reason: 'rejected',
      text: `Only algorithm=${policy.digestAlgorithms.join(' or ')} is supported`,
    };
  }
  if (f.qop !== undefined && f.qop !== 'auth')
    return { ok: false, reason: 'rejected', text: 'Only qop=auth is supported' };
  if (algorithm.endsWith('-sess') && f.qop === undefined)
    return { ok: false, reason: 'rejected', text: `${algorithm} needs qop=auth` };
  if (uri !== req.target) {
    return { ok: false, reason: 'rejected', text: 'Digest uri does not match the request-target' };
  }
  const password = policy.admins[username];
  const expected = (pw: string): string =>
    digestResponse({
      user: username,
      realm,
      password: pw,
      method: req.method,
      uri,
      nonce,
      nc: f.nc,
      cnonce: f.cnonce,
      qop: f.qop,
      algorithm,
    });
  if (password === undefined || expected(password) !== response.toLowerCase()) {
    return { ok: false, reason: 'rejected', text: 'Invalid user or password' };
  }
  // Only now look at the nonce: a right answer to a nonce this node no longer honours is stale.
  if (f.opaque !== undefined && f.opaque !== policy.nonces.opaque) return { ok: false, reason: 'stale' };
  if (policy.nonces.use(nonce, f.qop === undefined ? undefined : f.nc) === 'stale')
    return { ok: false, reason: 'stale' };
  return {
    ok: true,
    principal: {
      user: username,
      validOn: (admins) => {
        const pw = admins[username];
        return pw !== undefined && expected(pw) === response.toLowerCase();
      },
    },
  };
}

/**
 * Writes the 401 exactly as the founding example shows: the Digest challenge, then the Basic
 * one, Content-Length, Content-Type, Date, Server, Allow and a small html body. A rejected
 * attempt also carries Castor-System-Error-* headers saying why.
 */
export function sendChallenge(
  res: ResponseWriter,
  server: string,
  policy: AuthPolicy,
  options: { stale?: boolean; rejectedText?: string } = {},
): void {
  const body = htmlPage(401);
  const realm = policy.realm ?? ADMIN_REALM;
  const headers: Header[] = [];
  if (policy.challenge !== 'basic') {
    const nonce = policy.nonces.issue();
    for (const algorithm of policy.digestAlgorithms) {
      headers.push([
        'WWW-Authenticate',
        `Digest realm="${realm}", nonce="${nonce}", opaque="${policy.nonces.opaque}", ` +
          `stale=${options.stale ? 'true' : 'false'}, qop="auth", algorithm=${algorithm}`,
      ]);
    }
  }
  headers.push(
    ['WWW-Authenticate', `Basic realm="${realm}"`],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Content-Type', 'text/html'],
    ['Date', httpNow()],
    ['Server', server],
    ['Allow', ALLOW_METHODS],
  );
  if (options.rejectedText !== undefined) {
    headers.push(
      ['Castor-System-Error-Code', '401'],
      ['Castor-System-Error-Token', 'AuthenticationFailed'],
      ['Castor-System-Error-Text', options.rejectedText],
    );
  }
  res.send(401, headers, body);
}
