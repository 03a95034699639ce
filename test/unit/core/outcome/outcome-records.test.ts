import {
  isSuccess,
  outcomeRecord,
  recordFromResult,
  type RecordContext,
  type SendResult,
} from '../../../../functions/core/outcome/outcome.js';

// The outcome record (DESIGN.md section 3) of a SEND and of a message decided without one.

const ctx: RecordContext = {
  object: { uuid: '97f7149dec6cbc0aa1e9425688158969' },
  from: 'primary',
  to: 'dr',
  attempt: 3,
  messageId: 'm-1',
  correlationId: 'c-1',
};
const observation = (mode: 'legacy' | 'feed') =>
  ({
    mode,
    httpStatus: 200,
    remoteStatus: 201,
    complete: true,
    feeds: mode === 'feed' ? { '2': { status: 0, statusTime: null } } : {},
    requestedFeedIds: [],
    replicationFeedIds: [],
    error: null,
  }) as unknown as SendResult['observation'];
const result = (mode: 'legacy' | 'feed'): SendResult => ({
  outcome: 'replicated',
  reason: 'created',
  observation: observation(mode),
  node: '10.0.0.1:80',
  requests: 2,
  busy: 0,
  durationMs: 15,
  detail: 'd',
  etag: 'e',
  version: 'v',
  hintIgnored: false,
});

describe('outcome records', () => {
  it('records a legacy SEND with its statuses, node, timing and request count, and no feeds', () => {
    expect(recordFromResult(result('legacy'), ctx)).toStrictEqual({
      outcome: 'replicated',
      reason: 'created',
      remoteStatus: 201,
      httpStatus: 200,
      detail: 'd',
      object: ctx.object,
      from: 'primary',
      to: 'dr',
      node: '10.0.0.1:80',
      attempt: 3,
      durationMs: 15,
      messageId: 'm-1',
      correlationId: 'c-1',
      requests: 2,
    });
  });

  it('records the feed statuses of a feed SEND as a copy', () => {
    const r = result('feed');
    const record = recordFromResult(r, ctx);
    expect(record.feeds).toStrictEqual({ '2': { status: 0, statusTime: null } });
    expect(record.feeds).not.toBe(r.observation.feeds);
  });

  it('records a message decided without a SEND with no statuses, no node and no time', () => {
    expect(
      outcomeRecord({ outcome: 'failed', reason: 'invalid-message', detail: 'bad body' }, null, ctx),
    ).toStrictEqual({
      outcome: 'failed',
      reason: 'invalid-message',
      remoteStatus: null,
      httpStatus: null,
      detail: 'bad body',
      object: ctx.object,
      from: 'primary',
      to: 'dr',
      node: null,
      attempt: 3,
      durationMs: 0,
      messageId: 'm-1',
      correlationId: 'c-1',
    });
  });

  it.each([
    ['replicated', true],
    ['already-present', true],
    ['retry', false],
    ['failed', false],
  ] as const)('%s ends a message successfully: %s', (outcome, expected) => {
    expect(isSuccess(outcome)).toBe(expected);
  });
});
