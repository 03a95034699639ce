import type { HeadResult } from '../../../functions/core/send/observation.js';
import { resolveRoute } from '../../../functions/core/registry/registry.js';
import { copyMismatch, copyProblem, type CopyFacts } from '../../../functions/worker/verify.js';
import { offlineRegistry } from '../../helpers/config.js';
import { ADMIN, DR_ADMIN, FakeSendPort } from '../../helpers/fake-ports.js';

const facts = (o: Partial<CopyFacts> = {}): CopyFacts => ({ etag: null, contentLength: null, version: null, ...o });
const head = (o: Partial<HeadResult> = {}): HeadResult => ({
  status: 200,
  etag: null,
  contentLength: null,
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

describe('copyMismatch: is the DR copy the source version?', () => {
  it('accepts a copy that matches every field the source reported', () => {
    expect(copyMismatch(facts({ etag: '"e1"', contentLength: 3 }), facts({ etag: '"e1"', contentLength: 3 }))).toBe(
      null,
    );
  });

  it('does not take a source that reported nothing as proof: that is a mismatch with its reason', () => {
    const copy = facts({ etag: '"e1"', contentLength: 3, version: '7' });
    expect(copyMismatch(facts(), copy)).toBe(
      'the source reported no ETag, Content-Length or Castor-System-Version to compare',
    );
  });

  it('names each field the copy lacks or holds differently, with the source value', () => {
    expect(
      copyMismatch(facts({ etag: '"e1"', contentLength: 3, version: '7' }), facts({ etag: '"e2"', contentLength: 3 })),
    ).toBe('ETag "e2" (source "e1"), Castor-System-Version missing (source 7)');
  });
});

describe("copyProblem: the destination HEAD after a success, completed by the source's when needed", () => {
  const route = resolveRoute(offlineRegistry({ verify: true }));
  const object = { uuid: 'a'.repeat(32) } as const;
  const credentials = { source: ADMIN, destination: DR_ADMIN };
  const open = () => new AbortController().signal;

  it('asks the source when the SEND answer said nothing of the version, and compares with its answer', async () => {
    const client = new TwoClusterHeads({
      dr: head({ etag: '"e1"', contentLength: 3 }),
      primary: head({ etag: '"e1"', contentLength: 4 }),
    });
    const problem = await copyProblem(client, route, object, credentials, { etag: null, version: null }, open());
    expect(client.heads).toStrictEqual(['dr', 'primary']);
    expect(problem).toBe('Content-Length 3 (source 4)');
  });

  it('reports a mismatch, not a match, when the source HEAD fails too and nothing can be compared', async () => {
    const client = new TwoClusterHeads({
      dr: head({ etag: '"e1"', contentLength: 3 }),
      primary: head({ status: null, error: 'connection-refused' }),
    });
    const problem = await copyProblem(client, route, object, credentials, { etag: null, version: null }, open());
    expect(problem).toBe('the source reported no ETag, Content-Length or Castor-System-Version to compare');
  });
  it('says what the destination HEAD answered when the copy cannot be read, status or error', async () => {
    const sent = { etag: '"e1"', version: null };
    const missing = new TwoClusterHeads({ dr: head({ status: 404 }) });
    expect(await copyProblem(missing, route, object, credentials, sent, open())).toBe('destination HEAD answered 404');
    const unreachable = new TwoClusterHeads({ dr: head({ status: null, error: 'connection-reset' }) });
    expect(await copyProblem(unreachable, route, object, credentials, sent, open())).toBe(
      'destination HEAD answered connection-reset',
    );
    expect([...missing.heads, ...unreachable.heads]).toStrictEqual(['dr', 'dr']);
  });
  it('takes no facts from a source HEAD that did not find the object (an error page has a length too)', async () => {
    const client = new TwoClusterHeads({
      dr: head({ etag: '"e1"', contentLength: 3 }),
      primary: head({ status: 404, contentLength: 123 }),
    });
    const problem = await copyProblem(client, route, object, credentials, { etag: null, version: null }, open());
    expect(problem).toBe('the source reported no ETag, Content-Length or Castor-System-Version to compare');
  });

  it('compares with the version the SEND answer named, without asking the source', async () => {
    const client = new TwoClusterHeads({ dr: head({ version: '6' }), primary: head({ version: '7' }) });
    const problem = await copyProblem(client, route, object, credentials, { etag: null, version: '7' }, open());
    expect(client.heads).toStrictEqual(['dr']);
    expect(problem).toBe('Castor-System-Version 6 (source 7)');
  });
});
