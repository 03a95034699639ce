import type { HeadResult } from '../../../functions/core/send/observation.js';
import { parseRegistry, resolveRoute } from '../../../functions/core/registry/registry.js';
import { verifyCopy } from '../../../functions/worker/verify.js';
import { replaceStale } from '../../../functions/worker/replace-stale.js';
import { offlineRegistry } from '../../helpers/config.js';
import { ADMIN, DR_ADMIN, FakeSendPort } from '../../helpers/fake-ports.js';
import { observed } from '../../helpers/observation.js';

const MD5 = 'XrY7u+Ae7tCTyyK7j1rNww==';
const head = (o: Partial<HeadResult> = {}): HeadResult => ({
  status: 200,
  etag: null,
  contentLength: 3,
  version: null,
  node: null,
  error: null,
  ...o,
});

/** A SendPort whose HEAD answers per cluster. */
class TwoClusterHeads extends FakeSendPort {
  constructor(private readonly byCluster: Record<string, HeadResult>) {
    super();
  }
  override async head(cluster: { key: string }): Promise<HeadResult> {
    await super.head(cluster);
    return this.byCluster[cluster.key]!;
  }
}

const object = { uuid: 'a'.repeat(32), alias: true } as const;
const credentials = { source: ADMIN, destination: DR_ADMIN };
const open = () => new AbortController().signal;
const route = resolveRoute(offlineRegistry({ verify: true }));
const noSent = { etag: null, version: null };

describe('verifyCopy: content identity after a 201 or 409', () => {
  it("an ETag equal to the SEND answer's proves the copy without a source HEAD", async () => {
    const client = new TwoClusterHeads({ dr: head({ etag: '"e1"' }) });
    expect(await verifyCopy(client, route, object, credentials, { etag: '"e1"', version: null }, open())).toStrictEqual(
      {
        kind: 'same',
      },
    );
    expect(client.heads).toStrictEqual(['dr']);
  });

  it('a re-encoded copy (other ETag and version, same size and Content-MD5) is the same', async () => {
    const client = new TwoClusterHeads({
      dr: head({ etag: '"e9"', version: '1700000009.000', contentMd5: MD5 }),
      primary: head({ etag: '"e1"', version: '1700000000.000', contentMd5: MD5 }),
    });
    expect(await verifyCopy(client, route, object, credentials, { etag: '"e1"', version: null }, open())).toStrictEqual(
      {
        kind: 'same',
      },
    );
    expect(client.heads).toStrictEqual(['dr', 'primary']);
  });

  it('an older version at DR is different, with both versions', async () => {
    const client = new TwoClusterHeads({
      dr: head({ etag: '"old"', version: '1700000000.000' }),
      primary: head({ etag: '"new"', version: '1700000005.000', contentLength: 9 }),
    });
    expect(await verifyCopy(client, route, object, credentials, noSent, open())).toStrictEqual({
      kind: 'different',
      detail: 'bytes 9 != 3 (source newer)',
      versions: { source: '2023-11-14T22:13:25.000Z', destination: '2023-11-14T22:13:20.000Z' },
      bytes: 9,
    });
  });

  it('same sizes, other ETags and no digest: unproven', async () => {
    const client = new TwoClusterHeads({ dr: head({ etag: '"b"' }), primary: head({ etag: '"a"' }) });
    expect(await verifyCopy(client, route, object, credentials, noSent, open())).toMatchObject({ kind: 'unproven' });
  });

  it('no copy, or a source HEAD that cannot answer, is a problem (verify-mismatch, retried)', async () => {
    const missing = new TwoClusterHeads({ dr: head({ status: 404 }) });
    expect(await verifyCopy(missing, route, object, credentials, noSent, open())).toStrictEqual({
      kind: 'problem',
      detail: 'destination HEAD answered 404',
    });
    const sourceDown = new TwoClusterHeads({
      dr: head({ etag: '"b"' }),
      primary: head({ status: null, error: 'connection-refused' }),
    });
    expect(await verifyCopy(sourceDown, route, object, credentials, noSent, open())).toStrictEqual({
      kind: 'problem',
      detail: 'ETag differs and the source HEAD answered connection-refused',
    });
  });
});

const identity = { bytes: 3, etag: '"src"', contentMd5: null, versionTime: 1 };

describe('replaceStale: feed force, else the copy, else refused', () => {
  const stale = { detail: 'bytes 9 != 3 (source newer)', versions: { source: 's', destination: 'd' }, bytes: 9 };
  const registry = (extra: Record<string, unknown>) =>
    resolveRoute(
      parseRegistry({
        clusters: {
          primary: { name: 'baker', nodes: ['10.0.0.1:80'], credentials: 'src' },
          dr: { name: 'dr', target: '10.0.1.1:80', credentials: 'dr' },
        },
        defaultRoute: { from: 'primary', to: 'dr', verify: true, ...extra },
      }),
    );
  const args = (client: FakeSendPort, extra: Record<string, unknown>) => ({
    client,
    route: registry(extra),
    object,
    credentials,
    signal: open(),
  });

  it('with replication feeds: one feed SEND with force on those feeds, then verified', async () => {
    const client = new TwoClusterHeads({ dr: head({ etag: '"e1"' }) });
    const found = await replaceStale(args(client, { replicationFeeds: [4] }), stale);
    expect(client.inputs[0]!.feeds).toStrictEqual({ ids: [4], force: true, timeout: 60 });
    expect(found).toMatchObject({ kind: 'replaced', replaced: { by: 'feed-force', bytes: 9 } });
    expect(client.copies).toHaveLength(0);
  });

  it('with replaceStale "copy" and no feed: the copy; a source that changed meanwhile is source-changed', async () => {
    const client = new TwoClusterHeads({ dr: head({ etag: '"e1"' }), primary: head({ etag: '"e1"' }) });
    const ident = { bytes: 3, etag: '"e1"', contentMd5: null, versionTime: 1 };
    client.copyAnswer = { kind: 'copied', read: ident, requests: 5, bytes: 3, size: 3, md5: MD5 };
    expect(await replaceStale(args(client, { replaceStale: 'copy' }), stale)).toMatchObject({
      kind: 'replaced',
      replaced: { by: 'copy', requests: 5, bytes: 3 },
    });
    client.copyAnswer = {
      kind: 'source-changed',
      read: ident,
      now: { ...ident, versionTime: 2 },
      requests: 5,
      bytes: 3,
    };
    expect(await replaceStale(args(client, { replaceStale: 'copy' }), stale)).toMatchObject({
      kind: 'source-changed',
    });
    expect(client.inputs).toHaveLength(0);
  });

  it('a copy of a source without Content-MD5 is proven by the digest DR computed of the bytes it was sent', async () => {
    const copied = { kind: 'copied', read: identity, requests: 5, bytes: 3, size: 3, md5: MD5 } as const;
    const proven = new TwoClusterHeads({
      dr: head({ etag: '"dr"', contentMd5: MD5 }),
      primary: head({ etag: '"src"' }),
    });
    proven.copyAnswer = copied;
    expect(await replaceStale(args(proven, { replaceStale: 'copy' }), stale)).toMatchObject({ kind: 'replaced' });
    const other = new TwoClusterHeads({
      dr: head({ etag: '"dr"', contentMd5: 'x==' }),
      primary: head({ etag: '"src"' }),
    });
    other.copyAnswer = copied;
    expect(await replaceStale(args(other, { replaceStale: 'copy' }), stale)).toMatchObject({
      kind: 'stale',
      transient: true,
    });
  });

  it('with neither: stale, not transient (failed at once), and nothing sent or copied', async () => {
    const client = new FakeSendPort([() => observed()]);
    expect(await replaceStale(args(client, {}), stale)).toMatchObject({ kind: 'stale', transient: false });
    expect(client.inputs).toHaveLength(0);
    expect(client.copies).toHaveLength(0);
  });
});
