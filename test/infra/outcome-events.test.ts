import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../functions/core/outcome/outcome-event.js';
import { ENV } from '../../functions/env.js';
import { SwarmSendPipeline, type SwarmSendPipelineProps } from '../../infra/swarm-send-pipeline.js';
import { exampleRegistry, importedVpc, nagFindings, newStack, prebuiltCode, removeTestOutdirs } from './helpers.js';

afterAll(removeTestOutdirs);

function pipelineIn(stack: Stack, props: Partial<SwarmSendPipelineProps> = {}): SwarmSendPipeline {
  return new SwarmSendPipeline(stack, 'Pipeline', {
    vpc: importedVpc(stack),
    registry: exampleRegistry(),
    code: prebuiltCode(),
    ...props,
  });
}

/** The statements of the function role's policies that name an EventBridge action. */
function eventsStatements(template: Template): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument
          .Statement,
    )
    .filter((s) => JSON.stringify(s.Action).includes('events:'));
}

function functionVariables(template: Template): Record<string, unknown> {
  const fns = Object.values(template.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  return fns[0]!.Properties.Environment.Variables;
}

describe('outcome events', () => {
  it('are off by default: no bus, no grant, no variable, and onOutcome says why it cannot', () => {
    const stack = newStack();
    const pipeline = pipelineIn(stack);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(eventsStatements(template)).toStrictEqual([]);
    expect(functionVariables(template)[ENV.EVENT_BUS_NAME]).toBeUndefined();
    expect(pipeline.events).toBeUndefined();
    expect(() => pipeline.onOutcome('Rule', {}, new SnsTopic(pipeline.alarmTopic))).toThrow(/outcomeEvents/);
  });

  describe('with outcomeEvents: true and interface endpoints', () => {
    let stack: Stack;
    let template: Template;

    beforeAll(() => {
      stack = newStack();
      const pipeline = pipelineIn(stack, { outcomeEvents: true, interfaceEndpoints: true });
      pipeline.onOutcome(
        'DeleteRefused',
        { detailTypes: [DETAIL_TYPES.FAILED], reasons: ['delete-refused', 'remote-rejected'], to: ['dr'] },
        new SnsTopic(pipeline.alarmTopic),
      );
      template = Template.fromStack(stack);
    });

    it('creates one bus and grants the function exactly events:PutEvents on it', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      const bus = Object.keys(template.findResources('AWS::Events::EventBus'))[0]!;
      expect(eventsStatements(template)).toStrictEqual([
        { Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bus, 'Arn'] } },
      ]);
    });

    it('tells the function the bus (its ARN) and the RPO (the pipeline recoveryPointObjective, 15 minutes)', () => {
      const bus = Object.keys(template.findResources('AWS::Events::EventBus'))[0]!;
      const vars = functionVariables(template);
      expect(vars[ENV.EVENT_BUS_NAME]).toStrictEqual({ 'Fn::GetAtt': [bus, 'Arn'] });
      expect(vars[ENV.EVENTS_RPO_SECONDS]).toBe('900');
    });

    it('adds a rule matching source swarm-send, the detail-types and the record fields given', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.anyValue(),
        EventPattern: {
          source: [EVENT_SOURCE],
          'detail-type': ['Replication Failed'],
          detail: { reason: ['delete-refused', 'remote-rejected'], to: ['dr'] },
        },
        Targets: [Match.objectLike({ Arn: Match.anyValue() })],
      });
    });

    it('adds an EventBridge interface endpoint and passes the AwsSolutions pack', () => {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: Match.stringLikeRegexp('events'),
        VpcEndpointType: 'Interface',
      });
      expect(nagFindings(stack)).toStrictEqual([]);
    });
  });

  it('uses a bus it is given, creating none, and grants PutEvents on that bus alone', () => {
    const stack = newStack();
    const arn = 'arn:aws:events:eu-west-1:210987654321:event-bus/dr-events';
    pipelineIn(stack, { outcomeEvents: EventBus.fromEventBusArn(stack, 'Given', arn) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(eventsStatements(template)).toStrictEqual([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: arn }]);
    expect(functionVariables(template)[ENV.EVENT_BUS_NAME]).toBe(arn);
    expect(nagFindings(stack)).toStrictEqual([]);
  });
});
