import { isSwarmSendError } from '../functions/core/errors.js';
import { CommandError, EXIT, UsageError, type Command, type CommandIo } from './command.js';
import { parseCommandLine } from './flags.js';
import { printableLines } from './printable.js';

/**
 * Commands load on demand, so `swarm-send send` does not pay for fauxqs or the AWS SDK.
 * Summaries are repeated here for the command list; each module's `help` is the full text.
 */
const COMMANDS: readonly { name: string; summary: string; load: () => Promise<Command> }[] = [
  {
    name: 'send',
    summary: 'perform one SEND now and print its outcome record',
    load: async () => (await import('./send.js')).sendCommand,
  },
  {
    name: 'enqueue',
    summary: 'enqueue SEND messages (JSON lines or bare UUIDs) from a file or stdin',
    load: async () => (await import('./enqueue.js')).enqueueCommand,
  },
  {
    name: 'redrive',
    summary: 'move dead-lettered messages back to the SEND queue (filter by reason, dry run)',
    load: async () => (await import('./redrive.js')).redriveCommand,
  },
  {
    name: 'status',
    summary: 'show queue depths, the oldest message age and DLQ reasons',
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    name: 'reconcile',
    summary: 'find what the DR cluster lacks (listing diff confirmed by HEAD) and repair it',
    load: async () => (await import('./reconcile.js')).reconcileCommand,
  },
  {
    name: 'check',
    summary: 'is this object in DR? HEAD on both clusters, with the evidence',
    load: async () => (await import('./check.js')).checkCommand,
  },
  {
    name: 'simulate',
    summary: 'run a source and a DR Swarm simulator on local ports',
    load: async () => (await import('./simulate.js')).simulateCommand,
  },
  {
    name: 'worker',
    summary: 'run the SEND handler as a service against a queue (next to an on-premises cluster)',
    load: async () => (await import('./worker.js')).workerCommand,
  },
  {
    name: 'dev',
    summary: 'run the local pipeline: the embedded demo, or the worker on a real queue',
    load: async () => (await import('./dev.js')).devCommand,
  },
];

function listHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'swarm-send: keep a disaster-recovery Swarm cluster in step with a primary one.',
    '',
    'Usage: swarm-send <command> [flags]     (swarm-send <command> --help for its flags)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 done, 1 failed, 2 usage or configuration error, 3 divergence left (reconcile, check),',
    '75 try again later (transient).',
    '',
  ].join('\n');
}

function signalsFrom(io: Partial<CommandIo> | undefined): { signal: AbortSignal; release: () => void } {
  if (io?.signal) return { signal: io.signal, release: () => undefined };
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The exit policy (see command.ts): every command's failure is printed here, once. */
export function reportFailure(name: string, err: unknown, stderr: NodeJS.WritableStream): number {
  const prefix = `swarm-send ${name}`;
  if (err instanceof UsageError) {
    stderr.write(`${prefix}: ${printableLines(err.message)}\nRun "swarm-send ${name} --help" for usage.\n`);
    return EXIT.USAGE;
  }
  stderr.write(`${prefix}: ${printableLines((err as Error).message)}\n`);
  if (isSwarmSendError(err) && err.code === 'invalid-config') return EXIT.USAGE;
  return err instanceof CommandError ? err.exitCode : EXIT.FAILED;
}

/** `--help`, `--version` and the command list; null when argv names a command to run. */
function answerWithoutCommand(name: string | undefined, stdout: NodeJS.WritableStream): number | null {
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    stdout.write(listHelp());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  if (name === '--version') {
    stdout.write('swarm-send 0.1.0\n');
    return EXIT.OK;
  }
  return null;
}

/** Runs one command line; returns the exit code. Exported for tests and the bin launcher. */
export async function main(argv: readonly string[], io?: Partial<CommandIo>): Promise<number> {
  const stdout = io?.stdout ?? process.stdout;
  const stderr = io?.stderr ?? process.stderr;
  const [name, ...rest] = argv;
  const answered = answerWithoutCommand(name, stdout);
  if (answered !== null) return answered;
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    stderr.write(`swarm-send: unknown command "${name}"\n\n${listHelp()}`);
    return EXIT.USAGE;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return EXIT.OK;
  }
  let signals: { signal: AbortSignal; release: () => void } | null = null;
  try {
    const { values, positionals } = parseCommandLine(command.options, rest, command.positionals ?? false);
    signals = signalsFrom(io);
    const realIo: CommandIo = {
      stdout,
      stderr,
      stdin: io?.stdin ?? process.stdin,
      env: io?.env ?? process.env,
      signal: signals.signal,
    };
    return await command.run(values, positionals, realIo);
  } catch (err) {
    return reportFailure(entry.name, err, stderr);
  } finally {
    signals?.release();
  }
}
