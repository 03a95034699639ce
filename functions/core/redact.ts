/** Longest node-supplied text kept in a detail, log line, DLQ attribute or outcome. */
export const MAX_DETAIL_CHARS = 256;

/** What a detail says instead of node-supplied text that carried a credential, in any form. */
export const DROPPED_DETAIL = '[node text dropped: it carried a credential]';

/**
 * Characters no record or terminal gets as they are, from a node, a listing or an argument: C0
 * and C1 control characters and DEL (they move the cursor, clear the screen, retitle the window,
 * start escape sequences), Unicode format characters (bidi overrides and isolates, zero-width
 * spaces and joiners, the soft hyphen, the BOM, tag characters: they reorder or hide text), line
 * and paragraph separators, and lone surrogates. {@link redactSecrets} makes each a space; the
 * CLI's `printable` (cli/printable.ts) escapes each.
 */
export const UNSAFE_TEXT = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/** A run of a secret's characters shorter than this never counts as the secret (unless it is all of it). */
export const MIN_SECRET_RUN = 4;
/** A run of a secret's characters this long always counts as the secret. */
export const MAX_SECRET_RUN = 8;

/**
 * How many consecutive characters of `secret` found in node text count as the secret: half of
 * it, but no more than {@link MAX_SECRET_RUN} and no fewer than {@link MIN_SECRET_RUN}, and all
 * of it when it is that short (a 20-character password: any 8 of its characters in a row; a
 * 10-character one: any 5; a 6-character one: any 4; a 3-character one: all 3).
 */
export function secretRunLength(secret: string): number {
  const half = Math.ceil(secret.length / 2);
  return Math.min(secret.length, Math.max(MIN_SECRET_RUN, Math.min(MAX_SECRET_RUN, half)));
}

/** Percent-decodes runs of `%xx` (either case), `+` as a space or not, the bytes read as UTF-8 or Latin-1. */
function percentDecoded(text: string): string[] {
  if (!text.includes('%') && !text.includes('+')) return [];
  const decode = (t: string, charset: BufferEncoding) =>
    t.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString(charset));
  const spaced = text.replace(/\+/g, ' ');
  return [decode(text, 'utf8'), decode(spaced, 'utf8'), decode(text, 'latin1'), decode(spaced, 'latin1')];
}

const JSON_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Undoes JSON string escapes: `\uXXXX` (either case), `\"`, `\\`, `\/`, `\n`... */
function jsonUnescaped(text: string): string[] {
  if (!text.includes('\\')) return [];
  return [
    text.replace(/\\(?:u([0-9a-fA-F]{4})|(.))/g, (all, hex: string | undefined, ch: string | undefined) =>
      hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : (JSON_ESCAPES[ch!] ?? ch ?? all),
    ),
  ];
}

/**
 * Every run of base64 characters (standard or URL-safe) decoded at each of the four alignments,
 * as UTF-8 and as Latin-1: the password, or `user:password`, wherever a token starts.
 */
function base64Decoded(text: string): string[] {
  const runs = text.match(/[A-Za-z0-9+/_-]{2,}/g);
  if (!runs) return [];
  const out: string[] = [];
  for (const charset of ['utf8', 'latin1'] as const)
    for (let offset = 0; offset < 4; offset++)
      out.push(runs.map((r) => Buffer.from(r.slice(offset), 'base64').toString(charset)).join('\u0000'));
  return out;
}

/** The text and what it reads as once percent-, JSON- and base64-decoded (two layers deep for the first two). */
function readings(text: string): string[] {
  const seen = new Set<string>([text]);
  let layer = [text];
  for (let depth = 0; depth < 2; depth++) {
    const next: string[] = [];
    for (const t of layer)
      for (const d of [...percentDecoded(t), ...jsonUnescaped(t)])
        if (!seen.has(d)) {
          seen.add(d);
          next.push(d);
        }
    layer = next;
  }
  return [...seen].flatMap((t) => [t, ...base64Decoded(t)]).map((t) => t.toLowerCase());
}

/** Whether any reading of `text` holds a long enough run of any secret (letter case ignored). */
export function carriesSecret(text: string, secrets: readonly string[]): boolean {
  const runs: string[] = [];
  for (const s of secrets) {
    if (!s) continue;
    const n = secretRunLength(s);
    const lower = s.toLowerCase();
    for (let i = 0; i + n <= lower.length; i++) runs.push(lower.slice(i, i + n));
  }
  if (runs.length === 0) return false;
  return readings(text).some((t) => runs.some((r) => t.includes(r)));
}

/**
 * Makes text a node sent (Castor-System-Error-*) safe to record. It is cut to `max` characters
 * first (an ellipsis marks the cut). If what is kept carries a secret in any form (in clear,
 * percent-encoded in either case with `+` or `%20`, as UTF-8 or Latin-1 bytes, JSON-escaped,
 * base64 of the password or of `user:password`) or a long run of one (see
 * {@link secretRunLength}), it is dropped whole: {@link DROPPED_DETAIL}. Otherwise each
 * {@link UNSAFE_TEXT} character (control, format, line separator, lone surrogate) becomes a space. A
 * node that echoes the request cannot leak the credentials it was sent.
 */
export function redactSecrets(text: string, secrets: readonly string[], max = MAX_DETAIL_CHARS): string {
  // Only what is kept can leak: the cut comes first (it also bounds what the readings cost).
  const kept = text.length > max ? text.slice(0, max - 1) : text;
  if (carriesSecret(kept, secrets)) return DROPPED_DETAIL;
  const out = kept.replace(UNSAFE_TEXT, ' ');
  return kept === text ? out : `${out}…`;
}
