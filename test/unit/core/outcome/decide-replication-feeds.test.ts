import { classify } from '../../../../functions/core/outcome/decide.js';
import { type SendObservation } from '../../../../functions/core/send/observation.js';

// A feed SEND on a route with several replication feeds: one of them reporting 0 proves the copy.

const feedSend = (over: Partial<SendObservation>): SendObservation => ({
  mode: 'feed',
  httpStatus: 200,
  remoteStatus: null,
  complete: true,
  feeds: {},
  requestedFeedIds: [],
  replicationFeedIds: [],
  error: null,
  ...over,
});

describe('classify, a route with several replication feeds', () => {
  it('replicated when one replication feed reports 0 and the others did not report', () => {
    expect(
      classify(feedSend({ feeds: { '1': { status: 0, statusTime: null } }, replicationFeedIds: [1, 2] })),
    ).toStrictEqual({ outcome: 'replicated', reason: 'feed-complete' });
  });

  it('replicated when the second replication feed is the one that reports 0', () => {
    expect(
      classify(feedSend({ feeds: { '2': { status: 0, statusTime: null } }, replicationFeedIds: [1, 2] })),
    ).toStrictEqual({ outcome: 'replicated', reason: 'feed-complete' });
  });

  it('a retry (feed-timeout) when one feed timed out, even if another reports 0', () => {
    const feeds = { '1': { status: 0, statusTime: null }, '2': { status: 1, statusTime: null } };
    expect(classify(feedSend({ feeds, replicationFeedIds: [1, 2] }))).toStrictEqual({
      outcome: 'retry',
      reason: 'feed-timeout',
    });
  });

  it('not in feed scope when only a feed that does not replicate reports 0', () => {
    expect(
      classify(feedSend({ feeds: { '3': { status: 0, statusTime: null } }, replicationFeedIds: [1, 2] })),
    ).toStrictEqual({ outcome: 'failed', reason: 'not-in-feed-scope' });
  });
});
