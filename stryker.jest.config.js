// The Jest configuration `npm run mutate` uses: the unit tests and the integration tests that run
// the product in-process and finish in seconds. Stryker runs, for each mutant, only the tests that
// cover it (per-test coverage), and every test of the related files for a mutant in module-level
// code (a "static" mutant: a pattern or a schema; scripts/stryker/tests-by-file.mjs keeps only the
// unit tests among those), so one slow suite in this list costs its run time again for every
// mutant it covers. Left out, and why:
// - suites that run the product in a child process (the CLI, `swarm-send worker`, curl, the
//   launcher): the child runs dist/, which no mutant reaches, so they cannot kill anything;
// - the infra and package projects (CDK synthesis, npm pack: nothing in scope);
// - long runs and load tests whose checks faster tests of the same code also make: the
//   10,000-body hostile suite (pattern-anchors kills the anchor mutants), the queue-fault soak,
//   the reconcile fast-check property (test/unit/core/listing and the reconcile integration tests
//   walk the same listing and diff code), the 20,000-SEND bounded-state test;
// - suites that wait for real time to pass (SDK timeouts against a server that never answers,
//   the adaptive limit's back-off over seconds): each mutant they cover would cost their whole
//   wait, and a slowed-down mutant there is a timeout, not a finding. Their code is covered by
//   the unit tests of worker/concurrency.ts and the deadline tests of
//   test/integration/worker/process-batch.test.ts.
import base from './jest.config.js';

const common = { ...base.projects[0] };
delete common.displayName;
delete common.testMatch;

const leftOut = [
  // child processes
  '/test/integration/cli/',
  '/test/integration/simulator/cli.test.ts',
  '/test/integration/simulator/curl.test.ts',
  '/test/integration/worker/worker-env.test.ts',
  '/test/integration/worker/worker-service.test.ts',
  '/test/unit/package/',
  '/test/unit/node-version.test.ts',
  '/test/unit/producer/',
  // long runs and load tests
  '/test/integration/hostile/',
  '/test/integration/handler/queue-faults.test.ts',
  '/test/integration/reconcile/property.test.ts',
  '/test/integration/core/bounded-state.test.ts',
  // real-time waits
  '/test/integration/handler/deadline-queue-calls.test.ts',
  '/test/integration/worker/concurrency-and-stragglers.test.ts',
];

export default {
  ...common,
  testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/integration/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...leftOut],
  // Each mutant's run loads only the test files that hold a test covering it (see the file).
  setupFilesAfterEnv: ['<rootDir>/scripts/stryker/record-tests.mjs'],
  testSequencer: '<rootDir>/scripts/stryker/tests-by-file.mjs',
};
