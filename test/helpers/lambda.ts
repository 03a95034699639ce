import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../local/lambda-context.js';

/**
 * A Lambda context for one test invocation: `remainingMs` left, counting down from now as
 * Lambda's does; `frozen` keeps it at `remainingMs` however long the invocation runs (a deadline
 * that never comes closer).
 */
export function testContext(remainingMs = 30_000, o: { frozen?: boolean; functionName?: string } = {}): Context {
  const context = lambdaContext(remainingMs, { functionName: o.functionName ?? 'test', region: 'us-east-1' });
  if (o.frozen) context.getRemainingTimeInMillis = () => remainingMs;
  return context;
}

/** A context whose deadline never comes closer than a minute: for units that only read the time left. */
export const roomy: Pick<Context, 'getRemainingTimeInMillis'> = { getRemainingTimeInMillis: () => 60_000 };
