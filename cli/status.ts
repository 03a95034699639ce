import { GetMetricStatisticsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { peekDlq } from '../functions/adapters/dlq-ops.js';
import { queueCounts, summarizeCodes, type QueueCounts } from '../functions/adapters/sqs-batches.js';
import { awsClients, describeAwsError, requireUrl, SQS_HELP, SQS_OPTIONS } from './aws.js';
import { CommandError, EXIT, type Command, type CommandIo } from './command.js';
import { numberFlag, type FlagValues } from './flags.js';

const HELP = `Usage: swarm-send status --queue-url URL [--dlq-url URL] [--json]

Shows the SEND queue's depth, in-flight and delayed counts, the age of its oldest message
(CloudWatch ApproximateAgeOfOldestMessage; not available from local SQS servers), and the DLQ's
depth with a count of its messages by reason (read by peeking at up to --peek messages, which are
made visible again at once).

  --queue-url URL          the SEND queue
  --dlq-url URL            its dead-letter queue
  --peek N                 DLQ messages to read for the reason summary (default 1000)
  --json                   print one JSON object
${SQS_HELP}

Exit codes: 0 shown, 1 a queue could not be read, 2 usage or configuration error.
`;

function queueName(url: string): string {
  return url.split('/').pop() ?? url;
}

interface QueueStatus extends QueueCounts {
  readonly url: string;
  readonly oldestAgeSeconds: number | null;
}

interface DlqStatus {
  readonly url: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly oldestAgeSeconds: number | null;
  readonly byReason: Record<string, number>;
  readonly peeked: number;
  readonly notMadeVisible: number;
}

/** CloudWatch's ApproximateAgeOfOldestMessage over the last ten minutes; null where there is none. */
async function oldestAgeSeconds(cloudwatch: CloudWatchClient | null, queueUrl: string): Promise<number | null> {
  if (!cloudwatch) return null;
  const now = new Date();
  const stats = await cloudwatch
    .send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: queueName(queueUrl) }],
        StartTime: new Date(now.getTime() - 600_000),
        EndTime: now,
        Period: 60,
        Statistics: ['Maximum'],
      }),
    )
    .catch(() => null);
  const latest = stats?.Datapoints?.sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0))[0];
  return latest?.Maximum ?? null;
}

async function dlqStatus(sqs: SQSClient, dlqUrl: string, peek: number, io: CommandIo): Promise<DlqStatus> {
  const d = await queueCounts(sqs, dlqUrl);
  const p = await peekDlq(sqs, dlqUrl, peek);
  // A peeked message that could not be made visible again stays hidden for 30 s: say so.
  const stuck = p.notMadeVisible;
  if (stuck.length)
    io.stderr.write(
      `swarm-send status: ${stuck.length} peeked DLQ message(s) could not be made visible again (${summarizeCodes(stuck)}); they reappear within 30 s\n`,
    );
  const oldest = p.oldestSentMs === null ? null : Math.round((Date.now() - p.oldestSentMs) / 1000);
  return {
    url: dlqUrl,
    visible: d.visible,
    inFlight: d.inFlight,
    oldestAgeSeconds: oldest,
    byReason: p.byReason,
    peeked: p.peeked,
    notMadeVisible: stuck.length,
  };
}

function printText(queue: QueueStatus, dlq: DlqStatus | undefined, io: CommandIo): void {
  io.stdout.write(
    `queue  ${queueName(queue.url)}: ${queue.visible} waiting, ${queue.inFlight} in flight, ${queue.delayed} delayed, oldest ${queue.oldestAgeSeconds === null ? 'unknown (CloudWatch)' : `${queue.oldestAgeSeconds}s`}\n`,
  );
  if (!dlq) return;
  io.stdout.write(
    `dlq    ${queueName(dlq.url)}: ${dlq.visible + dlq.inFlight} message(s)${dlq.oldestAgeSeconds === null ? '' : `, oldest ${dlq.oldestAgeSeconds}s`}\n`,
  );
  for (const [r, n] of Object.entries(dlq.byReason).sort((a, b) => b[1] - a[1]))
    io.stdout.write(`       ${String(n).padStart(6)}  ${r}\n`);
}

async function run(values: FlagValues, io: CommandIo): Promise<number> {
  const queueUrl = requireUrl(values, 'queue-url');
  const dlqUrl = values['dlq-url'] ? requireUrl(values, 'dlq-url') : null;
  const peek = numberFlag(values, 'peek', 1000, { integer: true, min: 0 });
  const { sqs, cloudwatch } = awsClients(values, io.env);
  try {
    const queue: QueueStatus = {
      url: queueUrl,
      ...(await queueCounts(sqs, queueUrl)),
      oldestAgeSeconds: await oldestAgeSeconds(cloudwatch, queueUrl),
    };
    const dlq = dlqUrl ? await dlqStatus(sqs, dlqUrl, peek, io) : undefined;
    if (values.json) io.stdout.write(`${JSON.stringify({ queue, ...(dlq && { dlq }) })}\n`);
    else printText(queue, dlq, io);
    return EXIT.OK;
  } catch (err) {
    throw new CommandError(describeAwsError(err, 'SQS'));
  } finally {
    sqs.destroy();
    cloudwatch?.destroy();
  }
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show queue depths, the oldest message age and DLQ reasons',
  help: HELP,
  options: {
    'queue-url': { type: 'string' },
    'dlq-url': { type: 'string' },
    peek: { type: 'string' },
    json: { type: 'boolean' },
    ...SQS_OPTIONS,
  },
  run: (values, _positionals, io) => run(values, io),
};
