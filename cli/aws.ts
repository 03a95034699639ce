import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SQSClient } from '@aws-sdk/client-sqs';
import { UsageError } from './command.js';

/** Flags every queue-touching command shares. */
export const SQS_OPTIONS = {
  'sqs-endpoint': { type: 'string' },
  region: { type: 'string' },
} as const;

export const SQS_HELP = `  --sqs-endpoint URL       any SQS-compatible server (default: AWS, from the SDK's configuration)
  --region R               AWS region (default: $AWS_REGION, else us-east-1)`;

export interface AwsClients {
  readonly sqs: SQSClient;
  readonly cloudwatch: CloudWatchClient | null;
  readonly region: string;
}

/**
 * SDK clients from the usual credential chain. With --sqs-endpoint and no AWS credentials in
 * the environment, a local server (fauxqs, ElasticMQ...) gets placeholder credentials.
 */
export function awsClients(values: Record<string, unknown>, env: NodeJS.ProcessEnv): AwsClients {
  const endpoint = values['sqs-endpoint'] as string | undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) throw new UsageError(`--sqs-endpoint "${endpoint}" is not an http(s) URL`);
  const region = (values.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const local = endpoint !== undefined && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE;
  const sqs = new SQSClient({
    region,
    ...(endpoint && { endpoint }),
    ...(local && { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    maxAttempts: 3,
  });
  return { sqs, cloudwatch: endpoint ? null : new CloudWatchClient({ region }), region };
}

export function requireUrl(values: Record<string, unknown>, flag: string): string {
  const url = values[flag] as string | undefined;
  if (!url) throw new UsageError(`--${flag} is required`);
  if (!/^https?:\/\/[^/]+\/.+/.test(url)) throw new UsageError(`--${flag} "${url}" is not a queue URL`);
  return url;
}

/** A readable one-line explanation of an SDK error, for "unreachable endpoint" and friends. */
export function describeAwsError(err: unknown, what: string): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? '')) return `${what}: connection refused (is the endpoint running?)`;
  if (code === 'ENOTFOUND') return `${what}: host not found`;
  return `${what}: ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim();
}
