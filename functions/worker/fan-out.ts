import type { SQSRecord } from 'aws-lambda';
import { errorText } from '../core/errors.js';
import { splitByDestination } from '../core/message/fan-out.js';
import type { SendMessage } from '../core/message/message.js';
import { decideFanOut } from '../core/outcome/fan-out-decision.js';
import { outcomeRecord, type OutcomeRecord, type RecordContext } from '../core/outcome/outcome.js';
import type { WorkerDeps } from './ports.js';

/**
 * A message that names several destinations, as a producer that did not split it left it
 * (docs/fan-out.md): one message per destination goes on the record's own queue, within the
 * deadline, and the record ends `fanned-out` without a SEND of its own, so every retry after
 * this concerns one destination. When the parts cannot all be enqueued the record is a retry
 * (`fan-out-unavailable`) and is split again next time. Null when the deadline came first: the
 * record goes back unprocessed.
 */
export async function fanOut(
  record: SQSRecord,
  message: SendMessage,
  destinations: readonly string[],
  ctx: RecordContext,
  { config, queue }: Pick<WorkerDeps, 'config' | 'queue'>,
  deadline: AbortSignal,
): Promise<OutcomeRecord | null> {
  if (deadline.aborted) return null;
  const parts = splitByDestination(message, destinations).map((part, i) => ({
    destination: destinations[i]!,
    body: JSON.stringify(part),
  }));
  let split: Parameters<typeof decideFanOut>[0];
  try {
    await queue.fanOut(record, parts, deadline);
    split = { enqueued: true };
  } catch (err) {
    if (deadline.aborted) return null;
    split = { enqueued: false, detail: errorText(err) };
  }
  const verdict = decideFanOut(split, destinations, { attempt: ctx.attempt, maxAttempts: config.maxAttempts });
  return { ...outcomeRecord(verdict, null, { ...ctx, to: null }), destinations: [...destinations] };
}
