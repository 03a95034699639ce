import { Annotations } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Registry } from '../../functions/core/registry/registry.js';
import { ENV } from '../../functions/env.js';
import { failOnProblems } from '../errors.js';
import { secretReferences } from '../registry-config.js';
import {
  acknowledgeKmsDataKeyGrants,
  powertoolsEnvironment,
  registryEnvironment,
  vpcNodejsFunction,
} from './function-parts.js';
import type { SendFunctionProps } from './send-function-options.js';
import {
  resolveSendFunctionSettings,
  sendFunctionSettingsProblems,
  type SendFunctionSettings,
} from './send-function-settings.js';

const COMPLETE_SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]*:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

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

  /**
   * @param settings the props with their defaults applied; `SwarmSendPipeline` passes the ones it
   *   validated (so the registry is parsed once), anyone else leaves them to be resolved from `props`
   */
  constructor(
    scope: Construct,
    id: string,
    props: SendFunctionProps,
    settings: SendFunctionSettings = resolveSendFunctionSettings(props, props.sendQueue.fifo),
  ) {
    super(scope, id);
    failOnProblems('SendFunction', sendFunctionSettingsProblems(props, settings));
    this.registry = settings.registry.registry!;

    const parts = vpcNodejsFunction(this, 'send', props, {
      ...props,
      description: 'swarm-send: one SCSP SEND per SQS message, replicating an object to the DR cluster',
      roleDescription: "swarm-send function: its log group, its queues, the registry and the clusters' credentials",
      timeout: settings.timeout,
      memorySize: settings.memorySize,
      environment: sendFunctionEnvironment(props, settings),
    });
    this.lambdaFunction = parts.lambdaFunction;
    this.role = parts.role;
    this.logGroup = parts.logGroup;
    this.environment = parts.environment;

    // Consume (includes ChangeMessageVisibility, used for backoff) is granted by the event source.
    const window = settings.maxBatchingWindow;
    this.eventSource = new SqsEventSource(props.sendQueue, {
      batchSize: settings.batchSize,
      ...(window && window.toSeconds() > 0 ? { maxBatchingWindow: window } : {}),
      maxConcurrency: settings.maxConcurrency,
      reportBatchItemFailures: true,
    });
    this.lambdaFunction.addEventSource(this.eventSource);
    // Fan-out (docs/fan-out.md): a message naming several destinations is split back onto its own queue.
    props.sendQueue.grantSendMessages(this.role);
    props.deadLetterQueue.grantSendMessages(this.role);
    props.outcomesQueue?.grantSendMessages(this.role);
    props.registryParameter?.grantRead(this.role);
    if ([props.sendQueue, props.deadLetterQueue, props.outcomesQueue].some((q) => q?.encryptionMasterKey))
      acknowledgeKmsDataKeyGrants(this.role);

    this.secrets = secretReferences(this.registry).map((ref, i) => {
      const secret = props.secrets?.[ref] ?? importSecret(this, `CredentialsSecret${i}`, ref);
      secret.grantRead(this.role);
      return secret;
    });
    warnAboutLocalFiles(this, this.registry);
  }
}

/** The SEND handler's environment: the caller's variables, then the derived ones. */
function sendFunctionEnvironment(props: SendFunctionProps, s: SendFunctionSettings): Record<string, string> {
  return {
    ...props.environment,
    ...registryEnvironment(props),
    [ENV.DLQ_URL]: props.deadLetterQueue.queueUrl,
    ...(props.outcomesQueue ? { [ENV.OUTCOMES_QUEUE_URL]: props.outcomesQueue.queueUrl } : {}),
    [ENV.MAX_ATTEMPTS]: String(s.maxAttempts),
    [ENV.CONCURRENCY]: String(s.concurrency),
    [ENV.BACKOFF_BASE_SECONDS]: String(s.backoffBase.toSeconds()),
    [ENV.BACKOFF_CAP_SECONDS]: String(s.backoffCap.toSeconds()),
    ...powertoolsEnvironment(props),
  };
}

/** Warns about credentials files and CA files: the Lambda bundle holds only the handler. */
function warnAboutLocalFiles(scope: Construct, registry: Registry): void {
  for (const cluster of Object.values(registry.clusters)) {
    if (cluster.credentials.startsWith('file:')) {
      Annotations.of(scope).addWarningV2(
        'swarm-send:file-credentials',
        `clusters.${cluster.key}.credentials reads ${cluster.credentials}: the Lambda bundle holds only the handler, so the file must come from a layer`,
      );
    }
    if (cluster.caFile) {
      Annotations.of(scope).addWarningV2(
        'swarm-send:ca-file',
        `clusters.${cluster.key}.caFile (${cluster.caFile}) is read from the function's file system: put the PEM inline in "ca" instead`,
      );
    }
  }
}

function importSecret(scope: Construct, id: string, ref: string): ISecret {
  if (!ref.startsWith('arn:')) return Secret.fromSecretNameV2(scope, id, ref);
  return COMPLETE_SECRET_ARN.test(ref)
    ? Secret.fromSecretCompleteArn(scope, id, ref)
    : Secret.fromSecretPartialArn(scope, id, ref);
}
