import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { makeVisible } from '../functions/adapters/sqs-batches.js';
import { DLQ_ATTRIBUTES } from '../functions/adapters/sqs-queue-ops.js';
import { awsClients, describeAwsError, requireUrl, SQS_HELP, SQS_OPTIONS } from './aws.js';
import { EXIT, UsageError, type Command } from './command.js';

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

Exit codes: 0 done, 1 some messages could not be moved, 2 usage error.
`;

const PAUSE_SECONDS = 60;

function reasonOf(m: Message): string {
  return m.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]?.StringValue ?? '(none)';
}

/** The original message's attributes, without the ones swarm-send added when dead-lettering. */
function originalAttributes(m: Message): Record<string, MessageAttributeValue> | undefined {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) if (!k.startsWith('swarm-send.')) out[k] = v;
  return Object.keys(out).length ? out : undefined;
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
  async run(values, _positionals, io) {
    const dlqUrl = requireUrl(values, 'dlq-url');
    const queueUrl = requireUrl(values, 'queue-url');
    const reasons = new Set((values.reason as string[] | undefined) ?? []);
    const dryRun = values['dry-run'] === true;
    const max = values.max === undefined ? Infinity : Number(values.max);
    if (!(max > 0)) throw new UsageError('--max must be a positive number');
    const { sqs } = awsClients(values, io.env);
    const summary = { moved: 0, matched: 0, skipped: 0, failed: 0, byReason: {} as Record<string, number>, method: 'receive-send-delete' as 'receive-send-delete' | 'message-move-task', dryRun };
    const print = () => {
      if (values.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        const reasonsText = Object.entries(summary.byReason).map(([r, n]) => `${r}: ${n}`).join(', ') || 'none';
        io.stdout.write(dryRun ? `would move ${summary.matched} message(s) (${reasonsText}); ${summary.skipped} left by the filter\n` : `moved ${summary.moved} message(s) (${reasonsText}) via ${summary.method}; ${summary.skipped} left by the filter; ${summary.failed} failed\n`);
      }
    };

    try {
      if (!dryRun && reasons.size === 0 && max === Infinity) {
        try {
          const attrs = async (url: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }))).Attributes ?? {};
          const [dlq, queue] = await Promise.all([attrs(dlqUrl), attrs(queueUrl)]);
          await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.QueueArn, DestinationArn: queue.QueueArn }));
          summary.method = 'message-move-task';
          summary.moved = Number(dlq.ApproximateNumberOfMessages ?? 0);
          print();
          return EXIT.OK;
        } catch {
          // The service has no move task (or refused it): move the messages one by one below.
        }
      }

      const hidden: Message[] = [];
      // Each message is looked at once: a message seen again (its pause ran out on a long run)
      // ends the pass, so the loop always terminates.
      const seen = new Set<string>();
      for (;;) {
        if (summary.matched >= max) break;
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: PAUSE_SECONDS, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
        );
        const messages = out.Messages ?? [];
        const fresh = messages.filter((m) => !seen.has(m.MessageId ?? ''));
        hidden.push(...messages.filter((m) => seen.has(m.MessageId ?? '')));
        if (fresh.length === 0) break;
        const take: Message[] = [];
        for (const m of fresh) {
          seen.add(m.MessageId ?? '');
          const reason = reasonOf(m);
          if ((reasons.size && !reasons.has(reason)) || summary.matched >= max) {
            summary.skipped += 1;
            hidden.push(m);
            continue;
          }
          summary.matched += 1;
          summary.byReason[reason] = (summary.byReason[reason] ?? 0) + 1;
          take.push(m);
        }
        if (dryRun) {
          hidden.push(...take);
          continue;
        }
        if (take.length === 0) continue;
        const fifo = queueUrl.endsWith('.fifo');
        const sent = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: take.map((m, i) => ({
              Id: String(i),
              MessageBody: m.Body ?? '',
              MessageAttributes: originalAttributes(m),
              ...(fifo && { MessageGroupId: m.Attributes?.MessageGroupId ?? 'swarm-send', MessageDeduplicationId: m.MessageId }),
            })),
          }),
        );
        const ok = new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
        const toDelete = take.filter((_m, i) => ok.has(i));
        summary.failed += take.length - toDelete.length;
        hidden.push(...take.filter((_m, i) => !ok.has(i)));
        if (toDelete.length) {
          const del = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
          summary.moved += del.Successful?.length ?? 0;
          // A failed delete leaves the message in the DLQ too: count it, an operator sees it twice.
          summary.failed += del.Failed?.length ?? 0;
        }
      }
      // Make what was looked at but not moved visible again right away.
      await makeVisible(sqs, dlqUrl, hidden);
    } catch (err) {
      io.stderr.write(`swarm-send redrive: ${describeAwsError(err, 'SQS')}\n`);
      return EXIT.FAILED;
    } finally {
      sqs.destroy();
    }
    print();
    return summary.failed ? EXIT.FAILED : EXIT.OK;
  },
};
