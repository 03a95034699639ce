import { ConfigError } from '../../../functions/core/errors.js';
import { loadConfig } from '../../../functions/config.js';

const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq';
const LARGE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/large-objects';

/** A registry whose default route has a large-object policy with `via`. */
function env(via: 'feed' | 'long-running-tier' | null, more: Record<string, string> = {}) {
  const registry = {
    clusters: {
      primary: { name: 'baker', nodes: ['10.0.0.11:80'], credentials: 'swarm/primary' },
      dr: { name: 'dr', target: '192.168.1.13:80', credentials: 'swarm/dr' },
    },
    defaultRoute: {
      from: 'primary',
      to: 'dr',
      replicationFeeds: [2],
      ...(via && { largeObjects: { linkMbps: 1000, via } }),
    },
  };
  return { SWARM_SEND_REGISTRY: JSON.stringify(registry), SWARM_SEND_DLQ_URL: DLQ, ...more };
}

async function problems(e: Record<string, string>): Promise<readonly string[]> {
  try {
    await loadConfig(e);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig: the large-object settings', () => {
  it('has no large-object queue and is no long-running worker by default', async () => {
    expect(await loadConfig(env(null))).toMatchObject({ largeObjectQueueUrl: null, longRunning: false });
  });

  it('reads SWARM_SEND_LARGE_OBJECT_QUEUE_URL and SWARM_SEND_LONG_RUNNING', async () => {
    const c = await loadConfig(
      env('long-running-tier', { SWARM_SEND_LARGE_OBJECT_QUEUE_URL: LARGE, SWARM_SEND_LONG_RUNNING: 'true' }),
    );
    expect(c).toMatchObject({ largeObjectQueueUrl: LARGE, longRunning: true });
  });

  it('refuses a route that moves objects to the long-running tier without a large-object queue', async () => {
    expect(await problems(env('long-running-tier'))).toStrictEqual([
      'SWARM_SEND_LARGE_OBJECT_QUEUE_URL is required: route primary->dr moves large objects to the long-running tier (largeObjects.via)',
    ]);
  });

  it('needs no large-object queue on the long-running worker itself, nor for a route via the feed', async () => {
    expect(await problems(env('long-running-tier', { SWARM_SEND_LONG_RUNNING: 'true' }))).toStrictEqual([]);
    expect(await problems(env('feed'))).toStrictEqual([]);
  });

  it('refuses a queue URL that is none and a switch that is neither true nor false', async () => {
    expect(
      await problems(env(null, { SWARM_SEND_LARGE_OBJECT_QUEUE_URL: 'large-objects', SWARM_SEND_LONG_RUNNING: 'yes' })),
    ).toStrictEqual([
      'SWARM_SEND_LARGE_OBJECT_QUEUE_URL must be a queue URL',
      'SWARM_SEND_LONG_RUNNING must be true or false (got "yes")',
    ]);
  });
});
