import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Vpc, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { RegistryDocument } from '../../infra/registry-config.js';

export const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

/** The handler stand-in that esbuild bundles in the bundling tests. */
export const FIXTURE_ENTRY = join(FIXTURES, 'send-handler.ts');

/** Prebuilt code: stacks that are not about bundling skip esbuild entirely. */
export const prebuiltCode = () => Code.fromAsset(join(FIXTURES, 'prebuilt'));

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const PRIVATE_SUBNETS = ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'];
export const ISOLATED_SUBNETS = ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'];

const outdirs: string[] = [];

/** A temporary cloud assembly directory, removed by {@link removeTestOutdirs}. */
export function testOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-send-infra-'));
  outdirs.push(dir);
  return dir;
}

/** Removes every directory {@link testOutdir} made (call in `afterAll`). */
export function removeTestOutdirs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A stack in its own app, with a temporary output directory and a fixed environment. */
export function newStack(id = 'Test'): Stack {
  const app = new App({ outdir: testOutdir() });
  return new Stack(app, id, { env: { account: ACCOUNT, region: REGION } });
}

/** An existing VPC imported by attributes (no lookup), with private and isolated subnets. */
export function importedVpc(stack: Stack): IVpc {
  return Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '10.0.0.0/16',
    availabilityZones: [`${REGION}a`, `${REGION}b`],
    privateSubnetIds: PRIVATE_SUBNETS,
    isolatedSubnetIds: ISOLATED_SUBNETS,
  });
}

/** A fresh copy of the checked-in example registry (DESIGN.md section 2). */
export function exampleRegistry(): RegistryDocument {
  const path = fileURLToPath(new URL('../../config/registry.example.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as RegistryDocument;
}

/** The ARN pattern a secret imported by name is granted on (its random suffix left open). */
export const secretArn = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-??????`]],
});

/** Every statement of the IAM policies whose name matches `name` (a regular expression). */
export function policyStatements(template: Template, name: string): Record<string, unknown>[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { PolicyName: Match.stringLikeRegexp(name) },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

/** cdk-nag AwsSolutions findings that are not acknowledged, as "rule at path" strings. */
export function nagFindings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId ?? '?'}`),
  );
}

/** Every acknowledgment (suppression) under `scope`: rule id, reason and where. */
export function acknowledgments(scope: IConstruct): { id: string; reason: string; path: string }[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // CDK stores rule ids it does not know under its annotation namespace ("Annotation::<id>").
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^Annotation::/, ''),
          reason,
          path: c.node.path,
        })),
      ),
  );
}

/**
 * Loads a bundled handler under this Node.js (24) and returns `typeof handler`. The bundle
 * imports the AWS SDK the runtime provides; here node_modules plays the runtime, so the bundle
 * is loaded from a folder that resolves it.
 */
export function bundledHandlerType(bundle: string): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const dir = mkdtempSync(join(root, 'node_modules', '.bundle-test-'));
  const file = join(dir, 'index.mjs');
  copyFileSync(bundle, file);
  try {
    return execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler);`],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' },
      },
    ).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
