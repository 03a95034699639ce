// Which test files a mutant's run has to load (the mutation run only: stryker.jest.config.js).
//
// For each mutant, Stryker's Jest runner passes the names of the covering tests as
// `testNamePattern`, together with `--findRelatedTests <mutated file>`: Jest then loads every
// test file that imports the mutated file, however indirectly (for a core helper, nearly every
// integration suite with its SDK clients, simulator and fauxqs), only to skip most of their
// tests. That loading was most of the time of a mutant. This sequencer drops the files that
// hold none of the covering tests, using the test-to-file index record-tests.mjs wrote in the
// initial run. A file the index does not name ran no test in the initial run, so it holds no
// covering test either; without an index (outside Stryker) every file is kept.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The index lives in Stryker's sandbox (a copy of the project), never in the project itself. */
export const indexFile = () => `${HERE}.tests-by-file.jsonl`;

/** True in Stryker's initial run: inside its sandbox, with no mutant active. */
export const recording = () => HERE.includes('/.stryker-tmp/') && process.env.__STRYKER_ACTIVE_MUTANT__ === undefined;

/** True in a mutant run inside Stryker's sandbox. */
const staticRun = () => HERE.includes('/.stryker-tmp/') && process.env.__STRYKER_ACTIVE_MUTANT__ !== undefined;

function filesByTest() {
  const map = new Map();
  if (!existsSync(indexFile())) return map;
  for (const line of readFileSync(indexFile(), 'utf8').split('\n')) {
    if (!line) continue;
    const [name, path] = JSON.parse(line);
    map.set(path, [...(map.get(path) ?? []), name]);
  }
  return map;
}

export default class CoveringFilesSequencer {
  constructor({ globalConfig }) {
    this.pattern = globalConfig?.testNamePattern ? new RegExp(globalConfig.testNamePattern, 'i') : null;
  }

  sort(tests) {
    const byPath = (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
    if (!this.pattern) {
      // A mutant run without test names is a static mutant's (module-level code: a schema, a
      // pattern, a default), for which Stryker asks for every related test. Only the unit tests
      // among them run: that is what kills such mutants, in a fraction of the time. The error
      // can only go one way: a static mutant that only an integration test would kill is
      // reported as survived, never the reverse. With no unit test related, all of them run.
      if (!staticRun()) return [...tests].sort(byPath);
      const unit = tests.filter((t) => t.path.includes('/test/unit/'));
      return (unit.length > 0 ? unit : [...tests]).sort(byPath);
    }
    const index = filesByTest();
    if (index.size === 0) return [...tests].sort(byPath);
    const needed = (path) => (index.get(path) ?? []).some((n) => this.pattern.test(n));
    return tests.filter((t) => needed(t.path)).sort(byPath);
  }

  cacheResults() {}

  allFailedTests(tests) {
    return tests;
  }
}
