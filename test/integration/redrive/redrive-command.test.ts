import { main } from '../../../cli/main.js';
import { redriveCommand } from '../../../cli/redrive.js';
import { captureIo } from '../../helpers/command-io.js';
import { localSqsForTests } from '../../helpers/sqs.js';

// `swarm-send redrive` as the command line presents it, run in-process through main: its place in
// the command list, its --help, and how it names the service when SQS refuses a call (fauxqs).

async function cli(argv: string[]) {
  const c = captureIo();
  const code = await main(argv, c.io);
  return { code, stdout: c.out(), stderr: c.err() };
}

describe('the redrive command', () => {
  it('is listed under its own name with the one-line summary it carries', async () => {
    const { stdout } = await cli(['--help']);
    const line = stdout.split('\n').find((l) => /^ {2}redrive /.test(l));
    expect(line).toBeDefined();
    const [, name, summary] = /^ {2}(\S+) +(.+)$/.exec(line!)!;
    expect(redriveCommand.name).toBe(name);
    expect(redriveCommand.summary).toBe(summary);
    expect(summary).toContain('dead-lettered messages back to the SEND queue');
  });

  it('--help starts with its usage line and documents every flag it accepts', async () => {
    const { code, stdout } = await cli(['redrive', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: swarm-send redrive /);
    for (const flag of Object.keys(redriveCommand.options)) expect(stdout).toContain(`--${flag}`);
  });

  describe('against fauxqs', () => {
    const local = localSqsForTests();

    it('names SQS as the service that failed when the DLQ does not exist, and exits 1', async () => {
      const queue = local.fauxqs.createQueue('rc-sends').queueUrl;
      const dlq = queue.replace(/rc-sends$/, 'rc-no-such-dlq');
      const { code, stderr } = await cli([
        ...['redrive', '--dlq-url', dlq, '--queue-url', queue, '--reason', 'forbidden'],
        ...['--sqs-endpoint', local.fauxqs.address],
      ]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^swarm-send redrive: SQS: QueueDoesNotExist: .+\n$/);
    });
  });
});
