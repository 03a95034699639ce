import { Duration, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Peer, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { ENV } from '../../functions/env.js';
import { PipelinePropsError } from '../../infra/errors.js';
import { SwarmSendPipeline, type SwarmSendPipelineProps } from '../../infra/swarm-send-pipeline.js';
import type { RegistryDocument } from '../../infra/registry-config.js';
import {
  ACCOUNT,
  ISOLATED_SUBNETS,
  PRIVATE_SUBNETS,
  REGION,
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

/** Every statement of the function role's policy. */
const roleStatements = (template: Template) => policyStatements(template, 'SendFunctionRole');

function functionEnvironment(template: Template): Record<string, unknown> {
  const fns = Object.values(template.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  expect(fns).toHaveLength(1);
  return fns[0]!.Properties.Environment.Variables;
}

interface DashboardWidget {
  type: string;
  properties: Record<string, any>;
}

/** The dashboard body as widgets; CloudFormation tokens inside it become "<token>". */
function dashboardWidgets(template: Template): DashboardWidget[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
  }[];
  const parts = dashboard!.Properties.DashboardBody['Fn::Join'][1];
  const body = parts.map((p) => (typeof p === 'string' ? p : '<token>')).join('');
  return (JSON.parse(body) as { widgets: DashboardWidget[] }).widgets;
}

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } } | { stack: Stack }): string {
  const child = 'node' in construct ? (construct.node.defaultChild as never) : (construct as never);
  return stack.getLogicalId(child);
}

describe('SwarmSendPipeline with only the required props', () => {
  let stack: Stack;
  let pipeline: SwarmSendPipeline;
  let template: Template;

  beforeAll(() => {
    stack = newStack();
    pipeline = new SwarmSendPipeline(stack, 'Pipeline', {
      vpc: importedVpc(stack),
      registry: exampleRegistry(),
      code: prebuiltCode(),
    });
    template = Template.fromStack(stack);
  });

  it('passes the AwsSolutions pack with no unacknowledged finding, and every acknowledgment has a reason', () => {
    expect(nagFindings(stack)).toStrictEqual([]);
    const acks = acknowledgments(stack);
    expect(acks.map((a) => a.id).sort()).toStrictEqual(['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-SNS2']);
    for (const a of acks) expect(a.reason.length).toBeGreaterThan(60);
  });

  describe('queues', () => {
    it('creates exactly the SEND queue and its DLQ', () => {
      template.resourceCountIs('AWS::SQS::Queue', 2);
      expect(pipeline.outcomesQueue).toBeUndefined();
      expect(pipeline.queues.outcomesQueue).toBeUndefined();
    });

    it('makes the SEND queue standard, SSE-encrypted, kept 14 days, visible again after 6 x the timeout + the batching window, redriven after maxAttempts + 2 receives', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        FifoQueue: Match.absent(),
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 86400,
        VisibilityTimeout: 6 * 120 + 1,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, pipeline.queues.deadLetterQueue), 'Arn'] },
          maxReceiveCount: 7,
        },
      });
      expect(pipeline.queues.visibilityTimeout.toSeconds()).toBe(721);
      expect(pipeline.queues.maxReceiveCount).toBe(7);
    });

    it('keeps the DLQ 14 days, SSE-encrypted', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        MessageRetentionPeriod: 14 * 86400,
        SqsManagedSseEnabled: true,
        RedrivePolicy: Match.absent(),
        VisibilityTimeout: Match.absent(),
      });
    });

    it('denies every non-TLS request on both queues', () => {
      for (const queue of [pipeline.queues.sendQueue, pipeline.queues.deadLetterQueue]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: logicalId(stack, queue) }],
          PolicyDocument: {
            Statement: [
              {
                Action: 'sqs:*',
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                Resource: { 'Fn::GetAtt': [logicalId(stack, queue), 'Arn'] },
              },
            ],
          },
        });
      }
    });
  });

  describe('function', () => {
    it('runs Node.js 24 on arm64 with a 2 minute timeout and 256 MB, in the private subnets, behind its own security group', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 120,
        MemorySize: 256,
        Handler: 'index.handler',
        VpcConfig: {
          SubnetIds: PRIVATE_SUBNETS,
          SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(stack, pipeline.network.securityGroup), 'GroupId'] }],
        },
        LoggingConfig: { LogGroup: { Ref: logicalId(stack, pipeline.sendFunction.logGroup) } },
      });
    });

    it('gets the handler environment: the registry inline, the DLQ, the attempt and backoff settings, the Powertools names, and nothing else', () => {
      expect(functionEnvironment(template)).toStrictEqual({
        [ENV.REGISTRY]: JSON.stringify(exampleRegistry()),
        [ENV.DLQ_URL]: { Ref: logicalId(stack, pipeline.queues.deadLetterQueue) },
        [ENV.MAX_ATTEMPTS]: '5',
        [ENV.CONCURRENCY]: '64',
        [ENV.BACKOFF_BASE_SECONDS]: '5',
        [ENV.BACKOFF_CAP_SECONDS]: '900',
        POWERTOOLS_SERVICE_NAME: 'swarm-send',
        POWERTOOLS_METRICS_NAMESPACE: 'SwarmSend',
      });
    });

    it('keeps its logs one month', () => {
      template.resourceCountIs('AWS::Logs::LogGroup', 1);
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });

    it('is fed by an event source mapping with partial batch responses, 1,000 messages in a 1 s window, at most 5 concurrent invocations', () => {
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, pipeline.queues.sendQueue), 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 1,
        ScalingConfig: { MaximumConcurrency: 5 },
      });
    });
  });

  describe('permissions', () => {
    it('uses its own role with no managed policies', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
        },
        ManagedPolicyArns: Match.absent(),
      });
    });

    it('grants exactly: VPC network interfaces, its log group, consuming the SEND queue and sending to it (fan-out), sending to the DLQ, reading the two credentials secrets', () => {
      expect(roleStatements(template)).toStrictEqual([
        {
          Sid: 'LambdaVpcNetworkInterfaces',
          Effect: 'Allow',
          Action: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logicalId(stack, pipeline.sendFunction.logGroup), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: [
            'sqs:ReceiveMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueUrl',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
          ],
          Resource: { 'Fn::GetAtt': [logicalId(stack, pipeline.queues.sendQueue), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
          Resource: { 'Fn::GetAtt': [logicalId(stack, pipeline.queues.sendQueue), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
          Resource: { 'Fn::GetAtt': [logicalId(stack, pipeline.queues.deadLetterQueue), 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: secretArn('swarm/primary-admin'),
        },
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: secretArn('swarm/dr-admin'),
        },
      ]);
      expect(pipeline.sendFunction.secrets).toHaveLength(2);
    });

    it('creates the function and its event source mapping only after the role policy exists', () => {
      const policyId = logicalId(stack, pipeline.sendFunction.role.node.findChild('DefaultPolicy') as never);
      template.hasResource('AWS::Lambda::Function', { DependsOn: Match.arrayWith([policyId]) });
      template.hasResource('AWS::Lambda::EventSourceMapping', { DependsOn: Match.arrayWith([policyId]) });
    });
  });

  describe('network', () => {
    it('lets the function out only to the source cluster network on its SCSP port, and to AWS APIs on 443; nothing in', () => {
      template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        VpcId: 'vpc-0123456789abcdef0',
        SecurityGroupEgress: [
          {
            CidrIp: '10.0.0.0/24',
            IpProtocol: 'tcp',
            FromPort: 80,
            ToPort: 80,
            Description: 'Swarm cluster primary (send)',
          },
          {
            CidrIp: '0.0.0.0/0',
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            Description: 'HTTPS to AWS APIs (SQS, Secrets Manager, SSM)',
          },
        ],
        SecurityGroupIngress: Match.absent(),
      });
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
      template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
      expect(pipeline.network.clusterEgress).toStrictEqual([
        { cluster: 'primary', cidr: '10.0.0.0/24', family: 4, port: 80, purpose: 'send' },
      ]);
    });

    it('creates no interface endpoints', () => {
      template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
      expect(pipeline.network.sqsEndpoint).toBeUndefined();
      expect(pipeline.network.endpointSecurityGroup).toBeUndefined();
    });
  });

  describe('alarms', () => {
    it('creates a TLS-only topic that CloudWatch alarms of this account may publish to', () => {
      template.resourceCountIs('AWS::SNS::Topic', 1);
      expect(pipeline.alarms.createdTopic).toBe(pipeline.alarmTopic);
      const topic = { Ref: logicalId(stack, pipeline.alarms.createdTopic!) };
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [topic],
        PolicyDocument: {
          Statement: [
            {
              Sid: 'AllowPublishThroughSSLOnly',
              Effect: 'Deny',
              Action: 'sns:Publish',
              Principal: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: topic,
            },
            {
              Sid: 'AllowCloudWatchAlarms',
              Effect: 'Allow',
              Action: 'sns:Publish',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Resource: topic,
              Condition: {
                StringEquals: { 'aws:SourceAccount': ACCOUNT },
                ArnLike: {
                  'aws:SourceArn': {
                    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:${REGION}:${ACCOUNT}:alarm:*`]],
                  },
                },
              },
            },
          ],
        },
      });
    });

    it('creates five alarms, each notifying the topic on ALARM and OK, over 5 minutes, quiet when there is no data', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
      expect(pipeline.alarms.alarms).toHaveLength(5);
      const topic = [{ Ref: logicalId(stack, pipeline.alarms.createdTopic!) }];
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
        Properties: Record<string, unknown>;
      }[];
      for (const { Properties: p } of alarms) {
        expect(p).toMatchObject({
          AlarmActions: topic,
          OKActions: topic,
          EvaluationPeriods: 1,
          DatapointsToAlarm: 1,
          TreatMissingData: 'notBreaching',
        });
        if (p.Period !== undefined) expect(p.Period).toBe(300);
      }
    });

    it('fires when the DLQ is not empty', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(stack, pipeline.queues.deadLetterQueue), 'QueueName'] },
          },
        ],
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
    });

    it('fires when the oldest SEND request is older than the 15 minute recovery-point objective', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, pipeline.queues.sendQueue), 'QueueName'] } },
        ],
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 900,
      });
    });

    it.each([
      ['Errors', 1],
      ['Throttles', 1],
    ])('fires on function %s (>= %d per period)', (metricName, threshold) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, pipeline.sendFunction.lambdaFunction) } }],
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: threshold,
      });
    });

    it('fires when more than 5% of processed messages fail, computed from the handler EMF metrics', () => {
      const metric = (id: string, name: string) => ({
        Id: id,
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: 'SwarmSend', MetricName: name, Dimensions: [{ Name: 'service', Value: 'swarm-send' }] },
          Period: 300,
          Stat: 'Sum',
        },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 5,
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'IF(processed > 0, 100 * FILL(failed, 0) / processed, 0)', ReturnData: true }),
          Match.objectLike(metric('failed', 'Outcome_failed')),
          Match.objectLike(metric('processed', 'MessagesProcessed')),
        ]),
      });
    });
  });

  describe('dashboard', () => {
    it('shows, in this order: SENDs by outcome, failure rate, replication lag, queue depth, oldest message, DLQ depth, reasons, latency, function health', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.absent() });
      const titles = dashboardWidgets(template).map((w) => w.properties.title ?? 'text');
      expect(titles).toStrictEqual([
        'text',
        'SENDs by outcome',
        'Failure rate (%)',
        'Replication lag (ms)',
        'SEND queue depth',
        'Oldest SEND request (s)',
        'Dead-letter queue depth',
        'Failed SENDs by reason',
        'Retries by reason',
        'SEND latency (ms)',
        'Function',
        'Function concurrency',
        'Function duration (ms)',
      ]);
      expect(pipeline.dashboard?.dashboard).toBeDefined();
    });

    it('graphs every outcome from the handler metrics, stacked', () => {
      const widget = dashboardWidgets(template).find((w) => w.properties.title === 'SENDs by outcome')!;
      expect(widget.properties.stacked).toBe(true);
      expect(widget.properties.metrics).toStrictEqual(
        ['replicated', 'already-present', 'retry', 'failed'].map((o) => [
          'SwarmSend',
          `Outcome_${o}`,
          'service',
          'swarm-send',
          { label: o, stat: 'Sum' },
        ]),
      );
    });

    it('draws the recovery-point objective on the replication-lag (ms) and oldest-message (s) graphs', () => {
      const widgets = dashboardWidgets(template);
      const lag = widgets.find((w) => w.properties.title === 'Replication lag (ms)')!;
      expect(lag.properties.metrics.map((m: unknown[]) => [m[1], (m[4] as { stat: string }).stat])).toStrictEqual([
        ['ReplicationLag', 'p50'],
        ['ReplicationLag', 'p90'],
        ['ReplicationLag', 'Maximum'],
      ]);
      expect(lag.properties.annotations.horizontal).toStrictEqual([{ value: 900_000, label: 'RPO', yAxis: 'left' }]);
      const age = widgets.find((w) => w.properties.title === 'Oldest SEND request (s)')!;
      expect(age.properties.metrics[0].slice(0, 2)).toStrictEqual(['AWS/SQS', 'ApproximateAgeOfOldestMessage']);
      expect(age.properties.annotations.horizontal).toStrictEqual([{ value: 900, label: 'RPO', yAxis: 'left' }]);
    });

    it('graphs queue depth (waiting and in flight) and DLQ depth', () => {
      const widgets = dashboardWidgets(template);
      const depth = widgets.find((w) => w.properties.title === 'SEND queue depth')!;
      expect(depth.properties.metrics.map((m: unknown[]) => m[1])).toStrictEqual([
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesNotVisible',
      ]);
      const dlq = widgets.find((w) => w.properties.title === 'Dead-letter queue depth')!;
      expect(dlq.properties.metrics.map((m: unknown[]) => m[1])).toStrictEqual(['ApproximateNumberOfMessagesVisible']);
    });

    it('finds failures by reason code with a SEARCH on the handler OutcomesByReason metric', () => {
      const widget = dashboardWidgets(template).find((w) => w.properties.title === 'Failed SENDs by reason')!;
      expect(widget.properties.metrics).toStrictEqual([
        [
          {
            label: "${PROP('Dim.reason')}",
            expression: `SEARCH('{"SwarmSend",outcome,reason,service} MetricName="OutcomesByReason" outcome="failed" service="swarm-send"', 'Sum', 300)`,
          },
        ],
      ]);
    });
  });

  it('exposes every created resource', () => {
    expect(pipeline.sendQueue).toBe(pipeline.queues.sendQueue);
    expect(pipeline.deadLetterQueue).toBe(pipeline.queues.deadLetterQueue);
    expect(pipeline.lambdaFunction).toBe(pipeline.sendFunction.lambdaFunction);
    expect(pipeline.securityGroup).toBe(pipeline.network.securityGroup);
    expect(pipeline.sendFunction.role).toBeDefined();
    expect(pipeline.sendFunction.eventSource.eventSourceMappingId).toBeDefined();
    expect(pipeline.registry.defaultRoute).toStrictEqual({
      from: 'primary',
      to: 'dr',
      verify: false,
      replicationFeeds: [],
      deletes: 'ignore',
      deleteGraceSeconds: 60,
      unprovenIdentity: 'fail',
      largeObjects: null,
      replaceStale: 'never',
    });
    expect(pipeline.metrics.namespace).toBe('SwarmSend');
  });

  it('raises no warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('swarm-send'));
  });
});

describe('SwarmSendPipeline with every default overridden (FIFO, KMS, endpoints, SSM registry, given topic)', () => {
  let stack: Stack;
  let pipeline: SwarmSendPipeline;
  let template: Template;
  let key: Key;
  let secretKey: Key;
  let topic: Topic;
  let parameter: StringParameter;

  beforeAll(() => {
    stack = newStack();
    key = new Key(stack, 'QueueKey', { enableKeyRotation: true });
    secretKey = new Key(stack, 'SecretKey', { enableKeyRotation: true });
    topic = new Topic(stack, 'OpsTopic', { enforceSSL: true, masterKey: key });
    parameter = new StringParameter(stack, 'RegistryParameter', { stringValue: JSON.stringify(exampleRegistry()) });
    const drSecret = Secret.fromSecretAttributes(stack, 'DrSecret', {
      secretPartialArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:swarm/dr-admin`,
      encryptionKey: secretKey,
    });
    pipeline = new SwarmSendPipeline(stack, 'Pipeline', {
      vpc: importedVpc(stack),
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      interfaceEndpoints: true,
      registry: exampleRegistry(),
      registryParameter: parameter,
      secrets: { 'swarm/dr-admin': drSecret },
      fifo: true,
      contentBasedDeduplication: true,
      visibilityTimeout: Duration.minutes(10),
      maxReceiveCount: 6,
      retentionPeriod: Duration.days(4),
      deadLetterRetentionPeriod: Duration.days(10),
      encryptionKey: key,
      createOutcomesQueue: true,
      code: prebuiltCode(),
      handler: 'index.main',
      timeout: Duration.minutes(1),
      memorySize: 512,
      logRetention: RetentionDays.ONE_WEEK,
      environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG', [ENV.CONCURRENCY_PER_NODE]: '2' },
      maxAttempts: 3,
      concurrency: 4,
      backoffBase: Duration.seconds(2),
      backoffCap: Duration.minutes(1),
      serviceName: 'dr-sync',
      metricsNamespace: 'Acme/Swarm',
      batchSize: 5,
      maxConcurrency: 3,
      alarmTopic: topic,
      recoveryPointObjective: Duration.minutes(30),
      failureRateThresholdPercent: 10,
      functionErrorsThreshold: 3,
      throttlesThreshold: 5,
      alarmPeriod: Duration.minutes(1),
      dashboardName: 'swarm-send-dr',
    });
    template = Template.fromStack(stack);
  });

  it('passes the AwsSolutions pack with no unacknowledged finding', () => {
    expect(nagFindings(stack)).toStrictEqual([]);
  });

  it('makes both queues FIFO, KMS-encrypted; content-based deduplication on the SEND queue as asked, always on the DLQ', () => {
    const keyArn = { 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] };
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      KmsMasterKeyId: keyArn,
      SqsManagedSseEnabled: Match.absent(),
      VisibilityTimeout: 600,
      MessageRetentionPeriod: 4 * 86400,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 6 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: true,
      KmsMasterKeyId: keyArn,
      MessageRetentionPeriod: 10 * 86400,
      RedrivePolicy: Match.absent(),
    });
  });

  it('creates a standard outcomes queue with the same encryption and TLS policy, and tells and lets the function send to it', () => {
    template.resourceCountIs('AWS::SQS::Queue', 3);
    const outcomes = pipeline.queues.outcomesQueue!;
    expect(pipeline.outcomesQueue).toBe(outcomes);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: Match.absent(),
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: 4 * 86400,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(stack, outcomes) }],
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
    expect(functionEnvironment(template)[ENV.OUTCOMES_QUEUE_URL]).toStrictEqual({ Ref: logicalId(stack, outcomes) });
    expect(roleStatements(template)).toContainEqual({
      Effect: 'Allow',
      Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      Resource: { 'Fn::GetAtt': [logicalId(stack, outcomes), 'Arn'] },
    });
  });

  it('applies the function settings, the handler name and the isolated subnets', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.main',
      Timeout: 60,
      MemorySize: 512,
      VpcConfig: { SubnetIds: ISOLATED_SUBNETS },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('passes the registry parameter name instead of the JSON, with the settings and extra variables', () => {
    expect(functionEnvironment(template)).toStrictEqual({
      [ENV.REGISTRY_PARAMETER]: { Ref: logicalId(stack, parameter) },
      [ENV.DLQ_URL]: { Ref: logicalId(stack, pipeline.queues.deadLetterQueue) },
      [ENV.OUTCOMES_QUEUE_URL]: { Ref: logicalId(stack, pipeline.queues.outcomesQueue!) },
      [ENV.MAX_ATTEMPTS]: '3',
      [ENV.CONCURRENCY]: '4',
      [ENV.BACKOFF_BASE_SECONDS]: '2',
      [ENV.BACKOFF_CAP_SECONDS]: '60',
      [ENV.CONCURRENCY_PER_NODE]: '2',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POWERTOOLS_SERVICE_NAME: 'dr-sync',
      POWERTOOLS_METRICS_NAMESPACE: 'Acme/Swarm',
    });
  });

  it('grants reading the registry parameter, the given secret with its KMS key, and the queue key', () => {
    const statements = roleStatements(template);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['ssm:GetParameter']),
        Resource: expect.objectContaining({
          'Fn::Join': expect.arrayContaining([expect.arrayContaining([expect.stringContaining(':parameter/')])]),
        }),
      }),
    );
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:swarm/dr-admin-??????`,
    });
    // A key in the same stack takes the secret's decrypt grant in its key policy, via Secrets Manager only.
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::GetAtt': [logicalId(stack, pipeline.sendFunction.role), 'Arn'] } },
            Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
          }),
        ]),
      },
    });
    expect(logicalId(stack, secretKey)).toBeDefined();
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['kms:Decrypt']),
        Resource: { 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] },
      }),
    );
    expect(pipeline.sendFunction.secrets).toHaveLength(2);
  });

  it('configures the event source mapping with the batch size and maximum concurrency given', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 5,
      MaximumBatchingWindowInSeconds: Match.absent(),
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  it('creates SQS, Secrets Manager and SSM endpoints with private DNS in the isolated subnets, reachable only from the function', () => {
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 3);
    const endpointSg = { 'Fn::GetAtt': [logicalId(stack, pipeline.network.endpointSecurityGroup!), 'GroupId'] };
    for (const service of ['sqs', 'secretsmanager', 'ssm']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: `com.amazonaws.${REGION}.${service}`,
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        SubnetIds: ISOLATED_SUBNETS,
        SecurityGroupIds: [endpointSg],
      });
    }
    const functionSg = { 'Fn::GetAtt': [logicalId(stack, pipeline.network.securityGroup), 'GroupId'] };
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: endpointSg,
      SourceSecurityGroupId: functionSg,
      FromPort: 443,
      ToPort: 443,
      IpProtocol: 'tcp',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: functionSg,
      DestinationSecurityGroupId: endpointSg,
      FromPort: 443,
      ToPort: 443,
      IpProtocol: 'tcp',
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^swarm-send function'),
      SecurityGroupEgress: [
        { CidrIp: '10.0.0.0/24', FromPort: 80, ToPort: 80, IpProtocol: 'tcp', Description: Match.anyValue() },
      ],
    });
    expect(pipeline.network.sqsEndpoint).toBeDefined();
    expect(pipeline.network.secretsManagerEndpoint).toBeDefined();
    expect(pipeline.network.ssmEndpoint).toBeDefined();
  });

  it('sends the alarms to the given topic, with the thresholds and period given, and creates no topic', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(pipeline.alarms.createdTopic).toBeUndefined();
    expect(pipeline.alarmTopic).toBe(topic);
    const actions = [{ Ref: logicalId(stack, topic) }];
    const expectations: [string, number][] = [
      ['ApproximateAgeOfOldestMessage', 1800],
      ['Errors', 3],
      ['Throttles', 5],
      ['ApproximateNumberOfMessagesVisible', 1],
    ];
    for (const [MetricName, Threshold] of expectations) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName,
        Threshold,
        Period: 60,
        AlarmActions: actions,
        OKActions: actions,
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 10,
      AlarmActions: actions,
      Metrics: Match.arrayWith([
        Match.objectLike({
          Id: 'failed',
          MetricStat: {
            Metric: {
              Namespace: 'Acme/Swarm',
              MetricName: 'Outcome_failed',
              Dimensions: [{ Name: 'service', Value: 'dr-sync' }],
            },
            Period: 60,
            Stat: 'Sum',
          },
        }),
      ]),
    });
  });

  it('names the dashboard', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'swarm-send-dr' });
  });
});

describe('SwarmSendPipeline with a standard queue, large batches, an existing outcomes queue and a registry of every kind', () => {
  const registry: RegistryDocument = {
    clusters: {
      primary: {
        name: 'baker',
        nodes: ['10.0.0.11:80', '10.0.0.12:8080'],
        networks: ['10.0.0.0/24'],
        credentials: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:swarm/primary-admin-AbCdEf`,
      },
      v6: {
        name: 'v6',
        nodes: ['[fd00::11]:80'],
        credentials: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:swarm/v6`,
      },
      lab: {
        name: 'lab',
        nodes: ['https://10.1.0.5:443'],
        networks: ['10.1.0.7/24'],
        credentials: 'file:/opt/lab.json',
        caFile: '/opt/ca.pem',
      },
      dr: { name: 'dr', target: '192.168.1.13:80', credentials: 'env:DR_CREDENTIALS' },
    },
    routes: [{ from: 'primary', to: 'dr', verify: true }],
    defaultRoute: { from: 'primary', to: 'dr' },
  };
  let stack: Stack;
  let pipeline: SwarmSendPipeline;
  let template: Template;
  let outcomes: Queue;

  beforeAll(() => {
    stack = newStack();
    outcomes = new Queue(stack, 'UpstreamOutcomes');
    pipeline = new SwarmSendPipeline(stack, 'Pipeline', {
      vpc: importedVpc(stack),
      registry,
      environment: { DR_CREDENTIALS: '{"username":"admin","password":"from-a-vault"}' },
      outcomesQueue: outcomes,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(10),
      awsApiEgressPeer: Peer.ipv4('10.0.0.0/16'),
      backoffBase: Duration.seconds(100),
      backoffCap: Duration.seconds(600),
      dashboard: false,
      code: prebuiltCode(),
    });
    template = Template.fromStack(stack);
  });

  it('derives the visibility timeout from 6 x the timeout plus the batching window', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 120 + 10 });
  });

  it('configures the batching window for batches above 10', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 10,
    });
  });

  it('uses the existing outcomes queue without creating one', () => {
    template.resourceCountIs('AWS::SQS::Queue', 3);
    expect(pipeline.queues.outcomesQueue).toBeUndefined();
    expect(pipeline.outcomesQueue).toBe(outcomes);
    expect(functionEnvironment(template)[ENV.OUTCOMES_QUEUE_URL]).toStrictEqual({ Ref: logicalId(stack, outcomes) });
  });

  it('opens egress per cluster network and node port, IPv6 included, the verified destination, and HTTPS only to the given peer', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [
        {
          CidrIp: '10.0.0.0/24',
          FromPort: 80,
          ToPort: 80,
          IpProtocol: 'tcp',
          Description: 'Swarm cluster primary (send)',
        },
        {
          CidrIp: '10.0.0.0/24',
          FromPort: 8080,
          ToPort: 8080,
          IpProtocol: 'tcp',
          Description: 'Swarm cluster primary (send)',
        },
        {
          CidrIpv6: 'fd00:0:0:0:0:0:0:11/128',
          FromPort: 80,
          ToPort: 80,
          IpProtocol: 'tcp',
          Description: 'Swarm cluster v6 (send)',
        },
        {
          CidrIp: '10.1.0.0/24',
          FromPort: 443,
          ToPort: 443,
          IpProtocol: 'tcp',
          Description: 'Swarm cluster lab (send)',
        },
        {
          CidrIp: '192.168.1.13/32',
          FromPort: 80,
          ToPort: 80,
          IpProtocol: 'tcp',
          Description: 'Swarm cluster dr (verify)',
        },
        {
          CidrIp: '10.0.0.0/16',
          FromPort: 443,
          ToPort: 443,
          IpProtocol: 'tcp',
          Description: 'HTTPS to AWS APIs (SQS, Secrets Manager, SSM)',
        },
      ],
    });
  });

  it('grants a complete secret ARN exactly, a partial one with its suffix wildcard, and nothing for env: and file: credentials', () => {
    const secretStatements = roleStatements(template).filter((s) =>
      JSON.stringify(s.Action).includes('secretsmanager'),
    );
    expect(secretStatements.map((s) => s.Resource)).toStrictEqual([
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:swarm/primary-admin-AbCdEf`,
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:swarm/v6-??????`,
    ]);
  });

  it('passes the extra variable an env: credentials reference names', () => {
    expect(functionEnvironment(template).DR_CREDENTIALS).toBe('{"username":"admin","password":"from-a-vault"}');
  });

  it('creates no dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(pipeline.dashboard).toBeUndefined();
  });

  it('warns about file: credentials, caFile, and a backoff schedule longer than the recovery-point objective', () => {
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning(
      '/Test/Pipeline/SendFunction',
      Match.stringLikeRegexp('clusters.lab.credentials reads file:/opt/lab.json'),
    );
    annotations.hasWarning('/Test/Pipeline/SendFunction', Match.stringLikeRegexp('clusters.lab.caFile'));
    annotations.hasWarning(
      '/Test/Pipeline',
      Match.stringLikeRegexp('back off for up to 1300 s, longer than the recovery-point objective \\(900 s\\)'),
    );
  });

  it('passes the AwsSolutions pack with no unacknowledged finding', () => {
    expect(nagFindings(pipeline)).toStrictEqual([]);
  });
});

describe('SwarmSendPipeline refuses unsafe props before building anything', () => {
  const build = (overrides: Partial<SwarmSendPipelineProps>) => {
    const stack = newStack();
    return () =>
      new SwarmSendPipeline(stack, 'Pipeline', {
        vpc: importedVpc(stack),
        registry: exampleRegistry(),
        code: prebuiltCode(),
        ...overrides,
      });
  };
  const bigRegistry = (): RegistryDocument => {
    const clusters: Record<string, unknown> = {
      dr: { name: 'dr', target: '192.168.1.13:80', credentials: 'swarm/dr-admin' },
    };
    for (let i = 0; i < 40; i++)
      clusters[`site-${i}`] = {
        name: `site-${i}`,
        nodes: [`10.0.${i}.11:80`, `10.0.${i}.12:80`],
        credentials: `swarm/site-${i}-admin`,
      };
    return { clusters };
  };

  it.each<[string, Partial<SwarmSendPipelineProps>, RegExp]>([
    [
      'a visibility timeout shorter than the function timeout',
      { visibilityTimeout: Duration.seconds(60) },
      /visibilityTimeout \(60 s\) is shorter than the function timeout \(120 s\)/,
    ],
    [
      'a visibility timeout beyond 12 hours',
      { visibilityTimeout: Duration.hours(13) },
      /exceeds SQS's maximum of 12 hours/,
    ],
    [
      'maxReceiveCount equal to maxAttempts',
      { maxAttempts: 5, maxReceiveCount: 5 },
      /maxReceiveCount \(5\) must be greater than maxAttempts \(5\)/,
    ],
    [
      'maxReceiveCount below a raised maxAttempts',
      { maxAttempts: 8, maxReceiveCount: 7 },
      /maxReceiveCount \(7\) must be greater than maxAttempts \(8\)/,
    ],
    ['maxAttempts of 0', { maxAttempts: 0 }, /maxAttempts must be an integer from 1 to 100 \(got 0\)/],
    [
      'maxAttempts above the handler limit of 100',
      { maxAttempts: 101, maxReceiveCount: 103 },
      /maxAttempts must be an integer from 1 to 100 \(got 101\)/,
    ],
    [
      'batch size above 10 on FIFO',
      { fifo: true, batchSize: 11 },
      /batchSize \(11\) must be at most 10 on a FIFO queue/,
    ],
    [
      'batch size above 10 without a batching window',
      { batchSize: 11, maxBatchingWindow: Duration.seconds(0) },
      /batchSize \(11\) above 10 needs a maxBatchingWindow of at least 1 second/,
    ],
    ['batch size 0', { batchSize: 0 }, /batchSize must be an integer from 1 to 10000 \(got 0\)/],
    [
      'batch size above 10000',
      { batchSize: 10_001, maxBatchingWindow: Duration.seconds(5) },
      /batchSize must be an integer from 1 to 10000/,
    ],
    [
      'a batching window on FIFO',
      { fifo: true, maxBatchingWindow: Duration.seconds(5) },
      /maxBatchingWindow is not supported on a FIFO queue/,
    ],
    [
      'a batching window above 5 minutes',
      { maxBatchingWindow: Duration.minutes(6) },
      /maxBatchingWindow \(360 s\) exceeds Lambda's maximum of 300 s/,
    ],
    [
      'maxConcurrency below the SQS minimum of 2',
      { maxConcurrency: 1 },
      /maxConcurrency must be an integer from 2 to 1000 \(got 1\)/,
    ],
    [
      'maxConcurrency above 1000',
      { maxConcurrency: 1001 },
      /maxConcurrency must be an integer from 2 to 1000 \(got 1001\)/,
    ],
    [
      'content-based deduplication on a standard queue',
      { contentBasedDeduplication: true },
      /contentBasedDeduplication requires fifo: true/,
    ],
    [
      'a DLQ that keeps messages shorter than the queue',
      { retentionPeriod: Duration.days(14), deadLetterRetentionPeriod: Duration.days(7) },
      /deadLetterRetentionPeriod \(604800 s\) is shorter than retentionPeriod/,
    ],
    [
      'both an outcomes queue and createOutcomesQueue',
      { createOutcomesQueue: true, outcomesQueue: {} as never },
      /give outcomesQueue or createOutcomesQueue, not both/,
    ],
    [
      'an environment that sets a derived variable',
      { environment: { [ENV.MAX_ATTEMPTS]: '9', POWERTOOLS_SERVICE_NAME: 'x' } },
      /environment may not set SWARM_SEND_MAX_ATTEMPTS, POWERTOOLS_SERVICE_NAME/,
    ],
    [
      'a timeout beyond 15 minutes',
      { timeout: Duration.minutes(16) },
      /timeout \(960 s\) exceeds Lambda's maximum of 900 s/,
    ],
    [
      'a timeout within the handler deadline margin',
      { timeout: Duration.seconds(3) },
      /timeout \(3 s\) must be longer than the handler's deadline margin \(3000 ms\)/,
    ],
    ['memory below 128 MB', { memorySize: 64 }, /memorySize must be an integer from 128 to 10240/],
    ['concurrency of 0', { concurrency: 0 }, /concurrency must be an integer from 1 to 1000/],
    [
      'a backoff base above its cap',
      { backoffBase: Duration.minutes(20), backoffCap: Duration.minutes(10) },
      /backoffBase \(1200 s\) must be between 0 and backoffCap \(600 s\)/,
    ],
    ['a backoff cap beyond 12 hours', { backoffCap: Duration.hours(13) }, /backoffCap \(46800 s\) exceeds 12 hours/],
    [
      'a recovery-point objective under a minute',
      { recoveryPointObjective: Duration.seconds(30) },
      /recoveryPointObjective \(30 s\) must be at least 1 minute/,
    ],
    [
      'an alarm period that is not whole minutes',
      { alarmPeriod: Duration.seconds(90) },
      /alarm period \(90 s\) must be a whole number of minutes/,
    ],
    [
      'a failure-rate threshold of 0',
      { failureRateThresholdPercent: 0 },
      /failureRateThresholdPercent \(0\) must be above 0 and at most 100/,
    ],
    ['a failure-rate threshold above 100', { failureRateThresholdPercent: 101 }, /failureRateThresholdPercent \(101\)/],
    ['an error threshold of 0', { functionErrorsThreshold: 0 }, /functionErrorsThreshold must be an integer >= 1/],
    ['a throttle threshold of 0', { throttlesThreshold: 0 }, /throttlesThreshold must be an integer >= 1/],
    [
      'a dashboard name without a dashboard',
      { dashboard: false, dashboardName: 'x' },
      /dashboardName is set but dashboard is false/,
    ],
    [
      'an invalid registry',
      { registry: { clusters: {}, defaultRoute: { from: 'primary', to: 'dr' } } },
      /registry: defaultRoute.from: no cluster "primary"/,
    ],
    [
      'a node outside its cluster networks',
      {
        registry: {
          clusters: { p: { name: 'p', nodes: ['10.9.0.1:80'], networks: ['10.0.0.0/24'], credentials: 'a' } },
        },
      },
      /clusters.p.nodes: 10.9.0.1:80 is outside the cluster's networks/,
    ],
    [
      'env: credentials whose variable is not set',
      { registry: { clusters: { p: { name: 'p', nodes: ['10.0.0.1:80'], credentials: 'env:P_CREDS' } } } },
      /clusters.p.credentials reads the variable P_CREDS, which environment does not set/,
    ],
    [
      'a secret for a reference the registry does not use',
      { secrets: { 'swarm/other': {} as never } },
      /secrets.swarm\/other is not the credentials of any cluster/,
    ],
    [
      'an inline registry too large for the Lambda environment',
      { registry: bigRegistry() },
      /more than the 3072 that fit in Lambda's 4 KB environment; pass registryParameter/,
    ],
  ])('%s', (_name, overrides, message) => {
    expect(build(overrides)).toThrow(PipelinePropsError);
    expect(build(overrides)).toThrow(message);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      build({ maxConcurrency: 1, batchSize: 11, fifo: true, maxReceiveCount: 2 })();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelinePropsError);
    expect((error as PipelinePropsError).problems).toStrictEqual([
      'maxReceiveCount (2) must be greater than maxAttempts (5): the handler dead-letters after its last attempt, and the redrive is only the safety net for crashed invocations (use maxAttempts + 2)',
      'batchSize (11) must be at most 10 on a FIFO queue',
      'maxConcurrency must be an integer from 2 to 1000 (got 1)',
    ]);
    expect((error as Error).message).toMatch(/^SwarmSendPipeline: invalid props:\n {2}- maxReceiveCount/);
  });
});
