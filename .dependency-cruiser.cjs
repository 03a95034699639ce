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
