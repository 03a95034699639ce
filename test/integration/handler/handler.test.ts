import { DLQ_ATTRIBUTES } from '../../../functions/adapters/dlq-message.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { toLambdaRecord } from '../../../local/event-source-mapping.js';
import { captureOutput, PASSWORD, startPipeline, type Pipeline } from '../../helpers/pipeline.js';

// The real handler, run against fauxqs (a real SQS API) and the Swarm simulator, with events
// shaped as Lambda delivers them.

const msg = (uuid: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ object: { uuid }, correlationId: `c-${uuid.slice(0, 6)}`, ...extra });
const outcomeOf = (m: { MessageAttributes?: Record<string, { StringValue?: string }> }): OutcomeRecord =>
  JSON.parse(m.MessageAttributes?.[DLQ_ATTRIBUTES.OUTCOME]?.StringValue ?? 'null');

describe('SEND handler over fauxqs and the simulator', () => {
  let p: Pipeline;
  afterEach(async () => {
    await p?.close();
  });

  it('201: replicates, acknowledges, and publishes the outcome', async () => {
    p = await startPipeline();
    const obj = p.sim.cluster('baker').put({ body: 'x' });
    await p.send(msg(obj.uuid));
    const { records, response } = await p.deliver();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: p.queue.arn,
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(p.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    const published = await p.drain(p.outcomes);
    expect(published.map((m) => JSON.parse(m.Body!))).toMatchObject([
      {
        outcome: 'replicated',
        reason: 'created',
        remoteStatus: 201,
        httpStatus: 200,
        object: { uuid: obj.uuid },
        from: 'primary',
        to: 'dr',
        attempt: 1,
        messageId: records[0]!.messageId,
        correlationId: `c-${obj.uuid.slice(0, 6)}`,
      },
    ]);
    expect(await p.receive()).toHaveLength(0);
  });

  it('409: an object already at DR is already-present and acknowledged', async () => {
    p = await startPipeline();
    const obj = p.sim.cluster('baker').put({ body: 'x' });
    p.sim.cluster('dr').put({ uuid: obj.uuid, body: 'x' });
    await p.send(msg(obj.uuid));
    const { response } = await p.deliver();
    expect(response.batchItemFailures).toHaveLength(0);
    expect(p.summary.byOutcome.get('already-present')).toBe(1);
  });

  it('transient then success: the message comes back after its backoff and the second attempt replicates', async () => {
    p = await startPipeline();
    const obj = p.sim.cluster('baker').put({ body: 'x' });
    p.sim.faults.add({ match: { object: obj.uuid }, times: 1, kind: { type: 'remote-status', status: 503 } });
    await p.send(msg(obj.uuid));
    const first = await p.deliver();
    expect(first.response.batchItemFailures).toStrictEqual([{ itemIdentifier: first.records[0]!.messageId }]);
    // The backoff (1 s here) hides it; the queue's own visibility timeout is 30 s.
    expect(await p.receive()).toHaveLength(0);
    const again = await p.receive(10, 3);
    expect(again).toHaveLength(1);
    expect(again[0]!.attributes.ApproximateReceiveCount).toBe('2');
    const second = await p.invoke(again);
    expect(second.batchItemFailures).toHaveLength(0);
    expect(p.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    expect(p.summary.retries).toBe(1);
  });

  it('permanent: dead-letters with the reason and the original body, then acknowledges', async () => {
    p = await startPipeline();
    const obj = p.sim.cluster('baker').put({ body: 'x' });
    p.sim.faults.add({ match: { object: obj.uuid }, kind: { type: 'status', status: 501 } });
    const body = msg(obj.uuid);
    await p.send(body);
    const { response } = await p.deliver();
    expect(response.batchItemFailures).toHaveLength(0);
    const dead = await p.drain(p.dlq);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.Body).toBe(body);
    expect(dead[0]!.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]?.StringValue).toBe('method-not-supported');
    expect(outcomeOf(dead[0]!)).toMatchObject({
      outcome: 'failed',
      reason: 'method-not-supported',
      httpStatus: 501,
      object: { uuid: obj.uuid },
      detail: expect.any(String),
    });
    expect(await p.receive()).toHaveLength(0);
  });

  it('retries exhausted: the last attempt dead-letters with the last transient reason', async () => {
    p = await startPipeline({ config: { maxAttempts: 2, backoffBaseSeconds: 0, backoffCapSeconds: 0 } });
    const obj = p.sim.cluster('baker').put({ body: 'x' });
    p.sim.faults.add({ match: { object: obj.uuid }, kind: { type: 'remote-status', status: 507 } });
    await p.send(msg(obj.uuid));
    expect((await p.deliver()).response.batchItemFailures).toHaveLength(1);
    const again = await p.receive(10, 2);
    expect(again[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect((await p.invoke(again)).batchItemFailures).toHaveLength(0);
    const dead = await p.drain(p.dlq);
    expect(dead.map(outcomeOf)).toMatchObject([
      {
        outcome: 'failed',
        reason: 'remote-insufficient-storage',
        retriesExhausted: true,
        attempt: 2,
        remoteStatus: 507,
      },
    ]);
  });

  it('invalid JSON and schema violations go to the DLQ as invalid-message; the rest of the batch succeeds', async () => {
    p = await startPipeline();
    const good = [1, 2, 3].map(() => p.sim.cluster('baker').put({ body: 'x' }));
    const bad = [
      '{"object":',
      JSON.stringify({ object: { uuid: 'xyz' } }),
      JSON.stringify({ object: { uuid: 'a'.repeat(32) }, from: 'nowhere' }),
    ];
    for (const b of bad) await p.send(b);
    for (const g of good) await p.send(msg(g.uuid));
    const { records, response } = await p.deliver();
    expect(records).toHaveLength(6);
    expect(response.batchItemFailures).toHaveLength(0);
    expect(good.every((g) => p.sim.cluster('dr').has({ uuid: g.uuid }))).toBe(true);
    const dead = await p.drain(p.dlq);
    expect(dead.map((d) => d.Body).sort()).toStrictEqual([...bad].sort());
    expect(dead.map((d) => outcomeOf(d).reason)).toStrictEqual([
      'invalid-message',
      'invalid-message',
      'invalid-message',
    ]);
    expect(dead.map((d) => outcomeOf(d).detail).join('\n')).toContain('no configured route from "nowhere" to "dr"');
  });

  it('deadline: SENDs still running at the safety margin are aborted and returned to the queue', async () => {
    // Margins sized for a busy 2-core machine: 1.5 s of budget, then 1.5 s to return in.
    p = await startPipeline({ config: { deadlineMarginMs: 1500, concurrency: 1 } });
    const slow = p.sim.cluster('baker').put({ body: 'slow' });
    const later = [1, 2].map(() => p.sim.cluster('baker').put({ body: 'x' }));
    p.sim.faults.add({ match: { object: slow.uuid }, kind: { type: 'stall', ms: 8000 } });
    await p.send(msg(slow.uuid));
    for (const l of later) await p.send(msg(l.uuid));
    const records = await p.receive();
    const started = Date.now();
    const response = await p.invoke(records, 3000);
    expect(Date.now() - started).toBeLessThan(3000);
    // concurrency 1: the stalled SEND holds the only slot, the other two never start.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toStrictEqual(
      records.map((r) => r.messageId).sort(),
    );
    expect(p.summary.byOutcome.get('retry')).toBe(1);
    expect(later.some((l) => p.sim.cluster('dr').has({ uuid: l.uuid }))).toBe(false);
  });

  it('coalesces identical SENDs in one batch: one SEND, every record gets the outcome', async () => {
    p = await startPipeline();
    const obj = p.sim.cluster('baker').put({ body: 'x' });
    const other = p.sim.cluster('baker').put({ body: 'y' });
    for (let i = 0; i < 4; i++) await p.send(msg(obj.uuid, { correlationId: `dup-${i}` }));
    await p.send(msg(other.uuid));
    p.sim.resetCounters();
    const { response } = await p.deliver();
    expect(response.batchItemFailures).toHaveLength(0);
    expect(p.sim.counters().sends).toBe(2);
    const published = (await p.drain(p.outcomes)).map((m) => JSON.parse(m.Body!) as OutcomeRecord);
    expect(
      published.filter((o) => 'uuid' in o.object! && o.object.uuid === obj.uuid).map((o) => o.outcome),
    ).toStrictEqual(['replicated', 'replicated', 'replicated', 'replicated']);
  });

  it('FIFO: keeps order within a message group and returns the rest of a group after a failure', async () => {
    p = await startPipeline({ fifo: true });
    const [a1, a2, a3, b1] = [1, 2, 3, 4].map(() => p.sim.cluster('baker').put({ body: 'x' }));
    p.sim.faults.add({ match: { object: a1!.uuid }, times: 1, kind: { type: 'remote-status', status: 503 } });
    // fauxqs hands out one message per group at a time; Lambda's FIFO batches can hold several of
    // one group, in order. Build such a batch in Lambda's record shape.
    const records = [a1, b1, a2, a3].map((o, i) =>
      toLambdaRecord(
        {
          MessageId: `m${i}`,
          ReceiptHandle: `r${i}`,
          Body: msg(o!.uuid),
          MD5OfBody: '',
          Attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            MessageGroupId: o === b1 ? 'B' : 'A',
            SequenceNumber: String(i + 1),
          },
        },
        p.queue.arn,
        'us-east-1',
      ),
    );
    p.sim.resetCounters();
    const response = await p.invoke(records);
    const byId = new Map(records.map((r) => [r.messageId, r.body]));
    expect(response.batchItemFailures.map((f) => byId.get(f.itemIdentifier))).toStrictEqual([
      msg(a1!.uuid),
      msg(a2!.uuid),
      msg(a3!.uuid),
    ]);
    expect(p.sim.cluster('dr').has({ uuid: b1!.uuid })).toBe(true);
    expect([a2, a3].some((o) => p.sim.cluster('dr').has({ uuid: o!.uuid }))).toBe(false);
    // a2 and a3 were never sent: group A stopped at a1; group B went on.
    expect(p.sim.counters().sends).toBe(2);
  });

  it('FIFO: a FIFO queue delivers a group in order across invocations', async () => {
    p = await startPipeline({ fifo: true });
    const objs = [1, 2, 3].map(() => p.sim.cluster('baker').put({ body: 'x' }));
    for (const o of objs) await p.send(msg(o.uuid), { groupId: 'A' });
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { records, response } = await p.deliver();
      expect(response.batchItemFailures).toHaveLength(0);
      seen.push(...records.map((r) => r.body));
    }
    expect(seen).toStrictEqual(objs.map((o) => msg(o.uuid)));
  });

  it('refreshes rotated credentials once after auth-rejected and succeeds', async () => {
    p = await startPipeline();
    const obj = p.sim.cluster('baker').put({ body: 'x' });
    p.secrets.SRC_ADMIN = JSON.stringify({ username: 'admin', password: 'the-old-one' });
    await p.credentials.get('env:SRC_ADMIN'); // cached, as in a warm container
    p.secrets.SRC_ADMIN = JSON.stringify({ username: 'admin', password: PASSWORD }); // rotated
    await p.send(msg(obj.uuid));
    const { response } = await p.deliver();
    expect(response.batchItemFailures).toHaveLength(0);
    expect(p.sim.counters().authRejected).toBe(1);
    expect(p.summary.byOutcome.get('replicated')).toBe(1);
  });

  it('verify: a 201 whose copy is missing at DR is a retry (verify-mismatch)', async () => {
    p = await startPipeline({ verify: true });
    const ok = p.sim.cluster('baker').put({ body: 'x' });
    const lying = p.sim.cluster('baker').put({ body: 'y' });
    p.sim.faults.add({ match: { object: lying.uuid, method: 'SEND' }, kind: { type: 'remote-status', status: 201 } });
    await p.send(msg(ok.uuid));
    await p.send(msg(lying.uuid));
    const { records, response } = await p.deliver();
    const lyingId = records.find((r) => r.body.includes(lying.uuid))!.messageId;
    expect(response.batchItemFailures).toStrictEqual([{ itemIdentifier: lyingId }]);
    expect(p.summary.byOutcome.get('replicated')).toBe(1);
    expect(p.summary.byOutcome.get('retry')).toBe(1);
  });

  it('writes EMF that follows the CloudWatch embedded metric format, and never the password', async () => {
    p = await startPipeline({ powertools: true, drCredentials: { username: 'dradmin', password: 'Dr-Only-Secret-7' } });
    const objs = [1, 2, 3].map(() => p.sim.cluster('baker').put({ body: 'x' }));
    p.sim.faults.add({ match: { object: objs[2]!.uuid }, kind: { type: 'status', status: 403 } });
    for (const o of objs) await p.send(msg(o.uuid));
    await p.send('not json');
    const { output } = await captureOutput(async () => {
      await p.deliver();
      // A rejected password too: the outcome and its logs must not carry it.
      p.secrets.SRC_ADMIN = JSON.stringify({ username: 'admin', password: 'Wrong-Secret-123' });
      p.credentials.refresh('env:SRC_ADMIN');
      const obj = p.sim.cluster('baker').put({ body: 'z' });
      await p.send(msg(obj.uuid));
      await p.deliver();
    });
    for (const secret of [PASSWORD, 'Dr-Only-Secret-7', 'Wrong-Secret-123']) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/castor-system-auth|authorization:/i);

    const lines = output
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const outcomeLogs = lines.filter((l) => typeof l.outcome === 'string' && 'level' in l);
    expect(outcomeLogs.map((l) => l.outcome).sort()).toStrictEqual([
      'failed',
      'failed',
      'failed',
      'replicated',
      'replicated',
    ]);
    expect(outcomeLogs[0]).toMatchObject({
      level: expect.any(String),
      service: 'swarm-send',
      reason: expect.any(String),
      messageId: expect.any(String),
    });

    const emf = lines.filter((l) => '_aws' in l);
    expect(emf.length).toBeGreaterThan(0);
    const names = new Set<string>();
    for (const doc of emf) {
      const aws = doc._aws as {
        Timestamp: unknown;
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[];
      };
      expect(typeof aws.Timestamp).toBe('number');
      expect(Array.isArray(aws.CloudWatchMetrics)).toBe(true);
      for (const directive of aws.CloudWatchMetrics) {
        expect(directive.Namespace).toBe('SwarmSend');
        for (const set of directive.Dimensions) for (const d of set) expect(typeof doc[d]).toBe('string');
        for (const m of directive.Metrics) {
          names.add(m.Name);
          const v = doc[m.Name];
          expect(typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number'))).toBe(true);
        }
      }
    }
    for (const n of [
      'Outcome_replicated',
      'Outcome_failed',
      'MessagesProcessed',
      'SendLatency',
      'ReplicationLag',
      'OutcomesByReason',
    ])
      expect(names).toContain(n);
    const byReason = emf
      .filter((d) => d.reason !== undefined)
      .map((d) => `${d.outcome}/${d.reason}`)
      .sort();
    expect(byReason).toStrictEqual(
      ['failed/auth-rejected', 'failed/forbidden', 'failed/invalid-message', 'replicated/created'].sort(),
    );
  });
});
