import type { Config } from '../../functions/config.js';
import type { Registry } from '../../functions/core/registry/registry.js';

/**
 * A handler configuration for tests that run the worker or the handler themselves: 5 attempts,
 * 4 SENDs in flight and 4 per node, a 1 s backoff, a 500 ms deadline margin, and queue URLs
 * nobody serves (no outcomes queue); `overrides` win.
 */
export function testConfig(registry: Registry, overrides: Partial<Omit<Config, 'registry'>> = {}): Config {
  return {
    registry,
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
