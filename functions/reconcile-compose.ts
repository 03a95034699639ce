import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createCredentialsProvider } from './adapters/credentials.js';
import type { AwsAdapters } from './compose.js';
import { ClusterTransport } from './core/transport/cluster-transport.js';
import { metricsNamespace } from './env.js';
import { loadReconcileConfig, type ReconcileConfig } from './reconcile-config.js';
import type { CredentialsProvider } from './worker/ports.js';

/**
 * The composition root of the reconcile handler (functions/handlers/reconcile.ts), as
 * functions/compose.ts is the SEND handler's: it turns the environment and the given AWS
 * clients into the handler's dependencies, and reads no process environment itself.
 */

/** What the reconcile handler is built from (tests give fauxqs and the simulator; Lambda, the environment). */
export interface ReconcileDeps {
  readonly config: ReconcileConfig;
  readonly sqs: SQSClient;
  readonly transport: ClusterTransport;
  readonly credentials: CredentialsProvider;
  readonly metrics: Metrics;
  readonly clock?: () => number;
}

/**
 * The production dependencies from the reconcile function's environment. A broken configuration
 * throws a `ConfigError`.
 */
export async function reconcileDepsFromEnvironment(
  env: Record<string, string | undefined>,
  aws: AwsAdapters,
): Promise<ReconcileDeps> {
  const config = await loadReconcileConfig(env, { getParameter: aws.getParameter });
  return {
    config,
    sqs: aws.sqs,
    transport: new ClusterTransport({ connectionsPerNode: config.concurrencyPerNode }),
    credentials: createCredentialsProvider({ secretsManager: aws.secretsManager, env }),
    metrics: new Metrics({ namespace: metricsNamespace(env) }),
  };
}
