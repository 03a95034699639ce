import type { ObjectScope } from '../../../functions/reconcile/scope-types.js';
import { parseCheckpoint, reconcileRun, type RunOptions } from '../../../functions/reconcile/run.js';
import { type DiscoveryFailure } from '../../../functions/reconcile/buckets.js';

// The checkpoint file keeps, per scope, the marker and the rows each side listed up to it: a
// resumed run compares whole listings with the clusters' counts. What is not one is refused.

const file = (scope: unknown) => ({ version: 1, runId: 'r', from: 'a', to: 'b', scopes: { 'named:d/b': scope } });

describe('parseCheckpoint', () => {
  it('reads a scope with or without the rows listed up to its marker', () => {
    expect(parseCheckpoint(file({ marker: 'k', done: false, listed: { source: 3, dr: 2 } })).scopes).toStrictEqual({
      'named:d/b': { marker: 'k', done: false, listed: { source: 3, dr: 2 } },
    });
    expect(parseCheckpoint(file({ marker: null, done: true })).scopes['named:d/b']).toStrictEqual({
      marker: null,
      done: true,
    });
  });

  it.each([[{ source: '3', dr: 2 }], [{ source: 3 }], [null], [{ source: 1.5, dr: 0 }]])(
    'refuses rows listed that are not two whole numbers (%j)',
    (listed) => {
      expect(() => parseCheckpoint(file({ marker: 'k', done: false, listed }))).toThrow(
        'not a swarm-send reconcile checkpoint (version 1)',
      );
    },
  );
});

describe('reconcileRun and its scope stream', () => {
  const options = (scopes: RunOptions['scopes'], signal?: AbortSignal): RunOptions => ({
    scopes,
    checkpoint: { version: 1, runId: 'r', from: 'a', to: 'b', scopes: {} },
    source: {
      pages: () => ({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: 'empty-page' }) }) }),
    },
    dr: {
      pages: () => ({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: 'empty-page' }) }) }),
    },
    heads: { head: async () => ({ status: 404, error: null, bytes: null, hash: null, lastModified: null }) },
    ...(signal && { signal }),
  });

  it('Ctrl-C while the buckets are discovered is an interrupted run, not a discovery failure', async () => {
    const ctrlC = new AbortController();
    async function* scopes(): AsyncGenerator<ObjectScope | DiscoveryFailure> {
      yield { kind: 'named', domain: 'd', bucket: 'a' };
      ctrlC.abort();
      yield {
        kind: 'discovery-failed',
        domain: 'd',
        side: 'source',
        code: 'aborted',
        message: 'listing aborted',
        transient: true,
      };
    }
    const s = await reconcileRun(options(scopes(), ctrlC.signal));
    expect(s).toMatchObject({ interrupted: true, complete: false, discovery: [] });
    expect(s.scopes.map((x) => x.complete)).toStrictEqual([true]);
  });

  it('a scope stream that breaks ends the run with its summary: a discovery failure, not complete', async () => {
    async function* scopes(): AsyncGenerator<ObjectScope | DiscoveryFailure> {
      yield { kind: 'named', domain: 'd', bucket: 'a' };
      throw new Error('the stream broke');
    }
    const s = await reconcileRun(options(scopes()));
    expect(s).toMatchObject({ interrupted: false, complete: false, totals: { compared: 0 } });
    expect(s.discovery).toStrictEqual([
      {
        kind: 'discovery-failed',
        domain: '',
        side: null,
        code: 'internal',
        message: 'the stream broke',
        transient: false,
      },
    ]);
  });
});
