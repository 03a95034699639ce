import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROMETHEUS_METRICS } from '../../../functions/adapters/prometheus-telemetry.js';

// deploy/prometheus/: the worker's alert rules, checked by promtool (Debian's prometheus package,
// which .ci/run installs; a missing promtool fails the test) and unit-tested with the series and
// expected alerts of swarm-send-worker.rules.test.yml.

const DIR = fileURLToPath(new URL('../../../deploy/prometheus/', import.meta.url));
const promtool = (...args: string[]) =>
  execFileSync('promtool', args, { cwd: DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('deploy/prometheus/swarm-send-worker.rules.yml', () => {
  it('passes promtool check rules', () => {
    expect(promtool('check', 'rules', 'swarm-send-worker.rules.yml')).toContain('SUCCESS: 9 rules found');
  });

  it('passes its unit tests (promtool test rules): each alert fires on its series, none on healthy ones', () => {
    expect(promtool('test', 'rules', 'swarm-send-worker.rules.test.yml')).toMatch(/SUCCESS\s*$/);
  });

  it('names only metrics the worker exports', () => {
    const rules = readFileSync(`${DIR}swarm-send-worker.rules.yml`, 'utf8');
    const exported = new Set<string>(Object.values(PROMETHEUS_METRICS));
    const used = new Set([...rules.matchAll(/\b(swarm_send_[a-z_]+)/g)].map((m) => m[1]!));
    const unknown = [...used].filter((name) => !exported.has(name) && !exported.has(name.replace(/_bucket$/, '')));
    expect(unknown).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(5);
  });
});
