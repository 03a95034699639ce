import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { Stack } from 'aws-cdk-lib';
import { DEFAULT_RUNTIME, SwarmSendPipeline, type SwarmSendPipelineProps } from '../../infra/index.js';
import {
  acknowledgments,
  exampleRegistry,
  importedVpc,
  nagFindings,
  newStack,
  prebuiltCode,
  removeTestOutdirs,
} from './helpers.js';

// The `runtime` prop of the pipeline's functions, and cdk-nag's AwsSolutions-L1 (the newest
// runtime of the family that the installed aws-cdk-lib knows). A newer aws-cdk-lib is played by
// registering its Node.js runtime in `Runtime.ALL`, as aws-cdk-lib's own `new Runtime(...)` does;
// test/package/cdk-app.test.ts runs the real newest aws-cdk-lib.

afterAll(removeTestOutdirs);

function pipeline(extra: Partial<SwarmSendPipelineProps> = {}): { stack: Stack; runtimes: string[] } {
  const stack = newStack();
  new SwarmSendPipeline(stack, 'Pipeline', {
    vpc: importedVpc(stack),
    registry: exampleRegistry(),
    code: prebuiltCode(),
    reconcile: {
      schedule: ScheduleExpression.rate(Duration.days(1)),
      scopes: [{ domain: 'media.example.com' }],
      code: prebuiltCode(),
    },
    ...extra,
  });
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  return { stack, runtimes: Object.values(functions).map((f) => (f.Properties as { Runtime: string }).Runtime) };
}

const l1 = (stack: Stack) => acknowledgments(stack).filter((a) => a.id === 'AwsSolutions-L1');

describe('the runtime while nodejs24.x is the newest Node.js runtime aws-cdk-lib knows', () => {
  it('is nodejs24.x by default for the SEND and the reconcile function, with nothing to acknowledge', () => {
    const { stack, runtimes } = pipeline();
    expect(DEFAULT_RUNTIME.name).toBe('nodejs24.x');
    expect(runtimes).toStrictEqual(['nodejs24.x', 'nodejs24.x']);
    expect(nagFindings(stack)).toStrictEqual([]);
    expect(l1(stack)).toStrictEqual([]);
  });

  it('is the chosen one for both functions; an older choice is an unacknowledged AwsSolutions-L1 finding', () => {
    const { stack, runtimes } = pipeline({ runtime: Runtime.NODEJS_22_X });
    expect(runtimes).toStrictEqual(['nodejs22.x', 'nodejs22.x']);
    expect(nagFindings(stack).filter((f) => f.startsWith('AwsSolutions-L1 '))).toHaveLength(2);
    expect(l1(stack)).toStrictEqual([]);
  });
});

describe('the runtime once aws-cdk-lib knows a newer Node.js runtime (nodejs26.x)', () => {
  let nodejs26: Runtime;
  beforeAll(() => {
    nodejs26 = new Runtime('nodejs26.x', RuntimeFamily.NODEJS, { supportsInlineCode: true });
  });

  it('keeps the tested nodejs24.x by default and acknowledges AwsSolutions-L1 on each function, naming the newer one', () => {
    const { stack, runtimes } = pipeline();
    expect(runtimes).toStrictEqual(['nodejs24.x', 'nodejs24.x']);
    expect(nagFindings(stack)).toStrictEqual([]);
    const acks = l1(stack);
    expect(acks.map((a) => a.path).sort()).toStrictEqual([
      'Test/Pipeline/Reconcile/Function',
      'Test/Pipeline/SendFunction/Function',
    ]);
    for (const a of acks) expect(a.reason).toMatch(/^nodejs24\.x is the newest .*tested on; .*nodejs26\.x/);
  });

  it('acknowledges the same when nodejs24.x is chosen explicitly', () => {
    const { stack } = pipeline({ runtime: Runtime.NODEJS_24_X });
    expect(nagFindings(stack)).toStrictEqual([]);
    expect(l1(stack)).toHaveLength(2);
  });

  it('deploys the newer runtime when chosen, with no finding and nothing acknowledged', () => {
    const { stack, runtimes } = pipeline({ runtime: nodejs26 });
    expect(runtimes).toStrictEqual(['nodejs26.x', 'nodejs26.x']);
    expect(nagFindings(stack)).toStrictEqual([]);
    expect(l1(stack)).toStrictEqual([]);
  });

  it('leaves an older choice unacknowledged', () => {
    const { stack } = pipeline({ runtime: Runtime.NODEJS_22_X });
    expect(nagFindings(stack).filter((f) => f.startsWith('AwsSolutions-L1 '))).toHaveLength(2);
    expect(l1(stack)).toStrictEqual([]);
  });
});
