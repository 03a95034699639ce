import { PassThrough, Readable } from 'node:stream';
import type { CommandIo } from '../../cli/command.js';

/** A command's streams as strings, for running `main` or a command in-process; `abort` is Ctrl-C. */
export function captureIo(env: NodeJS.ProcessEnv = {}): {
  io: CommandIo;
  out: () => string;
  err: () => string;
  abort: () => void;
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const controller = new AbortController();
  return {
    io: { stdout, stderr, stdin: Readable.from([]), env, signal: controller.signal },
    out: () => out,
    err: () => err,
    abort: () => controller.abort(),
  };
}
