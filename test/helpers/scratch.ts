// Scratch directories for tests. Each one is made under the OS temp directory and removed, with
// everything in it, once the test file that asked for it has run all its tests: a test run
// leaves nothing behind in /tmp. The hook is registered at the top level of the file that
// imports this module, so it runs after that file's own `afterAll` hooks (which stop the
// processes that may still write into the directory).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory named `<prefix>XXXXXX` under the OS temp directory. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
