import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidMessageError } from '../functions/core/errors.js';
import { parseSendMessage, OBJECT_UUID, type SendMessage } from '../functions/core/message/message.js';
import { enqueueSends } from '../functions/producer.js';
import { awsClients, describeAwsError, requireUrl, SQS_HELP, SQS_OPTIONS } from './aws.js';
import { CommandError, EXIT, UsageError, type Command } from './command.js';

const HELP = `Usage: swarm-send enqueue --queue-url URL [--file FILE] [flags]

Reads SEND messages, one per line, from FILE or standard input, checks each, and enqueues the
valid ones with SendMessageBatch (ten per call, partial failures retried). A line is a JSON
message (DESIGN.md section 1) or a bare 32-hex UUID. Invalid lines are reported with their
line number and not sent.

  --queue-url URL          the SEND queue
  --file FILE              read from FILE instead of standard input ("-" for stdin)
  --from KEY, --to KEY     registry keys written into the messages made from bare UUIDs; enqueue
                           reads no registry: left out, the worker's registry routes them
                           (its defaultRoute). --to KEY,KEY names several destinations: every
                           message naming several (a JSON line's "to" list too) is enqueued as
                           one message per destination (docs/fan-out.md)
  --alias                  bare UUIDs are alias objects
  --delete                 bare UUIDs are delete messages (op "delete": DR's copy is deleted once
                           the source proves the object gone, on routes whose deletes is
                           "propagate"; docs/deletes.md); a JSON line says its own op
  --json                   print the summary as one JSON line
${SQS_HELP}

Exit codes: 0 every line enqueued, 1 some lines invalid or not enqueued, 2 usage or configuration error.
`;

/** `--to`: one registry key, or several separated by commas (a list, split at enqueue). */
function destinationsFlag(text: string): string | string[] {
  const keys = text.split(',').map((k) => k.trim());
  return keys.length === 1 ? keys[0]! : keys;
}

export const enqueueCommand: Command = {
  name: 'enqueue',
  summary: 'enqueue SEND messages (JSON lines or bare UUIDs) from a file or stdin',
  help: HELP,
  options: {
    'queue-url': { type: 'string' },
    file: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    alias: { type: 'boolean' },
    delete: { type: 'boolean' },
    json: { type: 'boolean' },
    ...SQS_OPTIONS,
  },
  async run(values, _positionals, io) {
    const queueUrl = requireUrl(values, 'queue-url');
    const { sqs } = awsClients(values, io.env);
    const file = values.file as string | undefined;
    let input: NodeJS.ReadableStream = io.stdin;
    if (file && file !== '-') {
      const stream = createReadStream(file);
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (err: NodeJS.ErrnoException) =>
          reject(new UsageError(`--file: cannot read ${file}: ${err.code ?? err.message}`)),
        );
      });
      input = stream;
    }

    const messages: SendMessage[] = [];
    const rejected: { line: number; problems: readonly string[] }[] = [];
    let lineNo = 0;
    for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
      lineNo += 1;
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      try {
        if (OBJECT_UUID.test(line)) {
          const m: SendMessage = { object: values.alias ? { uuid: line, alias: true } : { uuid: line } };
          if (values.from) m.from = values.from as string;
          if (values.to) m.to = destinationsFlag(values.to as string);
          if (values.delete) m.op = 'delete';
          messages.push(parseSendMessage(JSON.stringify(m)));
        } else {
          messages.push(parseSendMessage(line));
        }
      } catch (err) {
        rejected.push({
          line: lineNo,
          problems: err instanceof InvalidMessageError ? err.problems : [(err as Error).message],
        });
      }
    }
    let result;
    try {
      result = await enqueueSends(sqs, queueUrl, messages);
    } catch (err) {
      throw new CommandError(describeAwsError(err, queueUrl));
    } finally {
      sqs.destroy();
    }
    const summary = { enqueued: result.sent, rejected, failed: result.failed };
    if (values.json) {
      io.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      for (const r of rejected) io.stderr.write(`line ${r.line}: ${r.problems.join('; ')}\n`);
      for (const f of result.failed)
        io.stderr.write(
          `message ${f.index + 1}${f.destination ? ` (to ${f.destination})` : ''}: not enqueued: ${f.code} ${f.message}\n`,
        );
      io.stdout.write(
        `enqueued ${result.sent} message${result.sent === 1 ? '' : 's'}` +
          (rejected.length ? `, ${rejected.length} invalid line${rejected.length === 1 ? '' : 's'} skipped` : '') +
          (result.failed.length ? `, ${result.failed.length} failed` : '') +
          '\n',
      );
    }
    return rejected.length || result.failed.length ? EXIT.FAILED : EXIT.OK;
  },
};
