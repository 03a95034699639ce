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

/**
 * fauxqs and its client for the tests of the enclosing `describe` (or file): started before
 * them, stopped after them. Read `fauxqs` and `sqs` inside a test or a later hook.
 */
export function localSqsForTests(): Omit<LocalSqs, 'close'> {
  let local: LocalSqs | undefined;
  beforeAll(async () => {
    local = await startLocalSqs();
  });
  afterAll(async () => {
    await local?.close();
  });
  const started = (): LocalSqs => {
    if (!local) throw new Error('fauxqs is not started yet: read it inside a test or a later hook');
    return local;
  };
  return {
    get fauxqs() {
      return started().fauxqs;
    },
    get sqs() {
      return started().sqs;
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
