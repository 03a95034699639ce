import type { ParseArgsConfig } from 'node:util';
import { SwarmSendError } from '../functions/core/errors.js';

/** Flag values as node:util parseArgs gives them; read them with cli/flags.ts. */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Fires on Ctrl-C (SIGINT/SIGTERM): long-running commands drain and return. */
  readonly signal: AbortSignal;
}

/** One `swarm-send <name>` sub-command. Flags are parsed with node:util parseArgs. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text (usage line, flags, exit codes). */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Allows positional arguments (default false). */
  readonly positionals?: boolean;
  /** Returns the process exit code; throws to fail (the exit policy below). Flags are read with cli/flags.ts. */
  run(values: FlagValues, positionals: string[], io: CommandIo): Promise<number>;
}

/**
 * Exit policy (applied once, in main.ts): a command returns its exit code, or throws. A thrown
 * `UsageError` prints the message and a pointer to --help and exits 2; a configuration error
 * (`ConfigError`: a registry or SWARM_SEND_* value that cannot work) prints its problems and
 * exits 2; a `CommandError` prints its message and exits with its code; anything else prints
 * its message and exits 1. Commands print no errors themselves.
 */

/** Bad flags or arguments: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends SwarmSendError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  /** `reconcile` and `check`: divergence left (missing, different, extra on DR). */
  DIVERGED: 3,
  /** EX_TEMPFAIL from sysexits.h: try again later. */
  RETRY: 75,
} as const;

/** The command could not finish (a queue unreachable, a listing failed): printed once by main, exit `exitCode`. */
export class CommandError extends SwarmSendError {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILED,
  ) {
    super('command-failed', message);
    this.name = 'CommandError';
  }
}
