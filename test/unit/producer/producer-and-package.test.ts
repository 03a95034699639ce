import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { parseSendMessage } from '../../../functions/core/message/message.js';
import { deleteMessage, enqueueSends } from '../../../functions/producer.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const UUID = (i: number) => i.toString(16).padStart(32, '0');

describe('enqueueSends', () => {
  const sqsMock = mockClient(SQSClient);
  beforeEach(() => sqsMock.reset());
  const sqs = new SQSClient({ region: 'eu-west-1' });

  it('sends ten per SendMessageBatch call', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id })),
      Failed: [],
    }));
    const result = await enqueueSends(
      sqs,
      'https://sqs.eu-west-1.amazonaws.com/1/q',
      Array.from({ length: 23 }, (_, i) => ({ object: { uuid: UUID(i) } })),
    );
    expect(result).toStrictEqual({ sent: 23, failed: [] });
    expect(
      sqsMock
        .commandCalls(SendMessageBatchCommand)
        .map((c) => c.args[0].input.Entries?.length)
        .sort(),
    ).toStrictEqual([10, 10, 3]);
    expect(
      JSON.parse(sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageBody!),
    ).toStrictEqual({ object: { uuid: UUID(0) } });
  });

  it('deleteMessage builds a delete message (op "delete") that the parser accepts, enqueued like any other', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id })),
      Failed: [],
    }));
    const message = deleteMessage({ domain: 'd.example', bucket: 'b', name: 'n' }, { correlationId: 'c-1', to: 'dr' });
    expect(message).toStrictEqual({
      correlationId: 'c-1',
      to: 'dr',
      object: { domain: 'd.example', bucket: 'b', name: 'n' },
      op: 'delete',
    });
    expect(parseSendMessage(JSON.stringify(message))).toStrictEqual(message);
    await enqueueSends(sqs, 'https://sqs.eu-west-1.amazonaws.com/1/q', [message]);
    const body = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]!.MessageBody!;
    expect(JSON.parse(body)).toStrictEqual(message);
  });

  it('retries the entries SQS failed, and not the sender faults', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: '' }],
        Failed: [
          { Id: '1', Code: 'InternalError', SenderFault: false },
          { Id: '2', Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad' },
        ],
      })
      .resolves({ Successful: [{ Id: '1', MessageId: 'b', MD5OfMessageBody: '' }], Failed: [] });
    const result = await enqueueSends(
      sqs,
      'https://sqs.eu-west-1.amazonaws.com/1/q',
      ['{"object":{"uuid":"00000000000000000000000000000000"}}', 'b', 'c'],
      { retryDelayMs: 1 },
    );
    expect(result).toStrictEqual({ sent: 2, failed: [{ index: 2, code: 'InvalidMessageContents', message: 'bad' }] });
    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Entries!.map((e) => e.Id)).toStrictEqual(['1']);
  });

  it('gives up after maxTries on a call that keeps throwing, reporting each entry', async () => {
    sqsMock.on(SendMessageBatchCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    const result = await enqueueSends(sqs, 'https://sqs.eu-west-1.amazonaws.com/1/q', ['x', 'y'], {
      maxTries: 3,
      retryDelayMs: 1,
    });
    expect(result).toStrictEqual({
      sent: 0,
      failed: [
        { index: 0, code: 'ServiceUnavailable', message: 'down' },
        { index: 1, code: 'ServiceUnavailable', message: 'down' },
      ],
    });
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('fills in FIFO group and deduplication ids', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id })),
      Failed: [],
    }));
    await enqueueSends(sqs, 'https://sqs.eu-west-1.amazonaws.com/1/q.fifo', [
      { object: { uuid: 'A'.repeat(32) } },
      { object: { domain: 'd.example', bucket: 'b', name: 'n' } },
    ]);
    const entries = sqsMock.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries!;
    expect(entries.map((e) => e.MessageGroupId)).toStrictEqual(['a'.repeat(32), 'd.example/b']);
    expect(entries.every((e) => /^[0-9a-f-]{36}$/.test(e.MessageDeduplicationId ?? ''))).toBe(true);
  });
});

type Manifest = Record<string, unknown> & {
  version: string;
  scripts: Record<string, string>;
  engines: Record<string, string>;
  repository: { url: string; directory?: string };
  homepage: string;
  bugs: { url: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const CDK = join(ROOT, 'packages', 'cdk');
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The files `npm pack` would put in the package of `dir` (dist/ is built by `npm test`). */
function packedFiles(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}
const sources = (files: string[]) => files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'));

describe('the runtime package (swarm-send)', () => {
  it('serves the producer and the simulator by package name, with their declarations', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { enqueueSends, nodeHintFromWrite } from 'swarm-send/producer'; import { startSimulator } from 'swarm-send/simulator'; console.log(typeof enqueueSends, nodeHintFromWrite({ location: ['http://10.0.0.1:80/x', 'http://10.0.0.2:80/x'] }), typeof startSimulator);",
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function 10.0.0.2:80 function');
    const types = execFileSync(
      process.execPath,
      [
        '-e',
        "const p = require('./package.json'); const fs = require('fs'); console.log(Object.values(p.exports).filter((e) => typeof e === 'object').every((e) => fs.existsSync(e.types) && fs.existsSync(e.default)))",
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(types.trim()).toBe('true');
  });

  it('packs the command line, the producer, the simulator and the JSON Schema, and neither the construct, its handlers nor sources', () => {
    const files = packedFiles(ROOT);
    for (const f of [
      'dist/cli.js',
      'dist/producer.js',
      'dist/simulator.js',
      'dist/types/functions/producer.d.ts',
      'dist/types/simulator/index.d.ts',
      'dist/schema/send-message.schema.json',
      'bin/swarm-send.js',
      'LICENSE',
      'README.md',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^dist\/(lambda|infra|types\/infra)\b/.test(f))).toStrictEqual([]);
    expect(sources(files)).toStrictEqual([]);
    expect(
      files.filter((f) => /^(test|bench|scripts|config|local|cli|functions|simulator|infra|packages)\//.test(f)),
    ).toStrictEqual([]);
  }, 60_000);
});

describe('the construct package (@swarm-send/cdk, packages/cdk)', () => {
  it('serves the construct, which finds its prebuilt handlers under its own root', () => {
    const script = `
      import { App, Stack } from 'aws-cdk-lib';
      import { Vpc } from 'aws-cdk-lib/aws-ec2';
      import { SwarmSendPipeline, DEFAULT_ENTRY } from ${JSON.stringify(join(CDK, 'dist', 'index.js'))};
      const app = new App();
      const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-1' } });
      const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef1'] });
      const registry = { clusters: { primary: { name: 'baker', nodes: ['10.0.0.11:80'], credentials: 'swarm/primary' }, dr: { name: 'dr', target: '192.168.1.13:80', credentials: 'swarm/dr' } }, defaultRoute: { from: 'primary', to: 'dr' } };
      new SwarmSendPipeline(stack, 'SwarmSend', { vpc, registry });
      const t = app.synth().getStackByName('Consumer').template;
      const types = Object.values(t.Resources).map((r) => r.Type);
      console.log(JSON.stringify({ entry: DEFAULT_ENTRY, queues: types.filter((x) => x === 'AWS::SQS::Queue').length, functions: types.filter((x) => x === 'AWS::Lambda::Function').length }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', CDK_DISABLE_VERSION_CHECK: '1' },
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toStrictEqual({
      entry: join(CDK, 'functions', 'handlers', 'send.ts'),
      queues: 2,
      functions: 1,
    });
  }, 60_000);

  it('packs the construct, its prebuilt handlers, declarations, JSON Schema, README and licence, and nothing else', () => {
    const files = packedFiles(CDK);
    for (const f of [
      'dist/index.js',
      'dist/types/infra/index.d.ts',
      'dist/lambda/send/index.mjs',
      'dist/lambda/send/index.mjs.map',
      'dist/lambda/reconcile/index.mjs',
      'dist/schema/send-message.schema.json',
      'README.md',
      'LICENSE',
      'package.json',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(f))).toStrictEqual([]);
    expect(files.filter((f) => /^dist\/(cli|chunks|producer|simulator|types\/simulator)\b/.test(f))).toStrictEqual([]);
    expect(sources(files)).toStrictEqual([]);
  }, 60_000);

  it('depends on nothing at run time: aws-cdk-lib and constructs are peer dependencies, zod is bundled', () => {
    const cdk = manifest(CDK);
    expect(cdk.dependencies).toBeUndefined();
    expect(cdk.optionalDependencies).toBeUndefined();
    expect(Object.keys(cdk.peerDependencies ?? {}).sort()).toStrictEqual(['aws-cdk-lib', 'constructs']);
    expect(cdk.peerDependenciesMeta).toBeUndefined();
    expect(readFileSync(join(CDK, 'dist', 'index.js'), 'utf8')).not.toMatch(/from\s*["'](zod|@aws-sdk|undici)/);
  });
});

describe('both manifests', () => {
  const root = manifest(ROOT);
  const cdk = manifest(CDK);

  it('are publishable: same version, Apache-2.0 with the licence file, repository, homepage and bugs', () => {
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    for (const m of [root, cdk]) {
      expect(m.private).toBeUndefined();
      expect(m.license).toBe('Apache-2.0');
      expect(m.version).toBe(root.version);
      expect(m.repository.url).toBe('git+https://github.com/swarm-send/swarm-send.git');
      expect(m.homepage).toMatch(/^https:\/\/github\.com\/swarm-send\/swarm-send[#/]/);
      expect(m.bugs.url).toBe('https://github.com/swarm-send/swarm-send/issues');
    }
    expect(cdk.repository.directory).toBe('packages/cdk');
  });

  it('build on pack only (prepack), never on install: no prepare, no install scripts', () => {
    for (const m of [root, cdk]) {
      expect(Object.keys(m.scripts).filter((s) => /^(pre|post)?(prepare|install)$/.test(s))).toStrictEqual([]);
    }
    expect(root.scripts.prepack).toBe('node scripts/build-cli.mjs');
    expect(cdk.scripts.prepack).toBe('node ../../scripts/build-cli.mjs');
    // npm start on a fresh clone builds what it runs when dist/ is missing.
    expect(root.scripts.start).toMatch(/^node scripts\/build-cli\.mjs --if-missing --runtime && /);
  });

  it('ask for the Node they run on: 24 for the command line, 20 for the construct in a CDK app', () => {
    expect(root.engines.node).toBe('>=24');
    expect(cdk.engines.node).toBe('>=20');
  });

  it('build a production checkout with the esbuild the lock file pins', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    expect(root.scripts['build:runtime']).toBe(
      `npm exec --yes --package=esbuild@${lock.packages['node_modules/esbuild']!.version} -- node scripts/build-cli.mjs --runtime`,
    );
  });
});
