import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ListingClient, MAX_PAGE_BYTES } from '../../../functions/core/listing/listing-client.js';
import { expandScopes } from '../../../functions/reconcile/buckets.js';
import type { Answer } from '../../helpers/raw-node.js';
import { transportOnRawNodes } from '../../helpers/transport.js';
import { ADMIN } from '../../helpers/swarm.js';

// The memory a lying listing can cost, measured: a 1.6 million-row page and bucket listings that never
// end must leave the reconcile function (256 MB) room. The walk runs in this process against
// raw-socket nodes that keep nothing; RSS is sampled while it runs. The bound is generous (the
// growth, not the total: Jest's own footprint is not the function's) and the old code went far
// past it: about 870 MB for one such page, hundreds of MB for the bucket pages.

const MiB = 1024 * 1024;
/** The most the walk may add to this process's RSS: well under the function's 256 MB. */
const BOUND = 96 * MiB;

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Runs `work`, sampling RSS and heap every few ms; returns the growth over the start and its outcome. */
async function measured(work: () => Promise<unknown>) {
  gc();
  const before = process.memoryUsage();
  let rss = before.rss;
  let heap = before.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 5);
  let outcome: unknown;
  try {
    outcome = await work().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  } finally {
    sample();
    clearInterval(timer);
  }
  const growth = { rss: rss - before.rss, heap: heap - before.heapUsed };
  // The figures for docs/reconcile.md.
  process.stderr.write(
    `memory: RSS +${(growth.rss / MiB).toFixed(1)} MiB, heap +${(growth.heap / MiB).toFixed(1)} MiB\n`,
  );
  return { growth, outcome: outcome as { value?: unknown; error?: unknown } };
}

/** Consumes a spec's scopes however they come (a stream, or a list once collected). */
async function scopesOf(x: unknown): Promise<{ kind: string; code?: string }[]> {
  const out: { kind: string; code?: string }[] = [];
  if (x && typeof x === 'object' && Symbol.asyncIterator in x)
    for await (const s of x as AsyncIterable<{ kind: string }>) out.push(s);
  else out.push(...((await x) as { kind: string }[]));
  return out;
}

const respond =
  (body: Buffer): Answer =>
  (_head, socket) => {
    socket.write(
      `HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
  };

describe('listing memory', () => {
  // Nodes that keep nothing of what they were sent: only the client's memory is measured.
  const raw = transportOnRawNodes({ record: false });
  const clientOn = async (answer: Answer) => {
    const { cluster } = await raw.start(answer);
    return new ListingClient(raw.transport(), cluster, ADMIN, { sleep: async () => undefined });
  };

  it('a page of 1.6 million rows (32 MB) is refused before it is read whole, within the bound', async () => {
    // 1,600,000 rows of 20 bytes: under the old 32 MiB byte bound, 1,600 times the rows asked.
    const rows = Array.from({ length: 1_600_000 }, (_x, i) => `{"name":"${String(i).padStart(8, '0')}"}`);
    const body = Buffer.from(`[${rows.join(',')}]`);
    rows.length = 0;
    const client = await clientOn(respond(body));
    const { growth, outcome } = await measured(() =>
      client.page({ kind: 'named', domain: 'example.com', bucket: 'b' }, null),
    );
    expect(growth.rss).toBeLessThan(BOUND);
    expect(growth.heap).toBeLessThan(BOUND);
    expect(outcome.error).toMatchObject({ code: 'page-too-large' });
  }, 120_000);

  it('the largest page accepted (1000 rows of non-Latin-1 names, just under 8 MiB) costs what docs/reconcile.md says', async () => {
    // Each name 2,780 euro signs: 8,340 bytes of UTF-8, 5,560 bytes as a two-byte string.
    const rows = Array.from({ length: 1000 }, (_x, i) => ({
      name: `${String(i).padStart(4, '0')}${'\u20ac'.repeat(2780)}`,
    }));
    const body = Buffer.from(JSON.stringify(rows));
    expect(body.length).toBeLessThan(MAX_PAGE_BYTES);
    const client = await clientOn(respond(body));
    let kept: unknown;
    const { growth } = await measured(async () => {
      kept = await client.page({ kind: 'named', domain: 'example.com', bucket: 'b' }, null);
    });
    expect((kept as unknown[]).length).toBe(1000);
    // At most 6 times the page's bytes while it is read and parsed (48 MiB): see MAX_PAGE_BYTES.
    expect(growth.heap).toBeLessThan(6 * MAX_PAGE_BYTES);
  }, 120_000);

  it('bucket pages of 30 KB names that never end are refused at the first page, within the bound', async () => {
    // Names ascending page after page (a listing the old code kept taking); 12 pages, then [].
    const pageBody = (p: number) =>
      Buffer.from(
        JSON.stringify(
          p < 12
            ? Array.from({ length: 1000 }, (_x, i) => ({
                name: `p${p}-${String(i).padStart(4, '0')}-${'x'.repeat(30_000)}`,
              }))
            : [],
        ),
      );
    // The first page is built before the measurement: the node's cost is not the client's.
    const first = pageBody(0);
    let page = 0;
    const bucketPage: Answer = (head, socket, i) => respond(page++ === 0 ? first : pageBody(page - 1))(head, socket, i);
    const source = await clientOn(bucketPage);
    const dr = await clientOn(respond(Buffer.from('[]')));
    const spec = { domains: ['example.com'], buckets: [], unnamed: false, untenanted: false };
    const { growth, outcome } = await measured(() => scopesOf(expandScopes(spec, source, dr)));
    expect(growth.rss).toBeLessThan(BOUND);
    expect(growth.heap).toBeLessThan(BOUND);
    expect(outcome.value).toStrictEqual([
      expect.objectContaining({ kind: 'discovery-failed', code: 'page-too-large' }),
    ]);
  }, 120_000);

  it('bucket pages of short names that never end are streamed, and stop at the bucket bound, within the bound', async () => {
    let page = 0;
    const endless: Answer = (_head, socket) => {
      const p = page++;
      const names = Array.from({ length: 1000 }, (_x, i) => ({ name: `b${String(p * 1000 + i).padStart(9, '0')}` }));
      respond(Buffer.from(JSON.stringify(names)))(_head, socket, p);
    };
    const source = await clientOn(endless);
    const dr = await clientOn(respond(Buffer.from('[]')));
    const spec = { domains: ['example.com'], buckets: [], unnamed: false, untenanted: false };
    let count = 0;
    let last: unknown;
    const { growth } = await measured(async () => {
      for await (const s of expandScopes(spec, source, dr)) {
        count++;
        last = s;
      }
    });
    expect(growth.rss).toBeLessThan(BOUND);
    expect(growth.heap).toBeLessThan(BOUND);
    expect(count).toBe(10_001);
    expect(last).toMatchObject({ kind: 'discovery-failed', code: 'too-many-buckets' });
    expect(page).toBe(11);
  }, 120_000);
});
