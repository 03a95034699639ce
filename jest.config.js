// Jest runs in native ESM mode (see the `test` script: --experimental-vm-modules), because
// @middy/core 7 ships only ESM. @swc/jest strips the TypeScript and keeps `import`/`export`.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  // Sources import './x.js' (NodeNext style); Jest must find './x.ts'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Subprocess and socket tests on a busy 2-core machine: Jest's 5 s default is too tight.
  testTimeout: 30_000,
  // Stryker's sandbox (npm run mutate) holds a copy of the project; Jest must not index it.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
};

export default {
  // Tests must pass on a busy 2-core machine: subprocess and socket tests can take longer than
  // Jest's 5 s default there without anything being wrong (a global option: projects ignore it).
  testTimeout: 30_000,
  // Two workers on the 2-core machine: the whole run in about half the time of one
  // (docs/testing.md). The timing test that once failed under two workers keeps a quarter of
  // its deadline margin for the batch response now (functions/worker/deadline.ts).
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    // The packed package installed into a fresh CDK app (npm install from the registry, cached).
    { ...common, displayName: 'package', testMatch: ['<rootDir>/test/package/**/*.test.ts'] },
    // The container image, built and run (docs/container-image.md). Its build starts with Jest
    // (globalSetup, only when this project has a test to run) and its test runs last.
    {
      ...common,
      displayName: 'image',
      testMatch: ['<rootDir>/test/image/**/*.test.ts'],
      globalSetup: '<rootDir>/test/image/build-in-background.mjs',
      globalTeardown: '<rootDir>/test/image/stop-build.mjs',
    },
  ],
  testSequencer: '<rootDir>/test/image/last.mjs',
};
