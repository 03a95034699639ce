import { LinkEstimates } from '../../../functions/worker/link-estimates.js';

const ROUTE = { name: 'primary->dr' };

describe('LinkEstimates: copies in flight', () => {
  it("counts a route's SENDs while they run, each route on its own, and after one that rejected", async () => {
    const estimates = new LinkEstimates();
    let seen = -1;
    await estimates.carrying(ROUTE, async () => {
      await estimates.carrying(ROUTE, async () => {
        seen = estimates.inFlight(ROUTE);
      });
    });
    expect(seen).toBe(2);
    await expect(
      estimates.carrying(ROUTE, async () => {
        throw new Error('reset');
      }),
    ).rejects.toThrow('reset');
    expect([estimates.inFlight(ROUTE), estimates.inFlight({ name: 'primary->other' })]).toStrictEqual([0, 0]);
  });
});
