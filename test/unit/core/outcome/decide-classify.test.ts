import { classify } from '../../../../functions/core/outcome/decide.js';
import { type SendObservation } from '../../../../functions/core/send/observation.js';
import { observation } from '../../../helpers/observation.js';

const o = (over: Partial<SendObservation>): SendObservation => observation(over);
/** A feed SEND on a route whose replication feed is 2 (unless `replication` says otherwise). */
const feed = (statuses: Record<string, number | null>, requested: number[] = [], replication: number[] = [2]) =>
  o({
    mode: 'feed',
    remoteStatus: null,
    requestedFeedIds: requested,
    replicationFeedIds: replication,
    feeds: Object.fromEntries(
      Object.entries(statuses).map(([k, s]) => [k, { status: s, statusTime: s === 0 ? 'x' : null }]),
    ),
  });

// One row per line of swarm-scsp.md section 4 (and section A), in its order.
describe('classify (swarm-scsp.md section 4)', () => {
  it.each([
    ['L1 outer 200 + remote 201', o({}), 'replicated', 'created'],
    ['L1 outer 201 with no body line', o({ httpStatus: 201, remoteStatus: null }), 'replicated', 'created'],
    ['L2 outer 409', o({ httpStatus: 409, remoteStatus: null }), 'already-present', 'already-present'],
    ['L2 outer 200 + remote 409', o({ remoteStatus: 409 }), 'already-present', 'already-present'],
    ['L3 remote 503', o({ remoteStatus: 503 }), 'retry', 'remote-unavailable'],
    ['L3 remote 500', o({ remoteStatus: 500 }), 'retry', 'remote-unavailable'],
    ['L3 remote 507', o({ remoteStatus: 507 }), 'retry', 'remote-insufficient-storage'],
    ['L3 remote 412', o({ remoteStatus: 412 }), 'retry', 'remote-context-missing'],
    ['L3 remote 401', o({ remoteStatus: 401 }), 'failed', 'remote-auth-rejected'],
    ['L3 remote 403', o({ remoteStatus: 403 }), 'failed', 'remote-auth-rejected'],
    ['L3 remote 404', o({ remoteStatus: 404 }), 'retry', 'remote-not-found'],
    ['L3 remote 400', o({ remoteStatus: 400 }), 'failed', 'remote-rejected'],
    ['L3 remote 200 (not proof of a copy)', o({ remoteStatus: 200 }), 'retry', 'remote-unexpected'],
    ['L4 early 503 from the source', o({ httpStatus: 503, remoteStatus: null }), 'retry', 'source-unavailable'],
    ['L5 400 (missing Castor-System-Cluster)', o({ httpStatus: 400, remoteStatus: null }), 'failed', 'bad-request'],
    ['N1 every feed 0', feed({ 2: 0, 3: 0 }, [2]), 'replicated', 'feed-complete'],
    ['N2 feed timeout', feed({ 2: 1 }, [2]), 'retry', 'feed-timeout'],
    ['N3 feed failure', feed({ 2: 0, 3: 4 }), 'retry', 'feed-failed'],
    ['N3 failure wins over timeout', feed({ 2: 1, 3: 2 }), 'retry', 'feed-failed'],
    ['N4 requested feed did not report', feed({ 3: 0 }, [2]), 'failed', 'not-in-feed-scope'],
    ['T4 a type/all selection that reported no feed', feed({}), 'retry', 'result-unknown'],
    ['T4 a feed that reported its time but no status', feed({ 2: 0, 3: null }), 'retry', 'result-unknown'],
    [
      'T4 a feed SEND with no status line and no transport error (never a failure without an answer)',
      o({ mode: 'feed', httpStatus: null, remoteStatus: null }),
      'retry',
      'result-unknown',
    ],
    ['N5 bad feedid -> 400', o({ mode: 'feed', httpStatus: 400, remoteStatus: null }), 'failed', 'bad-request'],
    ['A3 credentials rejected', o({ httpStatus: 401, error: 'auth-rejected' }), 'failed', 'auth-rejected'],
    ['A3 an outer 401 with no transport error', o({ httpStatus: 401, remoteStatus: null }), 'failed', 'auth-rejected'],
    ['A3 403 not admin', o({ httpStatus: 403, remoteStatus: null }), 'failed', 'forbidden'],
    [
      'R1 redirect outside the networks',
      o({ httpStatus: 301, error: 'redirect-refused' }),
      'failed',
      'redirect-refused',
    ],
    ['R2 redirect loop', o({ httpStatus: 307, error: 'redirect-limit' }), 'retry', 'redirect-limit'],
    ['S1 404 at the source', o({ httpStatus: 404, remoteStatus: null }), 'retry', 'not-found-at-source'],
    ['S2 412 at the source', o({ httpStatus: 412, remoteStatus: null }), 'retry', 'context-missing'],
    ['S3 503', o({ httpStatus: 503, remoteStatus: null }), 'retry', 'source-unavailable'],
    ['S4 500', o({ httpStatus: 500, remoteStatus: null }), 'retry', 'source-error'],
    ['S5 501', o({ httpStatus: 501, remoteStatus: null }), 'failed', 'method-not-supported'],
    ['S5 405', o({ httpStatus: 405, remoteStatus: null }), 'failed', 'method-not-supported'],
    ['S6 505', o({ httpStatus: 505, remoteStatus: null }), 'failed', 'http-version-not-supported'],
    ['S7 411', o({ httpStatus: 411, remoteStatus: null }), 'failed', 'length-required'],
    ['S8 507 at the source', o({ httpStatus: 507, remoteStatus: null }), 'retry', 'insufficient-storage'],
    ['S9 other 4xx', o({ httpStatus: 418, remoteStatus: null }), 'failed', 'client-error'],
    ['S9 other 5xx', o({ httpStatus: 502, remoteStatus: null }), 'retry', 'source-error'],
    ['T1 connection refused', o({ httpStatus: null, error: 'connection-refused' }), 'retry', 'connection-refused'],
    ['T1 connect timeout', o({ httpStatus: null, error: 'connect-timeout' }), 'retry', 'connect-timeout'],
    [
      'T2 reset mid-body',
      o({ complete: false, error: 'connection-reset', remoteStatus: null }),
      'retry',
      'connection-reset',
    ],
    ['T2 idle timeout', o({ complete: false, error: 'idle-timeout', remoteStatus: null }), 'retry', 'idle-timeout'],
    [
      'T3 deadline',
      o({ complete: false, error: 'deadline-exceeded', remoteStatus: null }),
      'retry',
      'deadline-exceeded',
    ],
    ['T4 outer 200 without the line', o({ remoteStatus: null }), 'retry', 'result-unknown'],
    [
      'T4 feed SEND that did not finish',
      o({ mode: 'feed', complete: false, remoteStatus: null }),
      'retry',
      'connection-reset',
    ],
    ['TLS certificate not trusted', o({ httpStatus: null, error: 'tls-rejected' }), 'failed', 'tls-rejected'],
  ])('%s -> %s / %s', (_row, observation, outcome, reason) => {
    expect(classify(observation)).toStrictEqual({ outcome, reason });
  });

  it.each([
    ['only a search feed reports 0 (feedid=all)', feed({ 3: 0 }), 'failed', 'not-in-feed-scope'],
    [
      'search and backup feeds report 0 (by types), the replication feed nothing',
      feed({ 3: 0, 4: 0 }),
      'failed',
      'not-in-feed-scope',
    ],
    ['the replication feed reports 0 beside a search feed', feed({ 2: 0, 3: 0 }), 'replicated', 'feed-complete'],
    [
      'one of two replication feeds reports 0, the other is out of scope',
      feed({ 5: 0 }, [], [2, 5]),
      'replicated',
      'feed-complete',
    ],
    ['the replication feed failed while a search feed reports 0', feed({ 2: 4, 3: 0 }), 'retry', 'feed-failed'],
    ['no replication feed identified for the route', feed({ 2: 0 }, [2], []), 'failed', 'invalid-message'],
  ])('a feed SEND is proven only by a replication feed: %s -> %s / %s', (_row, observation, outcome, reason) => {
    expect(classify(observation)).toStrictEqual({ outcome, reason });
  });

  it('never trusts a 2xx whose body did not end, even if a result line arrived', () => {
    expect(classify(o({ complete: false }))).toStrictEqual({ outcome: 'retry', reason: 'connection-reset' });
  });
});
