// Architecture rules for the product code (functions/, cli/, infra/, simulator/, local/).
// test/unit/architecture.test.ts runs them in `npm test`; `npx depcruise functions cli infra simulator
// local` prints the same findings. Paths are relative to the directory the cruise starts in.
/** Platform packages the pure core must never load: AWS SDK, Lambda types, CDK, Powertools, middy. */
const PLATFORM =
  '(@aws-sdk/|@types/aws-lambda/|aws-lambda(/|$)|aws-cdk-lib(/|$)|constructs(/|$)|@aws-lambda-powertools/|@middy/)';
/**
 * Libraries only the Lambda or the worker use at run time (logging, metrics, middleware, SQS,
 * HTTP): the construct must not reach them, or swarm-send/infra would bundle them and load them
 * at every CDK synth.
 */
const RUNTIME_ONLY = '(@aws-lambda-powertools/|@middy/|@aws-sdk/|undici(/|$)|prom-client(/|$))';
const npmPath = (names) => [`(^|/)node_modules/${names}`, `^${names}`];

/**
 * The direction between the core's folders, as it holds (docs/architecture.md): `message/` at
 * the bottom; `registry/` and `transport/` above it, `transport/` reading the registry's cluster
 * and node types and `registry/` only the address parsing of `transport/network.ts`; `send/` on
 * those; `outcome/` and `listing/` on top, neither importing the other. The files at the core's
 * root (errors.ts, redact.ts) import no folder. Each entry: a folder and what it must not import.
 */
const CORE_LAYERS = [
  ['core-root-imports-no-folder', '^functions/core/[^/]+$', '^functions/core/[^/]+/', null],
  [
    'core-message-is-the-bottom',
    '^functions/core/message/',
    '^functions/core/(registry|transport|send|outcome|listing)/',
    null,
  ],
  [
    'core-registry-below-send',
    '^functions/core/registry/',
    '^functions/core/(transport|send|outcome|listing)/',
    '^functions/core/transport/network\\.ts$',
  ],
  ['core-transport-below-send', '^functions/core/transport/', '^functions/core/(message|send|outcome|listing)/', null],
  ['core-send-below-outcome-and-listing', '^functions/core/send/', '^functions/core/(outcome|listing)/', null],
  ['core-outcome-without-listing', '^functions/core/outcome/', '^functions/core/listing/', null],
  ['core-listing-without-outcome', '^functions/core/listing/', '^functions/core/outcome/', null],
].map(([name, from, to, allowed]) => ({
  name,
  severity: 'error',
  comment: 'The core folders import downwards only (see CORE_LAYERS).',
  from: { path: from },
  to: allowed ? { path: to, pathNot: allowed } : { path: to },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Product modules form no import cycle (type-only imports count: they couple the modules too).',
      from: { path: '^(functions|cli|infra|simulator|local)/' },
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'functions/core loads no AWS SDK, Lambda, CDK, Powertools or middy code (ports and adapters do).',
      from: { path: '^functions/core/' },
      to: { path: npmPath(PLATFORM) },
    },
    {
      name: 'core-depends-on-core-only',
      severity: 'error',
      comment:
        'functions/core imports nothing else of the product: adapters and the worker depend on the core, not back.',
      from: { path: '^functions/core/' },
      to: { path: '^(functions|cli|infra|simulator|local|bench|test)/', pathNot: '^functions/core/' },
    },
    ...CORE_LAYERS,
    {
      name: 'simulator-without-cli',
      severity: 'error',
      comment: 'The simulator package (swarm-send/simulator) does not carry the command line.',
      from: { path: '^simulator/' },
      to: { path: '^cli/' },
    },
    {
      name: 'infra-without-runtime-adapters',
      severity: 'error',
      comment:
        'The construct (swarm-send/infra) loads no runtime-only library at synth time, not even through a module it imports.',
      from: { path: '^infra/' },
      to: { path: npmPath(RUNTIME_ONLY), reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|cdk\\.out|\\.stryker-tmp)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
