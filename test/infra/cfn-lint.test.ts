import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { REPO_ROOT } from '../../infra/defaults.js';
import { loadSampleConfig } from '../../infra/sample-config.js';
import { SwarmSendSampleStack } from '../../infra/sample-stack.js';
import { SwarmSendPipeline } from '../../infra/swarm-send-pipeline.js';
import {
  ACCOUNT,
  REGION,
  exampleRegistry,
  importedVpc,
  prebuiltCode,
  removeTestOutdirs,
  testOutdir,
} from './helpers.js';

// The sample stack's templates, as `cdk synth` writes them (with the prebuilt handler), checked
// by the maintained CloudFormation linter (Python cfn-lint; .ci/run installs it when missing).
// No error may remain; warnings are allowed. A machine without cfn-lint fails this test.

afterAll(removeTestOutdirs);

interface Finding {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Filename: string;
}

/** Synthesizes the sample stack from a config (the example, with overrides) and returns its template file. */
function synthesize(overrides: Record<string, unknown>): string {
  const dir = testOutdir();
  const example = JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'pipeline.example.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  writeFileSync(join(dir, 'registry.example.json'), readFileSync(join(REPO_ROOT, 'config', 'registry.example.json')));
  const configPath = join(dir, 'pipeline.json');
  writeFileSync(configPath, JSON.stringify({ ...example, ...overrides }));
  const config = loadSampleConfig(configPath);
  const app = new App({ outdir: join(dir, 'cdk.out') });
  new SwarmSendSampleStack(app, config.stackName, { config, env: config.env });
  app.synth();
  return join(dir, 'cdk.out', `${config.stackName}.template.json`);
}

/** A stack with the pipeline and its long-running tier (the sample config has no image to run). */
function synthesizeWithTier(): string {
  const dir = testOutdir();
  const app = new App({ outdir: dir });
  const stack = new Stack(app, 'SwarmSendTier', { env: { account: ACCOUNT, region: REGION } });
  new SwarmSendPipeline(stack, 'Pipeline', {
    vpc: importedVpc(stack),
    registry: exampleRegistry(),
    code: prebuiltCode(),
    longRunningTier: { image: ContainerImage.fromRegistry('registry.example.com/swarm-send-worker:0.1.0') },
  });
  app.synth();
  return join(dir, 'SwarmSendTier.template.json');
}

/** cfn-lint's findings (JSON); exit codes are a bit mask (2 error, 4 warning, 8 informational). */
function cfnLint(templates: string[]): Finding[] {
  try {
    return JSON.parse(
      execFileSync('cfn-lint', ['--format', 'json', '--', ...templates], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as Finding[];
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string; status?: number };
    if (e.code === 'ENOENT')
      throw new Error('cfn-lint is not installed (pip install cfn-lint; .ci/run does it)', { cause: err });
    if (e.status !== undefined && e.status !== null && (e.status & 1) === 0 && e.stdout)
      return JSON.parse(e.stdout) as Finding[];
    throw new Error(`cfn-lint failed (exit ${e.status}): ${e.stderr ?? e.message}`, { cause: err });
  }
}

describe('the sample stack under cfn-lint', () => {
  it('has no cfn-lint error, with the example config and with the registry in SSM, private subnets, FIFO and outcome events', () => {
    const templates = [
      synthesize({}),
      synthesize({
        stackName: 'SwarmSendFifo',
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
        outcomeEvents: true,
      }),
    ];
    const version = execFileSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    expect(version).toMatch(/^cfn-lint \d+\./);
    const findings = cfnLint(templates);
    const errors = findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Filename}: ${f.Message}`);
    expect(errors).toStrictEqual([]);
    // The templates really were read: both are there, with their Lambda function.
    for (const t of templates) expect(readFileSync(t, 'utf8')).toContain('"AWS::Lambda::Function"');
  }, 120_000);

  it('has no cfn-lint error with the long-running tier', () => {
    const template = synthesizeWithTier();
    const errors = cfnLint([template])
      .filter((f) => f.Level === 'Error')
      .map((f) => `${f.Rule.Id} ${f.Filename}: ${f.Message}`);
    expect(errors).toStrictEqual([]);
    expect(readFileSync(template, 'utf8')).toContain('"AWS::ECS::Service"');
  }, 120_000);
});
