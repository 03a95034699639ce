import type { Config } from '../../functions/config.js';
import { parseRegistry, type Registry } from '../../functions/core/registry/registry.js';

/**
 * The one handler `Config` factory of the tests. Its defaults:
 *
 * | field | default | why |
 * |---|---|---|
 * | `registry` | `offlineRegistry()` | addresses nobody serves: for tests whose SEND side is a fake |
 * | `dlqUrl` | `http://127.0.0.1/unused-dlq` | a queue nobody serves: tests that read the DLQ pass theirs |
 * | `outcomesQueueUrl` | `null` | no outcomes queue, as when none is configured |
 * | `maxAttempts` | 5 | |
 * | `concurrency`, `concurrencyPerNode` | 4, 4 | |
 * | `backoffBaseSeconds`, `backoffCapSeconds` | 1, 1 | a retry is visible again after a second |
 * | `deadlineMarginMs` | 500 | |
 * | `stragglers` | absent | no straggler policy |
 *
 * A test that depends on one of these values passes it in `overrides` (which win), so what it
 * checks is written where it is checked.
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    registry: overrides.registry ?? offlineRegistry(),
    dlqUrl: 'http://127.0.0.1/unused-dlq',
    outcomesQueueUrl: null,
    maxAttempts: 5,
    concurrency: 4,
    concurrencyPerNode: 4,
    backoffBaseSeconds: 1,
    backoffCapSeconds: 1,
    deadlineMarginMs: 500,
    ...overrides,
  };
}

/**
 * A registry whose nodes nobody serves: source cluster `primary` ("baker", node 10.0.0.1:80,
 * credentials `src`), DR cluster `dr` ("dr", target 10.0.1.1:80, credentials `dr`), and a default
 * route from the one to the other on replication feed 2, verified when `verify` says so, with the
 * `route` options given (e.g. `deletes`).
 */
export function offlineRegistry({
  verify = false,
  route = {},
}: { verify?: boolean; route?: Record<string, unknown> } = {}): Registry {
  return parseRegistry({
    clusters: {
      primary: { name: 'baker', nodes: ['10.0.0.1:80'], credentials: 'src' },
      dr: { name: 'dr', target: '10.0.1.1:80', credentials: 'dr' },
    },
    defaultRoute: { from: 'primary', to: 'dr', ...(verify && { verify: true }), replicationFeeds: [2], ...route },
  });
}
