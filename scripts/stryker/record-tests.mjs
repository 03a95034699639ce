// Jest setup file of the mutation run only (stryker.jest.config.js). During Stryker's initial
// test run it writes down which test file each test lives in (tests-by-file.mjs reads it back),
// so that a mutant's run can load only the files of the tests that cover it.
import { appendFileSync } from 'node:fs';
import { indexFile, recording } from './tests-by-file.mjs';

if (recording()) {
  const names = [];
  afterEach(() => {
    const { currentTestName, testPath } = expect.getState();
    if (currentTestName && testPath) names.push(JSON.stringify([currentTestName, testPath]));
  });
  afterAll(() => {
    if (names.length) appendFileSync(indexFile(), `${names.join('\n')}\n`);
  });
}
