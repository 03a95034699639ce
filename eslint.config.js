// ESLint flat config: `npm run lint`. Prettier owns the layout (`npm run format`, printWidth in
// .prettierrc.json); ESLint checks what a formatter cannot: lines it could not break (comments),
// the size hints (warnings), and the package edges (.dependency-cruiser.cjs has the full rules,
// including cycles; the import bans here repeat them where an editor shows them as you type).
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** One line width for both tools: Prettier's printWidth. */
const WIDTH = JSON.parse(readFileSync(new URL('./.prettierrc.json', import.meta.url), 'utf8')).printWidth;
const PLATFORM = [
  '@aws-sdk/*',
  'aws-lambda',
  'aws-cdk-lib',
  'aws-cdk-lib/*',
  'constructs',
  '@aws-lambda-powertools/*',
  '@middy/*',
];
const RUNTIME_ONLY = ['@aws-lambda-powertools/*', '@middy/*', '@aws-sdk/*', 'undici', 'prom-client'];

export default defineConfig([
  globalIgnores([
    'dist/',
    'packages/*/dist/',
    'cdk.out/',
    'coverage/',
    'reports/',
    'bench/results/',
    'bench/.build/',
    '.stryker-tmp/',
  ]),
  {
    files: ['**/*.{ts,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    plugins: { '@stylistic': stylistic },
    languageOptions: { globals: globals.node },
    rules: {
      // The product strips and rejects control characters on purpose (headers, log-safe text).
      'no-control-regex': 'off',
      // Strings, template literals and URLs are left long: breaking them would change the text.
      '@stylistic/max-len': [
        'error',
        {
          code: WIDTH,
          tabWidth: 2,
          ignoreUrls: true,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
        },
      ],
    },
  },
  {
    // Tests read loosely typed CloudFormation templates; `any` is the honest type there.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Loaded by Jest as a setup file inside Stryker's sandbox: Jest's globals are there.
    files: ['scripts/stryker/*.mjs'],
    languageOptions: { globals: globals.jest },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Size hints, alike for product, bench and test code: a module is sized by its concept, so a
    // file or function past these only warns (ESLint's exit code stays 0); a split made only to get
    // under a line count scatters one concept over several files.
    files: ['**/*.{ts,js,mjs,cjs}'],
    rules: {
      'max-lines': ['warn', { max: 400, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['warn', { max: 80, skipBlankLines: false, skipComments: false }],
    },
  },
  {
    // One door per name: a module exports what it declares and importers import it from there.
    // The package's entry points are its public face, the one place that gathers names.
    files: ['{functions,cli,infra,simulator,local,bench}/**/*.ts'],
    ignores: ['functions/producer.ts', 'simulator/index.ts', 'infra/index.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['ExportAllDeclaration', 'ExportNamedDeclaration[source]'].map((selector) => ({
          selector,
          message: 'No pass-through re-export: import the name from the module that declares it.',
        })),
      ],
    },
  },
  {
    // In a test a `describe` callback is the whole suite, not a function: the file hint bounds it.
    files: ['test/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    files: ['functions/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['process', 'node:process'].map((name) => ({
            name,
            message: 'functions/core never reads the environment.',
          })),
          patterns: [
            {
              group: PLATFORM,
              message: 'functions/core stays pure: no AWS SDK, Lambda, CDK, Powertools or middy (use a port).',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'functions/core never reads the environment: take settings as arguments.',
        },
        { object: 'globalThis', property: 'process', message: 'functions/core never reads the environment.' },
      ],
    },
  },
  {
    files: ['simulator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/cli/*'], message: 'swarm-send/simulator does not carry the command line.' }] },
      ],
    },
  },
  {
    files: ['infra/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: RUNTIME_ONLY,
              message: 'The construct (@swarm-send/cdk) loads no runtime-only library at synth time.',
            },
          ],
        },
      ],
    },
  },
]);
