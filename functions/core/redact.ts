/** Longest node-supplied text kept in a detail, log line, DLQ attribute or outcome. */
export const MAX_DETAIL_CHARS = 256;

/**
 * Makes text a node sent (Castor-System-Error-*) safe to record: every known secret, and its
 * Basic (base64) and percent-encoded forms, becomes `[redacted]`; control characters become
 * spaces; the result is cut to `max` characters. A node that echoes the request cannot leak the
 * credentials it was sent.
 */
export function redactSecrets(text: string, secrets: readonly string[], max = MAX_DETAIL_CHARS): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(Buffer.from(s, 'utf8').toString('base64').replace(/=+$/, ''));
  }
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const f of [...forms].sort((a, b) => b.length - a.length)) out = out.split(f).join('[redacted]');
  out = out.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
