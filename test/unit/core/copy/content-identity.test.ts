import {
  compareIdentity,
  identityOfHeaders,
  type CopyIdentity,
} from '../../../../functions/core/copy/content-identity.js';
import { changeVerdict } from '../../../../functions/core/outcome/changed-object.js';
import type { HeadEvidence } from '../../../../functions/core/listing/reconcile-diff.js';
import { compareHeads } from '../../../../functions/core/listing/reconcile-identity.js';

const copy = (o: Partial<CopyIdentity> = {}): CopyIdentity => ({
  bytes: 10,
  etag: null,
  contentMd5: null,
  versionTime: null,
  ...o,
});
const MD5 = 'XrY7u+Ae7tCTyyK7j1rNww==';

describe('compareIdentity: the one content identity rule', () => {
  it('equal ETags prove the same object (fast path), quotes and W/ aside', () => {
    expect(compareIdentity(copy({ etag: '"ABC"' }), copy({ etag: 'W/"abc"' }))).toStrictEqual({
      kind: 'same',
      by: 'etag',
    });
  });

  it('a re-encoded copy (new ETag, later version, same size and Content-MD5) is the same object', () => {
    const source = copy({ etag: '"e1"', contentMd5: MD5, versionTime: 1000 });
    const dr = copy({ etag: '"e2"', contentMd5: MD5, versionTime: 9000 });
    expect(compareIdentity(source, dr)).toStrictEqual({ kind: 'same', by: 'content-md5' });
  });

  it('a hex Content-MD5 compares equal to its base64 spelling', () => {
    const hex = Buffer.from(MD5, 'base64').toString('hex');
    expect(compareIdentity(copy({ contentMd5: hex }), copy({ contentMd5: MD5 })).kind).toBe('same');
  });

  it('unequal ETags alone prove nothing: without a digest on both sides the identity is unproven', () => {
    expect(compareIdentity(copy({ etag: 'a' }), copy({ etag: 'b' }))).toStrictEqual({
      kind: 'unproven',
      detail: 'sizes equal, ETags differ, neither reports Content-MD5',
    });
    expect(compareIdentity(copy({ etag: 'a', contentMd5: MD5 }), copy({ etag: 'b' }))).toMatchObject({
      kind: 'unproven',
      detail: 'sizes equal, ETags differ, only the source reports Content-MD5',
    });
    // Equal digests with a size unknown: unproven, and the detail says what each side reported.
    expect(compareIdentity(copy({ etag: 'a', bytes: null, contentMd5: MD5 }), copy({ contentMd5: MD5 }))).toStrictEqual(
      {
        kind: 'unproven',
        detail: 'a size unknown, ETags differ, both report the same Content-MD5',
      },
    );
  });

  it('different sizes or digests prove a different object; which is newer comes from the version times', () => {
    expect(compareIdentity(copy({ bytes: 11, versionTime: 2 }), copy({ versionTime: 1 }))).toStrictEqual({
      kind: 'different',
      differences: ['bytes 11 != 10'],
      sourceNewer: true,
    });
    expect(
      compareIdentity(copy({ contentMd5: MD5, versionTime: 1 }), copy({ contentMd5: 'other==', versionTime: 2 })),
    ).toStrictEqual({ kind: 'different', differences: [`Content-MD5 ${MD5} != other==`], sourceNewer: false });
    expect(compareIdentity(copy({ bytes: 1, etag: 'same' }), copy({ bytes: 2, etag: 'same' })).kind).toBe('different');
    expect(compareIdentity(copy({ bytes: 1 }), copy({ bytes: 2 }))).toMatchObject({ sourceNewer: null });
  });

  it('reads a HEAD answer: length, ETag, Content-MD5, and the version time from Castor-System-Version before Last-Modified', () => {
    expect(
      identityOfHeaders({
        'content-length': '5',
        etag: '"e"',
        'content-md5': MD5,
        'castor-system-version': '1700000000.250',
        'last-modified': 'Tue, 14 Nov 2023 22:13:20 GMT',
      }),
    ).toStrictEqual({ bytes: 5, etag: '"e"', contentMd5: MD5, versionTime: 1_700_000_000_250 });
    expect(identityOfHeaders({ 'last-modified': 'Tue, 14 Nov 2023 22:13:20 GMT' }).versionTime).toBe(1_700_000_000_000);
    expect(identityOfHeaders({ 'content-length': 'x' }).bytes).toBeNull();
  });
});

describe('reconcile and check: compareHeads applies the same rule and the route option', () => {
  const head = (o: Partial<HeadEvidence>): HeadEvidence => ({
    status: 200,
    error: null,
    bytes: 10,
    hash: null,
    lastModified: 1,
    ...o,
  });
  it('a re-encoded copy is in sync; an unproven one is different unless the route accepts it', () => {
    const src = head({ hash: 'e1', contentMd5: MD5 });
    expect(compareHeads(src, head({ hash: 'e2', contentMd5: MD5, lastModified: 5 }), 'fail').category).toBe('in-sync');
    expect(compareHeads(head({ hash: 'e1' }), head({ hash: 'e2' }), 'fail')).toMatchObject({ category: 'different' });
    expect(compareHeads(head({ hash: 'e1' }), head({ hash: 'e2' }), 'retry').category).toBe('different');
    expect(compareHeads(head({ hash: 'e1' }), head({ hash: 'e2' }), 'accept').category).toBe('in-sync');
  });
  it('a same-ETag copy is in sync whatever its version time (no more "source newer" from times alone)', () => {
    expect(
      compareHeads(head({ hash: 'e', lastModified: 9 }), head({ hash: 'e', lastModified: 1 }), 'fail'),
    ).toStrictEqual({ category: 'in-sync', reasons: [] });
  });
  it('a different copy names which side is newer', () => {
    expect(
      compareHeads(head({ bytes: 3, lastModified: 2000 }), head({ lastModified: 1000 }), 'fail').reasons,
    ).toStrictEqual(['bytes 3 != 10', 'source newer (1970-01-01T00:00:02.000Z > 1970-01-01T00:00:01.000Z)']);
  });
});

describe('changeVerdict: what a changed object means', () => {
  const versions = { source: 's', destination: 'd' };
  it.each([
    ['accept', 'replicated'],
    ['retry', 'retry'],
    ['fail', 'failed'],
  ] as const)('unproven identity with %s is %s', (policy, outcome) => {
    expect(changeVerdict({ kind: 'unproven', detail: 'x', versions, policy })).toMatchObject({
      outcome,
      reason: 'unproven-identity',
      versions,
    });
  });
  it('a stale copy is failed at once when nothing can repair it, retried when a repair failed', () => {
    expect(changeVerdict({ kind: 'stale', detail: 'x', versions, transient: false }).outcome).toBe('failed');
    expect(changeVerdict({ kind: 'stale', detail: 'x', versions, transient: true }).outcome).toBe('retry');
  });
  it('a replaced copy is replicated (stale-replaced) with its cost; a source that changed is a retry', () => {
    const replaced = { by: 'copy', requests: 5, bytes: 7 } as const;
    expect(changeVerdict({ kind: 'replaced', detail: 'x', versions, replaced })).toMatchObject({
      outcome: 'replicated',
      reason: 'stale-replaced',
      replaced,
    });
    expect(changeVerdict({ kind: 'source-changed', detail: 'x', versions })).toMatchObject({
      outcome: 'retry',
      reason: 'source-changed',
    });
  });
});
