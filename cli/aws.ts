import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '../functions/env.js';
import { UsageError } from './command.js';
import { stringFlag, type FlagValues } from './flags.js';

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

/** True for URLs on a loopback host (127.0.0.0/8, ::1, localhost and *.localhost, RFC 6761). */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** True when the environment names AWS credentials or a way to get them (keys, profile, web identity, container). */
function credentialsConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(
    env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
  );
}

/**
 * Placeholder credentials for a client whose endpoint is on loopback (fauxqs, ElasticMQ...) when
 * none are configured: the SDK's credential chain then never probes the network (the
 * instance-metadata address). Empty otherwise, so the usual chain applies.
 */
export function localCredentials(
  endpoint: string | undefined,
  env: NodeJS.ProcessEnv,
): { credentials?: { accessKeyId: string; secretAccessKey: string } } {
  return isLoopbackUrl(endpoint) && !credentialsConfigured(env)
    ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {};
}

/**
 * SDK clients from the usual credential chain. The endpoint is --sqs-endpoint, else the SDK's
 * AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL; on loopback without configured credentials it gets
 * placeholder ones.
 */
export function awsClients(values: FlagValues, env: NodeJS.ProcessEnv): AwsClients {
  const endpoint = stringFlag(values, 'sqs-endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint))
    throw new UsageError(`--sqs-endpoint "${endpoint}" is not an http(s) URL`);
  const region = stringFlag(values, 'region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // The SDK reads AWS_ENDPOINT_URL_SQS itself, but then sends each call to the queue URL's host
  // when it differs (a local server's queue URLs may name a host that does not resolve). Given
  // explicitly, the endpoint the user named is where every call goes, as with --sqs-endpoint.
  const sqsEndpoint = endpoint ?? env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  const sqs = new SQSClient({
    region,
    ...(sqsEndpoint && { endpoint: sqsEndpoint }),
    ...localCredentials(sqsEndpoint, env),
    maxAttempts: 3,
  });
  return { sqs, cloudwatch: endpoint ? null : new CloudWatchClient({ region }), region };
}

export function requireUrl(values: FlagValues, flag: string): string {
  const url = stringFlag(values, flag);
  if (!url) throw new UsageError(`--${flag} is required`);
  if (!/^https?:\/\/[^/]+\/.+/.test(url)) throw new UsageError(`--${flag} "${url}" is not a queue URL`);
  return url;
}

/** A readable one-line explanation of an SDK error, for "unreachable endpoint" and friends. */
export function describeAwsError(err: unknown, what: string): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? ''))
    return `${what}: connection refused (is the endpoint running?)`;
  if (code === 'ENOTFOUND') return `${what}: host not found`;
  return `${what}: ${e.name ?? 'Error'}: ${e.message ?? ''}`.trim();
}

/**
 * Reads an SSM parameter (decrypted), for a registry named by SWARM_SEND_REGISTRY_PARAMETER.
 * The endpoint is the SDK's AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL; the client lives for one read.
 */
export function ssmParameterReader(env: NodeJS.ProcessEnv, region: string): (name: string) => Promise<string> {
  return async (name) => {
    const { GetParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
    const ssm = new SSMClient({ region, ...localCredentials(env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL, env) });
    try {
      return (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value ?? '';
    } finally {
      ssm.destroy();
    }
  };
}

/**
 * The EventBridge client the worker puts outcome events through (only when
 * SWARM_SEND_EVENT_BUS_NAME is set): to SWARM_SEND_EVENTS_ENDPOINT when given (a local stand-in;
 * placeholder credentials on loopback, as for SQS), else where the SDK's configuration says.
 */
export function eventBridgeClient(env: NodeJS.ProcessEnv, region: string): EventBridgeClient {
  const endpoint = env[ENV.EVENTS_ENDPOINT] || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint))
    throw new UsageError(`${ENV.EVENTS_ENDPOINT} "${endpoint}" is not an http(s) URL`);
  return new EventBridgeClient({ region, ...(endpoint && { endpoint }), ...localCredentials(endpoint, env) });
}
