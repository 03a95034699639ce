// Run before every `npm run mutate`: makes Stryker test again the "static" mutants (module-level
// code: patterns, schemas, default options) that no test killed last time.
//
// Stryker's incremental mode reuses a mutant's result unless the mutant's code or one of the
// tests covering it changed. A static mutant has no per-test coverage (its code runs when the
// module loads, before any test), so no test change ever reaches it: once it survived, it
// survives in every later run, even after a test that kills it was added. This is a documented
// limitation (https://stryker-mutator.io/docs/stryker-js/incremental/#limitations, and
// https://github.com/stryker-mutator/stryker-js/issues/6119). Dropping those results from the
// incremental file makes the next run test them with every related test, as a full run would.
// Killed static mutants and type errors are kept: adding tests cannot change them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/stryker-incremental.json';
if (!existsSync(file)) process.exit(0);

const report = JSON.parse(readFileSync(file, 'utf8'));
const retest = new Set(['Survived', 'NoCoverage']);
let dropped = 0;
for (const entry of Object.values(report.files)) {
  const kept = entry.mutants.filter((m) => !(m.static && retest.has(m.status)));
  dropped += entry.mutants.length - kept.length;
  entry.mutants = kept;
}
if (dropped) writeFileSync(file, JSON.stringify(report, null, 2));
console.log(`forget-static: ${dropped} surviving static mutant(s) will be tested again`);
