import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { startFauxqs } from 'fauxqs';
import { QUEUE_DEFAULTS } from '../functions/env.js';

/** An in-process fauxqs server. */
export type Fauxqs = Awaited<ReturnType<typeof startFauxqs>>;

/** A queue fauxqs created: its URL, ARN and name. */
export interface LocalQueue {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly queueName: string;
}

/** The SEND queue's own settings (`derivedVisibilityTimeoutSeconds`, `derivedMaxReceiveCount`). */
export interface SendQueueSettings {
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

/**
 * Creates the SEND queue, its dead-letter queue and the outcomes queue on fauxqs, laid out as the
 * construct lays them out in AWS: the DLQ keeps messages 14 days, the SEND queue redrives to it.
 */
export function createSendQueues(
  fauxqs: Fauxqs,
  s: SendQueueSettings,
): { queue: LocalQueue; dlq: LocalQueue; outcomes: LocalQueue } {
  const retention = String(QUEUE_DEFAULTS.DEAD_LETTER_RETENTION_SECONDS);
  const dlq = fauxqs.createQueue('swarm-send-dlq', { attributes: { MessageRetentionPeriod: retention } });
  const outcomes = fauxqs.createQueue('swarm-send-outcomes');
  const queue = fauxqs.createQueue('swarm-send', {
    attributes: {
      VisibilityTimeout: String(s.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: String(s.maxReceiveCount),
      }),
    },
  });
  return { queue, dlq, outcomes };
}

/** Receives and deletes every message of a queue, attributes included (a FIFO group shows its next one only then). */
export async function drainQueue(sqs: SQSClient, url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return all;
    all.push(...messages);
    const entries = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries }));
  }
}
