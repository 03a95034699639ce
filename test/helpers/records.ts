import type { SQSRecord } from 'aws-lambda';

/**
 * An SQS record as Lambda delivers it, for tests that call the handler or processBatch
 * directly: receipt handle `rh-<id>`, received once unless told otherwise, on the queue `sends`
 * (`sends.fifo`, with the group, when a message group is given).
 */
export function sqsRecord(id: string, body: string, o: { group?: string; receiveCount?: number } = {}): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(o.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(o.group !== undefined && { MessageGroupId: o.group }),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:sends${o.group !== undefined ? '.fifo' : ''}`,
    awsRegion: 'us-east-1',
  } as SQSRecord;
}
