import { Duration, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { parseRegistry } from '../../functions/core/registry/registry.js';
import { PipelineAlarms } from '../../infra/constructs/pipeline-alarms.js';
import { PipelineNetwork } from '../../infra/constructs/pipeline-network.js';
import { SendQueues } from '../../infra/constructs/send-queues.js';
import { PipelinePropsError } from '../../infra/errors.js';
import { HandlerMetrics } from '../../infra/handler-metrics.js';
import {
  canonicalCidr,
  clusterEgressRules,
  isSecretsManagerReference,
  secretReferences,
} from '../../infra/registry-config.js';
import { worstCaseBackoffSeconds } from '../../infra/swarm-send-pipeline.js';
import { parseCidr } from '../../functions/core/transport/network.js';
import { exampleRegistry, importedVpc, nagFindings, newStack, removeTestOutdirs } from './helpers.js';

afterAll(removeTestOutdirs);

describe('SendQueues on its own', () => {
  it('derives the visibility timeout from the consumer timeout and batching window, and maxReceiveCount from maxAttempts', () => {
    const stack = newStack();
    const queues = new SendQueues(stack, 'Queues', {
      functionTimeout: Duration.seconds(30),
      maxBatchingWindow: Duration.seconds(20),
      maxAttempts: 4,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 30 + 20,
      RedrivePolicy: { maxReceiveCount: 6, deadLetterTargetArn: Match.anyValue() },
    });
    expect(queues.visibilityTimeout.toSeconds()).toBe(200);
    expect(queues.maxReceiveCount).toBe(6);
    expect(nagFindings(stack)).toStrictEqual([]);
  });

  it('acknowledges the missing DLQ of the outcomes queue with a reason', () => {
    const stack = newStack();
    new SendQueues(stack, 'Queues', { createOutcomesQueue: true });
    expect(nagFindings(stack)).toStrictEqual([]);
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 3);
  });

  it('refuses an unsafe combination under its own name', () => {
    const stack = newStack();
    expect(
      () =>
        new SendQueues(stack, 'Queues', {
          functionTimeout: Duration.minutes(5),
          visibilityTimeout: Duration.minutes(1),
        }),
    ).toThrow(
      /^SendQueues: invalid props:\n {2}- visibilityTimeout \(60 s\) is shorter than the function timeout \(300 s\)/,
    );
  });
});

describe('PipelineNetwork on its own', () => {
  it('opens egress to the registry networks and 443 anywhere when no endpoints are made', () => {
    const stack = newStack();
    const network = new PipelineNetwork(stack, 'Network', {
      vpc: importedVpc(stack),
      registry: parseRegistry(exampleRegistry()),
    });
    expect(network.clusterEgress.map((r) => `${r.cidr}:${r.port}`)).toStrictEqual(['10.0.0.0/24:80']);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [
        Match.objectLike({ CidrIp: '10.0.0.0/24' }),
        Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443 }),
      ],
    });
  });

  it('makes only the SQS endpoint when no credentials name a secret and the registry is inline', () => {
    const stack = newStack();
    const registry = parseRegistry({
      clusters: {
        p: { name: 'p', nodes: ['10.0.0.11:80'], credentials: 'env:P' },
        d: { name: 'd', target: '10.2.0.1:80', credentials: 'env:D' },
      },
    });
    const network = new PipelineNetwork(stack, 'Network', {
      vpc: importedVpc(stack),
      registry,
      interfaceEndpoints: true,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-1.sqs' });
    expect(network.secretsManagerEndpoint).toBeUndefined();
    expect(network.ssmEndpoint).toBeUndefined();
  });

  it('refuses a registry whose node lies outside its networks', () => {
    const stack = newStack();
    const registry = parseRegistry({
      clusters: { p: { name: 'p', nodes: ['10.9.0.1:80'], networks: ['10.0.0.0/24'], credentials: 'x' } },
    });
    expect(() => new PipelineNetwork(stack, 'Network', { vpc: importedVpc(stack), registry })).toThrow(
      PipelinePropsError,
    );
  });
});

describe('PipelineAlarms on its own', () => {
  let stack: Stack;
  beforeAll(() => {
    stack = newStack();
    const queue = new Queue(stack, 'Queue');
    // Any IFunction will do; these two metrics are all the alarms read from it.
    const fnLike = {
      metricErrors: (p: object) => queue.metric('Errors', p),
      metricThrottles: (p: object) => queue.metric('Throttles', p),
    } as never;
    new PipelineAlarms(stack, 'Alarms', {
      sendQueue: queue,
      deadLetterQueue: queue,
      lambdaFunction: fnLike,
      metrics: new HandlerMetrics({ namespace: 'N', serviceName: 'S' }),
    });
  });

  it('uses the metrics it is given for the failure rate', () => {
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: { Namespace: 'N', MetricName: 'MessagesProcessed', Dimensions: [{ Name: 'service', Value: 'S' }] },
          }),
        }),
      ]),
    });
  });
});

describe('registry derivations', () => {
  it.each([
    ['10.0.0.12', '10.0.0.12/32'],
    ['10.0.0.12/24', '10.0.0.0/24'],
    ['fd00::1/8', 'fd00:0:0:0:0:0:0:0/8'],
    ['::ffff:10.0.0.1', '0:0:0:0:0:ffff:a00:1/128'],
  ])('writes %s as the canonical CIDR %s', (text, canonical) => {
    expect(canonicalCidr(parseCidr(text))).toBe(canonical);
  });

  it.each([
    ['swarm/dr-admin', true],
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:x', true],
    ['env:DR', false],
    ['file:/etc/dr.json', false],
  ])('treats %s as a Secrets Manager reference: %s', (ref, expected) => {
    expect(isSecretsManagerReference(ref)).toBe(expected);
  });

  it('lists each secret once even when clusters share it', () => {
    const registry = parseRegistry({
      clusters: {
        a: { name: 'a', nodes: ['10.0.0.1:80'], credentials: 'shared' },
        b: { name: 'b', target: '10.0.1.1:80', credentials: 'shared' },
      },
    });
    expect(secretReferences(registry)).toStrictEqual(['shared']);
  });

  it("opens a verified destination's listed networks rather than only its target", () => {
    const registry = parseRegistry({
      clusters: {
        a: { name: 'a', nodes: ['10.0.0.1:80'], credentials: 'x' },
        b: { name: 'b', target: '10.0.1.1:8080', networks: ['10.0.1.0/28'], credentials: 'y' },
      },
      defaultRoute: { from: 'a', to: 'b', verify: true },
    });
    expect(clusterEgressRules(registry)).toStrictEqual([
      { cluster: 'a', cidr: '10.0.0.1/32', family: 4, port: 80, purpose: 'send' },
      { cluster: 'b', cidr: '10.0.1.0/28', family: 4, port: 8080, purpose: 'verify' },
    ]);
  });

  it('opens every verified target of a default route with several (fan-out), not only the first', () => {
    const registry = parseRegistry({
      clusters: {
        a: { name: 'a', nodes: ['10.0.0.1:80'], credentials: 'x' },
        b: { name: 'b', target: '10.0.1.1:8080', credentials: 'y' },
        c: { name: 'c', target: '10.0.2.1:8081', credentials: 'y' },
      },
      defaultRoute: { from: 'a', to: ['b', 'c'], verify: true },
    });
    expect(clusterEgressRules(registry).filter((r) => r.purpose === 'verify')).toStrictEqual([
      { cluster: 'b', cidr: '10.0.1.1/32', family: 4, port: 8080, purpose: 'verify' },
      { cluster: 'c', cidr: '10.0.2.1/32', family: 4, port: 8081, purpose: 'verify' },
    ]);
  });

  it('computes the worst-case backoff of a message that uses every attempt', () => {
    expect(worstCaseBackoffSeconds(5, Duration.seconds(5), Duration.seconds(900))).toBe(5 + 10 + 20 + 40);
    expect(worstCaseBackoffSeconds(5, Duration.seconds(100), Duration.seconds(300))).toBe(100 + 200 + 300 + 300);
    expect(worstCaseBackoffSeconds(1, Duration.seconds(5), Duration.seconds(900))).toBe(0);
  });
});
