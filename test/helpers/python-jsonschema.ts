import { startProcess } from './processes.js';

/**
 * Debian's python3-jsonschema (the Python `jsonschema` package on the system Python, which
 * .ci/run installs), run once over many bodies: what a producer written in Python sees when it
 * validates a message against the published schema. /usr/bin/python3 on purpose: a pyenv or
 * virtualenv python3 earlier on PATH may lack the package.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

// Reads the schema (first line) and then one JSON-encoded body per line; prints one letter per
// body: "a" the schema accepts it, "r" it rejects it, "n" the body is not JSON (as JavaScript's
// JSON.parse reads it: NaN and Infinity, which Python's json also takes, are not JSON).
const SCRIPT = `
import json, sys
from jsonschema import Draft202012Validator
sys.setrecursionlimit(100000)
def no_constant(name):
    raise ValueError(name)
lines = sys.stdin.read().split("\\n")
schema = json.loads(lines[0])
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)
out = []
for line in lines[1:]:
    if not line:
        continue
    body = json.loads(line)
    try:
        value = json.loads(body, parse_constant=no_constant)
    except ValueError:
        out.append("n")
        continue
    out.append("a" if validator.is_valid(value) else "r")
sys.stdout.write("".join(out))
`;

export type PythonVerdict = 'accept' | 'reject' | 'not-json';
const VERDICTS: Record<string, PythonVerdict> = { a: 'accept', r: 'reject', n: 'not-json' };

/** Python jsonschema's verdict on each body, in order. Fails with Python's own error if it cannot run. */
export async function pythonVerdicts(schema: unknown, bodies: readonly string[]): Promise<PythonVerdict[]> {
  const python = startProcess(SYSTEM_PYTHON, ['-c', SCRIPT], { env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8' } });
  python.child.stdin!.on('error', () => undefined);
  python.child.stdin!.end(`${[JSON.stringify(schema), ...bodies.map((b) => JSON.stringify(b))].join('\n')}\n`);
  const code = await python.exited;
  const letters = python.stdout();
  if (code !== 0 || letters.length !== bodies.length)
    throw new Error(
      `${SYSTEM_PYTHON} with jsonschema exited ${code} after ${letters.length} of ${bodies.length} bodies ` +
        `(is python3-jsonschema installed? apt-get install python3-jsonschema):\n${python.stderr()}`,
    );
  return [...letters].map((l) => VERDICTS[l]!);
}
