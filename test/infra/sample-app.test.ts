import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { REPO_ROOT } from '../../infra/defaults.js';
import { loadSampleConfig } from '../../infra/sample-config.js';
import { SwarmSendSampleStack } from '../../infra/sample-stack.js';
import { nagFindings, prebuiltCode, removeTestOutdirs, testOutdir } from './helpers.js';

afterAll(removeTestOutdirs);

const EXAMPLE_CONFIG = join(REPO_ROOT, 'config', 'pipeline.example.json');

function writeConfig(overrides: Record<string, unknown>): string {
  const dir = testOutdir();
  const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'registry.example.json'), readFileSync(join(REPO_ROOT, 'config', 'registry.example.json')));
  const path = join(dir, 'pipeline.json');
  writeFileSync(path, JSON.stringify({ ...example, ...overrides }));
  return path;
}

function synthSample(configPath: string) {
  const config = loadSampleConfig(configPath);
  const app = new App({ outdir: testOutdir() });
  const stack = new SwarmSendSampleStack(app, config.stackName, { config, env: config.env, code: prebuiltCode() });
  return { config, stack, template: Template.fromStack(stack) };
}

describe('the sample app from the checked-in example config', () => {
  let sample: ReturnType<typeof synthSample>;
  beforeAll(() => {
    sample = synthSample(EXAMPLE_CONFIG);
  });

  it('deploys into the configured account and region without any lookup', () => {
    expect(sample.stack.account).toBe('123456789012');
    expect(sample.stack.region).toBe('eu-west-1');
    expect(sample.stack.stackName).toBe('SwarmSend');
  });

  it("puts the function in the existing VPC's isolated subnets with SQS and Secrets Manager endpoints", () => {
    sample.template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'] },
    });
    sample.template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    sample.template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0123456789abcdef0' });
  });

  it('creates the outcomes queue and subscribes the on-call address to the alarm topic', () => {
    sample.template.resourceCountIs('AWS::SQS::Queue', 3);
    sample.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'storage-oncall@example.com',
    });
  });

  it('outputs the queue URLs, the alarm topic and the function name for operators', () => {
    expect(Object.keys(sample.template.findOutputs('*')).sort()).toStrictEqual([
      'AlarmTopicArn',
      'DeadLetterQueueUrl',
      'FunctionName',
      'OutcomesQueueUrl',
      'SendQueueUrl',
    ]);
  });

  it('passes the AwsSolutions pack and raises no warning', () => {
    expect(nagFindings(sample.stack)).toStrictEqual([]);
    Annotations.fromStack(sample.stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('the sample app with the registry in SSM and private subnets', () => {
  it('creates the parameter, points the function at it, and adds the SSM endpoint', () => {
    const path = writeConfig({
      registryInParameter: true,
      vpc: {
        vpcId: 'vpc-0123456789abcdef0',
        vpcCidrBlock: '10.0.0.0/16',
        availabilityZones: ['eu-west-1a'],
        privateSubnetIds: ['subnet-0123456789abcdef3'],
      },
      alarmEmail: null,
      createOutcomesQueue: false,
      fifo: true,
      recoveryPointObjectiveMinutes: 5,
      outcomeEvents: true,
    });
    const { template, stack } = synthSample(path);
    template.resourceCountIs('AWS::SSM::Parameter', 1);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Type: 'String',
      Value: JSON.stringify(JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'registry.example.json'), 'utf8'))),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-0123456789abcdef3'] },
      Environment: {
        Variables: Match.objectLike({
          SWARM_SEND_REGISTRY_PARAMETER: Match.anyValue(),
          SWARM_SEND_REGISTRY: Match.absent(),
        }),
      },
    });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, RedrivePolicy: Match.anyValue() });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 300,
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    // Outcome events: a bus, the RPO handed to the function, and the sample rule to the alarm topic.
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SWARM_SEND_EVENTS_RPO_SECONDS: '300' }) },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['swarm-send'], 'detail-type': ['Replication Missed Threshold'] },
    });
    expect(nagFindings(stack)).toStrictEqual([]);
  });
});

describe('the sample config loader', () => {
  it('lists every problem of a broken config at once', () => {
    const path = writeConfig({
      env: { account: '42', region: 'eu-west-1' },
      vpc: { vpcId: 'nope', vpcCidrBlock: '10.0.0.0/16', availabilityZones: ['a'] },
      extra: 1,
    });
    expect(() => loadSampleConfig(path)).toThrow(
      /invalid sample config .*pipeline\.json:\n {2}- env\.account: a 12-digit account id/,
    );
    expect(() => loadSampleConfig(path)).toThrow(/vpc\.vpcId/);
    expect(() => loadSampleConfig(path)).toThrow(/list privateSubnetIds or isolatedSubnetIds/);
    expect(() => loadSampleConfig(path)).toThrow(/extra/);
  });
});
