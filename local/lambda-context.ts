import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** What a local Lambda context says about the function it stands for. */
export interface LambdaContextOptions {
  /** @default 'swarm-send' */
  readonly functionName?: string;
  /** The region in the function's ARN. @default 'local' */
  readonly region?: string;
  /** @default 512 */
  readonly memoryMb?: number;
  /** @default 'local' */
  readonly logStreamName?: string;
}

/**
 * A Lambda context as the runtime hands it to a handler, for invocations made outside Lambda
 * (the local event source mapping, the benchmarks, the tests): its deadline is `timeoutMs` from
 * now, and `getRemainingTimeInMillis` counts down to it (never below 0).
 */
export function lambdaContext(timeoutMs: number, o: LambdaContextOptions = {}): Context {
  const started = Date.now();
  const functionName = o.functionName ?? 'swarm-send';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${o.region ?? 'local'}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(o.memoryMb ?? 512),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: o.logStreamName ?? 'local',
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
