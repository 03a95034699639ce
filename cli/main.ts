import { parseArgs } from 'node:util';
import { EXIT, UsageError, type Command, type CommandIo } from './command.js';

/**
 * Commands load on demand, so `swarm-send send` does not pay for fauxqs or the AWS SDK.
 * Summaries are repeated here for the command list; each module's `help` is the full text.
 */
const COMMANDS: readonly { name: string; summary: string; load: () => Promise<Command> }[] = [
  { name: 'send', summary: 'perform one SEND now and print its outcome record', load: async () => (await import('./send.js')).sendCommand },
  { name: 'enqueue', summary: 'enqueue SEND messages (JSON lines or bare UUIDs) from a file or stdin', load: async () => (await import('./enqueue.js')).enqueueCommand },
  { name: 'redrive', summary: 'move dead-lettered messages back to the SEND queue (filter by reason, dry run)', load: async () => (await import('./redrive.js')).redriveCommand },
  { name: 'status', summary: 'show queue depths, the oldest message age and DLQ reasons', load: async () => (await import('./status.js')).statusCommand },
  { name: 'reconcile', summary: 'find what the DR cluster lacks (listing diff confirmed by HEAD) and repair it', load: async () => (await import('./reconcile.js')).reconcileCommand },
  { name: 'check', summary: 'is this object in DR? HEAD on both clusters, with the evidence', load: async () => (await import('./check.js')).checkCommand },
  { name: 'simulate', summary: 'run a source and a DR Swarm simulator on local ports', load: async () => (await import('../simulator/cli.js')).simulateCommand },
  { name: 'worker', summary: 'run the SEND handler as a service against a queue (next to an on-premises cluster)', load: async () => (await import('./worker.js')).workerCommand },
  { name: 'dev', summary: 'run the local pipeline: the embedded demo, or the worker on a real queue', load: async () => (await import('./dev.js')).devCommand },
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
    'Exit codes: 0 done, 1 failed, 2 usage error, 75 try again later (transient).',
    '',
  ].join('\n');
}

/** Runs one command line; returns the exit code. Exported for tests and the bin launcher. */
export async function main(argv: readonly string[], io?: Partial<CommandIo>): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  const realIo: CommandIo = {
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    stdin: io?.stdin ?? process.stdin,
    env: io?.env ?? process.env,
    signal: io?.signal ?? controller.signal,
  };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    realIo.stdout.write(listHelp());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  if (name === '--version') {
    realIo.stdout.write('swarm-send 0.1.0\n');
    return EXIT.OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    realIo.stderr.write(`swarm-send: unknown command "${name}"\n\n${listHelp()}`);
    return EXIT.USAGE;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    realIo.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return EXIT.OK;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: command.positionals ?? false, strict: true });
  } catch (err) {
    realIo.stderr.write(`swarm-send ${name}: ${(err as Error).message}\nRun "swarm-send ${name} --help" for usage.\n`);
    return EXIT.USAGE;
  }
  if (!io?.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    return await command.run(parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>, parsed.positionals, realIo);
  } catch (err) {
    if (err instanceof UsageError) {
      realIo.stderr.write(`swarm-send ${name}: ${err.message}\nRun "swarm-send ${name} --help" for usage.\n`);
      return EXIT.USAGE;
    }
    realIo.stderr.write(`swarm-send ${name}: ${(err as Error).message}\n`);
    return EXIT.FAILED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
