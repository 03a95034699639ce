/**
 * Formatting shared by the benchmark and the chaos run: aligned text tables for stdout,
 * Markdown tables for the results files, the machine description, and number formats.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { RESULTS_DIR } from './harness.js';

/** A table: a header row and string cells. */
export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Right-aligns cells that look numeric, left-aligns the rest. */
function isNumeric(cell: string): boolean {
  return /^[-+]?[\d,.]+\s*(%|x|µs|ms|s|MB|KB|MiB|KiB|B)?$/.test(cell.trim());
}

/** The table as aligned plain text, for a terminal. */
export function textTable(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (isNumeric(c) && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

/** The table in GitHub Markdown. */
export function markdownTable(t: Table): string {
  const align = t.headers.map((_h, i) => (i > 0 && t.rows.every((r) => isNumeric(r[i] ?? '')) ? '---:' : '---'));
  const row = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [row(t.headers), row(align), ...t.rows.map(row)].join('\n');
}

/** The machine a run happened on. */
export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly date: string;
}

/** CPU model from /proc/cpuinfo (os.cpus() as a fallback), core count, Node version, date. */
export function describeMachine(): Machine {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) model = m[1].trim();
  } catch {
    // not Linux: keep os.cpus()'s answer
  }
  return {
    cpuModel: model,
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

/** `1,234,567` style. */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Fixed decimals. */
export function fixed(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A pass/miss mark. */
export function mark(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}

/** Writes a file under bench/results/. */
export async function writeResult(name: string, text: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, name);
  await writeFile(path, text.endsWith('\n') ? text : `${text}\n`);
  return path;
}
