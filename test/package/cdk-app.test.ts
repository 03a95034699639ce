import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../helpers/scratch.js';
import { CDK, NPM_ENV, installedVersion, lockedVersion, npm, npmInstall, pack, treeBytes } from './helpers.js';

// The construct package as a CDK team adopts it: a fresh CDK app (TypeScript, run with its own
// tsx; its own esbuild too, as a consumer's app has) installs its dependencies, then adds the
// packed @swarm-send/cdk with a plain `npm install <tarball>`, no flag, and synthesizes the
// pipeline under cdk-nag's AwsSolutions checks, the way infra/app.ts runs them. Twice: with the
// OLDEST aws-cdk-lib and constructs the peer ranges allow, and with the NEWEST on npm.

const cdkManifest = JSON.parse(readFileSync(join(CDK, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};

/** The lowest version a caret range allows: "^2.257.0" -> "2.257.0". */
function floorOf(range: string): string {
  const m = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) throw new Error(`peer range ${range} is not a caret range; teach this test its floor`);
  return m[1]!;
}
const newest = (name: string) => npm(['view', name, 'version'], CDK).trim();

/** The most a construct user's node_modules may grow by when the package is added. */
const MAX_INSTALL_BYTES = 10 * 1024 * 1024;
const PLATFORM_ESBUILD = `@esbuild/${process.platform}-${process.arch}`;

// A consumer's app: the pipeline with a scheduled reconcile (both prebuilt handlers), cdk-nag as
// a validation plugin (it fails synthesis on an unacknowledged finding), and a report of the
// findings and acknowledgements for the assertions.
const APP = `
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SwarmSendPipeline } from '@swarm-send/cdk';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-1' } });
const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0123456789abcdef0',
  vpcCidrBlock: '10.0.0.0/16',
  availabilityZones: ['eu-west-1a'],
  privateSubnetIds: ['subnet-0123456789abcdef1'],
});
const registry = {
  clusters: {
    primary: { name: 'baker', nodes: ['10.0.0.11:80'], credentials: 'swarm/primary' },
    dr: { name: 'dr', target: '192.168.1.13:80', credentials: 'swarm/dr' },
  },
  defaultRoute: { from: 'primary', to: 'dr' },
};
new SwarmSendPipeline(stack, 'SwarmSend', {
  vpc,
  registry,
  reconcile: { schedule: ScheduleExpression.rate(Duration.days(1)), scopes: [{ domain: 'media.example.com' }] },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

const report = new AwsSolutionsChecks().validateScope(stack);
console.log(JSON.stringify({
  findings: report.violations.flatMap((v) => v.violatingResources.map((r) => v.ruleName + ' at ' + (r.constructPath ?? '?'))),
  acknowledged: [...new Set(stack.node.findAll().flatMap((c) => c.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data as object).map((id) => id.replace(/^Annotation::/, '')))))].sort(),
  newerNode: Runtime.ALL.some((r) => r.family === RuntimeFamily.NODEJS && Number(/^nodejs(\\d+)/.exec(r.name)?.[1] ?? 0) > 24),
}));
`;

// Type-checked with the app, never run: the construct's declarations are real types, not \`any\`.
const TYPECHECK = `
import type { SwarmSendPipelineProps } from '@swarm-send/cdk';
// @ts-expect-error runtime is a lambda.Runtime, not its name
export const wrong: Partial<SwarmSendPipelineProps> = { runtime: 'nodejs24.x' };
`;

// The compiler options of \`cdk init app --language=typescript\` (aws-cdk's template), without its jest types.
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['es2022'],
    strict: true,
    noImplicitReturns: true,
    skipLibCheck: true,
    noEmit: true,
    isolatedModules: true,
    types: ['node'],
  },
  files: ['app.ts', 'typecheck.ts'],
};

const CASES = [
  {
    which: 'the floor of the peer ranges',
    cdkLib: floorOf(cdkManifest.peerDependencies['aws-cdk-lib']!),
    constructs: floorOf(cdkManifest.peerDependencies.constructs!),
  },
  { which: 'the newest on npm', cdkLib: newest('aws-cdk-lib'), constructs: newest('constructs') },
];

describe.each(CASES)(
  '@swarm-send/cdk in a fresh CDK app, aws-cdk-lib at $which ($cdkLib)',
  ({ cdkLib, constructs }) => {
    const dir = scratchDir('swarm-send-cdk-app-');
    const app = join(dir, 'app');
    let before: { bytes: number; packages: string[] };
    let after: { bytes: number; packages: string[] };
    let report: { findings: string[]; acknowledged: string[]; newerNode: boolean };
    const warnings: string[] = [];
    let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

    const topLevel = () =>
      readdirSync(join(app, 'node_modules')).flatMap((name) =>
        name.startsWith('@') ? readdirSync(join(app, 'node_modules', name)).map((n) => `${name}/${n}`) : [name],
      );

    beforeAll(() => {
      const tarball = pack(CDK, dir);
      mkdirSync(app);
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({
          name: 'consumer',
          private: true,
          type: 'module',
          dependencies: { 'aws-cdk-lib': cdkLib, constructs },
          devDependencies: {
            'cdk-nag': lockedVersion('cdk-nag'),
            esbuild: lockedVersion('esbuild'),
            tsx: lockedVersion('tsx'),
            typescript: lockedVersion('typescript'),
            '@types/node': lockedVersion('@types/node'),
          },
        }),
      );
      warnings.push(npmInstall(['--prefer-offline'], app));
      before = { bytes: treeBytes(join(app, 'node_modules')), packages: topLevel() };
      // What the docs tell a construct user to run: no flag.
      warnings.push(npmInstall(['--prefer-offline', tarball], app));
      after = { bytes: treeBytes(join(app, 'node_modules')), packages: topLevel() };
      writeFileSync(join(app, 'app.ts'), APP);
      writeFileSync(join(app, 'typecheck.ts'), TYPECHECK);
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG));
      const out = execFileSync(join(app, 'node_modules', '.bin', 'tsx'), ['app.ts'], {
        cwd: app,
        encoding: 'utf8',
        env: NPM_ENV,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      report = JSON.parse(out.trim().split('\n').pop()!) as typeof report;
      template = JSON.parse(readFileSync(join(app, 'cdk.out', 'Consumer.template.json'), 'utf8')) as typeof template;
    }, 600_000);

    it(`adds the construct and nothing else, at most ${MAX_INSTALL_BYTES / 1024 / 1024} MB, and leaves the app's own esbuild working`, () => {
      expect(installedVersion(app, 'aws-cdk-lib')).toBe(cdkLib);
      expect(installedVersion(app, 'constructs')).toBe(constructs);
      expect(installedVersion(app, '@swarm-send/cdk')).toBe(cdkManifest.version);
      expect(after.packages.filter((p) => !before.packages.includes(p))).toStrictEqual(['@swarm-send/cdk']);
      expect(before.packages.filter((p) => !after.packages.includes(p))).toStrictEqual([]);
      expect(after.bytes - before.bytes).toBeLessThanOrEqual(MAX_INSTALL_BYTES);
      expect(existsSync(join(app, 'node_modules', PLATFORM_ESBUILD))).toBe(true);
      const esbuild = execFileSync(join(app, 'node_modules', '.bin', 'esbuild'), ['--version'], { encoding: 'utf8' });
      expect(esbuild.trim()).toBe(lockedVersion('esbuild'));
      // This Node (the pinned 24) meets every engine the app's and the construct's packages ask for.
      expect(warnings.join('')).not.toContain('EBADENGINE');
    });

    it('synthesizes both functions from the prebuilt handlers, on nodejs24.x', () => {
      const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
      expect(functions).toHaveLength(2);
      const assets = functions.map((f) => {
        expect(f.Properties).toMatchObject({
          Handler: 'index.handler',
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
        });
        // The code's S3 key is the asset hash; cdk.out holds the asset as asset.<hash>/.
        const key = (f.Properties.Code as { S3Key: string }).S3Key;
        return join(app, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`);
      });
      const shipped = ['send', 'reconcile'].map((name) =>
        readFileSync(join(app, 'node_modules', '@swarm-send', 'cdk', 'dist', 'lambda', name, 'index.mjs')),
      );
      for (const asset of assets) {
        expect(readdirSync(asset).sort()).toStrictEqual(['index.mjs', 'index.mjs.map']);
        expect(shipped.some((code) => code.equals(readFileSync(join(asset, 'index.mjs'))))).toBe(true);
      }
    });

    it('leaves no cdk-nag AwsSolutions finding unacknowledged; AwsSolutions-L1 is acknowledged exactly when aws-cdk-lib knows a newer Node.js runtime', () => {
      expect(report.findings).toStrictEqual([]);
      expect(report.acknowledged.includes('AwsSolutions-L1')).toBe(report.newerNode);
    });

    it("type-checks with the app's own TypeScript under the CDK app template's options", () => {
      const tsc = join(app, 'node_modules', '.bin', 'tsc');
      const run = (() => {
        try {
          return { status: 0, out: execFileSync(tsc, ['-p', '.'], { cwd: app, encoding: 'utf8', stdio: 'pipe' }) };
        } catch (err) {
          const e = err as { status: number; stdout: string };
          return { status: e.status, out: e.stdout };
        }
      })();
      expect(run).toStrictEqual({ status: 0, out: '' });
    });

    it('ships the JSON Schema of the SEND message, resolvable as @swarm-send/cdk/send-message.schema.json', () => {
      const path = execFileSync(
        process.execPath,
        ['-e', "console.log(require.resolve('@swarm-send/cdk/send-message.schema.json'))"],
        { cwd: app, encoding: 'utf8' },
      ).trim();
      expect(path).toBe(join(app, 'node_modules', '@swarm-send', 'cdk', 'dist', 'schema', 'send-message.schema.json'));
      expect(JSON.parse(readFileSync(path, 'utf8'))).toStrictEqual(
        JSON.parse(readFileSync(join(CDK, '..', '..', 'docs', 'send-message.schema.json'), 'utf8')),
      );
    });
  },
);
