import { parseArgs } from 'node:util';
import { EXIT, UsageError, type Command, type CommandIo } from './command.js';
import { simulateCommand } from '../simulator/cli.js';
import { devCommand } from './dev.js';
import { enqueueCommand } from './enqueue.js';
import { redriveCommand } from './redrive.js';
import { sendCommand } from './send.js';
import { statusCommand } from './status.js';

const COMMANDS: readonly Command[] = [sendCommand, enqueueCommand, redriveCommand, statusCommand, simulateCommand, devCommand];

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
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    realIo.stderr.write(`swarm-send: unknown command "${name}"\n\n${listHelp()}`);
    return EXIT.USAGE;
  }
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
