import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { enqueueSends } from '../../../functions/producer.js';
import { testContext } from '../../helpers/lambda.js';
import { startPipeline, type Pipeline } from '../../helpers/pipeline.js';

// Fan-out (docs/fan-out.md) on the real handler, fauxqs and three simulated clusters: the source
// `baker` and two DR clusters, `dr` and `dr2`. Every destination has its own message, SEND,
// outcome, retries and dead letter; SENDs are counted on the simulator.

const UUID = 'f'.repeat(32);

describe('fan-out to two DR clusters', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  const outcomes = async (): Promise<OutcomeRecord[]> =>
    (await p.drain(p.outcomes)).map((m) => JSON.parse(m.Body!) as OutcomeRecord);
  const byDestination = (records: readonly OutcomeRecord[]) =>
    records.map((r) => `${r.to ?? r.destinations?.join('+')}:${r.outcome}:${r.reason}`).sort();
  const sends = () => p.sim.counters().sends;
  const putSourceObject = () => p.sim.cluster('baker').put({ uuid: UUID, body: 'fan-out' });
  const toBoth = JSON.stringify({ object: { uuid: UUID }, from: 'primary', to: ['dr', 'dr2'] });
  /**
   * A container splits a multi-destination message, then dies before Lambda deletes the
   * original, whose visibility timeout runs out; a new instance takes the next deliveries.
   */
  const splitThenCrash = async () => {
    await p.send(toBoth);
    const [original] = await p.receive(1);
    await p.handler({ Records: [original!] }, testContext(30_000));
    await p.restart();
    await p.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: p.queue.url,
        ReceiptHandle: original!.receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    for (let i = 0; i < 3; i++) await p.deliver();
  };

  it('a multi-destination message arriving at the worker is split without a SEND; each part settles on its own and both destinations succeed', async () => {
    p = await startPipeline({ secondDr: {} });
    putSourceObject();
    await p.send(toBoth);

    const first = await p.deliver();
    expect(first.records).toHaveLength(1);
    expect(first.response.batchItemFailures).toEqual([]);
    expect(sends()).toBe(0);
    const parts = await p.receive(10);
    expect(parts.map((r) => (JSON.parse(r.body) as { to: unknown }).to).sort()).toEqual(['dr', 'dr2']);
    await p.invoke(parts);

    expect(sends()).toBe(2);
    expect(p.sim.cluster('dr').has({ uuid: UUID })).toBe(true);
    expect(p.sim.cluster('dr2').has({ uuid: UUID })).toBe(true);
    const published = await outcomes();
    expect(byDestination(published)).toEqual([
      'dr+dr2:already-present:fanned-out',
      'dr2:replicated:created',
      'dr:replicated:created',
    ]);
    const split = published.find((r) => r.reason === 'fanned-out')!;
    expect(split).toMatchObject({ to: null, destinations: ['dr', 'dr2'], node: null, httpStatus: null });
    expect(split).not.toHaveProperty('requests');
    expect(await p.receive(10)).toEqual([]);
  });

  it('one DR cluster down: only its message is retried; the destination that succeeded is never SENT again', async () => {
    p = await startPipeline({ secondDr: {}, config: { backoffBaseSeconds: 0, backoffCapSeconds: 0 } });
    putSourceObject();
    const enqueued = await enqueueSends(p.sqs, p.queue.url, [
      { object: { uuid: UUID }, from: 'primary', to: ['dr', 'dr2'] },
    ]);
    expect(enqueued).toEqual({ sent: 2, failed: [] });
    await p.sim.cluster('dr2').nodes[0]!.stop();

    const first = await p.deliver();
    expect(first.records).toHaveLength(2);
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(sends()).toBe(2);
    expect(Object.fromEntries(p.summary.byReason)).toMatchObject({ created: 1 });
    expect(Object.fromEntries(p.summary.retriesByReason)).toStrictEqual({ 'remote-unavailable': 1 });

    await p.sim.cluster('dr2').nodes[0]!.start();
    const retry = await p.deliver();
    expect(retry.records.map((r) => (JSON.parse(r.body) as { to: string }).to)).toEqual(['dr2']);
    expect(retry.response.batchItemFailures).toEqual([]);
    expect(sends()).toBe(3);
    expect(p.sim.cluster('dr2').has({ uuid: UUID })).toBe(true);
    expect(byDestination(await outcomes())).toEqual(['dr2:replicated:created', 'dr:replicated:created']);
  });

  it('one destination is dead-lettered (it refuses the credentials) while the other succeeds', async () => {
    p = await startPipeline({ secondDr: { admins: { admin: 'not-the-source-password' } } });
    putSourceObject();
    await p.send(toBoth);
    await p.deliver();
    await p.deliver();

    expect(sends()).toBe(2);
    expect(p.sim.cluster('dr').has({ uuid: UUID })).toBe(true);
    expect(p.sim.cluster('dr2').has({ uuid: UUID })).toBe(false);
    const dead = await p.drain(p.dlq);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.Body!)).toMatchObject({ to: 'dr2' });
    expect(byDestination(await outcomes())).toEqual([
      'dr+dr2:already-present:fanned-out',
      'dr2:failed:remote-auth-rejected',
      'dr:replicated:created',
    ]);
    expect(await p.receive(10)).toEqual([]);
  });

  it('a container restart between deliveries: the second worker instance sends only the destination still owed', async () => {
    p = await startPipeline({ secondDr: {}, config: { backoffBaseSeconds: 0, backoffCapSeconds: 0 } });
    putSourceObject();
    await p.send(toBoth);
    await p.sim.cluster('dr2').nodes[0]!.stop();
    await p.deliver(); // the split
    await p.deliver(); // dr replicated, dr2 a retry
    expect(sends()).toBe(2);

    await p.restart();
    await p.sim.cluster('dr2').nodes[0]!.start();
    const after = await p.deliver();
    expect(after.records.map((r) => (JSON.parse(r.body) as { to: string }).to)).toEqual(['dr2']);
    expect(sends()).toBe(3);
    expect(p.sim.cluster('dr2').has({ uuid: UUID })).toBe(true);
    expect(await p.receive(10)).toEqual([]);
  });

  it('a crash after the split, before the original is acknowledged: the split is repeated and each duplicate part is a harmless 409', async () => {
    p = await startPipeline({ secondDr: {} });
    putSourceObject();
    await splitThenCrash();

    expect(sends()).toBe(4);
    expect(p.sim.cluster('dr').objectCount).toBe(1);
    expect(p.sim.cluster('dr2').objectCount).toBe(1);
    expect(byDestination(await outcomes())).toEqual([
      'dr+dr2:already-present:fanned-out',
      'dr+dr2:already-present:fanned-out',
      'dr2:already-present:already-present',
      'dr2:replicated:created',
      'dr:already-present:already-present',
      'dr:replicated:created',
    ]);
    expect(await p.receive(10)).toEqual([]);
  });

  it('FIFO: a split repeated after a crash is deduplicated by message and destination, so no destination is SENT twice', async () => {
    p = await startPipeline({ secondDr: {}, fifo: true });
    putSourceObject();
    await splitThenCrash();

    expect(sends()).toBe(2);
    expect(byDestination(await outcomes())).toEqual([
      'dr+dr2:already-present:fanned-out',
      'dr+dr2:already-present:fanned-out',
      'dr2:replicated:created',
      'dr:replicated:created',
    ]);
    expect(await p.receive(10)).toEqual([]);
  });

  it('a split that cannot be enqueued leaves the original to be retried, and nothing is SENT', async () => {
    let refuse = true;
    p = await startPipeline({
      secondDr: {},
      config: { backoffBaseSeconds: 0, backoffCapSeconds: 0 },
      queueOps: (real) => ({
        ...real,
        fanOut: async (record, parts, signal) => {
          if (refuse) throw Object.assign(new Error('queue unavailable'), { name: 'ServiceUnavailable' });
          return real.fanOut(record, parts, signal);
        },
      }),
    });
    putSourceObject();
    await p.send(toBoth);
    const first = await p.deliver();
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(Object.fromEntries(p.summary.retriesByReason)).toStrictEqual({ 'fan-out-unavailable': 1 });
    expect(sends()).toBe(0);

    refuse = false;
    const second = await p.deliver();
    expect(second.records).toHaveLength(1);
    expect(second.response.batchItemFailures).toEqual([]);
    await p.deliver();
    expect(sends()).toBe(2);
  });
});
