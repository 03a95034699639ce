import { ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

export type Fauxqs = Awaited<ReturnType<typeof startFauxqs>>;

/** fauxqs and an SDK client for it; `close` stops both. */
export interface LocalSqs {
  readonly fauxqs: Fauxqs;
  readonly sqs: SQSClient;
  close(): Promise<void>;
}

/** fauxqs on an ephemeral loopback port and an SDK client for it (placeholder credentials). */
export async function startLocalSqs(): Promise<LocalSqs> {
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  const sqs = new SQSClient({
    endpoint: fauxqs.address,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    fauxqs,
    sqs,
    async close() {
      sqs.destroy();
      await fauxqs.stop();
    },
  };
}

/** Receives every visible message of a queue (hidden for a minute, not deleted). */
export async function receiveAll(sqs: SQSClient, url: string): Promise<Message[]> {
  const got: Message[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!r.Messages?.length) return got;
    got.push(...r.Messages);
  }
}
