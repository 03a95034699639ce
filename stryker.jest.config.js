// The Jest configuration `npm run mutate` uses: the unit and integration tests that run the
// product in-process. Left out: the infra suite (CDK synthesis tests nothing in scope and takes
// minutes), the subprocess CLI tests (a child process runs dist/, which no mutant reaches), the
// curl suite (a subprocess too), the 10,000-body hostile suite and the queue-fault soak test
// (long runs; their checks are covered by faster tests of the same code).
import base from './jest.config.js';

const common = { ...base.projects[0] };
delete common.displayName;
delete common.testMatch;

export default {
  ...common,
  testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/integration/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/test/integration/hostile/', '/test/integration/handler/queue-faults.test.ts', '/test/integration/cli/', '/test/integration/simulator/cli.test.ts', '/test/integration/simulator/curl.test.ts', '/test/unit/node-version.test.ts', '/test/unit/producer/'],
};
