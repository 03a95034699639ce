import { redriveDlq, type RedriveSummary } from '../functions/adapters/dlq-ops.js';
import { awsClients, describeAwsError, requireUrl, SQS_HELP, SQS_OPTIONS } from './aws.js';
import { CommandError, EXIT, type Command, type CommandIo } from './command.js';
import { numberFlag, type FlagValues } from './flags.js';

const HELP = `Usage: swarm-send redrive --dlq-url URL --queue-url URL [--reason R ...] [--dry-run] [--json]

Moves dead-lettered messages back to the SEND queue. Without a filter it asks SQS for a message
move task (StartMessageMoveTask); where the service does not offer one, or with --reason, it
receives each message, sends its original body and attributes to the queue, and deletes it from
the DLQ only once the queue has it, so nothing is lost.

  --dlq-url URL            the dead-letter queue
  --queue-url URL          the SEND queue to move messages back to
  --reason R               only messages dead-lettered with this reason (repeatable)
  --dry-run                count what would move, by reason; move nothing
  --max N                  move at most N messages
  --json                   print the summary as one JSON line
${SQS_HELP}

Exit codes: 0 done, 1 some messages could not be moved, 2 usage or configuration error.
`;

function print(summary: RedriveSummary, json: boolean, io: CommandIo): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const reasons =
    Object.entries(summary.byReason)
      .map(([r, n]) => `${r}: ${n}`)
      .join(', ') || 'none';
  io.stdout.write(
    summary.dryRun
      ? `would move ${summary.matched} message(s) (${reasons}); ${summary.skipped} left by the filter\n`
      : `moved ${summary.moved} message(s) (${reasons}) via ${summary.method}; ${summary.skipped} left by the filter; ${summary.failed} failed\n`,
  );
}

async function run(values: FlagValues, io: CommandIo): Promise<number> {
  const dlqUrl = requireUrl(values, 'dlq-url');
  const queueUrl = requireUrl(values, 'queue-url');
  const max = numberFlag(values, 'max', Infinity, { positive: true });
  const reasons = new Set((values.reason as string[] | undefined) ?? []);
  const { sqs } = awsClients(values, io.env);
  let summary: RedriveSummary;
  try {
    summary = await redriveDlq(sqs, { dlqUrl, queueUrl, reasons, max, dryRun: values['dry-run'] === true });
  } catch (err) {
    throw new CommandError(describeAwsError(err, 'SQS'));
  } finally {
    sqs.destroy();
  }
  print(summary, values.json === true, io);
  return summary.failed ? EXIT.FAILED : EXIT.OK;
}

export const redriveCommand: Command = {
  name: 'redrive',
  summary: 'move dead-lettered messages back to the SEND queue (filter by reason, dry run)',
  help: HELP,
  options: {
    'dlq-url': { type: 'string' },
    'queue-url': { type: 'string' },
    reason: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean' },
    max: { type: 'string' },
    json: { type: 'boolean' },
    ...SQS_OPTIONS,
  },
  run: (values, _positionals, io) => run(values, io),
};
