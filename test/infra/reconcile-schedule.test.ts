import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stage, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { RECONCILE_METRICS } from '../../functions/adapters/reconcile-telemetry.js';
import { RECONCILE_ENV } from '../../functions/env.js';
import { PipelinePropsError } from '../../infra/errors.js';
import { SwarmSendPipeline, type SwarmSendPipelineProps } from '../../infra/swarm-send-pipeline.js';
import {
  bundledHandlerType,
  exampleRegistry,
  importedVpc,
  nagFindings,
  newStack,
  prebuiltCode,
  removeTestOutdirs,
} from './helpers.js';

afterAll(removeTestOutdirs);

function pipelineWith(
  reconcile: Partial<NonNullable<SwarmSendPipelineProps['reconcile']>>,
  extra: Partial<SwarmSendPipelineProps> = {},
): { stack: Stack; pipeline: SwarmSendPipeline } {
  const stack = newStack();
  const pipeline = new SwarmSendPipeline(stack, 'Pipeline', {
    vpc: importedVpc(stack),
    registry: exampleRegistry(),
    code: prebuiltCode(),
    reconcile: {
      schedule: ScheduleExpression.rate(Duration.days(1)),
      scopes: [
        { domain: 'media.example.com' },
        { domain: 'archive.example.com', buckets: ['invoices'], unnamed: true },
      ],
      code: prebuiltCode(),
      ...reconcile,
    },
    ...extra,
  });
  return { stack, pipeline };
}

interface FunctionResource {
  Properties: {
    Environment: { Variables: Record<string, unknown> };
    VpcConfig: unknown;
    Runtime: string;
    Architectures: string[];
    Timeout: number;
    MemorySize: number;
  };
}

describe('SwarmSendPipeline with a scheduled reconcile', () => {
  let stack: Stack;
  let pipeline: SwarmSendPipeline;
  let template: Template;

  beforeAll(() => {
    ({ stack, pipeline } = pipelineWith({ grace: Duration.minutes(15), repair: 'enqueue' }));
    template = Template.fromStack(stack);
  });

  const reconcileFunction = (): FunctionResource => {
    const id = stack.getLogicalId(pipeline.reconcile!.lambdaFunction.node.defaultChild as never);
    return template.toJSON().Resources[id] as FunctionResource;
  };

  it('has a schedule that invokes the reconcile function with a start event named by the scheduled time', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    const [schedule] = Object.values(template.findResources('AWS::Scheduler::Schedule')) as {
      Properties: Record<string, any>;
    }[];
    expect(schedule!.Properties.ScheduleExpression).toBe('rate(1 day)');
    expect(schedule!.Properties.State).toBe('ENABLED');
    const target = schedule!.Properties.Target;
    expect(target.Arn).toStrictEqual({
      'Fn::GetAtt': [stack.getLogicalId(pipeline.reconcile!.lambdaFunction.node.defaultChild as never), 'Arn'],
    });
    expect(JSON.parse(target.Input)).toStrictEqual({
      reconcile: 'start',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 3 });
  });

  it("runs the reconcile function on Node.js 24, arm64, 256 MB, in the SEND function's VPC subnets and security group", () => {
    const fn = reconcileFunction();
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    expect(fn.Properties.Architectures).toStrictEqual(['arm64']);
    expect(fn.Properties.Timeout).toBe(300);
    expect(fn.Properties.MemorySize).toBe(256);
    const sendFn = template.toJSON().Resources[
      stack.getLogicalId(pipeline.lambdaFunction.node.defaultChild as never)
    ] as FunctionResource;
    expect(fn.Properties.VpcConfig).toStrictEqual(sendFn.Properties.VpcConfig);
  });

  it('gives the function its queue, the SEND queue, the scopes, grace and repair mode through the documented variables', () => {
    const env = reconcileFunction().Properties.Environment.Variables;
    const ref = (c: { node: { defaultChild?: unknown } }) => ({
      Ref: stack.getLogicalId(c.node.defaultChild as never),
    });
    expect(env[RECONCILE_ENV.QUEUE_URL]).toStrictEqual(ref(pipeline.reconcile!.queue));
    expect(env[RECONCILE_ENV.SEND_QUEUE_URL]).toStrictEqual(ref(pipeline.queues.sendQueue));
    expect(JSON.parse(env[RECONCILE_ENV.SCOPES] as string)).toStrictEqual([
      { domain: 'media.example.com' },
      { domain: 'archive.example.com', buckets: ['invoices'], unnamed: true },
    ]);
    expect(env[RECONCILE_ENV.GRACE_SECONDS]).toBe('900');
    expect(env[RECONCILE_ENV.REPAIR]).toBe('enqueue');
    expect(env.SWARM_SEND_REGISTRY).toBe(JSON.stringify(exampleRegistry()));
  });

  it('feeds the function from a FIFO reconcile queue (SSE, TLS-only, DLQ) one continuation at a time', () => {
    const queueId = stack.getLogicalId(pipeline.reconcile!.queue.node.defaultChild as never);
    const dlqId = stack.getLogicalId(pipeline.reconcile!.deadLetterQueue.node.defaultChild as never);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 1800,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  it("lets the function send to the reconcile queue and the SEND queue, and read the registry's secrets", () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyName: Match.stringLikeRegexp('Reconcile') },
    });
    const statements = Object.values(policies).flatMap(
      (p: any) => p.Properties.PolicyDocument.Statement as Record<string, any>[],
    );
    const sendTargets = statements.filter((s) => [s.Action].flat().includes('sqs:SendMessage')).map((s) => s.Resource);
    expect(sendTargets).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [stack.getLogicalId(pipeline.reconcile!.queue.node.defaultChild as never), 'Arn'] },
        { 'Fn::GetAtt': [stack.getLogicalId(pipeline.queues.sendQueue.node.defaultChild as never), 'Arn'] },
      ]),
    );
    expect(statements.some((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))).toBe(true);
  });

  it('alarms when two consecutive runs (periods of the schedule) find objects missing or different', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(missing, 0) + FILL(different, 0)' }),
        Match.objectLike({
          Id: 'missing',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: RECONCILE_METRICS.MISSING_ON_DR }),
            Period: 86_400,
            Stat: 'Sum',
          }),
        }),
        Match.objectLike({
          Id: 'different',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: RECONCILE_METRICS.DIFFERENT }) }),
        }),
      ]),
      AlarmActions: [{ Ref: stack.getLogicalId(pipeline.alarms.createdTopic!.node.defaultChild as never) }],
    });
  });

  it('alarms when a continuation is dead-lettered', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [
              stack.getLogicalId(pipeline.reconcile!.deadLetterQueue.node.defaultChild as never),
              'QueueName',
            ],
          },
        },
      ],
      Threshold: 1,
    });
  });

  it('shows every reconcile metric on the dashboard', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: unknown };
    }[];
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const name of Object.values(RECONCILE_METRICS)) expect(body).toContain(`\\"${name}\\"`);
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(nagFindings(stack)).toStrictEqual([]);
  });
});

describe('scheduled reconcile props', () => {
  it('in report mode, does not let the function send to the SEND queue', () => {
    const { stack, pipeline } = pipelineWith({ repair: 'report' });
    const template = Template.fromStack(stack);
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyName: Match.stringLikeRegexp('Reconcile') },
    });
    const sendQueueArn = {
      'Fn::GetAtt': [stack.getLogicalId(pipeline.queues.sendQueue.node.defaultChild as never), 'Arn'],
    };
    const resources = Object.values(policies).flatMap((p: any) =>
      (p.Properties.PolicyDocument.Statement as { Resource: unknown }[]).map((s) => s.Resource),
    );
    expect(resources).not.toContainEqual(sendQueueArn);
  });

  it('rejects a cron schedule without an interval, unknown clusters, bad scopes and an over-long interval, all at once', () => {
    const attempt = () =>
      pipelineWith({
        schedule: ScheduleExpression.cron({ hour: '2', minute: '0' }),
        from: 'nowhere',
        scopes: [{ domain: 'bad domain' }],
      });
    expect(attempt).toThrow(PipelinePropsError);
    try {
      attempt();
    } catch (err) {
      const problems = (err as PipelinePropsError).problems.join('\n');
      expect(problems).toMatch(/reconcile\.interval is required/);
      expect(problems).toMatch(/reconcile\.from \("nowhere"\) is not a cluster/);
      expect(problems).toMatch(/reconcile\.scopes\.0\.domain/);
    }
    expect(() => pipelineWith({ schedule: ScheduleExpression.rate(Duration.days(5)) })).toThrow(
      /too long for a two-run CloudWatch alarm/,
    );
  });

  it('uses the given interval as the alarm period for a cron schedule', () => {
    const { stack } = pipelineWith({
      schedule: ScheduleExpression.cron({ hour: '2', minute: '0' }),
      interval: Duration.hours(12),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      EvaluationPeriods: 2,
      Metrics: Match.arrayWith([Match.objectLike({ Id: 'missing', MetricStat: Match.objectLike({ Period: 43_200 }) })]),
    });
  });

  it('adds nothing when reconcile is not given', () => {
    const stack = newStack();
    new SwarmSendPipeline(stack, 'Pipeline', {
      vpc: importedVpc(stack),
      registry: exampleRegistry(),
      code: prebuiltCode(),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });
});

describe('the reconcile handler as bundled for Lambda', () => {
  it('deploys the prebuilt reconcile bundle (dist/lambda/reconcile, built like the SEND handler), which loads under Node.js 24 exporting handler', () => {
    const { stack } = pipelineWith({ code: undefined });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps', [RECONCILE_ENV.REPAIR]: 'enqueue' }),
      },
    });
    const outdir = Stage.of(stack)!.outdir;
    const bundled = readdirSync(outdir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => join(outdir, d))
      .filter((d) => readdirSync(d).includes('index.mjs.map'));
    expect(bundled).toHaveLength(1);
    expect(bundledHandlerType(join(bundled[0]!, 'index.mjs'))).toBe('function');
  }, 120_000);
});
