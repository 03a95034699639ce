import { Annotations, Duration, Validations } from 'aws-cdk-lib';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { Registry } from '../../functions/core/registry.js';
import { ENV, ENV_DEFAULTS } from '../../functions/env.js';
import {
  DEFAULT_BACKOFF_BASE,
  DEFAULT_BACKOFF_CAP,
  resolveBatching,
  DEFAULT_CONCURRENCY,
  DEFAULT_FUNCTION_TIMEOUT,
  DEFAULT_LOG_RETENTION,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_MEMORY_SIZE,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_SERVICE_NAME,
  MAX_INLINE_REGISTRY_LENGTH,
} from '../defaults.js';
import { checkInteger, failOnProblems } from '../errors.js';
import { handlerFunction, handlerHasSourceMap, type HandlerCodeOptions } from '../handler-code.js';
import { registryProblems, secretReferences, validateRegistry, type RegistryDocument } from '../registry-config.js';
import type { PipelineNetworkOptions } from './pipeline-network.js';
import { MAX_VISIBILITY_TIMEOUT } from './send-queues.js';

/** Limits of Lambda's SQS event source mapping. */
export const SQS_ESM_LIMITS = {
  /** Largest batch on a standard queue. */
  maxBatchSize: 10_000,
  /** Largest batch on a FIFO queue, and on a standard queue without a batching window. */
  maxBatchSizeWithoutWindow: 10,
  /** Longest batching window. */
  maxBatchingWindow: Duration.minutes(5),
  /** Smallest and largest `maxConcurrency`. */
  minMaxConcurrency: 2,
  maxMaxConcurrency: 1000,
} as const;

/** Powertools environment variables the construct sets. */
export const POWERTOOLS_ENV = {
  SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/**
 * Variables the construct owns: they are derived from typed props (and kept consistent with the
 * queues and alarms), so `environment` may not set them.
 */
export const RESERVED_ENVIRONMENT: readonly string[] = [
  ENV.REGISTRY,
  ENV.REGISTRY_FILE,
  ENV.REGISTRY_PARAMETER,
  ENV.DLQ_URL,
  ENV.OUTCOMES_QUEUE_URL,
  ENV.MAX_ATTEMPTS,
  ENV.CONCURRENCY,
  ENV.BACKOFF_BASE_SECONDS,
  ENV.BACKOFF_CAP_SECONDS,
  POWERTOOLS_ENV.SERVICE_NAME,
  POWERTOOLS_ENV.METRICS_NAMESPACE,
];

const COMPLETE_SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]*:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * What a `SendFunction` user chooses; `SwarmSendPipelineProps` extends it. Where the code comes
 * from (`code`, `bundleFromSource`, `entry`, `bundling`, `handler`): see `HandlerCodeOptions`; by
 * default the package's prebuilt bundle of the SEND handler.
 */
export interface SendFunctionOptions extends HandlerCodeOptions {
  /**
   * An existing queue that receives one outcome record per message. In `SwarmSendPipeline`, not
   * together with `createOutcomesQueue`.
   * @default - no outcomes queue (in `SwarmSendPipeline`, unless `createOutcomesQueue`); outcomes
   *   are only logged and counted
   */
  readonly outcomesQueue?: IQueue;

  /**
   * The cluster registry document (DESIGN.md section 2), validated at synthesis with the
   * handler's own `parseRegistry`. Its Secrets Manager credentials references get read grants;
   * in `SwarmSendPipeline`, its networks also bound the security group's egress.
   */
  readonly registry: RegistryDocument;

  /**
   * An SSM parameter holding the registry JSON, which the function reads at cold start
   * (SWARM_SEND_REGISTRY_PARAMETER) instead of inline. The `registry` prop must describe the
   * parameter's content: egress and secret grants are derived from it.
   * @default - the registry JSON is passed inline in SWARM_SEND_REGISTRY
   */
  readonly registryParameter?: IStringParameter;

  /**
   * Secrets for credentials references, keyed by the reference as written in the registry. Use
   * it to hand over a secret together with its customer-managed KMS key (the grant then covers
   * `kms:Decrypt`), or to be exact about an ARN.
   * @default - each reference is imported by name, or by ARN when it is one
   */
  readonly secrets?: Readonly<Record<string, ISecret>>;

  /**
   * Function timeout. In `SwarmSendPipeline`, the SEND queue's visibility timeout is derived from it.
   * @default DEFAULT_FUNCTION_TIMEOUT (2 minutes)
   */
  readonly timeout?: Duration;

  /**
   * Memory in MB.
   * @default DEFAULT_MEMORY_SIZE (256)
   */
  readonly memorySize?: number;

  /**
   * Retention of the function's log group.
   * @default DEFAULT_LOG_RETENTION (one month)
   */
  readonly logRetention?: RetentionDays;

  /**
   * Extra environment variables (e.g. SWARM_SEND_CONCURRENCY_PER_NODE, POWERTOOLS_LOG_LEVEL, or
   * the variable an `env:` credentials reference names). Variables derived from other props
   * (`RESERVED_ENVIRONMENT`) are rejected.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;

  /**
   * The handler's attempt limit (SWARM_SEND_MAX_ATTEMPTS); the SEND queue's `maxReceiveCount`
   * must exceed it.
   * @default DEFAULT_MAX_ATTEMPTS (5)
   */
  readonly maxAttempts?: number;

  /**
   * SENDs in flight per invocation (SWARM_SEND_CONCURRENCY).
   * @default DEFAULT_CONCURRENCY (16)
   */
  readonly concurrency?: number;

  /**
   * Base of the exponential backoff between attempts (SWARM_SEND_BACKOFF_BASE_SECONDS).
   * @default DEFAULT_BACKOFF_BASE (5 seconds)
   */
  readonly backoffBase?: Duration;

  /**
   * Cap of the exponential backoff (SWARM_SEND_BACKOFF_CAP_SECONDS); at most 12 hours, SQS's
   * longest visibility timeout, which the handler uses to delay a retry.
   * @default DEFAULT_BACKOFF_CAP (900 seconds)
   */
  readonly backoffCap?: Duration;

  /**
   * Powertools service name: log field and the `service` metric dimension.
   * @default DEFAULT_SERVICE_NAME ('swarm-send')
   */
  readonly serviceName?: string;

  /**
   * Namespace of the handler's EMF metrics.
   * @default DEFAULT_METRICS_NAMESPACE ('SwarmSend')
   */
  readonly metricsNamespace?: string;

  /**
   * Messages per invocation. At most 10 on a FIFO queue, or without a batching window.
   * @default DEFAULT_BATCH_SIZE (1,000) on a standard queue, DEFAULT_FIFO_BATCH_SIZE (10) on a FIFO one
   */
  readonly batchSize?: number;

  /**
   * How long the event source mapping gathers messages before invoking (at least 1 second to take
   * more than 10 messages per batch); it is added to the SEND queue's derived visibility timeout.
   * Standard queues only.
   * @default DEFAULT_MAX_BATCHING_WINDOW (1 s) on a standard queue whose batch is above 10; none otherwise
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * Concurrent invocations the event source mapping may run (2 to 1000): the cap that protects
   * the source cluster.
   * @default DEFAULT_MAX_CONCURRENCY (5)
   */
  readonly maxConcurrency?: number;
}

/** `SendFunctionOptions` plus where the function runs and the queues it uses. */
export interface SendFunctionProps extends SendFunctionOptions, Pick<PipelineNetworkOptions, 'vpc' | 'vpcSubnets'> {
  /** The function's security group (see `PipelineNetwork`). */
  readonly securityGroup: ISecurityGroup;

  /** The SEND queue the function consumes. */
  readonly sendQueue: IQueue;

  /** The dead-letter queue the handler forwards permanent failures to. */
  readonly deadLetterQueue: IQueue;
}

/** Every reason these props cannot work (empty when they can). */
export function sendFunctionProblems(
  props: Omit<SendFunctionProps, 'vpc' | 'securityGroup' | 'sendQueue' | 'deadLetterQueue' | 'outcomesQueue'>,
  fifo: boolean,
): string[] {
  const problems: string[] = [];
  const batching = resolveBatching(fifo, props.batchSize, props.maxBatchingWindow);
  const batchSize = batching.batchSize;
  const window = batching.maxBatchingWindow?.toSeconds() ?? 0;
  const timeout = props.timeout ?? DEFAULT_FUNCTION_TIMEOUT;
  const backoffBase = props.backoffBase ?? DEFAULT_BACKOFF_BASE;
  const backoffCap = props.backoffCap ?? DEFAULT_BACKOFF_CAP;
  const environment = props.environment ?? {};

  checkInteger(problems, 'batchSize', batchSize, 1, SQS_ESM_LIMITS.maxBatchSize);
  if (fifo && batchSize > SQS_ESM_LIMITS.maxBatchSizeWithoutWindow) {
    problems.push(`batchSize (${batchSize}) must be at most ${SQS_ESM_LIMITS.maxBatchSizeWithoutWindow} on a FIFO queue`);
  }
  if (fifo && window > 0) problems.push('maxBatchingWindow is not supported on a FIFO queue');
  if (!fifo && batchSize > SQS_ESM_LIMITS.maxBatchSizeWithoutWindow && window < 1) {
    problems.push(`batchSize (${batchSize}) above ${SQS_ESM_LIMITS.maxBatchSizeWithoutWindow} needs a maxBatchingWindow of at least 1 second`);
  }
  if (window > SQS_ESM_LIMITS.maxBatchingWindow.toSeconds()) problems.push(`maxBatchingWindow (${window} s) exceeds Lambda's maximum of 300 s`);
  checkInteger(problems, 'maxConcurrency', props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY, SQS_ESM_LIMITS.minMaxConcurrency, SQS_ESM_LIMITS.maxMaxConcurrency);
  // The same bounds the handler's loadConfig enforces, so a deployment never fails at cold start.
  checkInteger(problems, 'maxAttempts', props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 1, 100);
  checkInteger(problems, 'concurrency', props.concurrency ?? DEFAULT_CONCURRENCY, 1, 1000);
  checkInteger(problems, 'memorySize', props.memorySize ?? DEFAULT_MEMORY_SIZE, 128, 10_240);

  const margin = Number(environment[ENV.DEADLINE_MARGIN_MS] ?? ENV_DEFAULTS.DEADLINE_MARGIN_MS);
  if (timeout.toMilliseconds() <= margin) {
    problems.push(`timeout (${timeout.toSeconds()} s) must be longer than the handler's deadline margin (${margin} ms)`);
  }
  if (timeout.toSeconds() > 900) problems.push(`timeout (${timeout.toSeconds()} s) exceeds Lambda's maximum of 900 s`);
  if (backoffBase.toSeconds() < 0 || backoffBase.toSeconds() > backoffCap.toSeconds()) {
    problems.push(`backoffBase (${backoffBase.toSeconds()} s) must be between 0 and backoffCap (${backoffCap.toSeconds()} s)`);
  }
  if (backoffCap.toSeconds() > MAX_VISIBILITY_TIMEOUT.toSeconds()) {
    problems.push(`backoffCap (${backoffCap.toSeconds()} s) exceeds 12 hours, the longest delay SQS's ChangeMessageVisibility allows`);
  }

  const reserved = Object.keys(environment).filter((k) => RESERVED_ENVIRONMENT.includes(k));
  if (reserved.length > 0) {
    problems.push(`environment may not set ${reserved.join(', ')}: the construct derives them from its props`);
  }

  const registryIssues = registryProblems(props.registry);
  problems.push(...registryIssues);
  if (registryIssues.length === 0) {
    const registry = validateRegistry(props.registry);
    for (const cluster of Object.values(registry.clusters)) {
      const variable = /^env:(.+)$/.exec(cluster.credentials)?.[1];
      if (variable !== undefined && environment[variable] === undefined) {
        problems.push(`registry: clusters.${cluster.key}.credentials reads the variable ${variable}, which environment does not set (in Lambda, prefer a Secrets Manager secret)`);
      }
    }
    const refs = secretReferences(registry);
    for (const key of Object.keys(props.secrets ?? {})) {
      if (!refs.includes(key)) problems.push(`secrets.${key} is not the credentials of any cluster in the registry`);
    }
    if (!props.registryParameter) {
      const length = JSON.stringify(props.registry).length;
      if (length > MAX_INLINE_REGISTRY_LENGTH) {
        problems.push(`the registry is ${length} characters of JSON, more than the ${MAX_INLINE_REGISTRY_LENGTH} that fit in Lambda's 4 KB environment; pass registryParameter`);
      }
    }
  }
  return problems;
}

/**
 * The SEND function (Node.js 24, arm64; the package's prebuilt bundle, or the source bundled by
 * esbuild: `HandlerCodeOptions`) in the VPC, its
 * SQS event source mapping with partial batch responses, its log group, and an execution role
 * that can read exactly the registry's secrets and use exactly its queues.
 */
export class SendFunction extends Construct {
  /** The function. */
  public readonly lambdaFunction: LambdaFunction;
  /** Its execution role. */
  public readonly role: Role;
  /** Its log group, with the retention set. */
  public readonly logGroup: LogGroup;
  /** The SQS event source (mapping) feeding it from the SEND queue. */
  public readonly eventSource: SqsEventSource;
  /** The secrets it may read, one per Secrets Manager credentials reference. */
  public readonly secrets: readonly ISecret[];
  /** The validated registry. */
  public readonly registry: Registry;
  /** The environment the function receives. */
  public readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: SendFunctionProps) {
    super(scope, id);
    failOnProblems('SendFunction', sendFunctionProblems(props, props.sendQueue.fifo));
    this.registry = validateRegistry(props.registry);

    const parts = vpcNodejsFunction(this, 'send', props, {
      ...props,
      description: 'swarm-send: one SCSP SEND per SQS message, replicating an object to the DR cluster',
      roleDescription: 'swarm-send function: its log group, its queues, the registry and the clusters\' credentials',
      timeout: props.timeout ?? DEFAULT_FUNCTION_TIMEOUT,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_SIZE,
      environment: {
        ...props.environment,
        ...registryEnvironment(props),
        [ENV.DLQ_URL]: props.deadLetterQueue.queueUrl,
        ...(props.outcomesQueue ? { [ENV.OUTCOMES_QUEUE_URL]: props.outcomesQueue.queueUrl } : {}),
        [ENV.MAX_ATTEMPTS]: String(props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
        [ENV.CONCURRENCY]: String(props.concurrency ?? DEFAULT_CONCURRENCY),
        [ENV.BACKOFF_BASE_SECONDS]: String((props.backoffBase ?? DEFAULT_BACKOFF_BASE).toSeconds()),
        [ENV.BACKOFF_CAP_SECONDS]: String((props.backoffCap ?? DEFAULT_BACKOFF_CAP).toSeconds()),
        ...powertoolsEnvironment(props),
      },
    });
    this.lambdaFunction = parts.lambdaFunction;
    this.role = parts.role;
    this.logGroup = parts.logGroup;
    this.environment = parts.environment;

    // Consume (includes ChangeMessageVisibility, used for backoff) is granted by the event source.
    const batching = resolveBatching(props.sendQueue.fifo, props.batchSize, props.maxBatchingWindow);
    this.eventSource = new SqsEventSource(props.sendQueue, {
      batchSize: batching.batchSize,
      ...(batching.maxBatchingWindow && batching.maxBatchingWindow.toSeconds() > 0 ? { maxBatchingWindow: batching.maxBatchingWindow } : {}),
      maxConcurrency: props.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
      reportBatchItemFailures: true,
    });
    this.lambdaFunction.addEventSource(this.eventSource);
    props.deadLetterQueue.grantSendMessages(this.role);
    props.outcomesQueue?.grantSendMessages(this.role);
    props.registryParameter?.grantRead(this.role);
    if ([props.sendQueue, props.deadLetterQueue, props.outcomesQueue].some((q) => q?.encryptionMasterKey)) {
      for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
        Validations.of(this.role).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason:
            'Granted by grantSendMessages for a queue encrypted with a customer-managed key: SQS needs the data-key actions to encrypt messages, and the statement is limited to that one key.',
        });
      }
    }

    this.secrets = secretReferences(this.registry).map((ref, i) => {
      const secret = props.secrets?.[ref] ?? importSecret(this, `CredentialsSecret${i}`, ref);
      secret.grantRead(this.role);
      return secret;
    });

    for (const cluster of Object.values(this.registry.clusters)) {
      if (cluster.credentials.startsWith('file:')) {
        Annotations.of(this).addWarningV2(
          'swarm-send:file-credentials',
          `clusters.${cluster.key}.credentials reads ${cluster.credentials}: the Lambda bundle holds only the handler, so the file must come from a layer`,
        );
      }
      if (cluster.caFile) {
        Annotations.of(this).addWarningV2(
          'swarm-send:ca-file',
          `clusters.${cluster.key}.caFile (${cluster.caFile}) is read from the function's file system: put the PEM inline in "ca" instead`,
        );
      }
    }
  }
}

/** The registry's variable: inline JSON, or the name of the SSM parameter that holds it. */
export function registryEnvironment(props: Pick<SendFunctionOptions, 'registry' | 'registryParameter'>): Record<string, string> {
  return props.registryParameter
    ? { [ENV.REGISTRY_PARAMETER]: props.registryParameter.parameterName }
    : { [ENV.REGISTRY]: JSON.stringify(props.registry) };
}

/** Powertools' service name and metrics namespace. */
export function powertoolsEnvironment(props: Pick<SendFunctionOptions, 'serviceName' | 'metricsNamespace'>): Record<string, string> {
  return {
    [POWERTOOLS_ENV.SERVICE_NAME]: props.serviceName ?? DEFAULT_SERVICE_NAME,
    [POWERTOOLS_ENV.METRICS_NAMESPACE]: props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
  };
}

/** Where a swarm-send function runs and what it is. */
export interface VpcNodejsFunctionSettings extends Pick<SendFunctionOptions, 'logRetention'>, Pick<PipelineNetworkOptions, 'vpc' | 'vpcSubnets'> {
  readonly securityGroup: ISecurityGroup;
  readonly description: string;
  readonly roleDescription: string;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** The environment (`NODE_OPTIONS` for the source map is added unless set here). */
  readonly environment: Readonly<Record<string, string>>;
}

/** What `vpcNodejsFunction` built. */
export interface VpcNodejsFunctionParts {
  readonly lambdaFunction: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * A swarm-send function as each of them is built: handler `name` (prebuilt bundle, source bundle
 * or `code`, see `handlerFunction`) on Node.js 24, arm64, in the VPC behind the given security
 * group, with its log group and an execution role that may attach its network interfaces and
 * write its logs; the caller grants the rest. Children of `scope`: `LogGroup`, `Role`, `Function`.
 */
export function vpcNodejsFunction(
  scope: Construct,
  name: string,
  code: HandlerCodeOptions,
  s: VpcNodejsFunctionSettings,
): VpcNodejsFunctionParts {
  const environment = {
    // The source map is useless to Node unless it is switched on; the caller may override.
    ...(handlerHasSourceMap(code) ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    ...s.environment,
  };
  const logGroup = new LogGroup(scope, 'LogGroup', { retention: s.logRetention ?? DEFAULT_LOG_RETENTION });
  const role = new Role(scope, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: s.roleDescription });
  // What AWSLambdaVPCAccessExecutionRole grants, minus its account-wide CloudWatch Logs rights
  // (the log group grant below is exact). Lambda checks these when it attaches the ENIs.
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'LambdaVpcNetworkInterfaces',
      effect: Effect.ALLOW,
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'The EC2 network-interface actions Lambda needs to place the function in the VPC (the content of AWSLambdaVPCAccessExecutionRole, without its account-wide log rights) do not support resource-level permissions.',
  });
  logGroup.grantWrite(role);
  const lambdaFunction = handlerFunction(scope, 'Function', name, code, {
    description: s.description,
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    timeout: s.timeout,
    memorySize: s.memorySize,
    vpc: s.vpc,
    ...(s.vpcSubnets ? { vpcSubnets: s.vpcSubnets } : {}),
    securityGroups: [s.securityGroup],
    role,
    logGroup,
    environment,
  });
  lambdaFunction.node.addDependency(role);
  return { lambdaFunction, role, logGroup, environment };
}

function importSecret(scope: Construct, id: string, ref: string): ISecret {
  if (!ref.startsWith('arn:')) return Secret.fromSecretNameV2(scope, id, ref);
  return COMPLETE_SECRET_ARN.test(ref)
    ? Secret.fromSecretCompleteArn(scope, id, ref)
    : Secret.fromSecretPartialArn(scope, id, ref);
}
