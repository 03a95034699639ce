import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, type Server, type Socket } from 'node:net';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import type { CredentialsProvider, QueueOps, Telemetry } from '../../../functions/worker/ports.js';
import type { Config } from '../../../functions/config.js';
import type { Credentials } from '../../../functions/core/transport/digest-auth.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { processBatch } from '../../../functions/worker/process-batch.js';
import { SIM_DEFAULT_ADMIN, type SwarmSimulator } from '../../../simulator/index.js';
import { pairRegistry } from '../../../local/pair-registry.js';
import { testConfig } from '../../helpers/config.js';
import { testContext } from '../../helpers/lambda.js';
import { sqsRecord } from '../../helpers/records.js';
import { startSimulatorPair } from '../../helpers/simulator-pair.js';

// processBatch on a real SEND side: credentials that cannot be read or were rotated, the
// invocation deadline at each place it can strike, FIFO order after a failed DLQ write or outcome
// publish, which outcomes are published, and verify. The SEND side is real (the simulator over sockets);
// the queue and telemetry ports are recording fakes, so each test sees exactly what the worker
// asked of them.

const ADMIN: Credentials = { username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password };
const DR_ADMIN: Credentials = { username: 'dradmin', password: 'Dr-Admin-Pw-1' };

const body = (uuid: string) => JSON.stringify({ object: { uuid } });

/** QueueOps that records every call; DLQ writes and outcome publishes can be made to fail. */
function recordingQueue(
  o: {
    deadLetterFails?: (id: string) => boolean;
    publish?: (outcomes: readonly OutcomeRecord[]) => Promise<number[]>;
  } = {},
) {
  const deadLettered: string[] = [];
  const published: OutcomeRecord[] = [];
  const queue: QueueOps = {
    changeVisibility: async () => undefined,
    async deadLetter(record) {
      if (o.deadLetterFails?.(record.messageId))
        throw Object.assign(new Error('DLQ unavailable'), { name: 'ServiceUnavailable' });
      deadLettered.push(record.messageId);
    },
    async publishOutcomes(outcomes) {
      if (o.publish) return o.publish(outcomes);
      published.push(...outcomes);
      return [];
    },
    fanOut: async () => undefined,
    moveToLongRunningTier: async () => undefined,
    renew: async () => undefined,
  };
  return { queue, deadLettered, published };
}

class RecordingTelemetry implements Telemetry {
  readonly outcomes: OutcomeRecord[] = [];
  readonly warnings: string[] = [];
  outcome(r: OutcomeRecord): void {
    this.outcomes.push(r);
  }
  warn(m: string): void {
    this.warnings.push(m);
  }
  flush(): void {}
  of(id: string): OutcomeRecord | undefined {
    return this.outcomes.find((r) => r.messageId === id);
  }
}

/** A loopback TCP server that does what `onSocket` says with each connection (port 0). */
async function scriptedNode(onSocket: (socket: Socket) => void): Promise<{ server: Server; address: string }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, address: `127.0.0.1:${(server.address() as { port: number }).port}` };
}

const failures = (r: { batchItemFailures: { itemIdentifier: string }[] }) =>
  r.batchItemFailures.map((f) => f.itemIdentifier);

describe('processBatch against the simulator', () => {
  let sim: SwarmSimulator;
  let client: SendClient;
  const sendsAtSource = () =>
    sim.cluster('baker').nodes.reduce((n, node) => n + (node.counters().byMethod.SEND ?? 0), 0);

  beforeAll(async () => {
    sim = await startSimulatorPair({}, {}, { admins: { [DR_ADMIN.username]: DR_ADMIN.password } });
    client = new SendClient();
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.faults.clear();
    sim.resetCounters();
  });

  function config(o: Partial<Config> & { verify?: boolean; drNodes?: string[] } = {}): Config {
    const { verify, drNodes, ...rest } = o;
    const registry = pairRegistry({
      source: sim.cluster('baker').addresses,
      dr: sim.cluster('dr').addresses,
      ...(drNodes && { drNodes }),
      credentials: { source: 'env:SRC', dr: 'env:DR' },
      ...(verify && { verify }),
    });
    return testConfig({ registry, outcomesQueueUrl: 'http://127.0.0.1/unused-outcomes', ...rest });
  }
  const goodCredentials = () =>
    createCredentialsProvider({ env: { SRC: JSON.stringify(ADMIN), DR: JSON.stringify(DR_ADMIN) } });

  async function run(
    records: SQSRecord[],
    o: { config?: Config; credentials?: CredentialsProvider; queue?: QueueOps; remainingMs?: number } = {},
  ) {
    const telemetry = new RecordingTelemetry();
    const q = recordingQueue();
    const started = Date.now();
    const response = await processBatch(records, testContext(o.remainingMs ?? 30_000), {
      config: o.config ?? config(),
      client,
      credentials: o.credentials ?? goodCredentials(),
      queue: o.queue ?? q.queue,
      telemetry,
      random: () => 0.5,
    });
    return {
      response,
      telemetry,
      elapsedMs: Date.now() - started,
      deadLettered: q.deadLettered,
      published: q.published,
    };
  }

  describe('credentials', () => {
    it('a credentials read error is a retry (credentials-unavailable), never a dead letter', async () => {
      const obj = sim.cluster('baker').put({ body: 'x' });
      const q = recordingQueue();
      const r = await run([sqsRecord('c1', body(obj.uuid))], {
        queue: q.queue,
        credentials: {
          get: async () => Promise.reject(new Error('Secrets Manager: ThrottlingException')),
          refresh: () => undefined,
        },
      });
      expect(failures(r.response)).toStrictEqual(['c1']);
      expect(r.telemetry.of('c1')).toMatchObject({
        outcome: 'retry',
        reason: 'credentials-unavailable',
        detail: 'Secrets Manager: ThrottlingException',
      });
      expect(q.deadLettered).toStrictEqual([]);
      expect(sendsAtSource()).toBe(0);
    });

    it('a failed Secrets Manager read is not cached: the next delivery reads again and replicates', async () => {
      const sm = mockClient(SecretsManagerClient);
      try {
        sm.on(GetSecretValueCommand, { SecretId: 'swarm/source' })
          .rejectsOnce(Object.assign(new Error('x'), { name: 'InternalServiceError' }))
          .resolves({ SecretString: JSON.stringify(ADMIN) });
        sm.on(GetSecretValueCommand, { SecretId: 'swarm/dr' }).resolves({ SecretString: JSON.stringify(DR_ADMIN) });
        const credentials = createCredentialsProvider({
          secretsManager: new SecretsManagerClient({
            region: 'us-east-1',
            credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
          }),
        });
        const registry = pairRegistry({
          source: sim.cluster('baker').addresses,
          dr: sim.cluster('dr').addresses,
          credentials: { source: 'swarm/source', dr: 'swarm/dr' },
        });
        const cfg = { ...config(), registry };
        const obj = sim.cluster('baker').put({ body: 'x' });
        const first = await run([sqsRecord('s1', body(obj.uuid))], { config: cfg, credentials });
        expect(first.telemetry.of('s1')).toMatchObject({ outcome: 'retry', reason: 'credentials-unavailable' });
        const second = await run([sqsRecord('s1', body(obj.uuid), { receiveCount: 2 })], { config: cfg, credentials });
        expect(second.telemetry.of('s1')).toMatchObject({ outcome: 'replicated', attempt: 2 });
        expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
      } finally {
        sm.restore();
      }
    });

    it('auth-rejected with credentials that did not change: exactly one SEND, then the DLQ', async () => {
      const obj = sim.cluster('baker').put({ body: 'x' });
      const q = recordingQueue();
      const credentials = createCredentialsProvider({
        env: { SRC: JSON.stringify({ ...ADMIN, password: 'Wrong-Pw-1' }), DR: JSON.stringify(DR_ADMIN) },
      });
      const r = await run([sqsRecord('a1', body(obj.uuid))], { queue: q.queue, credentials });
      expect(r.telemetry.of('a1')).toMatchObject({ outcome: 'failed', reason: 'auth-rejected' });
      expect(q.deadLettered).toStrictEqual(['a1']);
      // One SEND: the challenge and its answer. A second SEND would be rejected a second time.
      expect(sim.counters().authRejected).toBe(1);
      expect(sendsAtSource()).toBe(2);
    });

    it('rotated source credentials: re-read once after auth-rejected, the second SEND replicates', async () => {
      const obj = sim.cluster('baker').put({ body: 'x' });
      const env: Record<string, string | undefined> = {
        SRC: JSON.stringify({ ...ADMIN, password: 'Before-Rotation' }),
        DR: JSON.stringify(DR_ADMIN),
      };
      const credentials = createCredentialsProvider({ env });
      await credentials.get('env:SRC'); // a warm container holds the old value
      env.SRC = JSON.stringify(ADMIN);
      const r = await run([sqsRecord('r1', body(obj.uuid))], { credentials });
      expect(r.telemetry.of('r1')).toMatchObject({ outcome: 'replicated', reason: 'created' });
      expect(sim.counters().authRejected).toBe(1);
    });

    it('rotated destination credentials: remote-auth-rejected, re-read, the second SEND replicates', async () => {
      const obj = sim.cluster('baker').put({ body: 'x' });
      const env: Record<string, string | undefined> = {
        SRC: JSON.stringify(ADMIN),
        DR: JSON.stringify({ ...DR_ADMIN, password: 'Dr-Before-Rotation' }),
      };
      const credentials = createCredentialsProvider({ env });
      await credentials.get('env:DR');
      env.DR = JSON.stringify(DR_ADMIN);
      const r = await run([sqsRecord('d1', body(obj.uuid))], { credentials });
      expect(r.telemetry.of('d1')).toMatchObject({ outcome: 'replicated', reason: 'created', remoteStatus: 201 });
      expect(sim.cluster('baker').nodes.reduce((n, node) => n + node.counters().sends, 0)).toBe(2);
      expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
    });

    it('destination credentials that did not change: one SEND, dead-lettered as remote-auth-rejected', async () => {
      const obj = sim.cluster('baker').put({ body: 'x' });
      const q = recordingQueue();
      const credentials = createCredentialsProvider({
        env: { SRC: JSON.stringify(ADMIN), DR: JSON.stringify({ ...DR_ADMIN, password: 'Dr-Wrong' }) },
      });
      const r = await run([sqsRecord('d2', body(obj.uuid))], { queue: q.queue, credentials });
      expect(r.telemetry.of('d2')).toMatchObject({ outcome: 'failed', reason: 'remote-auth-rejected' });
      expect(q.deadLettered).toStrictEqual(['d2']);
      expect(sim.cluster('baker').nodes.reduce((n, node) => n + node.counters().sends, 0)).toBe(1);
    });
  });

  describe('the deadline', () => {
    it('remaining time already below the margin: nothing is sent, every record goes back untried', async () => {
      const objs = [1, 2, 3].map(() => sim.cluster('baker').put({ body: 'x' }));
      const q = recordingQueue();
      const r = await run(
        objs.map((o, i) => sqsRecord(`late${i}`, body(o.uuid))),
        { queue: q.queue, remainingMs: 300, config: config({ deadlineMarginMs: 500 }) },
      );
      expect(failures(r.response).sort()).toStrictEqual(['late0', 'late1', 'late2']);
      expect(r.telemetry.outcomes).toStrictEqual([]);
      expect(q.deadLettered).toStrictEqual([]);
      expect(sendsAtSource()).toBe(0);
    });

    it('records reached after the abort are returned untried; the one in flight is a retry', async () => {
      const [slow, ...rest] = [1, 2, 3].map(() => sim.cluster('baker').put({ body: 'x' }));
      sim.faults.add({ match: { object: slow!.uuid }, kind: { type: 'stall', ms: 6000 } });
      const r = await run(
        [sqsRecord('slow', body(slow!.uuid)), ...rest.map((o, i) => sqsRecord(`after${i}`, body(o.uuid)))],
        { remainingMs: 3000, config: config({ concurrency: 1, deadlineMarginMs: 1500 }) },
      );
      expect(failures(r.response).sort()).toStrictEqual(['after0', 'after1', 'slow']);
      expect(r.telemetry.of('slow')).toMatchObject({ outcome: 'retry', reason: 'deadline-exceeded' });
      expect(r.telemetry.of('after0')).toBeUndefined();
      expect(r.elapsedMs).toBeLessThan(3000);
      expect(rest.some((o) => sim.cluster('dr').has({ uuid: o.uuid }))).toBe(false);
    });

    it('in a FIFO group: the deadline ends the group; the rest of it is returned untried, in order', async () => {
      const [a1, a2, a3] = [1, 2, 3].map(() => sim.cluster('baker').put({ body: 'x' }));
      sim.faults.add({ match: { object: a1!.uuid }, kind: { type: 'stall', ms: 6000 } });
      const records = [
        sqsRecord('a1', body(a1!.uuid), { group: 'A' }),
        sqsRecord('a2', body(a2!.uuid), { group: 'A' }),
        sqsRecord('a3', body(a3!.uuid), { group: 'A' }),
      ];
      const r = await run(records, { remainingMs: 1500 });
      expect(failures(r.response)).toStrictEqual(['a1', 'a2', 'a3']);
      expect(r.telemetry.outcomes.map((o) => o.messageId)).toStrictEqual(['a1']);
      expect(sim.cluster('dr').has({ uuid: a2!.uuid }) || sim.cluster('dr').has({ uuid: a3!.uuid })).toBe(false);
    });

    it('the deadline during the credentials re-read after auth-rejected: returned untried, not dead-lettered', async () => {
      const obj = sim.cluster('baker').put({ body: 'x' });
      let reads = 0;
      const credentials: CredentialsProvider = {
        get: (ref) => {
          if (ref === 'env:DR') return Promise.resolve(DR_ADMIN);
          reads += 1;
          // The first read serves a rotated-away password; the re-read hangs (a slow Secrets Manager).
          return reads === 1
            ? Promise.resolve({ ...ADMIN, password: 'Rotated-Away' })
            : new Promise<Credentials>(() => undefined);
        },
        refresh: () => undefined,
      };
      const q = recordingQueue();
      const r = await run([sqsRecord('re1', body(obj.uuid))], {
        credentials,
        queue: q.queue,
        remainingMs: 3000,
        config: config({ deadlineMarginMs: 1500 }),
      });
      expect(failures(r.response)).toStrictEqual(['re1']);
      expect(q.deadLettered).toStrictEqual([]);
      expect(reads).toBe(2);
      expect(r.elapsedMs).toBeLessThan(3000);
    });

    it('the deadline during the verify HEAD: a retry (verify-mismatch), never a success', async () => {
      const obj = sim.cluster('baker').put({ body: 'x' });
      // The HEAD goes to a DR node that accepts the connection and never answers.
      const silent = await scriptedNode(() => undefined);
      try {
        const q = recordingQueue();
        const r = await run([sqsRecord('v1', body(obj.uuid))], {
          config: config({ verify: true, drNodes: [silent.address], deadlineMarginMs: 1500 }),
          queue: q.queue,
          remainingMs: 3000,
        });
        expect(failures(r.response)).toStrictEqual(['v1']);
        expect(r.telemetry.of('v1')).toMatchObject({ outcome: 'retry', reason: 'verify-mismatch' });
        expect(r.telemetry.of('v1')?.detail).toContain('deadline-exceeded');
        expect(q.published).toStrictEqual([]);
        expect(q.deadLettered).toStrictEqual([]);
        expect(r.elapsedMs).toBeLessThan(3000);
      } finally {
        silent.server.close();
      }
    });
  });

  describe('FIFO order after a failed write', () => {
    it('a DLQ write that fails keeps the message and blocks the rest of its group', async () => {
      const [a2, b1] = [1, 2].map(() => sim.cluster('baker').put({ body: 'x' }));
      const q = recordingQueue({ deadLetterFails: (id) => id === 'a1' });
      const records = [
        sqsRecord('a1', 'not json', { group: 'A' }),
        sqsRecord('b1', body(b1!.uuid), { group: 'B' }),
        sqsRecord('a2', body(a2!.uuid), { group: 'A' }),
      ];
      const r = await run(records, { queue: q.queue });
      expect(failures(r.response)).toStrictEqual(['a1', 'a2']);
      expect(sim.cluster('dr').has({ uuid: a2!.uuid })).toBe(false);
      expect(sim.cluster('dr').has({ uuid: b1!.uuid })).toBe(true);
      expect(r.telemetry.warnings.join('\n')).toContain('dead-lettering failed');
    });

    it('an outcome that cannot be published keeps its message and the rest of its group', async () => {
      const [a1, a2, b1] = [1, 2, 3].map(() => sim.cluster('baker').put({ body: 'x' }));
      const q = recordingQueue({
        publish: async (outcomes) => outcomes.flatMap((o, i) => (o.messageId === 'a1' ? [i] : [])),
      });
      const records = [
        sqsRecord('a1', body(a1!.uuid), { group: 'A' }),
        sqsRecord('a2', body(a2!.uuid), { group: 'A' }),
        sqsRecord('b1', body(b1!.uuid), { group: 'B' }),
      ];
      const r = await run(records, { queue: q.queue });
      expect(failures(r.response)).toStrictEqual(['a1', 'a2']);
    });
  });

  describe('outcome publishing', () => {
    it('a whole batch of outcomes rejected: successes stay on the queue, dead-lettered messages do not', async () => {
      const ok = sim.cluster('baker').put({ body: 'x' });
      const retry = sim.cluster('baker').put({ body: 'y' });
      sim.faults.add({ match: { object: retry.uuid }, kind: { type: 'remote-status', status: 503 } });
      const q = recordingQueue({ publish: async () => Promise.reject(new Error('SQS down')) });
      const r = await run(
        [sqsRecord('ok', body(ok.uuid)), sqsRecord('bad', '{"object":{}}'), sqsRecord('retry', body(retry.uuid))],
        { queue: q.queue },
      );
      expect(failures(r.response)).toStrictEqual(['ok', 'retry']);
      expect(q.deadLettered).toStrictEqual(['bad']);
      expect(r.telemetry.warnings.join('\n')).toContain('outcomes could not be published');
    });

    it('a failed outcome whose publish failed is not kept: it is already in the DLQ', async () => {
      const ok = sim.cluster('baker').put({ body: 'x' });
      const q = recordingQueue({ publish: async (outcomes) => outcomes.map((_o, i) => i) });
      const r = await run([sqsRecord('bad', 'not json'), sqsRecord('ok', body(ok.uuid))], { queue: q.queue });
      expect(failures(r.response)).toStrictEqual(['ok']);
      expect(q.deadLettered).toStrictEqual(['bad']);
    });

    it('publishes terminal outcomes only: no retry, and nothing when there is no outcomes queue', async () => {
      const ok = sim.cluster('baker').put({ body: 'x' });
      const retry = sim.cluster('baker').put({ body: 'y' });
      sim.faults.add({ match: { object: retry.uuid }, kind: { type: 'remote-status', status: 503 } });
      const q = recordingQueue();
      await run([sqsRecord('ok', body(ok.uuid)), sqsRecord('retry', body(retry.uuid)), sqsRecord('bad', 'x')], {
        queue: q.queue,
      });
      expect(q.published.map((o) => `${o.messageId}:${o.outcome}`).sort()).toStrictEqual([
        'bad:failed',
        'ok:replicated',
      ]);
      const none = recordingQueue();
      await run([sqsRecord('ok2', body(ok.uuid))], { queue: none.queue, config: config({ outcomesQueueUrl: null }) });
      expect(none.published).toStrictEqual([]);
    });
  });

  describe('verify', () => {
    it('a copy with the same ETag is replicated', async () => {
      const obj = sim.cluster('baker').put({ body: 'same' });
      const r = await run([sqsRecord('v0', body(obj.uuid))], { config: config({ verify: true }) });
      expect(r.telemetry.of('v0')).toMatchObject({ outcome: 'replicated' });
    });

    it('a different copy at DR is stale-at-destination, failed at once on a route that cannot replace it', async () => {
      const obj = sim.cluster('baker').put({ body: 'the source copy' });
      sim.cluster('dr').put({ uuid: obj.uuid, body: 'an older, different copy' });
      // The node claims a fresh copy (201) without sending one: only the HEAD can tell.
      sim.faults.add({ match: { object: obj.uuid, method: 'SEND' }, kind: { type: 'remote-status', status: 201 } });
      const r = await run([sqsRecord('v2', body(obj.uuid))], { config: config({ verify: true }) });
      expect(r.telemetry.of('v2')).toMatchObject({ outcome: 'failed', reason: 'stale-at-destination', attempt: 1 });
      expect(r.telemetry.of('v2')?.detail).toContain('bytes 15 != 24');
    });

    it('a HEAD that meets a network error is a retry (verify-mismatch), not a success', async () => {
      const obj = sim.cluster('baker').put({ body: 'x' });
      // The HEAD goes to a DR node that resets every connection.
      const resetting = await scriptedNode((socket) => socket.resetAndDestroy());
      try {
        const r = await run([sqsRecord('v3', body(obj.uuid))], {
          config: config({ verify: true, drNodes: [resetting.address] }),
        });
        expect(r.telemetry.of('v3')).toMatchObject({ outcome: 'retry', reason: 'verify-mismatch' });
        expect(r.telemetry.of('v3')?.detail).toContain('connection-reset');
        expect(sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
      } finally {
        resetting.server.close();
      }
    });
  });
});
