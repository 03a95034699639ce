/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `npm run bench -- --profile`): self
 * time by function and by origin (a package under node_modules, node internals, or the bundled
 * project code), so a CPU-per-SEND figure can be traced to where it goes.
 *
 *   npx tsx bench/profile-top.ts bench/results/profiles/pipeline.cpuprofile [top=25]
 *   npx tsx bench/profile-top.ts <file> --callers writeLatin1String   (who calls a hot function)
 */
import { readFile } from 'node:fs/promises';
import { markdownTable, textTable } from './report.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Where a frame's code comes from: `node_modules/<package>`, `node:internal`, or the file. */
export function originOf(url: string): string {
  if (!url) return '(native / VM)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\/.*\/(bench\/\.build\/)?/, '');
}

/** Self time (µs) per function key and per origin. */
export function selfTimes(profile: CpuProfile): {
  byFunction: Map<string, number>;
  byOrigin: Map<string, number>;
  totalUs: number;
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const f = node.callFrame;
    if (f.functionName === '(idle)' || f.functionName === '(program)') return;
    totalUs += dt;
    const origin = originOf(f.url);
    const key = `${f.functionName || '(anonymous)'}  [${origin}${f.url ? `:${f.lineNumber + 1}` : ''}]`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + dt);
  });
  return { byFunction, byOrigin, totalUs };
}

/**
 * Self time of the functions named `name`, by the chain of their nearest callers outside node
 * internals and the VM (up to three frames), so native time is traced back to the code that
 * asked for it.
 */
export function callersOf(profile: CpuProfile, name: string): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (byId.get(id)?.callFrame.functionName !== name) return;
    const chain: string[] = [];
    for (let p = parent.get(id); p !== undefined && chain.length < 3; p = parent.get(p)) {
      const f = byId.get(p)?.callFrame;
      if (!f || !f.url || f.url.startsWith('node:')) continue;
      chain.push(`${f.functionName || '(anonymous)'} [${originOf(f.url)}]`);
    }
    const key = chain.join(' < ') || '(no user frame)';
    out.set(key, (out.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return out;
}

/** Inclusive time (µs) of each named function: samples with it anywhere on the stack. */
export function inclusiveTimes(profile: CpuProfile, names: readonly string[]): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const wanted = new Set(names);
  const out = new Map<string, number>(names.map((n) => [n, 0]));
  profile.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const name = byId.get(p)?.callFrame.functionName ?? '';
      if (wanted.has(name) && !seen.has(name)) {
        seen.add(name);
        out.set(name, (out.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
      }
    }
  });
  return out;
}

/** Reads a .cpuprofile file. */
export async function readProfile(file: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
}

/**
 * A Markdown summary of a profile: self time by origin and by function, callers of the given
 * hot native functions, and inclusive time of the given functions; per-SEND figures when
 * `sends` (SENDs in the profiled process, warm-up included) is given.
 */
export function summarize(
  profile: CpuProfile,
  o: { top: number; callersOf: readonly string[]; inclusive: readonly string[]; sends: number },
): string {
  const { byFunction, byOrigin, totalUs } = selfTimes(profile);
  const perSend = (us: number) => `${(us / o.sends).toFixed(1)} µs`;
  const rows = (map: Map<string, number>, n: number) => top(map, totalUs, n, perSend);
  const parts = [
    `Non-idle samples: ${(totalUs / 1000).toFixed(0)} ms over ${o.sends.toLocaleString('en-US')} SENDs (warm-up included) = ${perSend(totalUs)} per SEND.`,
    '',
    markdownTable({ headers: ['origin', 'self', 'share', 'per SEND'], rows: rows(byOrigin, o.top) }),
    '',
    markdownTable({ headers: ['function (self time)', 'self', 'share', 'per SEND'], rows: rows(byFunction, o.top) }),
    '',
  ];
  for (const name of o.callersOf) {
    parts.push(
      markdownTable({
        headers: [`callers of ${name}`, 'self', 'share', 'per SEND'],
        rows: rows(callersOf(profile, name), 4),
      }),
      '',
    );
  }
  const incl = inclusiveTimes(profile, o.inclusive);
  parts.push(
    markdownTable({
      headers: ['function (inclusive time)', 'inclusive', 'share', 'per SEND'],
      rows: o.inclusive.map((n) => [
        n,
        `${((incl.get(n) ?? 0) / 1000).toFixed(0)} ms`,
        `${(((incl.get(n) ?? 0) / totalUs) * 100).toFixed(1)}%`,
        perSend(incl.get(n) ?? 0),
      ]),
    }),
  );
  return parts.join('\n');
}

/** The `n` largest entries as table rows: key, ms, share of `total`, and `extra(us)` if given. */
function top(map: Map<string, number>, total: number, n: number, extra?: (us: number) => string): string[][] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => [
      k,
      `${(us / 1000).toFixed(0)} ms`,
      `${((us / total) * 100).toFixed(1)}%`,
      ...(extra ? [extra(us)] : []),
    ]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const callers = args.indexOf('--callers');
  const target = callers >= 0 ? args.splice(callers, 2)[1] : undefined;
  const [file, n = '25'] = args;
  if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [top] [--callers NAME]');
  const profile = await readProfile(file);
  const { byFunction, byOrigin, totalUs } = selfTimes(profile);
  if (target) {
    const map = callersOf(profile, target);
    process.stdout.write(
      `${textTable({ headers: [`callers of ${target}`, 'self', 'share of all'], rows: top(map, totalUs, Number(n)) })}\n`,
    );
    return;
  }
  process.stdout.write(`${file}: ${(totalUs / 1000).toFixed(0)} ms of non-idle samples\n\n`);
  process.stdout.write(
    `${textTable({ headers: ['origin', 'self', 'share'], rows: top(byOrigin, totalUs, Number(n)) })}\n\n`,
  );
  process.stdout.write(
    `${textTable({ headers: ['function', 'self', 'share'], rows: top(byFunction, totalUs, Number(n)) })}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
