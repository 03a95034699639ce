import { join } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runCli } from '../../helpers/cli.js';
import { startEventBridgeStandIn } from '../../helpers/eventbridge-stand-in.js';
import { jsonLines, startJsonProtocolServer } from '../../helpers/worker.js';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { startLocalSqs, type Fauxqs, type LocalSqs } from '../../helpers/sqs.js';
import { scratchDir } from '../../helpers/scratch.js';
import { simulatorRegistryDocument, writeSimulatorRegistry } from '../../helpers/swarm.js';

const PASSWORD = 'Worker-Env-Pa55';
const ADMIN = JSON.stringify({ username: 'admin', password: PASSWORD });

/**
 * `swarm-send worker` honours every SWARM_SEND_* variable of the handler's environment
 * contract (functions/env.ts), one test per variable, run as a subprocess against fauxqs and
 * the Swarm simulator; flags override the variables.
 */
describe('swarm-send worker: the environment contract', () => {
  let fauxqs: Fauxqs;
  let sqs: SQSClient;
  let local: LocalSqs;
  let sim: SwarmSimulator;
  let n = 0;
  const dir = scratchDir('swarm-send-worker-env-');

  beforeAll(async () => {
    local = await startLocalSqs();
    ({ fauxqs, sqs } = local);
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 1, admins: { admin: PASSWORD } },
        { name: 'dr', nodes: 1, admins: { admin: PASSWORD } },
      ],
    });
  });
  afterEach(() => sim.faults.clear());
  afterAll(async () => {
    await sim.close();
    await local.close();
  });

  const registryJson = () => JSON.stringify(simulatorRegistryDocument(sim, 'env:SWARM_ADMIN'));
  const registryFile = () => writeSimulatorRegistry(join(dir, `registry-${n}.json`), sim, 'env:SWARM_ADMIN');
  const queues = () => {
    n += 1;
    return {
      queue: fauxqs.createQueue(`wq-${n}`, { attributes: { VisibilityTimeout: '30' } }).queueUrl,
      dlq: fauxqs.createQueue(`wdlq-${n}`).queueUrl,
      outcomes: fauxqs.createQueue(`wout-${n}`).queueUrl,
    };
  };
  const enqueue = (url: string, body: string) => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
  const put = () => sim.cluster('baker').put({ body: `object ${Math.random()}` });
  const sendOf = (uuid: string) => JSON.stringify({ object: { uuid } });
  const read = async (url: string) => {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  };
  const depth = async (url: string) => {
    const a =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
    return (
      Number(a.ApproximateNumberOfMessages) +
      Number(a.ApproximateNumberOfMessagesNotVisible) +
      Number(a.ApproximateNumberOfMessagesDelayed)
    );
  };
  /** Runs the worker until the queue is idle; returns the exit code, its JSON log lines and all output. */
  /** The flags naming queues `q` and a fresh registry file. */
  const queueFlags = (q: { queue: string; dlq: string }) => [
    '--queue-url',
    q.queue,
    '--dlq-url',
    q.dlq,
    '--registry',
    registryFile(),
  ];
  /** `swarm-send worker` on queues `q` with `extra` flags and `env`: for configurations it refuses. */
  const refusedWorker = (q: { queue: string; dlq: string }, extra: string[], env: Record<string, string> = {}) =>
    runCli(['worker', ...queueFlags(q), ...extra].concat(['--sqs-endpoint', fauxqs.address]), { env });
  const run = async (args: string[], env: Record<string, string>) => {
    const r = await runCli(
      ['worker', '--sqs-endpoint', fauxqs.address, '--until-idle', '--idle-seconds', '1', '--timeout', '40', ...args],
      { env: { SWARM_ADMIN: ADMIN, ...env }, timeoutMs: 60_000 },
    );
    const logs = jsonLines(r.stdout + r.stderr);
    const settings = logs.find((l) => l.message === 'swarm-send worker started')?.settings as Record<
      string,
      unknown
    > & { sources: Record<string, string> };
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    return {
      ...r,
      logs,
      settings,
      outcomes: logs.filter((l) => typeof l.outcome === 'string' && typeof l.reason === 'string'),
    };
  };

  it('SWARM_SEND_QUEUE_URL: names the queue when --queue-url is absent', async () => {
    const q = queues();
    const o = put();
    await enqueue(q.queue, sendOf(o.uuid));
    const r = await run(['--registry', registryFile(), '--dlq-url', q.dlq], { SWARM_SEND_QUEUE_URL: q.queue });
    expect(r.code).toBe(0);
    expect(r.settings.queueUrl).toBe(q.queue);
    expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(true);
    expect(await depth(q.queue)).toBe(0);
  }, 60_000);

  it('AWS_ENDPOINT_URL_SQS: a local SQS server named by the SDK variable alone (no --sqs-endpoint) is where every call goes', async () => {
    // fauxqs's queue URLs name a host (sqs.<region>.localhost) that need not resolve: the
    // endpoint the variable names must win over the queue URL's host, as --sqs-endpoint does.
    const q = queues();
    const o = put();
    await enqueue(q.queue, sendOf(o.uuid));
    const r = await runCli(
      ['worker', '--queue-url', q.queue, '--dlq-url', q.dlq, '--registry', registryFile()].concat([
        '--until-idle',
        '--idle-seconds',
        '1',
        '--timeout',
        '40',
      ]),
      { env: { SWARM_ADMIN: ADMIN, AWS_ENDPOINT_URL_SQS: fauxqs.address }, timeoutMs: 60_000 },
    );
    expect(r.stdout + r.stderr).not.toContain('host not found');
    expect(r.code).toBe(0);
    expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(true);
    expect(await depth(q.queue)).toBe(0);
  }, 60_000);

  it('SWARM_SEND_EVENT_BUS_NAME with SWARM_SEND_EVENTS_ENDPOINT: outcome events go through the real SDK to that endpoint', async () => {
    const standIn = await startEventBridgeStandIn();
    try {
      const q = queues();
      const o = put();
      await enqueue(q.queue, sendOf(o.uuid));
      await enqueue(q.queue, 'not json');
      const r = await run(queueFlags(q), {
        SWARM_SEND_EVENT_BUS_NAME: 'dr-events',
        SWARM_SEND_EVENTS_ENDPOINT: standIn.endpoint,
      });
      expect(r.code).toBe(0);
      expect(standIn.accepted.map((e) => `${e.EventBusName} ${e.Source} ${e.DetailType}`).sort()).toStrictEqual([
        'dr-events swarm-send Object Replicated',
        'dr-events swarm-send Replication Failed',
      ]);
      expect(
        JSON.parse(standIn.accepted.find((e) => e.DetailType === 'Object Replicated')!.Detail).object,
      ).toStrictEqual({
        uuid: o.uuid,
      });
    } finally {
      await standIn.close();
    }
  }, 60_000);

  it('SWARM_SEND_EVENTS_ENDPOINT that is not a URL is a usage error', async () => {
    const r = await refusedWorker(queues(), [], {
      SWARM_ADMIN: ADMIN,
      SWARM_SEND_EVENT_BUS_NAME: 'dr-events',
      SWARM_SEND_EVENTS_ENDPOINT: 'events.local',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SWARM_SEND_EVENTS_ENDPOINT "events.local" is not an http(s) URL');
  }, 60_000);

  it('without a queue URL from flag or variable it is a usage error naming both', async () => {
    const r = await runCli(['worker', '--registry', 'x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--queue-url (or SWARM_SEND_QUEUE_URL) is required');
  });

  it('SWARM_SEND_REGISTRY: the registry given inline as JSON', async () => {
    const q = queues();
    const o = put();
    await enqueue(q.queue, sendOf(o.uuid));
    const r = await run(['--queue-url', q.queue, '--dlq-url', q.dlq], { SWARM_SEND_REGISTRY: registryJson() });
    expect(r.code).toBe(0);
    expect(r.settings.registry).toBe('inline JSON (SWARM_SEND_REGISTRY)');
    expect(r.outcomes).toEqual([expect.objectContaining({ outcome: 'replicated', reason: 'created' })]);
    expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(true);
  }, 60_000);

  it('SWARM_SEND_REGISTRY_FILE: the registry read from a file', async () => {
    const q = queues();
    const o = put();
    await enqueue(q.queue, sendOf(o.uuid));
    const file = registryFile();
    const r = await run(['--queue-url', q.queue, '--dlq-url', q.dlq], { SWARM_SEND_REGISTRY_FILE: file });
    expect(r.code).toBe(0);
    expect(r.settings.registry).toBe(`file ${file} (SWARM_SEND_REGISTRY_FILE)`);
    expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(true);
  }, 60_000);

  it('SWARM_SEND_REGISTRY_PARAMETER: the registry read from SSM (a loopback SSM endpoint, placeholder credentials)', async () => {
    const q = queues();
    const o = put();
    await enqueue(q.queue, sendOf(o.uuid));
    const registry = registryJson();
    const asked: unknown[] = [];
    const ssm = await startJsonProtocolServer((operation, body) => {
      asked.push({ operation, ...body });
      return operation === 'GetParameter'
        ? { Parameter: { Name: body.Name, Type: 'SecureString', Value: registry, Version: 1 } }
        : {};
    });
    try {
      const r = await run(['--queue-url', q.queue, '--dlq-url', q.dlq], {
        SWARM_SEND_REGISTRY_PARAMETER: '/swarm-send/registry',
        AWS_ENDPOINT_URL_SSM: ssm.url,
      });
      expect(r.code).toBe(0);
      expect(asked).toEqual([{ operation: 'GetParameter', Name: '/swarm-send/registry', WithDecryption: true }]);
      expect(r.settings.registry).toBe('SSM parameter /swarm-send/registry (SWARM_SEND_REGISTRY_PARAMETER)');
      expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(true);
    } finally {
      await ssm.close();
    }
  }, 60_000);

  it('SWARM_SEND_DLQ_URL: an invalid message is dead-lettered there with its reason', async () => {
    const q = queues();
    await enqueue(q.queue, 'not json');
    const r = await run(['--queue-url', q.queue, '--registry', registryFile()], { SWARM_SEND_DLQ_URL: q.dlq });
    expect(r.code).toBe(0);
    const dead = await read(q.dlq);
    expect(dead.map((m) => [m.Body, m.MessageAttributes?.['swarm-send.reason']?.StringValue])).toEqual([
      ['not json', 'invalid-message'],
    ]);
  }, 60_000);

  it('SWARM_SEND_OUTCOMES_QUEUE_URL: each terminal outcome is published there', async () => {
    const q = queues();
    const o = put();
    await enqueue(q.queue, sendOf(o.uuid));
    const r = await run(['--queue-url', q.queue, '--dlq-url', q.dlq, '--registry', registryFile()], {
      SWARM_SEND_OUTCOMES_QUEUE_URL: q.outcomes,
    });
    expect(r.code).toBe(0);
    const published = (await read(q.outcomes)).map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
    expect(published).toEqual([expect.objectContaining({ outcome: 'replicated', object: { uuid: o.uuid } })]);
  }, 60_000);

  it('SWARM_SEND_MAX_ATTEMPTS: with 1, a transient failure is dead-lettered on its first attempt (the default, 5, would retry)', async () => {
    const q = queues();
    await enqueue(q.queue, sendOf('f'.repeat(32))); // not at the source: not-found-at-source, a retry
    const r = await run(['--queue-url', q.queue, '--dlq-url', q.dlq, '--registry', registryFile()], {
      SWARM_SEND_MAX_ATTEMPTS: '1',
    });
    expect(r.code).toBe(0);
    expect(r.settings).toMatchObject({
      maxAttempts: 1,
      sources: { SWARM_SEND_MAX_ATTEMPTS: 'SWARM_SEND_MAX_ATTEMPTS' },
    });
    expect(r.outcomes).toEqual([
      expect.objectContaining({ outcome: 'failed', reason: 'not-found-at-source', attempt: 1, retriesExhausted: true }),
    ]);
    expect((await read(q.dlq)).map((m) => m.MessageAttributes?.['swarm-send.reason']?.StringValue)).toEqual([
      'not-found-at-source',
    ]);
  }, 60_000);

  it('a flag overrides its variable: --max-attempts 4 over SWARM_SEND_MAX_ATTEMPTS=1 keeps the message for a retry', async () => {
    const q = queues();
    await enqueue(q.queue, sendOf('e'.repeat(32)));
    const r = await run([...queueFlags(q), '--max-attempts', '4', '--timeout', '4'], { SWARM_SEND_MAX_ATTEMPTS: '1' });
    expect(r.settings).toMatchObject({ maxAttempts: 4, sources: { SWARM_SEND_MAX_ATTEMPTS: '--max-attempts' } });
    expect(r.outcomes[0]).toMatchObject({ outcome: 'retry', reason: 'not-found-at-source', attempt: 1 });
    expect(await depth(q.dlq)).toBe(0);
  }, 60_000);

  it('a bad value names the flag that gave it, or the variable; exit 2', async () => {
    const q = queues();
    const byFlag = await refusedWorker(q, ['--max-attempts', '0']);
    expect(byFlag.code).toBe(2);
    expect(byFlag.stderr).toContain('--max-attempts: "0" must be a number from 1 to 100');
    const byVar = await refusedWorker(q, [], { SWARM_SEND_MAX_ATTEMPTS: 'lots' });
    expect(byVar.code).toBe(2);
    expect(byVar.stderr).toContain('SWARM_SEND_MAX_ATTEMPTS: "lots" must be a number from 1 to 100');
  }, 30_000);

  // Four SENDs that overlap (slow keep-alives) open four connections to the one source node,
  // unless a concurrency limit holds them to one.
  const overlapping = async (env: Record<string, string>) => {
    const q = queues();
    const objs = Array.from({ length: 4 }, put);
    sim.faults.add({ match: { method: 'SEND' }, kind: { type: 'slow-keepalive', count: 3, intervalMs: 200 } });
    for (const o of objs) await enqueue(q.queue, sendOf(o.uuid));
    const before = sim.cluster('baker').nodes[0]!.counters().connections;
    const r = await run([...queueFlags(q), '--batching-window', '1000', '--max-concurrency', '1'], env);
    expect(r.code).toBe(0);
    expect(objs.every((o) => sim.cluster('dr').has({ uuid: o.uuid }))).toBe(true);
    const ends = r.outcomes.map((l) => Date.parse(String(l.timestamp)));
    return {
      settings: r.settings,
      connections: sim.cluster('baker').nodes[0]!.counters().connections - before,
      spanMs: Math.max(...ends) - Math.min(...ends),
    };
  };

  it('SWARM_SEND_CONCURRENCY: with 1, the SENDs of a batch run one after another', async () => {
    const r = await overlapping({ SWARM_SEND_CONCURRENCY: '1' });
    expect(r.settings.concurrency).toBe(1);
    // Each SEND takes at least 0.6 s: one after another, the last ends at least 3 x 0.4 s after the first.
    expect(r.spanMs).toBeGreaterThanOrEqual(1200);
    expect(r.connections).toBeLessThanOrEqual(2);
  }, 60_000);

  it('SWARM_SEND_CONCURRENCY_PER_NODE: with 1, one connection to the node however many SENDs wait', async () => {
    const r = await overlapping({ SWARM_SEND_CONCURRENCY_PER_NODE: '1' });
    expect(r.settings.concurrencyPerNode).toBe(1);
    expect(r.connections).toBe(1);
  }, 60_000);

  it('without those limits the same SENDs do overlap (the two tests above can fail)', async () => {
    const r = await overlapping({});
    expect(r.connections).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('SWARM_SEND_BACKOFF_BASE_SECONDS: with 0 a transient failure is retried at once, and the retry replicates', async () => {
    const q = queues();
    const o = put();
    sim.faults.add({ match: { object: o.uuid }, times: 1, kind: { type: 'status', status: 503 } });
    await enqueue(q.queue, sendOf(o.uuid));
    const r = await run([...queueFlags(q), '--timeout', '20'], {
      SWARM_SEND_BACKOFF_BASE_SECONDS: '0',
    });
    expect(r.code).toBe(0);
    expect(r.settings).toMatchObject({
      backoffBaseSeconds: 0,
      sources: { SWARM_SEND_BACKOFF_BASE_SECONDS: 'SWARM_SEND_BACKOFF_BASE_SECONDS' },
    });
    expect(r.outcomes.map((l) => [l.outcome, l.attempt])).toEqual([
      ['retry', 1],
      ['replicated', 2],
    ]);
  }, 60_000);

  it('SWARM_SEND_BACKOFF_CAP_SECONDS: read and checked against the base (a cap below the base is refused, exit 2)', async () => {
    const q = queues();
    const bad = await refusedWorker(q, [], { SWARM_SEND_BACKOFF_CAP_SECONDS: '2' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SWARM_SEND_BACKOFF_CAP_SECONDS must not be below SWARM_SEND_BACKOFF_BASE_SECONDS');
    const o = put();
    await enqueue(q.queue, sendOf(o.uuid));
    const r = await run(['--queue-url', q.queue, '--dlq-url', q.dlq, '--registry', registryFile()], {
      SWARM_SEND_BACKOFF_BASE_SECONDS: '1',
      SWARM_SEND_BACKOFF_CAP_SECONDS: '7',
    });
    expect(r.code).toBe(0);
    expect(r.settings).toMatchObject({
      backoffCapSeconds: 7,
      sources: { SWARM_SEND_BACKOFF_CAP_SECONDS: 'SWARM_SEND_BACKOFF_CAP_SECONDS' },
    });
  }, 60_000);

  it('SWARM_SEND_DEADLINE_MARGIN_MS: with 0 a 1.5 s SEND fits a 3 s batch deadline (the default 3000 ms margin leaves no time)', async () => {
    const q = queues();
    const o = put();
    sim.faults.add({ match: { object: o.uuid }, kind: { type: 'slow-keepalive', count: 5, intervalMs: 300 } });
    await enqueue(q.queue, sendOf(o.uuid));
    const r = await run([...queueFlags(q), '--function-timeout', '3', '--timeout', '15'], {
      SWARM_SEND_DEADLINE_MARGIN_MS: '0',
    });
    expect(r.code).toBe(0);
    expect(r.settings.deadlineMarginMs).toBe(0);
    expect(r.outcomes.map((l) => l.outcome)).toEqual(['replicated']);
  }, 60_000);

  it('the default margin does leave no time: no SEND starts, and --until-idle gives up at --timeout with exit 1', async () => {
    const q = queues();
    const o = put();
    await enqueue(q.queue, sendOf(o.uuid));
    const r = await run([...queueFlags(q), '--function-timeout', '3', '--timeout', '4'], {});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not idle after --timeout 4 s');
    // No time left at all: the worker starts no SEND (processBatch aborts before any begins).
    expect(r.outcomes).toHaveLength(0);
    expect(sim.cluster('dr').has({ uuid: o.uuid })).toBe(false);
  }, 60_000);
});
