import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package as a CDK team adopts it: `npm pack`, then a fresh CDK app (in a temporary
// directory) installs the tarball with the OLDEST aws-cdk-lib and constructs the peer ranges
// allow, without the optional dependencies and without esbuild, and synthesizes the pipeline
// with the prebuilt handler. npm talks to the registry (its cache makes later runs faster); an
// install that fails fails the test.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};

/** The lowest version a caret range allows: "^2.252.0" -> "2.252.0". */
function floorOf(range: string): string {
  const m = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) throw new Error(`peer range ${range} is not a caret range; teach this test its floor`);
  return m[1]!;
}

const FLOOR = {
  'aws-cdk-lib': floorOf(pkg.peerDependencies['aws-cdk-lib']!),
  constructs: floorOf(pkg.peerDependencies.constructs!),
};

const npmEnv = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  CDK_DISABLE_VERSION_CHECK: '1',
};
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', env: npmEnv, stdio: ['ignore', 'pipe', 'pipe'] });

const APP = `
import { App, Stack } from 'aws-cdk-lib';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { SwarmSendPipeline } from 'swarm-send/infra';
const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-1' } });
const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', vpcCidrBlock: '10.0.0.0/16', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef1'] });
const registry = { clusters: { primary: { name: 'baker', nodes: ['10.0.0.11:80'], credentials: 'swarm/primary' }, dr: { name: 'dr', target: '192.168.1.13:80', credentials: 'swarm/dr' } }, defaultRoute: { from: 'primary', to: 'dr' } };
new SwarmSendPipeline(stack, 'SwarmSend', { vpc, registry });
app.synth();
`;

describe(`the packed package in a fresh CDK app with aws-cdk-lib ${FLOOR['aws-cdk-lib']} and constructs ${FLOOR.constructs}`, () => {
  let dir: string;
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'swarm-send-floor-'));
    // dist/ is already built by `npm test`; building again here would rewrite it under the feet
    // of the other test files, so pack without scripts (the prepack script is what builds it).
    const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT)) as {
      filename: string;
    }[];
    const tarball = join(dir, packed[0]!.filename);
    const app = join(dir, 'app');
    execFileSync('mkdir', [app]);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        dependencies: {
          'aws-cdk-lib': FLOOR['aws-cdk-lib'],
          constructs: FLOOR.constructs,
          'swarm-send': `file:${tarball}`,
        },
      }),
    );
    npm(['install', '--omit=optional', '--prefer-offline', '--no-package-lock'], app);
    writeFileSync(join(app, 'app.mjs'), APP);
    execFileSync(process.execPath, ['app.mjs'], { cwd: app, env: npmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    template = JSON.parse(readFileSync(join(app, 'cdk.out', 'Consumer.template.json'), 'utf8')) as typeof template;
  }, 170_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const app = () => join(dir, 'app');
  const installed = (name: string) =>
    (JSON.parse(readFileSync(join(app(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;

  it("installs the floor versions, no esbuild and none of the command line's optional dependencies", () => {
    expect(installed('aws-cdk-lib')).toBe(FLOOR['aws-cdk-lib']);
    expect(installed('constructs')).toBe(FLOOR.constructs);
    expect(installed('swarm-send')).toBe(pkg.version);
    for (const absent of [
      'esbuild',
      'zod',
      'fauxqs',
      'undici',
      '@middy/core',
      '@aws-sdk/client-sqs',
      '@aws-lambda-powertools/logger',
    ]) {
      expect(existsSync(join(app(), 'node_modules', absent))).toBe(false);
    }
  });

  it("synthesizes the pipeline with the prebuilt handler: the asset is the package's dist/lambda/send", () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(1);
    expect(functions[0]!.Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
    });
    // The code's S3 key is the asset hash; cdk.out holds the asset as asset.<hash>/.
    const key = (functions[0]!.Properties.Code as { S3Key: string }).S3Key;
    const asset = join(app(), 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`);
    expect(readdirSync(asset).sort()).toStrictEqual(['index.mjs', 'index.mjs.map']);
    expect(readFileSync(join(asset, 'index.mjs'))).toStrictEqual(
      readFileSync(join(ROOT, 'dist', 'lambda', 'send', 'index.mjs')),
    );
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::SQS::Queue')).toHaveLength(2);
  });

  it('ships the JSON Schema of the SEND message, resolvable as swarm-send/send-message.schema.json', () => {
    const path = execFileSync(
      process.execPath,
      ['-e', "console.log(require.resolve('swarm-send/send-message.schema.json'))"],
      { cwd: app(), encoding: 'utf8' },
    ).trim();
    expect(path).toBe(join(app(), 'node_modules', 'swarm-send', 'dist', 'schema', 'send-message.schema.json'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toStrictEqual(
      JSON.parse(readFileSync(join(ROOT, 'docs', 'send-message.schema.json'), 'utf8')),
    );
  });

  it('has a command line that names a missing optional dependency instead of a stack trace', () => {
    let stderr = '';
    let status: number | null = 0;
    try {
      execFileSync(
        process.execPath,
        [
          join(app(), 'node_modules', 'swarm-send', 'bin', 'swarm-send.js'),
          'status',
          '--queue-url',
          'http://127.0.0.1:9/000000000000/q',
        ],
        {
          cwd: app(),
          env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' },
          stdio: ['ignore', 'pipe', 'pipe'],
          encoding: 'utf8',
        },
      );
    } catch (err) {
      ({ stderr, status } = err as { stderr: string; status: number | null });
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(
      /^swarm-send: this command needs the package "@aws-sdk\/[a-z-]+", an optional dependency of swarm-send that is not installed/,
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
