import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Socket } from 'node:net';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { pairRegistryDocument } from '../../../local/pair-registry.js';
import { startLocalWorker, type LocalWorker } from '../../../local/worker.js';
import { testConfig } from '../../helpers/config.js';
import { headerOf, startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { startLocalSqs, type LocalSqs } from '../../helpers/sqs.js';
import { eventually } from '../../helpers/worker.js';

// The on-premises worker (local/worker.ts) waits for a heartbeat in flight before
// it sets a retry's backoff, so the heartbeat (visibility: the heartbeat's seconds) can never land
// after the backoff and undo it. The real worker over fauxqs, with a raw-socket source node whose
// SEND is held until a heartbeat is on its way, then answers 503 (a retry).

/** A heartbeat every second (a third of it). */
const HEARTBEAT_SECONDS = 3;
const CHALLENGE =
  'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm="CAStor administrator", nonce="n1", qop="auth", algorithm=MD5\r\ncontent-length: 0\r\n\r\n';
const BUSY = 'HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';

/** A promise, and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('the worker sets a retry backoff after the heartbeat in flight, never before it', () => {
  let local: LocalSqs;
  let node: RawNode;
  let worker: LocalWorker | undefined;
  let workerSqs: SQSClient;
  afterEach(async () => {
    await worker?.stop();
    workerSqs?.destroy();
    await node?.close();
    await local?.close();
  });

  it("every heartbeat of an attempt lands before the attempt's backoff, even one held on its way", async () => {
    local = await startLocalSqs();
    const queue = local.fauxqs.createQueue('sends', { attributes: { VisibilityTimeout: '30' } });
    const dlq = local.fauxqs.createQueue('dlq');

    const heartbeatSent = gate();
    const backoffSent = gate();
    let sendHeld = true;
    /** Visibility changes in the order they reached the queue, with the receipt handle they name. */
    const landed: { kind: 'heartbeat' | 'backoff'; handle: string }[] = [];
    let heartbeatsOnTheirWay = 0;

    // The source node: challenge, then hold the first SEND until a heartbeat is on its way; then 503.
    node = await startRawNode((head, socket: Socket) => {
      if (!headerOf(head, 'authorization')) return void socket.write(CHALLENGE);
      if (!sendHeld) return void socket.end(BUSY);
      void heartbeatSent.opened.then(() => {
        sendHeld = false;
        socket.end(BUSY);
      });
    });

    // The worker's SQS client. A heartbeat asks for HEARTBEAT_SECONDS, a backoff for at most 2 s
    // (base and cap 2 s): a heartbeat is held on its way to the queue until a backoff has reached
    // it, or for at most 5 s.
    workerSqs = new SQSClient({
      endpoint: local.fauxqs.address,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    workerSqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== ChangeMessageVisibilityBatchCommand.name) return next(args);
        const entry = (args.input as { Entries: { VisibilityTimeout: number; ReceiptHandle: string }[] }).Entries[0]!;
        if (entry.VisibilityTimeout !== HEARTBEAT_SECONDS) {
          const out = await next(args);
          landed.push({ kind: 'backoff', handle: entry.ReceiptHandle });
          backoffSent.open();
          return out;
        }
        heartbeatsOnTheirWay += 1;
        heartbeatSent.open();
        await Promise.race([backoffSent.opened, new Promise((r) => setTimeout(r, 5000))]);
        try {
          return await next(args);
        } finally {
          landed.push({ kind: 'heartbeat', handle: entry.ReceiptHandle });
          heartbeatsOnTheirWay -= 1;
        }
      },
      { step: 'initialize', name: 'holdHeartbeats' },
    );

    const secrets = { ADMIN: JSON.stringify({ username: 'admin', password: 'Heartbeat-Pa55' }) };
    const registry = parseRegistry(
      pairRegistryDocument({ source: [node.address], dr: ['127.0.0.1:9'], credentials: 'env:ADMIN' }),
    );
    await local.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.queueUrl,
        MessageBody: JSON.stringify({ object: { uuid: 'ab'.repeat(16) } }),
      }),
    );
    worker = startLocalWorker({
      sqs: workerSqs,
      queueUrl: queue.queueUrl,
      queueArn: queue.queueArn,
      config: testConfig({
        registry,
        dlqUrl: dlq.queueUrl,
        maxAttempts: 5,
        backoffBaseSeconds: 2,
        backoffCapSeconds: 2,
      }),
      credentials: createCredentialsProvider({ env: secrets }),
      batchSize: 1,
      batchingWindowMs: 0,
      maxConcurrency: 1,
      functionTimeoutMs: 60_000,
      region: 'us-east-1',
      heartbeatSeconds: HEARTBEAT_SECONDS,
    });

    const firstBackoff = () => landed.findIndex((l) => l.kind === 'backoff');
    await eventually(
      () => firstBackoff() >= 0 && heartbeatsOnTheirWay === 0,
      30_000,
      'the first backoff, and every heartbeat on its way',
    );
    // The first attempt's heartbeats all landed before its backoff: none undid it.
    const backoff = landed[firstBackoff()]!;
    const sameAttempt = landed.filter((l) => l.handle === backoff.handle).map((l) => l.kind);
    expect(sameAttempt[0]).toBe('heartbeat');
    expect(sameAttempt.at(-1)).toBe('backoff');
  }, 60_000);
});
