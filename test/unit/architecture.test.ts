import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type IConfiguration, type IViolation } from 'dependency-cruiser';
import { ESLint } from 'eslint';
import ts from 'typescript';

/**
 * The package edges, checked on every `npm test`: the rules live in .dependency-cruiser.cjs
 * (no cycle in product code; a pure core whose folders import downwards only; the simulator
 * without the CLI; infra without runtime-only libraries); the core's ban on reading the
 * environment is a source scan here, because an import graph cannot see `process.env`.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = join(root, 'test/fixtures/architecture');
const PRODUCT = ['functions', 'cli', 'infra', 'simulator', 'local'];
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs')) as IConfiguration;

interface Cruised {
  readonly violations: readonly string[];
  readonly modules: readonly string[];
}

async function cruiseRules(baseDir: string, dirs: readonly string[]): Promise<Cruised> {
  const tsConfig = join(root, 'tsconfig.json');
  const result = await cruise(
    [...dirs],
    {
      ...config.options,
      baseDir,
      tsConfig: { fileName: tsConfig },
      validate: true,
      ruleSet: { forbidden: config.forbidden ?? [] },
    },
    {},
    { tsConfig: ts.parseJsonConfigFileContent(ts.readConfigFile(tsConfig, ts.sys.readFile).config, ts.sys, root) },
  );
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned a report, not a result');
  const { summary, modules } = result.output;
  return {
    violations: [...new Set(summary.violations.map(violationLine))].sort(),
    modules: modules.map((m) => m.source),
  };
}

function violationLine(v: IViolation): string {
  return `${v.rule.name}: ${v.from} -> ${v.to}`;
}

const isIdentifier = (node: ts.Node, name: string): boolean => ts.isIdentifier(node) && node.text === name;

/** `process.env`, `process['env']`, `globalThis.process`, or an import of `process`. */
function readsEnvironment(node: ts.Node): boolean {
  if (ts.isPropertyAccessExpression(node)) {
    const { expression, name } = node;
    return (
      (isIdentifier(expression, 'process') && name.text === 'env') ||
      (isIdentifier(expression, 'globalThis') && name.text === 'process')
    );
  }
  if (ts.isElementAccessExpression(node)) {
    const key = node.argumentExpression;
    return isIdentifier(node.expression, 'process') && ts.isStringLiteralLike(key) && key.text === 'env';
  }
  if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
    const from = node.moduleSpecifier;
    return from !== undefined && ts.isStringLiteral(from) && /^(node:)?process$/.test(from.text);
  }
  return false;
}

/** Where a file reads the environment, as `path:line`. */
function environmentReads(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (readsEnvironment(node)) {
      found.push(`${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f))
    .sort();
}

describe('architecture of the product code', () => {
  let product: Cruised;
  beforeAll(async () => {
    product = await cruiseRules(root, PRODUCT);
  });

  it('cruises the whole product, so a passing rule is not an empty graph', () => {
    expect(product.modules.length).toBeGreaterThan(100);
    for (const m of [
      'functions/core/send/send-client.ts',
      'functions/handlers/send.ts',
      'cli/main.ts',
      'infra/index.ts',
      'simulator/index.ts',
      'local/demo.ts',
    ]) {
      expect(product.modules).toContain(m);
    }
  });

  it('has no cycle, no platform import in the core, no upward import between core folders, no CLI in the simulator and no runtime-only library in infra', () => {
    expect(product.violations).toEqual([]);
  });

  it('never reads the environment in functions/core', () => {
    const files = tsFilesUnder(join(root, 'functions/core'));
    expect(files.length).toBeGreaterThan(20);
    expect(files.flatMap(environmentReads)).toEqual([]);
  });
});

describe('the architecture rules bite: a fixture tree that breaks each of them once', () => {
  it('reports every forbidden import, the cycle and the reach into Powertools', async () => {
    const { violations } = await cruiseRules(fixture, ['functions', 'cli', 'infra', 'simulator']);
    // npm targets resolve through the repository's node_modules, above the fixture's root (or
    // wherever a symlinked node_modules really is).
    const toPackage = (rule: string, from: string, pkg: string): unknown =>
      expect.stringMatching(new RegExp(`^${rule}: ${from} -> (\\.\\./)*([^ ]*/)?node_modules/${pkg}/`));
    expect(violations).toEqual([
      'core-depends-on-core-only: functions/core/uses-adapter.ts -> functions/adapters/metrics.ts',
      toPackage('core-is-pure', 'functions/core/reads-platform.ts', '@aws-sdk/client-sqs'),
      toPackage('core-is-pure', 'functions/core/reads-platform.ts', '@types/aws-lambda'),
      'core-listing-without-outcome: functions/core/listing/uses-outcome.ts -> functions/core/outcome/outcome.ts',
      'core-message-is-the-bottom: functions/core/message/uses-registry.ts -> functions/core/registry/registry.ts',
      'core-outcome-without-listing: functions/core/outcome/uses-listing.ts -> functions/core/listing/listing.ts',
      // registry/registry.ts -> transport/network.ts, the one import of transport/ registry/ may make, is absent.
      'core-registry-below-send: functions/core/registry/uses-transport.ts -> functions/core/transport/nodes.ts',
      'core-root-imports-no-folder: functions/core/root-uses-folder.ts -> functions/core/send/send.ts',
      'core-send-below-outcome-and-listing: functions/core/send/uses-outcome.ts -> functions/core/outcome/outcome.ts',
      'core-transport-below-send: functions/core/transport/uses-send.ts -> functions/core/send/send.ts',
      toPackage('infra-without-runtime-adapters', 'infra/stack.ts', '@aws-lambda-powertools/metrics'),
      'no-cycle: functions/core/cycle-a.ts -> functions/core/cycle-b.ts',
      'simulator-without-cli: simulator/tool.ts -> cli/command.ts',
    ]);
  });

  it('finds each way the fixture core reads the environment', () => {
    expect(tsFilesUnder(join(fixture, 'functions/core')).flatMap(environmentReads)).toEqual([
      'test/fixtures/architecture/functions/core/reads-env-otherwise.ts:2',
      'test/fixtures/architecture/functions/core/reads-env-otherwise.ts:5',
      'test/fixtures/architecture/functions/core/reads-env-otherwise.ts:6',
      'test/fixtures/architecture/functions/core/reads-platform.ts:5',
    ]);
  });

  it('is backed by the ESLint import bans, which flag the same imports where an editor shows them', async () => {
    const eslint = new ESLint({ cwd: root });
    const lint = async (file: string, as: string): Promise<string[]> => {
      const [result] = await eslint.lintText(readFileSync(join(fixture, file), 'utf8'), { filePath: join(root, as) });
      const banned = ['no-restricted-imports', 'no-restricted-properties'];
      return (result?.messages ?? [])
        .filter((m) => banned.includes(m.ruleId ?? ''))
        .map((m) => `${m.ruleId}:${m.line}`);
    };
    expect(await lint('functions/core/reads-platform.ts', 'functions/core/lint-probe.ts')).toEqual([
      'no-restricted-imports:2',
      'no-restricted-imports:3',
      'no-restricted-properties:5',
    ]);
    expect(await lint('simulator/tool.ts', 'simulator/lint-probe.ts')).toEqual(['no-restricted-imports:2']);
    expect(await lint('functions/adapters/metrics.ts', 'infra/lint-probe.ts')).toEqual(['no-restricted-imports:1']);
  });

  it('forbids pass-through re-exports in product code, except in the package entry points', async () => {
    const eslint = new ESLint({ cwd: root });
    const probe =
      "export * from './a.js';\nexport { b } from './b.js';\nexport type { C } from './c.js';\nexport const d = 1;\n";
    const lines = async (as: string): Promise<number[]> => {
      const [result] = await eslint.lintText(probe, { filePath: join(root, as) });
      return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.line);
    };
    expect(await lines('functions/worker/lint-probe.ts')).toEqual([1, 2, 3]);
    expect(await lines('cli/lint-probe.ts')).toEqual([1, 2, 3]);
    expect(await lines('functions/producer.ts')).toEqual([]);
  });
});
