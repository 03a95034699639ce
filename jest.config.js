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
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    // The packed package installed into a fresh CDK app (npm install from the registry, cached).
    { ...common, displayName: 'package', testMatch: ['<rootDir>/test/package/**/*.test.ts'] },
  ],
};
