import type { SQSRecord } from 'aws-lambda';
import type { OutcomeRecord } from '../../functions/core/outcome/outcome.js';

/**
 * An SQS record as Lambda delivers it, for tests that call the handler or processBatch
 * directly: receipt handle `rh-<id>`, sent now and received once unless told otherwise, no message
 * attributes unless given, on the queue `queueArn`, else `sends` (`sends.fifo`, with the group,
 * when a message group is given).
 */
export function sqsRecord(
  id: string,
  body: string,
  o: {
    group?: string;
    receiveCount?: number;
    messageAttributes?: SQSRecord['messageAttributes'];
    queueArn?: string;
  } = {},
): SQSRecord {
  const sent = String(Date.now());
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(o.receiveCount ?? 1),
      SentTimestamp: sent,
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: sent,
      ...(o.group !== undefined && { MessageGroupId: o.group }),
    },
    messageAttributes: o.messageAttributes ?? {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: o.queueArn ?? `arn:aws:sqs:us-east-1:000000000000:sends${o.group !== undefined ? '.fifo' : ''}`,
    awsRegion: 'us-east-1',
  } as SQSRecord;
}

/** An outcome record: a replicated `created` SEND on node 127.0.0.1:1 unless told otherwise. */
export function sampleOutcomeRecord(over: Partial<OutcomeRecord> = {}): OutcomeRecord {
  return {
    outcome: 'replicated',
    reason: 'created',
    remoteStatus: 201,
    httpStatus: 200,
    detail: null,
    object: { uuid: 'a'.repeat(32) },
    from: 'primary',
    to: 'dr',
    node: '127.0.0.1:1',
    attempt: 1,
    durationMs: 10,
    messageId: 'm1',
    correlationId: null,
    ...over,
  };
}
