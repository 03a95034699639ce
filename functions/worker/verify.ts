import type { Credentials } from '../core/digest-auth.js';
import type { ObjectRef } from '../core/message.js';
import { OUTCOME } from '../core/outcome.js';
import { isSuccess } from '../core/record.js';
import type { ResolvedRoute } from '../core/registry.js';
import type { SendClient, SendResult } from '../core/send-client.js';

/** What identifies one version of an object; null where an answer did not say. */
export interface CopyFacts {
  readonly etag: string | null;
  readonly contentLength: number | null;
  readonly version: string | null;
}

/**
 * Why the DR copy is not the source's version, or null when it is. Every field the source
 * reports (ETag, Content-Length, Castor-System-Version) must be on the copy with the same value;
 * a source that reports none of them proves nothing, so that is a mismatch too.
 */
export function copyMismatch(source: CopyFacts, copy: CopyFacts): string | null {
  const fields = [
    ['ETag', source.etag, copy.etag],
    ['Content-Length', source.contentLength, copy.contentLength],
    ['Castor-System-Version', source.version, copy.version],
  ] as const;
  const known = fields.filter(([, s]) => s !== null);
  if (known.length === 0) return 'the source reported no ETag, Content-Length or Castor-System-Version to compare';
  const differ = known.filter(([, s, c]) => s !== c);
  if (differ.length === 0) return null;
  return differ.map(([name, s, c]) => `${name} ${c ?? 'missing'} (source ${s})`).join(', ');
}

/**
 * The route's `verify`: after a 201 or a 409, HEAD the object on the destination and compare
 * it with the source's version. The SEND answer's HEAD-like headers describe the source; an
 * answer without them (an outer 409 is an error page) is completed by a HEAD on the source.
 * A copy that is missing or differs turns the success into `retry` / `verify-mismatch`: an
 * updated alias whose DR copy is an older version is not `already-present`.
 */
export async function verifyCopy(
  client: SendClient,
  route: ResolvedRoute,
  object: ObjectRef,
  credentials: { readonly source: Credentials; readonly destination: Credentials },
  result: SendResult,
  signal: AbortSignal,
): Promise<SendResult> {
  if (!route.verify || !isSuccess(result.outcome)) return result;
  const copy = await client.head(route.destination, object, credentials.destination, signal);
  let problem: string | null;
  if (copy.status !== 200) {
    problem = `destination HEAD answered ${copy.status ?? copy.error}`;
  } else {
    let source: CopyFacts = { etag: result.etag, contentLength: null, version: result.version };
    if (source.etag === null && source.version === null) {
      const head = await client.head(route.source, object, credentials.source, signal);
      if (head.status === 200) source = head;
    }
    problem = copyMismatch(source, copy);
  }
  if (problem === null) return result;
  return { ...result, outcome: OUTCOME.RETRY, reason: 'verify-mismatch', detail: `${result.reason} not confirmed by the destination: ${problem}` };
}
