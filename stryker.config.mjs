// Mutation testing (`npm run mutate`, not part of `npm test`). StrykerJS mutates the product code
// in scope, type-checks each mutant (mutants that do not compile are not counted) and runs only
// the Jest tests that cover it. Incremental: results of unchanged code and tests are reused from
// reports/stryker-incremental.json (committed), so a rerun only tests what changed.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // Jest runs in native ESM mode (see jest.config.js); the runner process needs the same flag.
  testRunnerNodeArgs: ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning'],
  jest: { projectType: 'custom', configFile: 'stryker.jest.config.js', enableFindRelatedTests: true },
  checkers: ['typescript'],
  // The checker type-checks the program of this tsconfig once per group of mutants: only the
  // code in scope and what it imports (no tests, no CDK app, no benchmarks), a third of the
  // work of the full tsconfig.json, which on this machine made the checker the bottleneck.
  tsconfigFile: 'tsconfig.stryker.json',
  coverageAnalysis: 'perTest',
  mutate: [
    'functions/core/**/*.ts',
    'functions/worker/**/*.ts',
    'functions/adapters/**/*.ts',
    'cli/redrive.ts',
    // The simulator's protocol: HTTP parsing, Digest, and the two SEND forms.
    'simulator/http-parser.ts',
    'simulator/digest.ts',
    'simulator/auth.ts',
    'simulator/send-legacy.ts',
    'simulator/send-feed.ts',
    'simulator/send-stream.ts',
    'simulator/redirect.ts',
  ],
  ignorePatterns: ['dist', 'reports', 'cdk.out', 'coverage', 'bench/results', '.stryker-tmp'],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Two cores. A mutant's time limit is timeoutFactor x the time its covering tests took in the
  // initial run, plus timeoutMS (Stryker's defaults). Run it on an otherwise idle machine: under
  // another heavy process a slow run can pass for a timeout. Most of the run's time went to
  // mutants that hang (a loop that no longer ends, a promise never settled): with 15 s of
  // timeoutMS each of them cost 15-20 s and a new Jest process. The initial run of every test in
  // stryker.jest.config.js takes 1-4 minutes, more than Stryker's 5-minute default leaves room
  // for on a loaded machine.
  // Three on two cores: two type checkers, then (once every mutant is checked) three test
  // runners, so the waits of mutants that time out overlap instead of idling the machine.
  concurrency: 3,
  timeoutMS: 5000,
  timeoutFactor: 1.5,
  dryRunTimeoutMinutes: 20,
  thresholds: { high: 80, low: 70, break: null },
  cleanTempDir: 'always',
};
