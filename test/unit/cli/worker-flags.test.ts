import type { FlagValues } from '../../../cli/flags.js';
import { effectiveEnvironment, readWorkerFlags, type RunWorkerMode } from '../../../cli/worker-flags.js';

const WORKER: RunWorkerMode = { command: 'worker', structuredLogs: true, defaultFunctionTimeoutSeconds: 3600 };
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/large-objects';
const LARGE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/large-objects-next';

describe('the worker flags of the large-object tier', () => {
  it('--large-object-queue stands for SWARM_SEND_LARGE_OBJECT_QUEUE_URL and wins over it', () => {
    const { merged, sources } = effectiveEnvironment(
      { 'large-object-queue': LARGE },
      { SWARM_SEND_LARGE_OBJECT_QUEUE_URL: 'https://elsewhere/1/q' },
    );
    expect(merged.SWARM_SEND_LARGE_OBJECT_QUEUE_URL).toBe(LARGE);
    expect(sources.SWARM_SEND_LARGE_OBJECT_QUEUE_URL).toBe('--large-object-queue');
  });

  it('--long-running sets SWARM_SEND_LONG_RUNNING=true; without it the variable is read as given', () => {
    expect(effectiveEnvironment({ 'long-running': true }, {})).toMatchObject({
      merged: { SWARM_SEND_LONG_RUNNING: 'true' },
      sources: { SWARM_SEND_LONG_RUNNING: '--long-running' },
    });
    expect(effectiveEnvironment({}, { SWARM_SEND_LONG_RUNNING: 'false' }).merged.SWARM_SEND_LONG_RUNNING).toBe('false');
  });

  it("lifts a long-running worker's batch deadline to SQS's 12 hours unless --function-timeout says otherwise", () => {
    const timeout = (values: FlagValues, env: NodeJS.ProcessEnv = {}) =>
      readWorkerFlags({ 'queue-url': QUEUE, ...values }, env, WORKER).functionTimeoutMs;
    expect(timeout({})).toBe(3_600_000);
    expect(timeout({ 'long-running': true })).toBe(43_200_000);
    expect(timeout({}, { SWARM_SEND_LONG_RUNNING: 'true' })).toBe(43_200_000);
    expect(timeout({ 'long-running': true, 'function-timeout': '7200' })).toBe(7_200_000);
  });
});
