import type { SendObservation, SendReport } from '../../functions/core/send/observation.js';

/** What a SEND's answer showed; by default a legacy SEND whose destination answered 201. */
export const observation = (o: Partial<SendObservation> = {}): SendObservation => ({
  mode: 'legacy',
  httpStatus: 200,
  remoteStatus: 201,
  complete: true,
  feeds: {},
  requestedFeedIds: [],
  replicationFeedIds: [],
  error: null,
  ...o,
});

/** What a SEND observed; by default a legacy SEND whose destination answered 201. */
export function observed(o: Partial<SendObservation> = {}, more: Partial<SendReport> = {}): SendReport {
  return {
    observation: observation(o),
    node: '10.0.0.1:80',
    requests: 1,
    busy: 0,
    durationMs: 12,
    detail: null,
    etag: '"e1"',
    version: null,
    hintIgnored: false,
    ...more,
  };
}

/** A feed SEND on replication feed 2 whose feed reported `status` (0 copied, 1 still copying). */
export function feedObserved(status: number): SendReport {
  return observed({
    mode: 'feed',
    remoteStatus: null,
    feeds: { '2': { status, statusTime: null } },
    requestedFeedIds: [2],
    replicationFeedIds: [2],
  });
}
