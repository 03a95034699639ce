import { clusterLimitsOf, limitSignalOf, MAX_ADAPTIVE_LIMIT } from '../../../functions/worker/send-limits.js';
import { observed } from '../../helpers/observation.js';
import { fakeDeps } from '../../helpers/fake-ports.js';

describe('what a SEND teaches the adaptive limit', () => {
  it('reads a busy node on the way as busy, even when another node then took the SEND', () => {
    expect(limitSignalOf(observed({}, { busy: 1, requests: 2 }))).toStrictEqual({ signal: 'busy' });
  });

  it('learns nothing from a SEND that got no answer at all', () => {
    expect(
      limitSignalOf(observed({ httpStatus: null, remoteStatus: null, error: 'connection-reset' }, { durationMs: 900 })),
    ).toStrictEqual({ signal: 'ignore' });
  });

  it("reads a clean answer as good, with the SEND's duration", () => {
    expect(limitSignalOf(observed({ httpStatus: 404, remoteStatus: null }, { durationMs: 37 }))).toStrictEqual({
      signal: 'ok',
      latencyMs: 37,
    });
  });
});

describe('the cluster limits of a container', () => {
  it('keeps one set per dependency object, so what one batch learns carries over to the next', () => {
    const deps = fakeDeps();
    expect(clusterLimitsOf(deps)).toBe(clusterLimitsOf(deps));
    expect(clusterLimitsOf(fakeDeps())).not.toBe(clusterLimitsOf(deps));
  });

  it('lets a limit grow up to the largest SENDs-per-invocation the configuration accepts', async () => {
    const limit = clusterLimitsOf(fakeDeps()).for('primary');
    for (let round = 0; round < 20; round++) {
      const slots = await Promise.all(Array.from({ length: limit.limit }, () => limit.acquire()));
      for (const slot of slots) slot.release('ok', 10);
    }
    expect(limit.limit).toBe(MAX_ADAPTIVE_LIMIT);
  });
  it('once a node has been busy, grows about half a slot per round of good answers', async () => {
    const limit = clusterLimitsOf(fakeDeps()).for('primary');
    const round = async (signal: 'ok' | 'busy') => {
      const slots = await Promise.all(Array.from({ length: limit.limit }, () => limit.acquire()));
      for (const slot of slots) slot.release(signal, 10);
    };
    await round('busy');
    expect(limit.limit).toBe(5); // 8 x 0.7 = 5.6
    for (let i = 0; i < 10; i++) await round('ok');
    // 5.6 plus about ten half slots (each round adds 0.5 x the slots used / the limit)
    expect(limit.limit).toBe(10);
  });
});
