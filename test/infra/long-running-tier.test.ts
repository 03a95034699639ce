import type { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { ContainerImage, CpuArchitecture } from 'aws-cdk-lib/aws-ecs';
import { Key } from 'aws-cdk-lib/aws-kms';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { ENV } from '../../functions/env.js';
import { LONG_RUNNING_TIER_ENV } from '../../infra/constructs/long-running-tier-options.js';
import { PipelinePropsError } from '../../infra/errors.js';
import type { RegistryDocument } from '../../infra/registry-config.js';
import { SwarmSendPipeline, type SwarmSendPipelineProps } from '../../infra/swarm-send-pipeline.js';
import {
  PRIVATE_SUBNETS,
  acknowledgments,
  exampleRegistry,
  importedVpc,
  nagFindings,
  newStack,
  policyStatements,
  prebuiltCode,
  removeTestOutdirs,
  secretArn,
} from './helpers.js';

afterAll(removeTestOutdirs);

const IMAGE = 'registry.example.com/swarm-send-worker:0.1.0';

/** The example registry whose default route moves large objects to the long-running tier. */
function tierRegistry(): RegistryDocument {
  const registry = exampleRegistry() as Record<string, any>;
  registry.defaultRoute = { ...registry.defaultRoute, largeObjects: { linkMbps: 1000, via: 'long-running-tier' } };
  return registry as RegistryDocument;
}

function build(stack: Stack, props: Partial<SwarmSendPipelineProps> = {}): SwarmSendPipeline {
  return new SwarmSendPipeline(stack, 'Pipeline', {
    vpc: importedVpc(stack),
    registry: tierRegistry(),
    code: prebuiltCode(),
    longRunningTier: { image: ContainerImage.fromRegistry(IMAGE) },
    ...props,
  });
}

const id = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({ Ref: id(stack, construct) });
const arn = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [id(stack, construct), 'Arn'],
});

const CONSUME = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];
const SEND = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
const READ_SECRET = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];

describe('SwarmSendPipeline without longRunningTier', () => {
  it('creates no ECS resource, no third queue, and gives the function no large-object queue', () => {
    const stack = newStack();
    new SwarmSendPipeline(stack, 'Pipeline', {
      vpc: importedVpc(stack),
      registry: exampleRegistry(),
      code: prebuiltCode(),
    });
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::ECS::Service'))).toHaveLength(0);
    expect(Object.keys(template.findResources('AWS::ECS::Cluster'))).toHaveLength(0);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }[];
    expect(fn!.Properties.Environment.Variables).not.toHaveProperty(LONG_RUNNING_TIER_ENV.LARGE_OBJECT_QUEUE_URL);
  });

  it('refuses a registry route that moves large objects to the long-running tier', () => {
    const stack = newStack();
    expect(() => build(stack, { longRunningTier: undefined })).toThrow(
      /the route from primary to dr moves large objects to the long-running tier \(largeObjects\.via\), which needs the longRunningTier prop/,
    );
  });
});

describe('SwarmSendPipeline with the long-running tier', () => {
  let stack: Stack;
  let pipeline: SwarmSendPipeline;
  let template: Template;

  beforeAll(() => {
    stack = newStack();
    pipeline = build(stack);
    template = Template.fromStack(stack);
  });

  it('passes the AwsSolutions pack; its one acknowledgment (container variables) has a reason', () => {
    expect(nagFindings(stack)).toStrictEqual([]);
    const acks = acknowledgments(pipeline.longRunningTier!);
    expect(acks.map((a) => a.id)).toStrictEqual(['AwsSolutions-ECS2']);
    for (const a of acks) expect(a.reason.length).toBeGreaterThan(60);
  });

  it('creates the large-object queue and its DLQ: SSE, TLS only, the SEND queue retention and redrive, a 10 minute visibility', () => {
    const tier = pipeline.longRunningTier!;
    template.resourceCountIs('AWS::SQS::Queue', 4);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86400,
      VisibilityTimeout: 600,
      FifoQueue: Match.absent(),
      RedrivePolicy: { deadLetterTargetArn: arn(stack, tier.deadLetterQueue), maxReceiveCount: 7 },
    });
    for (const queue of [tier.queue, tier.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(stack, queue)],
        PolicyDocument: {
          Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
        },
      });
    }
  });

  it('runs a Fargate service in the function subnets and security group, without a public IP or a DesiredCount', () => {
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: Match.absent(),
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          AssignPublicIp: 'DISABLED',
          Subnets: PRIVATE_SUBNETS,
          SecurityGroups: [{ 'Fn::GetAtt': [id(stack, pipeline.network.securityGroup), 'GroupId'] }],
        },
      },
    });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    expect(template.toJSON().Outputs ?? {}).toStrictEqual({});
  });

  it('runs the image as `swarm-send worker --long-running` on the large-object queue, one message a batch, on arm64', () => {
    const tier = pipeline.longRunningTier!;
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Image: IMAGE,
          Command: ['--long-running', '--max-concurrency', '4', '--batch-size', '1', '--drain-seconds', '100'],
          StopTimeout: 120,
          LogConfiguration: {
            LogDriver: 'awslogs',
            Options: Match.objectLike({ 'awslogs-group': ref(stack, tier.logGroup) }),
          },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as {
      Properties: { ContainerDefinitions: { Environment: { Name: string; Value: unknown }[] }[] };
    }[];
    const environment = Object.fromEntries(
      taskDefinition!.Properties.ContainerDefinitions[0]!.Environment.map((e) => [e.Name, e.Value]),
    );
    expect(environment).toStrictEqual({
      [ENV.REGISTRY]: JSON.stringify(tierRegistry()),
      [ENV.QUEUE_URL]: ref(stack, tier.queue),
      [ENV.DLQ_URL]: ref(stack, tier.deadLetterQueue),
      [LONG_RUNNING_TIER_ENV.LARGE_OBJECT_QUEUE_URL]: ref(stack, tier.queue),
      [LONG_RUNNING_TIER_ENV.LONG_RUNNING]: 'true',
      [ENV.MAX_ATTEMPTS]: '5',
      [ENV.CONCURRENCY]: '64',
      [ENV.BACKOFF_BASE_SECONDS]: '5',
      [ENV.BACKOFF_CAP_SECONDS]: '900',
      POWERTOOLS_SERVICE_NAME: 'swarm-send',
      POWERTOOLS_METRICS_NAMESPACE: 'SwarmSend',
      // Set by QueueProcessingFargateService; the worker does not read it.
      QUEUE_NAME: { 'Fn::GetAtt': [id(stack, tier.queue), 'QueueName'] },
    });
  });

  it('scales from 0 to 2 tasks: +1 while a message is visible, to 0 after 5 minutes with nothing visible or in flight, never on CPU', () => {
    const tier = pipeline.longRunningTier!;
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 2,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    expect(Object.keys(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'))).toHaveLength(2);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        Cooldown: 180,
        MetricAggregationType: 'Maximum',
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'Upper threshold scaling alarm',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack, tier.queue), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -2 }],
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'Lower threshold scaling alarm',
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      Threshold: 0,
      EvaluationPeriods: 5,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'visible + inFlight', ReturnData: true }),
        Match.objectLike({
          Id: 'visible',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesVisible' }),
            Period: 60,
          }),
        }),
        Match.objectLike({
          Id: 'inFlight',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'ApproximateNumberOfMessagesNotVisible' }),
            Period: 60,
          }),
        }),
      ]),
    });
  });

  it('alarms on its DLQ, its oldest message after 24 hours, and messages waiting with no task, notifying the pipeline topic', () => {
    const tier = pipeline.longRunningTier!;
    const topic = { Ref: stack.getLogicalId(pipeline.alarms.createdTopic!.node.defaultChild as never) };
    const notifies = { AlarmActions: [topic], OKActions: [topic], TreatMissingData: 'notBreaching' };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...notifies,
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack, tier.deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...notifies,
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack, tier.queue), 'QueueName'] } }],
      Threshold: 86400,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...notifies,
      EvaluationPeriods: 2,
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(waiting >= 1 AND FILL(running, 0) == 0, 1, 0)' }),
        Match.objectLike({
          Id: 'running',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'ECS/ContainerInsights',
              MetricName: 'RunningTaskCount',
              Dimensions: [
                { Name: 'ClusterName', Value: ref(stack, tier.cluster) },
                { Name: 'ServiceName', Value: { 'Fn::GetAtt': [id(stack, tier.worker.service), 'Name'] } },
              ],
            },
          }),
        }),
      ]),
    });
    expect(tier.alarms).toHaveLength(3);
  });

  it("gives the task role exactly: consume and send on its queue, send to its DLQ, read the registry's secrets", () => {
    const tier = pipeline.longRunningTier!;
    expect(policyStatements(template, 'TaskRoleDefaultPolicy')).toStrictEqual([
      { Action: CONSUME, Effect: 'Allow', Resource: arn(stack, tier.queue) },
      { Action: SEND, Effect: 'Allow', Resource: arn(stack, tier.queue) },
      { Action: SEND, Effect: 'Allow', Resource: arn(stack, tier.deadLetterQueue) },
      { Action: READ_SECRET, Effect: 'Allow', Resource: secretArn('swarm/primary-admin') },
      { Action: READ_SECRET, Effect: 'Allow', Resource: secretArn('swarm/dr-admin') },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' } }],
      },
      ManagedPolicyArns: Match.absent(),
    });
    // The execution role writes the worker's log group, and (a public image) pulls from no ECR repository.
    expect(policyStatements(template, 'ExecutionRoleDefaultPolicy')).toStrictEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arn(stack, tier.logGroup),
      },
    ]);
  });

  it('lets the SEND function move objects to the large-object queue: its URL in the environment, SendMessage on it', () => {
    const tier = pipeline.longRunningTier!;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [LONG_RUNNING_TIER_ENV.LARGE_OBJECT_QUEUE_URL]: ref(stack, tier.queue) }),
      },
    });
    expect(policyStatements(template, 'SendFunctionRole')).toContainEqual({
      Action: SEND,
      Effect: 'Allow',
      Resource: arn(stack, tier.queue),
    });
  });

  it("adds the tier's row to the dashboard: depth, oldest message, running tasks, DLQ", () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
    }[];
    const body = dashboard!.Properties.DashboardBody['Fn::Join'][1]
      .map((p) => (typeof p === 'string' ? p : '"<token>"'))
      .join('');
    for (const title of [
      'Large-object queue depth',
      'Oldest large-object message (s)',
      'Long-running tier tasks',
      'Large-object DLQ depth',
    ])
      expect(body).toContain(`"title":"${title}"`);
    expect(body).toContain('"ECS/ContainerInsights","RunningTaskCount"');
  });
});

describe('the long-running tier with a KMS key, the registry in SSM, outcomes, events and an ECR image', () => {
  let stack: Stack;
  let pipeline: SwarmSendPipeline;
  let template: Template;

  beforeAll(() => {
    stack = newStack();
    const parameter = StringParameter.fromStringParameterName(stack, 'RegistryParameter', '/swarm-send/registry');
    const repository = Repository.fromRepositoryName(stack, 'Repository', 'swarm-send-worker');
    pipeline = build(stack, {
      encryptionKey: new Key(stack, 'Key', { enableKeyRotation: true }),
      registryParameter: parameter,
      createOutcomesQueue: true,
      outcomeEvents: true,
      longRunningTier: {
        image: ContainerImage.fromEcrRepository(repository, '0.1.0'),
        cpuArchitecture: CpuArchitecture.X86_64,
        cpu: 512,
        memoryLimitMiB: 1024,
        maxTasks: 3,
        copiesPerTask: 8,
      },
    });
    template = Template.fromStack(stack);
  });

  it('passes the AwsSolutions pack with reasons for the KMS data-key and ECR token grants', () => {
    expect(nagFindings(stack)).toStrictEqual([]);
    const acks = acknowledgments(pipeline.longRunningTier!);
    expect(acks.map((a) => a.id).sort()).toStrictEqual([
      'AwsSolutions-ECS2',
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      'AwsSolutions-IAM5[Resource::*]',
    ]);
  });

  it('encrypts its queues with the key and uses the given size, architecture and scale', () => {
    const tier = pipeline.longRunningTier!;
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: { deadLetterTargetArn: arn(stack, tier.deadLetterQueue), maxReceiveCount: 7 },
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '1024',
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({ Command: Match.arrayWith(['--max-concurrency', '8', '--batch-size', '1']) }),
      ],
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, MaxCapacity: 3 });
  });

  it('gives the worker the outcomes queue, the events bus and the registry parameter, and grants exactly those', () => {
    const tier = pipeline.longRunningTier!;
    expect(tier.environment).toMatchObject({
      [ENV.REGISTRY_PARAMETER]: '/swarm-send/registry',
      [ENV.EVENT_BUS_NAME]: expect.any(String),
      [ENV.EVENTS_RPO_SECONDS]: '900',
      [ENV.OUTCOMES_QUEUE_URL]: expect.any(String),
    });
    expect(tier.environment).not.toHaveProperty(ENV.REGISTRY);
    const actions = policyStatements(template, 'TaskRoleDefaultPolicy').map((s) => s.Action);
    expect(actions).toStrictEqual([
      CONSUME,
      'kms:Decrypt',
      SEND,
      ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
      SEND,
      SEND,
      'events:PutEvents',
      ['ssm:DescribeParameters', 'ssm:GetParameters', 'ssm:GetParameter', 'ssm:GetParameterHistory'],
      READ_SECRET,
      READ_SECRET,
    ]);
    expect(policyStatements(template, 'ExecutionRoleDefaultPolicy').map((s) => s.Action)).toContainEqual(
      'ecr:GetAuthorizationToken',
    );
  });
});

describe('the long-running tier props', () => {
  it('are refused when out of range, every problem at once', () => {
    const stack = newStack();
    let error: unknown;
    try {
      build(stack, {
        longRunningTier: { image: ContainerImage.fromRegistry(IMAGE), maxTasks: 0, copiesPerTask: 1.5 },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PipelinePropsError);
    expect((error as PipelinePropsError).problems).toStrictEqual([
      'longRunningTier.maxTasks must be an integer from 1 to 100 (got 0)',
      'longRunningTier.copiesPerTask must be an integer from 1 to 100 (got 1.5)',
    ]);
  });

  it('keep the large-object queues standard when the SEND queue is FIFO', () => {
    const stack = newStack();
    const pipeline = build(stack, { fifo: true });
    const template = Template.fromStack(stack);
    const fifo = Object.entries(template.findResources('AWS::SQS::Queue', { Properties: { FifoQueue: true } }));
    expect(fifo.map(([logicalId]) => logicalId).sort()).toStrictEqual(
      [id(stack, pipeline.queues.sendQueue), id(stack, pipeline.queues.deadLetterQueue)].sort(),
    );
    expect(nagFindings(stack)).toStrictEqual([]);
  });

  it('may not be overridden through environment', () => {
    const stack = newStack();
    expect(() => build(stack, { environment: { [LONG_RUNNING_TIER_ENV.LONG_RUNNING]: 'true' } })).toThrow(
      /environment may not set SWARM_SEND_LONG_RUNNING/,
    );
  });

  it('warn with interfaceEndpoints: the tasks need ECR, Logs and S3 endpoints the construct does not create', () => {
    const stack = newStack();
    build(stack, { interfaceEndpoints: true });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('pull their image from ECR'));
    const quiet = newStack();
    build(quiet);
    Annotations.fromStack(quiet).hasNoWarning('*', Match.stringLikeRegexp('pull their image from ECR'));
  });
});
