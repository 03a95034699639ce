import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { eventually, spawnWorker, startJsonProtocolServer, type WorkerProcess } from '../../helpers/worker.js';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { startLocalSqs, type Fauxqs, type LocalSqs } from '../../helpers/sqs.js';
import { scratchDir } from '../../helpers/scratch.js';
import { writeSimulatorRegistry } from '../../helpers/swarm.js';

const PASSWORD = 'Worker-Svc-Pa55';
const ADMIN = JSON.stringify({ username: 'admin', password: PASSWORD });

/** `swarm-send worker` as a service: drain, signals, metrics, probes, heartbeats, polling. */
describe('swarm-send worker as a service (subprocess, fauxqs + simulator)', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  let local: LocalSqs;
  let sim: SwarmSimulator;
  let imds: Awaited<ReturnType<typeof startJsonProtocolServer>>;
  let n = 0;
  const workers: WorkerProcess[] = [];
  const dir = scratchDir('swarm-send-worker-svc-');

  beforeAll(async () => {
    local = await startLocalSqs();
    ({ fauxqs, sqs } = local);
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 1, admins: { admin: PASSWORD } },
        { name: 'dr', nodes: 1, admins: { admin: PASSWORD } },
      ],
    });
    // Stands in for the instance-metadata address: a credential chain that probes it is counted.
    imds = await startJsonProtocolServer(() => ({}));
  });
  afterEach(async () => {
    sim.faults.clear();
    for (const w of workers.splice(0)) {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await w.exited;
    }
  });
  afterAll(async () => {
    await imds.close();
    await sim.close();
    await local.close();
  });

  const setup = (visibility = 30, credentialsRef = 'env:SWARM_ADMIN') => {
    n += 1;
    const registry = writeSimulatorRegistry(join(dir, `registry-${n}.json`), sim, {
      source: credentialsRef,
      dr: 'env:SWARM_ADMIN',
    });
    return {
      queue: fauxqs.createQueue(`sq-${n}`, { attributes: { VisibilityTimeout: String(visibility) } }).queueUrl,
      dlq: fauxqs.createQueue(`sdlq-${n}`).queueUrl,
      registry,
    };
  };
  const start = (q: { queue: string; dlq: string; registry: string }, extra: string[] = []) => {
    const w = spawnWorker(
      [
        '--queue-url',
        q.queue,
        '--dlq-url',
        q.dlq,
        '--registry',
        q.registry,
        '--sqs-endpoint',
        fauxqs.address,
        '--metrics-port',
        '0',
        '--metrics-host',
        '127.0.0.1',
        ...extra,
      ],
      {
        SWARM_ADMIN: ADMIN,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
      },
    );
    workers.push(w);
    return w;
  };
  const endpointOf = async (w: WorkerProcess) => {
    const line = await w.waitForLog((l) => l.message === 'swarm-send worker started');
    return `http://${(line.settings as { metrics: string }).metrics}`;
  };
  const put = () => sim.cluster('baker').put({ body: `object ${Math.random()}` });
  const enqueue = (url: string, uuid: string) =>
    sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ object: { uuid } }) }));
  const counts = async (url: string) => {
    const a =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
    return {
      visible: Number(a.ApproximateNumberOfMessages),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible),
    };
  };
  const outcomes = (w: WorkerProcess) =>
    (w.stdout() + w.stderr())
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes('"outcome"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('/metrics passes promtool check metrics and counts outcomes by reason, SEND latency, lag, batches; /healthz and /readyz answer 200', async () => {
    const q = setup();
    const objs = [put(), put()];
    for (const o of objs) await enqueue(q.queue, o.uuid);
    await sqs.send(new SendMessageCommand({ QueueUrl: q.queue, MessageBody: 'garbage' }));
    const w = start(q);
    const base = await endpointOf(w);
    await eventually(() => outcomes(w).length === 3, 20_000, 'three outcomes');
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    // promtool from Debian's prometheus package (.ci/run installs it): a missing promtool fails the test.
    const lint = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(lint).toBe('');
    expect(text).toContain('swarm_send_outcomes_total{outcome="replicated",reason="created"} 2');
    expect(text).toContain('swarm_send_outcomes_total{outcome="failed",reason="invalid-message"} 1');
    expect(text).toMatch(/^swarm_send_send_duration_seconds_count 2$/m);
    expect(text).toMatch(/^swarm_send_replication_lag_seconds_count 2$/m);
    expect(text).toMatch(/^swarm_send_sends_in_flight 0$/m);
    expect(text).toMatch(/^swarm_send_batches_total\{result="ok"\} [1-9]/m);
    expect(text).toMatch(/^swarm_send_batch_records_total 3$/m);
    expect(text).toContain('# TYPE swarm_send_queue_call_errors_total counter');
    // A scrape runs the readiness checks (cached): their results, and the depth of both queues.
    expect(text).toMatch(/^swarm_send_ready\{check="credentials"\} 1$/m);
    expect(text).toMatch(/^swarm_send_ready\{check="accepting"\} 1$/m);
    expect(text).toMatch(/^swarm_send_queue_messages\{queue="dlq",state="visible"\} 1$/m);
    expect(text).toMatch(/^swarm_send_queue_messages\{queue="send",state="visible"\} 0$/m);
    expect(text).not.toContain(PASSWORD);

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ready: true,
      checks: { registry: 'ok', credentials: 'ok', queue: 'ok', dlq: 'ok', accepting: 'ok' },
    });
  }, 60_000);

  it('/readyz answers 503 when credentials cannot be read, the log naming them (never a secret); /healthz stays 200', async () => {
    const q = setup(30, 'env:NOT_SET');
    const w = start(q);
    const base = await endpointOf(w);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { ready: boolean; checks: Record<string, string> };
    expect(body.ready).toBe(false);
    expect(body.checks.credentials).toBe('failed');
    expect(body.checks.queue).toBe('ok');
    const logged = await w.waitForLog((l) => l.message === 'readiness check failed');
    expect(logged).toMatchObject({ check: 'credentials', detail: expect.stringContaining('NOT_SET') as unknown });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 30_000);

  it('SIGTERM drains the batch in flight and exits 0: every received message is replicated and deleted, the rest wait visible; nothing lost', async () => {
    const q = setup();
    const objs = Array.from({ length: 6 }, put);
    // Each SEND takes about 1.5 s, so the signal lands mid-SEND.
    sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'slow-keepalive', count: 5, intervalMs: 300 } });
    for (const o of objs) await enqueue(q.queue, o.uuid);
    const sendsBefore = sim.counters().sends;
    const w = start(q, ['--batch-size', '2', '--max-concurrency', '1']);
    const base = await endpointOf(w);
    await eventually(() => sim.counters().sends > sendsBefore, 20_000, 'a SEND');
    w.child.kill('SIGTERM');
    await w.waitForLog((l) => l.message === 'draining');
    // While draining, the pod is taken out of service.
    const ready = await fetch(`${base}/readyz`).catch(() => null);
    if (ready) expect(ready.status).toBe(503);
    expect(await w.exited).toBe(0);
    const done = outcomes(w);
    expect(done.length).toBeGreaterThan(0);
    expect(done.every((l) => l.outcome === 'replicated')).toBe(true);
    const c = await counts(q.queue);
    expect(c.inFlight).toBe(0);
    expect(c.visible).toBe(objs.length - done.length);
    expect(objs.filter((o) => sim.cluster('dr').has({ uuid: o.uuid }))).toHaveLength(done.length);
  }, 60_000);

  it('a second signal exits at once (143) and deletes nothing unfinished: those messages reappear', async () => {
    const q = setup(2);
    const objs = Array.from({ length: 3 }, put);
    sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'slow-keepalive', count: 20, intervalMs: 300 } });
    for (const o of objs) await enqueue(q.queue, o.uuid);
    const sendsBefore = sim.counters().sends;
    const w = start(q, ['--drain-seconds', '60']);
    await w.waitForLog((l) => l.message === 'swarm-send worker started');
    await eventually(() => sim.counters().sends > sendsBefore, 20_000, 'a SEND').catch((err: Error) => {
      throw new Error(`${err.message}\n${w.stdout()}\n${w.stderr()}`);
    });
    w.child.kill('SIGTERM');
    await w.waitForLog((l) => l.message === 'draining');
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(143);
    expect(w.stdout() + w.stderr()).toContain('second SIGTERM: exiting at once');
    expect(outcomes(w)).toEqual([]);
    // Their visibility (2 s) runs out without a heartbeat: every message is back.
    const back: string[] = [];
    await eventually(
      async () => {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: q.queue,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 60,
          }),
        );
        back.push(
          ...(out.Messages ?? []).map((m) => (JSON.parse(m.Body ?? '{}') as { object: { uuid: string } }).object.uuid),
        );
        return back.length >= objs.length;
      },
      20_000,
      'the messages to reappear',
    );
    expect(back.sort()).toEqual(objs.map((o) => o.uuid).sort());
  }, 60_000);

  it('a SEND longer than the visibility timeout is kept invisible on a heartbeat: one SEND, one attempt, no redelivery', async () => {
    const q = setup(3);
    const o = put();
    // About 6 s: twice the queue's 3 s visibility timeout.
    sim.faults.add({ match: { object: o.uuid }, kind: { type: 'slow-keepalive', count: 12, intervalMs: 500 } });
    await enqueue(q.queue, o.uuid);
    const sendsBefore = sim.counters().sends;
    const w = start(q, ['--max-concurrency', '2']);
    const base = await endpointOf(w);
    await eventually(() => outcomes(w).length > 0, 30_000, 'the outcome');
    expect(outcomes(w)).toEqual([expect.objectContaining({ outcome: 'replicated', attempt: 1 })]);
    expect(sim.counters().sends - sendsBefore).toBe(1);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(Number(/^swarm_send_visibility_extensions_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await counts(q.queue)).inFlight === 0, 10_000, 'the delete');
  }, 60_000);

  it('against a server that answers empty receives at once, each poller pauses (jittered): the request rate stays bounded', async () => {
    const fake = await startJsonProtocolServer((operation) =>
      operation === 'GetQueueAttributes'
        ? { Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:eager', VisibilityTimeout: '30' } }
        : {},
    );
    try {
      const q = setup();
      const w = spawnWorker(
        [
          '--queue-url',
          `${fake.url}/000000000000/eager`,
          '--dlq-url',
          q.dlq,
          '--registry',
          q.registry,
          '--sqs-endpoint',
          fake.url,
          '--max-concurrency',
          '2',
        ],
        { SWARM_ADMIN: ADMIN },
      );
      workers.push(w);
      await eventually(() => (fake.calls.get('ReceiveMessage') ?? 0) >= 2, 20_000, 'the first receives');
      const before = fake.calls.get('ReceiveMessage') ?? 0;
      await new Promise((r) => setTimeout(r, 4000));
      const made = (fake.calls.get('ReceiveMessage') ?? 0) - before;
      // Two pollers, each at most one receive per 0.5 s pause: about 16 in 4 s (without the pause: thousands).
      expect(made).toBeGreaterThanOrEqual(2);
      expect(made).toBeLessThanOrEqual(40);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
    } finally {
      await fake.close();
    }
  }, 30_000);

  it('with a loopback SQS endpoint and no AWS credentials, no credential chain probes the instance-metadata address', async () => {
    const q = setup();
    const o = put();
    await enqueue(q.queue, o.uuid);
    const w = start(q);
    await eventually(() => outcomes(w).length === 1, 20_000, 'the outcome');
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(true);
    // Every worker of this file ran with the metadata endpoint pointed here.
    expect([...imds.calls.values()].reduce((a, b) => a + b, 0)).toBe(0);
  }, 30_000);
});
