import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import type { Code } from 'aws-cdk-lib/aws-lambda';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { DETAIL_TYPES } from '../functions/core/outcome/outcome-event.js';
import type { SampleConfig } from './sample-config.js';
import { SwarmSendPipeline } from './swarm-send-pipeline.js';

export interface SwarmSendSampleStackProps extends StackProps {
  /** The validated sample configuration. */
  readonly config: SampleConfig;
  /**
   * Prebuilt function code (tests).
   * @default - the handler is bundled by esbuild
   */
  readonly code?: Code;
  /**
   * Bundle the handler from this repository's source with esbuild (the sample app does, so
   * `cdk synth` deploys what is checked out) instead of the prebuilt dist/lambda/send bundle.
   * @default false
   */
  readonly bundleFromSource?: boolean;
}

/**
 * The sample stack: a `SwarmSendPipeline` in an existing VPC, imported by id. It only composes;
 * every resource comes from the construct.
 */
export class SwarmSendSampleStack extends Stack {
  public readonly pipeline: SwarmSendPipeline;

  constructor(scope: Construct, id: string, props: SwarmSendSampleStackProps) {
    super(scope, id, props);
    const { config } = props;

    // Imported by attributes, not looked up: `cdk synth` needs no account and no network.
    const vpc = Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: config.vpc.vpcId,
      vpcCidrBlock: config.vpc.vpcCidrBlock,
      availabilityZones: config.vpc.availabilityZones,
      ...(config.vpc.privateSubnetIds ? { privateSubnetIds: config.vpc.privateSubnetIds } : {}),
      ...(config.vpc.isolatedSubnetIds ? { isolatedSubnetIds: config.vpc.isolatedSubnetIds } : {}),
    });
    Annotations.of(vpc).acknowledgeWarning(
      '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      "The pipeline creates interface endpoints only (no gateway endpoints, no routes), so it never reads the subnets' route tables.",
    );

    const registryParameter = config.registryInParameter
      ? new StringParameter(this, 'Registry', {
          description: 'swarm-send cluster registry (no secrets: credentials are references)',
          stringValue: JSON.stringify(config.registry),
        })
      : undefined;

    this.pipeline = new SwarmSendPipeline(this, 'Pipeline', {
      vpc,
      registry: config.registry,
      ...(registryParameter ? { registryParameter } : {}),
      interfaceEndpoints: config.interfaceEndpoints,
      fifo: config.fifo,
      createOutcomesQueue: config.createOutcomesQueue,
      outcomeEvents: config.outcomeEvents,
      ...(config.maxConcurrency !== undefined ? { maxConcurrency: config.maxConcurrency } : {}),
      ...(config.recoveryPointObjectiveMinutes !== undefined
        ? { recoveryPointObjective: Duration.minutes(config.recoveryPointObjectiveMinutes) }
        : {}),
      ...(props.code ? { code: props.code } : {}),
      ...(props.bundleFromSource ? { bundleFromSource: true } : {}),
    });

    if (this.pipeline.events) {
      // A sample rule: an object that missed the recovery-point objective is told to the alarm topic.
      this.pipeline.onOutcome(
        'MissedThresholdRule',
        { detailTypes: [DETAIL_TYPES.MISSED_THRESHOLD] },
        new SnsTopic(this.pipeline.alarmTopic),
      );
      new CfnOutput(this, 'EventBusName', { value: this.pipeline.events.eventBus.eventBusName });
    }

    if (config.alarmEmail) this.pipeline.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    // What producers and operators need after `cdk deploy` (swarm-send enqueue / status / redrive).
    new CfnOutput(this, 'SendQueueUrl', { value: this.pipeline.sendQueue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.pipeline.deadLetterQueue.queueUrl });
    if (this.pipeline.outcomesQueue)
      new CfnOutput(this, 'OutcomesQueueUrl', { value: this.pipeline.outcomesQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.pipeline.alarmTopic.topicArn });
    new CfnOutput(this, 'FunctionName', { value: this.pipeline.lambdaFunction.functionName });
  }
}
