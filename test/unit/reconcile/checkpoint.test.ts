import { parseCheckpoint } from '../../../functions/reconcile/run.js';

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
