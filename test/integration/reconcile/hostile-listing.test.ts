import { ListingClient } from '../../../functions/core/listing/listing-client.js';
import { reconcileScope } from '../../../functions/reconcile/engine.js';
import { type ListingPort } from '../../../functions/reconcile/scope-types.js';
import { transportHeadPort } from '../../../functions/reconcile/ports.js';
import { expandScopes } from '../../../functions/reconcile/buckets.js';
import { honest, listingNode, row } from '../../helpers/listing-node.js';
import type { Answer } from '../../helpers/raw-node.js';
import { transportOnRawNodes } from '../../helpers/transport.js';
import { ADMIN } from '../../helpers/swarm.js';

// Listings that lie, as shown: raw-socket nodes that list wrongly, the real listing
// client and transport, the real engine. A listing that does not advance, a page with more rows
// than asked or more bytes than the bound, and a bucket listing that never ends or carries names
// Swarm cannot hold are errors that leave the run incomplete, never the end of a listing.

const SCOPE = { kind: 'named', domain: 'example.com', bucket: 'b' } as const;
const NAMES = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9'];
const fast = { sleep: async () => undefined };

const raw = transportOnRawNodes();

async function side(answer: Answer, options: ConstructorParameters<typeof ListingClient>[3] = {}) {
  const {
    started: [node],
    cluster,
  } = await raw.start(answer);
  return {
    node: node!,
    cluster,
    client: new ListingClient(raw.transport(), cluster, ADMIN, { pageSize: 3, ...fast, ...options }),
  };
}

/** Walks the scope with the source and DR nodes given. */
async function walk(source: Awaited<ReturnType<typeof side>>, dr: Awaited<ReturnType<typeof side>>) {
  return reconcileScope({
    scope: SCOPE,
    source: source.client,
    dr: dr.client,
    heads: transportHeadPort(raw.transport(), {
      source: source.cluster,
      dr: dr.cluster,
      sourceCredentials: ADMIN,
      drCredentials: ADMIN,
    }),
  });
}

describe('a listing that ignores marker', () => {
  it('is listing-stalled on the page that brings nothing after the marker: the scope is not complete', async () => {
    // The source answers page 1 whatever the marker; DR lists honestly.
    const source = await side(listingNode((url) => NAMES.slice(0, Number(url.searchParams.get('size'))).map(row)));
    const dr = await side(listingNode((url) => honest(NAMES, url).map(row)));
    const s = await walk(source, dr);
    expect(s.complete).toBe(false);
    expect(s.stopped).toBe('error');
    expect(s.error).toMatchObject({ side: 'source', code: 'listing-stalled', transient: false });
    expect(s.error!.message).toMatch(/none of the page's 3 rows comes after the marker/);
    expect(s.listing.source.ended).toBeNull();
    // Up to the last row both sides listed alike, nothing more is claimed.
    expect(s.marker).toBe('k3');
  });

  it('at a page size of 1 too: a source that answers its first row whatever the marker is listing-stalled', async () => {
    const source = await side(
      listingNode(() => NAMES.slice(0, 1).map(row)),
      { pageSize: 1 },
    );
    const dr = await side(
      listingNode((url) => honest(NAMES, url).map(row)),
      { pageSize: 1 },
    );
    const s = await walk(source, dr);
    expect(s.complete).toBe(false);
    expect(s.error).toMatchObject({ side: 'source', code: 'listing-stalled', transient: false });
    expect(s.listing.source.ended).toBeNull();
  });

  it('a page holding only the marker row again ends the listing the way an "at or after" cluster ends it', async () => {
    const atOrAfter = (url: URL) => {
      const marker = url.searchParams.get('marker');
      return [...(marker ? [marker] : []), ...honest(NAMES, url)].slice(0, 3).map(row);
    };
    const s = await walk(await side(listingNode(atOrAfter)), await side(listingNode(atOrAfter)));
    expect(s).toMatchObject({ complete: true, stopped: null, compared: 9 });
    expect(s.listing.source).toMatchObject({ rows: 9, ended: 'marker-repeated' });
  });
});

describe('a page larger than asked', () => {
  it('a page with more rows than asked for is refused (too-many-rows), once, and the scope is not complete', async () => {
    const source = await side(listingNode((url) => honest(NAMES, url, 1).map(row)));
    const dr = await side(listingNode((url) => honest(NAMES, url).map(row)));
    const s = await walk(source, dr);
    expect(s.complete).toBe(false);
    expect(s.error).toMatchObject({ side: 'source', code: 'too-many-rows', transient: false });
    expect(s.error!.message).toBe('a listing page was refused: the page holds 4 rows, more than the 3 asked for');
    expect(source.node.requests).toHaveLength(1);
  });

  it('a page with more bytes than the bound is refused (page-too-large) without reading it whole, and not asked again', async () => {
    const big = NAMES.map((n) => `${n}-${'x'.repeat(200)}`);
    const source = await side(
      listingNode((url) => honest(big, url).map(row)),
      { maxPageBytes: 256 },
    );
    await expect(source.client.page(SCOPE, null)).rejects.toMatchObject({
      code: 'page-too-large',
      message: 'a listing page was refused: its body is larger than 256 bytes',
    });
    expect(source.node.requests).toHaveLength(1);
  });
});

/** Every scope (and discovery failure) a spec expands to. */
async function expanded(source: ListingPort, dr: ListingPort, maxBuckets?: number) {
  const out: unknown[] = [];
  for await (const s of expandScopes(
    { domains: ['example.com'], buckets: [], unnamed: false, untenanted: false },
    source,
    dr,
    undefined,
    maxBuckets,
  ))
    out.push(s);
  return out;
}

describe('bucket discovery', () => {
  it('a bucket name longer than Swarm allows (8000 characters) fails the discovery of its domain, with the reason', async () => {
    const long = `b${'x'.repeat(8000)}`;
    const source = await side(listingNode((url) => honest(['a', long], url).map(row)));
    const dr = await side(listingNode(() => []));
    const scopes = await expanded(source.client, dr.client);
    // The page that carries it is unusable as a whole: no bucket of it is walked.
    expect(scopes).toStrictEqual([
      {
        kind: 'discovery-failed',
        domain: 'example.com',
        side: 'source',
        code: 'bad-page',
        message:
          'a listing page could not be used: row 1 is no bucket name Swarm allows (8001 characters, more than 8000)',
        transient: false,
      },
    ]);
  });

  it('endless bucket pages are streamed a page at a time and end as too-many-buckets at the bound', async () => {
    let page = 0;
    const endless = (url: URL) => {
      page++;
      const size = Number(url.searchParams.get('size'));
      const from = Number(url.searchParams.get('marker')?.slice(1) ?? -1) + 1;
      return Array.from({ length: size }, (_x, i) => row(`b${String(from + i).padStart(9, '0')}`));
    };
    const source = await side(listingNode(endless));
    const dr = await side(listingNode(() => []));
    const it = expandScopes(
      { domains: ['example.com'], buckets: [], unnamed: false, untenanted: false },
      source.client,
      dr.client,
      undefined,
      10,
    )[Symbol.asyncIterator]();
    // The first scope comes after one page of each side, not after the whole list.
    expect((await it.next()).value).toStrictEqual({ kind: 'named', domain: 'example.com', bucket: 'b000000000' });
    expect(page).toBe(1);
    const rest = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest).toHaveLength(10);
    expect(rest.at(-1)).toMatchObject({ kind: 'discovery-failed', code: 'too-many-buckets', side: 'source' });
    expect(page).toBe(4);
  });
});

describe('what a run saw', () => {
  it("sets each cluster's object count beside the rows it listed, and warns beyond the index lag allowance", async () => {
    const source = await side(listingNode((url) => honest(NAMES, url).map(row), 'castor-object-count: 500\r\n'));
    const dr = await side(listingNode((url) => honest(NAMES, url).map(row), 'castor-object-count: 12\r\n'));
    const s = await walk(source, dr);
    expect(s.complete).toBe(true);
    expect(s.listing).toStrictEqual({
      source: { rows: 9, pages: 3, ended: 'empty-page', objectCount: 500 },
      dr: { rows: 9, pages: 3, ended: 'empty-page', objectCount: 12 },
    });
    // 3 apart is within the allowance (10 objects, or 1 %); 491 apart is not.
    expect(s.warnings).toStrictEqual([
      'source: the listing gave 9 rows but the cluster counts 500 objects (Castor-Object-Count), more apart than the index lag explains (10)',
    ]);
  });

  it('a count the cluster does not give is no count and no warning; a count it fails to give is a warning', async () => {
    const source = await side(listingNode((url) => honest(NAMES, url).map(row)));
    const dr = await side((head, socket, i) =>
      head.includes('du=')
        ? socket.write('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n')
        : listingNode((url) => honest(NAMES, url).map(row))(head, socket, i),
    );
    const s = await walk(source, dr);
    expect(s.complete).toBe(true);
    expect(s.listing.source.objectCount).toBeNull();
    expect(s.listing.dr.objectCount).toBeNull();
    expect(s.warnings).toStrictEqual([
      'dr: the object count could not be read (the cluster refused the listing query (400))',
    ]);
  });
});
