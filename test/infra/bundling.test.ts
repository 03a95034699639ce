import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stage, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_ENTRY, REPO_ROOT } from '../../infra/defaults.js';
import { prebuiltHandlerCode, prebuiltHandlerDir } from '../../infra/handler-code.js';
import { SwarmSendPipeline } from '../../infra/swarm-send-pipeline.js';
import {
  FIXTURE_ENTRY,
  FIXTURES,
  bundledHandlerType,
  exampleRegistry,
  importedVpc,
  newStack,
  removeTestOutdirs,
} from './helpers.js';

afterAll(removeTestOutdirs);

/** The one bundled asset of a stack's app: its directory and files. */
function bundledAsset(stack: Stack): { dir: string; files: string[] } {
  const outdir = Stage.of(stack)!.outdir;
  const dirs = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
  expect(dirs).toHaveLength(1);
  const dir = join(outdir, dirs[0]!);
  return { dir, files: readdirSync(dir).sort() };
}

function environment(template: Template): Record<string, unknown> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  return fn!.Properties.Environment.Variables;
}

describe('the default entry', () => {
  it('is functions/handlers/send.ts under the repository root, found from the module URL', () => {
    expect(DEFAULT_ENTRY).toBe(join(REPO_ROOT, 'functions', 'handlers', 'send.ts'));
    expect(existsSync(join(REPO_ROOT, 'package.json'))).toBe(true);
  });
});

// Bundling runs esbuild for real, so this file synthesizes only two stacks.
const describeIfHandler = existsSync(DEFAULT_ENTRY) ? describe : describe.skip;

describeIfHandler('bundling the real handler from source with the default options', () => {
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    stack = newStack();
    new SwarmSendPipeline(stack, 'Pipeline', {
      vpc: importedVpc(stack),
      registry: exampleRegistry(),
      bundleFromSource: true,
    });
    template = Template.fromStack(stack);
  }, 60_000);

  it('produces an ESM bundle with its source map, from a local esbuild (no Docker)', () => {
    expect(bundledAsset(stack).files).toStrictEqual(['index.mjs', 'index.mjs.map']);
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs24.x' });
  });

  it('starts with the createRequire banner, is minified, and leaves the AWS SDK to the runtime', () => {
    const code = readFileSync(join(bundledAsset(stack).dir, 'index.mjs'), 'utf8');
    expect(
      code.startsWith(
        "import { createRequire as __swarmSendCreateRequire } from 'node:module'; const require = __swarmSendCreateRequire(import.meta.url);",
      ),
    ).toBe(true);
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(code).toMatch(/from\s*["']@aws-sdk\/client-sqs["']/);
    expect(code).not.toContain('"SendMessage"');
    expect(code.length).toBeLessThan(1_000_000);
  });

  it('turns the source map on through NODE_OPTIONS', () => {
    expect(environment(template).NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('is byte for byte the prebuilt bundle the package ships (dist/lambda/send), apart from the source map comment', () => {
    const withoutMapComment = (code: string) => code.replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
    const fromSource = readFileSync(join(bundledAsset(stack).dir, 'index.mjs'), 'utf8');
    const prebuilt = readFileSync(join(prebuiltHandlerDir('send'), 'index.mjs'), 'utf8');
    expect(withoutMapComment(prebuilt)).toBe(withoutMapComment(fromSource));
  });

  it('loads under Node.js 24 and exports the handler', () => {
    expect(bundledHandlerType(join(bundledAsset(stack).dir, 'index.mjs'))).toBe('function');
  });
});

describe('bundling with caller options', () => {
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    stack = newStack();
    new SwarmSendPipeline(stack, 'Pipeline', {
      vpc: importedVpc(stack),
      registry: exampleRegistry(),
      entry: FIXTURE_ENTRY,
      bundling: { minify: false, sourceMap: false },
    });
    template = Template.fromStack(stack);
  }, 60_000);

  it('bundles the given entry with the caller winning over the defaults (no minify, no source map)', () => {
    const { dir, files } = bundledAsset(stack);
    expect(files).toStrictEqual(['index.mjs']);
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(code).toContain('createRequire');
    expect(code).toContain('batchItemFailures');
    expect(code.split('\n').length).toBeGreaterThan(5);
  });

  it('leaves NODE_OPTIONS alone without a source map', () => {
    expect(environment(template).NODE_OPTIONS).toBeUndefined();
  });
});

describe('the prebuilt handler (the default: what the package ships)', () => {
  let stack: Stack;
  let template: Template;

  beforeAll(() => {
    stack = newStack();
    new SwarmSendPipeline(stack, 'Pipeline', { vpc: importedVpc(stack), registry: exampleRegistry() });
    template = Template.fromStack(stack);
  });

  it('deploys dist/lambda/send as it is, bundling nothing at synthesis', () => {
    const { dir, files } = bundledAsset(stack);
    expect(files).toStrictEqual(['index.mjs', 'index.mjs.map']);
    for (const f of files)
      expect(readFileSync(join(dir, f))).toStrictEqual(readFileSync(join(prebuiltHandlerDir('send'), f)));
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs24.x' });
  });

  it('turns its source map on through NODE_OPTIONS', () => {
    expect(environment(template).NODE_OPTIONS).toBe('--enable-source-maps');
    const map = JSON.parse(readFileSync(join(prebuiltHandlerDir('send'), 'index.mjs.map'), 'utf8')) as {
      sources: string[];
    };
    expect(map.sources).toContain('../../../functions/handlers/send.ts');
  });

  it('names what to do when a prebuilt handler was not built', () => {
    expect(() => prebuiltHandlerCode('no-such-handler')).toThrow(
      /prebuilt "no-such-handler" handler is missing .*dist\/lambda\/no-such-handler\/index\.mjs.*npm run build/,
    );
  });

  it('refuses to bundle from a source file that is not there', () => {
    const other = newStack();
    expect(
      () =>
        new SwarmSendPipeline(other, 'Pipeline', {
          vpc: importedVpc(other),
          registry: exampleRegistry(),
          entry: join(FIXTURES, 'missing.ts'),
        }),
    ).toThrow(/cannot bundle the "send" handler from source: .*missing\.ts does not exist/);
  });
});
