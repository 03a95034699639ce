import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { enqueueSends } from '../../../functions/producer.js';

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

describe('package exports', () => {
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

  it('serves the CDK construct as swarm-send/infra, finding its handler from the package root', () => {
    const script = `
      import { App, Stack } from 'aws-cdk-lib';
      import { Vpc } from 'aws-cdk-lib/aws-ec2';
      import { Code } from 'aws-cdk-lib/aws-lambda';
      import { SwarmSendPipeline, DEFAULT_ENTRY } from 'swarm-send/infra';
      const app = new App();
      const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-1' } });
      const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123'] });
      const registry = { clusters: { primary: { name: 'baker', nodes: ['10.0.0.11:80'], credentials: 'swarm/primary' }, dr: { name: 'dr', target: '192.168.1.13:80', credentials: 'swarm/dr' } }, defaultRoute: { from: 'primary', to: 'dr' } };
      new SwarmSendPipeline(stack, 'SwarmSend', { vpc, registry, code: Code.fromInline('export const handler = async () => ({ batchItemFailures: [] });') });
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
      entry: `${ROOT.replace(/\/$/, '')}/functions/handlers/send.ts`,
      queues: 2,
      functions: 1,
    });
  }, 60_000);

  it('packs dist/ (with the prebuilt handler and the JSON Schema), the launcher and the licence, and no sources or tests', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of [
      'dist/cli.js',
      'dist/producer.js',
      'dist/simulator.js',
      'dist/infra.js',
      'dist/types/infra/index.d.ts',
      'dist/lambda/send/index.mjs',
      'dist/lambda/send/index.mjs.map',
      'dist/schema/send-message.schema.json',
      'bin/swarm-send.js',
      'LICENSE',
      'README.md',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toStrictEqual([]);
    expect(files.filter((f) => /^(test|bench|scripts|config|local|cli|functions|simulator)\//.test(f))).toStrictEqual(
      [],
    );
  }, 60_000);

  it('is publishable: not private, an Apache-2.0 licence file, dist/ built on pack, Node 24 only for the command line', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & {
      scripts: Record<string, string>;
      engines: Record<string, string>;
    };
    expect(pkg.private).toBeUndefined();
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(pkg.scripts.prepack).toBe('node scripts/build-cli.mjs');
    expect(pkg.engines.node).toBe('>=20');
  });
});
