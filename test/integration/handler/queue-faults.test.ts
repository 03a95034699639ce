/**
 * Faults on the queue side: the real handler behind a LocalEventSourceMapping, with every SQS
 * call (ReceiveMessage, DeleteMessageBatch, ChangeMessageVisibilityBatch, the DLQ SendMessage,
 * the outcomes SendMessageBatch) going through the fault-injecting proxy to fauxqs. Nothing may
 * be lost: every object is in the DR cluster with a success outcome, or its message is in the
 * DLQ with its reason. Duplicates are allowed (they are what lost answers cost).
 */
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import {
  SQS_ERRORS,
  startSqsFaultProxy,
  type QueueFault,
  type QueueFaultRule,
  type SqsErrorCode,
  type SqsFaultProxy,
} from '../../../bench/sqs-fault-proxy.js';
import { DLQ_ATTRIBUTES } from '../../../functions/adapters/dlq-message.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { LocalEventSourceMapping } from '../../../local/event-source-mapping.js';
import { REGION, startPipeline, type Pipeline } from '../../helpers/pipeline.js';

/** An SQS client whose requests go through the proxy; few SDK attempts, so faults reach the handler. */
function proxiedClient(endpoint: string, maxAttempts = 2): SQSClient {
  return new SQSClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 1000, throwOnRequestTimeout: true },
  });
}

describe('the fault proxy speaks the SQS JSON protocol', () => {
  let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
  let proxy: SqsFaultProxy;
  let client: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    fauxqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
    queueUrl = fauxqs.createQueue('probe').queueUrl;
    proxy = await startSqsFaultProxy({ target: fauxqs.address });
    client = proxiedClient(proxy.endpoint, 1);
  });
  afterAll(async () => {
    client.destroy();
    await proxy.close();
    await fauxqs.stop();
  });

  const stored = () => fauxqs.inspectQueue('probe')?.messages.ready.length ?? 0;

  it.each(Object.keys(SQS_ERRORS) as SqsErrorCode[])(
    'the SDK reads an injected %s as that SQS error with its status',
    async (code) => {
      proxy.setRules([{ name: code, perMille: 1000, fault: { type: 'error', error: code, when: 'before' } }]);
      const err = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' })).then(
        () => null,
        (e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } },
      );
      expect(err?.name).toBe(code);
      expect(err?.$metadata.httpStatusCode).toBe(SQS_ERRORS[code].status);
    },
  );

  it('a fault before forwarding never reaches fauxqs; the same fault after forwarding has been applied', async () => {
    const before = stored();
    const send = async (fault: QueueFault) => {
      proxy.setRules([{ name: 'x', perMille: 1000, fault }]);
      await expect(
        client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `${fault.type} ${fault.when}` })),
      ).rejects.toThrow();
    };
    await send({ type: 'error', error: 'InternalError', when: 'before' });
    await send({ type: 'reset', when: 'before' });
    expect(stored()).toBe(before);
    // Held past the client's timeout, then forwarded anyway: it arrives after the client gave up.
    await send({ type: 'slow', delayMs: 1500, when: 'before' });
    await send({ type: 'error', error: 'InternalError', when: 'after' });
    await send({ type: 'reset', when: 'after' });
    await send({ type: 'slow', delayMs: 1500, when: 'after' });
    proxy.setRules([]);
    for (const until = Date.now() + 20_000; stored() < before + 4 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 50));
    const out = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect((out.Messages ?? []).map((m) => m.Body).sort()).toEqual([
      'error after',
      'reset after',
      'slow after',
      'slow before',
    ]);
  });

  it('rules match on the action and the queue', async () => {
    proxy.setRules([
      { name: 'other queue', queues: ['elsewhere'], perMille: 1000, fault: { type: 'reset', when: 'before' } },
      { name: 'receive', operations: ['ReceiveMessage'], perMille: 1000, fault: { type: 'reset', when: 'before' } },
    ]);
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'passes' }));
    await expect(client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).rejects.toThrow();
    expect(proxy.stats().faultsByRule).toEqual(expect.objectContaining({ receive: 1 }));
    expect(proxy.stats().faultsByRule['other queue']).toBeUndefined();
    proxy.setRules([]);
  });
});

/** Every faulted operation gets 30% faults: errors, throttling, resets and slow answers, before and after fauxqs. */
const OPERATIONS = [
  'ReceiveMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibilityBatch',
  'SendMessage',
  'SendMessageBatch',
];
const MIX: QueueFaultRule[] = [
  { name: 'InternalError before', perMille: 40, fault: { type: 'error', error: 'InternalError', when: 'before' } },
  { name: 'InternalError after', perMille: 40, fault: { type: 'error', error: 'InternalError', when: 'after' } },
  {
    name: 'ServiceUnavailable before',
    perMille: 30,
    fault: { type: 'error', error: 'ServiceUnavailable', when: 'before' },
  },
  { name: 'ThrottlingException', perMille: 30, fault: { type: 'error', error: 'ThrottlingException', when: 'before' } },
  { name: 'RequestThrottled', perMille: 30, fault: { type: 'error', error: 'RequestThrottled', when: 'before' } },
  { name: 'reset before', perMille: 40, fault: { type: 'reset', when: 'before' } },
  { name: 'reset after', perMille: 40, fault: { type: 'reset', when: 'after' } },
  { name: 'slow after', perMille: 25, fault: { type: 'slow', delayMs: 1500, when: 'after' } },
  { name: 'slow before', perMille: 25, fault: { type: 'slow', delayMs: 1500, when: 'before' } },
].map((r) => ({ ...r, operations: OPERATIONS }) as QueueFaultRule);

describe('the handler with faults on every queue call', () => {
  const NORMAL = 280;
  const MISSING = 16;
  const INVALID = 10;
  let p: Pipeline;
  let proxy: SqsFaultProxy | undefined;
  let esmClient: SQSClient | undefined;

  afterAll(async () => {
    esmClient?.destroy();
    await proxy?.close();
    await p?.close();
  });

  it('loses no message: every object is in DR with a success outcome, every other message is in the DLQ with its reason', async () => {
    p = await startPipeline({
      // Five attempts (the product's default): lost receives count as attempts too.
      config: { maxAttempts: 5, backoffBaseSeconds: 1, backoffCapSeconds: 1 },
      queueClient: async (endpoint) => {
        proxy = await startSqsFaultProxy({ target: endpoint, seed: 16, rules: MIX });
        return proxiedClient(proxy.endpoint);
      },
    });
    const source = p.sim.cluster('baker');
    const uuid = (i: number) => `0000aaaa${i.toString(16).padStart(24, '0')}`;
    const bodies: { body: string; kind: 'normal' | 'missing' | 'invalid'; uuid: string }[] = [];
    // Spread over the batches: objects gone at the source (retried, then dead-lettered), malformed
    // bodies, and objects whose first SEND is reset mid-body (retried, then replicated).
    for (let i = 0; i < NORMAL + MISSING + INVALID; i++) {
      const kind =
        i % 19 === 4 && bodies.filter((b) => b.kind === 'missing').length < MISSING
          ? 'missing'
          : i % 31 === 7 && bodies.filter((b) => b.kind === 'invalid').length < INVALID
            ? 'invalid'
            : 'normal';
      if (kind === 'invalid') {
        bodies.push({
          kind,
          uuid: '',
          body: JSON.stringify({ object: { uuid: `bad-${i}` }, correlationId: `q-${i}` }),
        });
        continue;
      }
      source.put({ uuid: uuid(i), alias: true, body: `object ${i}\n`, contentType: 'text/plain' });
      if (kind === 'missing') source.delete({ uuid: uuid(i) });
      if (kind === 'normal' && i % 10 === 3)
        p.sim.faults.add({
          match: { cluster: 'baker', method: 'SEND', object: uuid(i) },
          times: 1,
          kind: { type: 'reset-mid-body' },
        });
      bodies.push({
        kind,
        uuid: uuid(i),
        body: JSON.stringify({ object: { uuid: uuid(i), alias: true }, correlationId: `q-${i}` }),
      });
    }
    for (const b of bodies) await p.send(b.body);

    esmClient = proxiedClient(proxy!.endpoint);
    const esm = new LocalEventSourceMapping({
      sqs: esmClient,
      queueUrl: p.queue.url,
      queueArn: p.queue.arn,
      handler: p.handler,
      batchSize: 10,
      maxConcurrency: 3,
      functionTimeoutMs: 20_000,
      visibilityTimeoutSeconds: 3,
      waitTimeSeconds: 1,
    }).start();
    const depth = () => {
      const m = p.fauxqs.inspectQueue('sends')?.messages;
      return m ? m.ready.length + m.delayed.length + m.inflight.length : 0;
    };
    // Bounded: a queue that does not drain fails the test instead of hanging it.
    const until = Date.now() + 180_000;
    while (depth() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    await esm.stop();
    expect(depth()).toBe(0);

    proxy!.setRules([]);
    const dlq = new Map<string, string[]>();
    for (const m of await p.drain(p.dlq))
      dlq.set(m.Body!, [
        ...(dlq.get(m.Body!) ?? []),
        m.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]?.StringValue ?? 'none',
      ]);
    const successes = new Set<string>();
    for (const m of await p.drain(p.outcomes)) {
      const o = JSON.parse(m.Body!) as OutcomeRecord;
      if (o.outcome === 'replicated' || o.outcome === 'already-present') successes.add(o.correlationId!);
    }
    const dr = p.sim.cluster('dr');
    const wrong: string[] = [];
    bodies.forEach((b, i) => {
      const reasons = new Set(dlq.get(b.body) ?? []);
      const id = (JSON.parse(b.body) as { correlationId: string }).correlationId;
      if (b.kind === 'normal' && !(dr.has({ uuid: b.uuid }) && successes.has(id)))
        wrong.push(`#${i} normal: inDR=${dr.has({ uuid: b.uuid })} success=${successes.has(id)} dlq=[${[...reasons]}]`);
      if (b.kind === 'normal' && reasons.size) wrong.push(`#${i} normal but dead-lettered: [${[...reasons]}]`);
      if (b.kind === 'missing' && !(reasons.size === 1 && reasons.has('not-found-at-source')))
        wrong.push(`#${i} missing: dlq=[${[...reasons]}]`);
      if (b.kind === 'invalid' && !(reasons.size === 1 && reasons.has('invalid-message')))
        wrong.push(`#${i} invalid: dlq=[${[...reasons]}]`);
    });
    expect(bodies.filter((b) => b.kind === 'missing')).toHaveLength(MISSING);
    expect(bodies.filter((b) => b.kind === 'invalid')).toHaveLength(INVALID);
    expect(wrong).toEqual([]);
    // The mix really ran: every rule hit at least once, on the queue calls the handler and the mapping make.
    const stats = proxy!.stats();
    expect(MIX.filter((r) => !stats.faultsByRule[r.name]).map((r) => r.name)).toEqual([]);
    for (const op of OPERATIONS) expect(Object.keys(stats.faults).some((k) => k.includes(`: ${op} `))).toBe(true);
  }, 240_000);
});
