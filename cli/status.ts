import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { makeVisible, queueCounts, summarizeCodes } from '../functions/adapters/sqs-batches.js';
import { DLQ_ATTRIBUTES } from '../functions/adapters/sqs-queue-ops.js';
import { awsClients, describeAwsError, requireUrl, SQS_HELP, SQS_OPTIONS } from './aws.js';
import { EXIT, type Command } from './command.js';

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

Exit codes: 0 shown, 1 a queue could not be read, 2 usage error.
`;

function queueName(url: string): string {
  return url.split('/').pop() ?? url;
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
  async run(values, _positionals, io) {
    const queueUrl = requireUrl(values, 'queue-url');
    const dlqUrl = values['dlq-url'] ? requireUrl(values, 'dlq-url') : null;
    const peek = values.peek === undefined ? 1000 : Math.max(0, Number(values.peek) || 0);
    const { sqs, cloudwatch } = awsClients(values, io.env);
    try {
      const q = await queueCounts(sqs, queueUrl);
      let oldestAgeSeconds: number | null = null;
      if (cloudwatch) {
        const now = new Date();
        const stats = await cloudwatch
          .send(new GetMetricStatisticsCommand({ Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: queueName(queueUrl) }], StartTime: new Date(now.getTime() - 600_000), EndTime: now, Period: 60, Statistics: ['Maximum'] }))
          .catch(() => null);
        const latest = stats?.Datapoints?.sort((a, b) => (b.Timestamp?.getTime() ?? 0) - (a.Timestamp?.getTime() ?? 0))[0];
        oldestAgeSeconds = latest?.Maximum ?? null;
      }
      const status: Record<string, unknown> = {
        queue: { url: queueUrl, ...q, oldestAgeSeconds },
      };
      if (dlqUrl) {
        const d = await queueCounts(sqs, dlqUrl);
        const byReason: Record<string, number> = {};
        const seen: Message[] = [];
        let oldestSent: number | null = null;
        while (seen.length < peek) {
          const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: Math.min(10, peek - seen.length), WaitTimeSeconds: 1, VisibilityTimeout: 30, MessageAttributeNames: [DLQ_ATTRIBUTES.REASON], MessageSystemAttributeNames: ['SentTimestamp'] }));
          const messages = out.Messages ?? [];
          if (!messages.length) break;
          for (const m of messages) {
            const reason = m.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]?.StringValue ?? '(none: moved by the queue redrive policy)';
            byReason[reason] = (byReason[reason] ?? 0) + 1;
            const sent = Number(m.Attributes?.SentTimestamp);
            if (Number.isFinite(sent)) oldestSent = oldestSent === null ? sent : Math.min(oldestSent, sent);
          }
          seen.push(...messages);
        }
        // A peeked message that could not be made visible again stays hidden for 30 s: say so.
        const stuck = await makeVisible(sqs, dlqUrl, seen);
        status.dlq = { url: dlqUrl, visible: d.visible, inFlight: d.inFlight, oldestAgeSeconds: oldestSent === null ? null : Math.round((Date.now() - oldestSent) / 1000), byReason, peeked: seen.length, notMadeVisible: stuck.length };
        if (stuck.length) io.stderr.write(`swarm-send status: ${stuck.length} peeked DLQ message(s) could not be made visible again (${summarizeCodes(stuck)}); they reappear within 30 s\n`);
      }
      if (values.json) {
        io.stdout.write(`${JSON.stringify(status)}\n`);
      } else {
        const qs = status.queue as { visible: number; inFlight: number; delayed: number; oldestAgeSeconds: number | null };
        io.stdout.write(`queue  ${queueName(queueUrl)}: ${qs.visible} waiting, ${qs.inFlight} in flight, ${qs.delayed} delayed, oldest ${qs.oldestAgeSeconds === null ? 'unknown (CloudWatch)' : `${qs.oldestAgeSeconds}s`}\n`);
        if (status.dlq) {
          const ds = status.dlq as { visible: number; inFlight: number; oldestAgeSeconds: number | null; byReason: Record<string, number> };
          io.stdout.write(`dlq    ${queueName(dlqUrl!)}: ${ds.visible + ds.inFlight} message(s)${ds.oldestAgeSeconds === null ? '' : `, oldest ${ds.oldestAgeSeconds}s`}\n`);
          for (const [r, n] of Object.entries(ds.byReason).sort((a, b) => b[1] - a[1])) io.stdout.write(`       ${String(n).padStart(6)}  ${r}\n`);
        }
      }
      return EXIT.OK;
    } catch (err) {
      io.stderr.write(`swarm-send status: ${describeAwsError(err, 'SQS')}\n`);
      return EXIT.FAILED;
    } finally {
      sqs.destroy();
      cloudwatch?.destroy();
    }
  },
};
