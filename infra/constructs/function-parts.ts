import { Validations } from 'aws-cdk-lib';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, RuntimeFamily, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV } from '../../functions/env.js';
import {
  DEFAULT_LOG_RETENTION,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_RUNTIME,
  DEFAULT_SERVICE_NAME,
} from '../defaults.js';
import { handlerFunction, handlerHasSourceMap, type HandlerCodeOptions } from '../handler-code.js';
import type { PipelineNetworkOptions } from './pipeline-network.js';
import type { SendFunctionOptions } from './send-function-options.js';

/**
 * What every swarm-send function is built from (the SEND function and the reconcile function):
 * the VPC function itself, its log group and role, and the environment they share.
 */

/** Powertools environment variables the construct sets. */
export const POWERTOOLS_ENV = {
  SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

/** The registry's variable: inline JSON, or the name of the SSM parameter that holds it. */
export function registryEnvironment(
  props: Pick<SendFunctionOptions, 'registry' | 'registryParameter'>,
): Record<string, string> {
  return props.registryParameter
    ? { [ENV.REGISTRY_PARAMETER]: props.registryParameter.parameterName }
    : { [ENV.REGISTRY]: JSON.stringify(props.registry) };
}

/** Powertools' service name and metrics namespace. */
export function powertoolsEnvironment(
  props: Pick<SendFunctionOptions, 'serviceName' | 'metricsNamespace'>,
): Record<string, string> {
  return {
    [POWERTOOLS_ENV.SERVICE_NAME]: props.serviceName ?? DEFAULT_SERVICE_NAME,
    [POWERTOOLS_ENV.METRICS_NAMESPACE]: props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE,
  };
}

/** Where a swarm-send function runs and what it is. */
export interface VpcNodejsFunctionSettings
  extends Pick<SendFunctionOptions, 'logRetention'>, Pick<PipelineNetworkOptions, 'vpc' | 'vpcSubnets'> {
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
 * or `code`, see `handlerFunction`) on `code.runtime` (default Node.js 24), arm64, in the VPC behind the given security
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
  const role = new Role(scope, 'Role', {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: s.roleDescription,
  });
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
  const runtime = code.runtime ?? DEFAULT_RUNTIME;
  const lambdaFunction = handlerFunction(scope, 'Function', name, code, {
    description: s.description,
    runtime,
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
  acknowledgeTestedRuntime(lambdaFunction, runtime);
  return { lambdaFunction, role, logGroup, environment };
}

/** The major version of a Node.js runtime name ("nodejs24.x" -> 24), or undefined. */
function nodeMajor(name: string): number | undefined {
  const m = /^nodejs(\d+)/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * cdk-nag's AwsSolutions-L1 flags any runtime older than the newest of its family that the
 * installed aws-cdk-lib knows (`Runtime.ALL`). On the tested default that is a choice, not an
 * oversight, so it is acknowledged, naming the newer runtimes; only then: a runtime the user
 * chose is theirs to answer for.
 */
function acknowledgeTestedRuntime(lambdaFunction: LambdaFunction, runtime: Runtime): void {
  const tested = nodeMajor(DEFAULT_RUNTIME.name)!;
  if (runtime.name !== DEFAULT_RUNTIME.name) return;
  const newer = [
    ...new Set(
      Runtime.ALL.filter((r) => r.family === RuntimeFamily.NODEJS && (nodeMajor(r.name) ?? 0) > tested).map(
        (r) => r.name,
      ),
    ),
  ];
  if (!newer.length) return;
  Validations.of(lambdaFunction).acknowledge({
    id: 'AwsSolutions-L1',
    reason: `${DEFAULT_RUNTIME.name} is the newest Node.js runtime the prebuilt swarm-send handler is built for and tested on; this aws-cdk-lib also knows ${newer.join(', ')}, which the runtime prop selects (test it first).`,
  });
}

/**
 * Acknowledges the KMS data-key actions `grantSendMessages` adds to `role` for a queue encrypted
 * with a customer-managed key (cdk-nag AwsSolutions-IAM5).
 */
export function acknowledgeKmsDataKeyGrants(role: Role): void {
  for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason:
        'Granted by grantSendMessages for a queue encrypted with a customer-managed key: SQS needs the data-key actions to encrypt messages, and the statement is limited to that one key.',
    });
  }
}
