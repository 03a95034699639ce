import { createServer, connect, type Server } from 'node:net';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { createCredentialsProvider } from '../../../functions/adapters/credentials.js';
import type { Config } from '../../../functions/config.js';
import type { OutcomeRecord } from '../../../functions/core/outcome/outcome.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { processBatch } from '../../../functions/worker/process-batch.js';
import type { QueueOps } from '../../../functions/worker/ports.js';
import { SummaryTelemetry } from '../../../local/summary.js';
import { pairRegistry } from '../../../local/pair-registry.js';
import { testConfig } from '../../helpers/config.js';
import { startSimulator, type SwarmSimulator } from '../../../simulator/index.js';
import { testContext } from '../../helpers/lambda.js';
import { startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { MARK, SMUGGLED_HOSTS, hostileBody } from '../../helpers/hostile-corpus.js';
import { sqsRecord } from '../../helpers/records.js';

// Property-based bad-input suite: at least 10,000 hostile bodies, each mixed into a batch with
// good ones. Every hostile body must be dead-lettered as invalid-message, every good one must
// replicate, nothing may crash, and no byte of a hostile body may reach a Swarm node.

/** A TCP proxy in front of a node that keeps every byte the client sent. */
async function recordingProxy(target: string): Promise<{ server: Server; address: string; bytes: () => string }> {
  const [host, port] = target.split(':');
  const seen: Buffer[] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(port), host);
    client.on('data', (d) => seen.push(Buffer.from(d)));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return { server, address: `127.0.0.1:${addr.port}`, bytes: () => Buffer.concat(seen).toString('latin1') };
}

describe('hostile message bodies (fast-check)', () => {
  let sim: SwarmSimulator;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let client: SendClient;
  let config: Config;
  beforeAll(async () => {
    sim = await startSimulator({
      zeroLatency: true,
      clusters: [
        { name: 'baker', nodes: 1 },
        { name: 'dr', nodes: 1 },
      ],
    });
    proxy = await recordingProxy(sim.cluster('baker').addresses[0]!);
    client = new SendClient();
    const registry = pairRegistry({ source: [proxy.address], dr: sim.cluster('dr').addresses, credentials: 'env:A' });
    config = testConfig({
      registry,
      dlqUrl: 'http://unused/dlq',
      concurrency: 16,
      concurrencyPerNode: 8,
      deadlineMarginMs: 100,
    });
  });
  afterAll(async () => {
    await client.close();
    proxy.server.close();
    await sim.close();
  });

  /** Runs one batch through the real worker; returns what was dead-lettered and the telemetry. */
  async function runBatch(
    records: SQSRecord[],
    env: Record<string, string> = { A: '{"username":"admin","password":"ourpwdofchoicehere"}' },
  ) {
    const dead: OutcomeRecord[] = [];
    const queue: QueueOps = {
      changeVisibility: async () => undefined,
      deadLetter: async (_r, outcome) => void dead.push(outcome),
      publishOutcomes: async () => [],
      fanOut: async () => undefined,
      moveToLongRunningTier: async () => undefined,
      renew: async () => undefined,
    };
    const summary = new SummaryTelemetry();
    const response = await processBatch(records, testContext(60_000, { frozen: true }), {
      config,
      client,
      credentials: createCredentialsProvider({ env }),
      queue,
      telemetry: summary,
    });
    return { dead, summary, response };
  }

  it('dead-letters every hostile body as invalid-message while the good records replicate', async () => {
    let hostileCount = 0;
    let goodCount = 0;
    let batchNo = 0;
    // fc.check, not fc.assert: a failure report names the offending bodies briefly instead of
    // printing megabytes of generated input.
    const details = await fc.check(
      fc.asyncProperty(fc.array(hostileBody, { minLength: 92, maxLength: 110 }), async (bodies) => {
        batchNo += 1;
        const good = ['a', 'b', 'c'].map((x) => sim.cluster('baker').put({ body: `good ${batchNo}${x}` }));
        const records = [
          sqsRecord(`g${batchNo}-0`, JSON.stringify({ object: { uuid: good[0]!.uuid } })),
          ...bodies.map((b, i) => sqsRecord(`h${batchNo}-${i}`, b)),
          sqsRecord(`g${batchNo}-1`, JSON.stringify({ object: { uuid: good[1]!.uuid }, nodeHint: '192.0.2.1:80' })),
          // A malformed hint is optional data: dropped with a warning, the message still replicates.
          sqsRecord(
            `g${batchNo}-2`,
            JSON.stringify({
              object: { uuid: good[2]!.uuid },
              nodeHint: `${MARK}${SMUGGLED_HOSTS[batchNo % SMUGGLED_HOSTS.length]}`,
            }),
          ),
        ];
        const { dead, summary, response } = await runBatch(records);
        const accepted = bodies.filter((_b, i) => !dead.some((d) => d.messageId === `h${batchNo}-${i}`));
        if (accepted.length)
          throw new Error(`accepted as valid: ${JSON.stringify(accepted.map((b) => b.slice(0, 160)))}`);
        expect(response.batchItemFailures).toStrictEqual([]);
        expect(dead).toHaveLength(bodies.length);
        expect(new Set(dead.map((d) => d.reason))).toStrictEqual(new Set(['invalid-message']));
        expect(dead.every((d) => d.outcome === 'failed' && d.remoteStatus === null && d.node === null)).toBe(true);
        expect(summary.byOutcome.get('replicated')).toBe(3);
        expect(good.every((g) => sim.cluster('dr').has({ uuid: g.uuid }))).toBe(true);
        hostileCount += bodies.length;
        goodCount += 3;
      }),
      { numRuns: 110, endOnFailure: true },
    );
    if (details.failed) {
      const bodies = (details.counterexample?.[0] ?? []).map((b) => b.slice(0, 120));
      throw new Error(
        `property failed (seed ${details.seed}): ${String(details.errorInstance).slice(0, 600)}\nfirst bodies: ${JSON.stringify(bodies.slice(0, 5))}`,
      );
    }
    expect(hostileCount).toBeGreaterThanOrEqual(10_000);
    // Only the good records reached the source node, and nothing of a hostile body did.
    expect(sim.counters().sends).toBe(goodCount);
    expect(proxy.bytes()).not.toContain(MARK);
    expect(proxy.bytes()).not.toContain('192.0.2.1');
  }, 240_000);

  it('ignores hints at unlisted ports and at other ports of listed hosts: a recording listener receives nothing', async () => {
    const listener: RawNode = await startRawNode(() => undefined);
    const [, proxyPort] = proxy.address.split(':');
    try {
      const hints = [
        listener.address, // an unlisted port on the listed host
        sim.cluster('baker').addresses[0]!, // the real node behind the configured address: another port of the listed host
        '127.0.0.1:1',
        '127.0.0.1:65535',
        `[::1]:${proxyPort}`, // the listed port on another host
        `127.0.0.2:${proxyPort}`,
        `localhost:${proxyPort}`, // the listed host and port, by another name
      ];
      const objects = hints.map(() => sim.cluster('baker').put({ body: 'hinted' }));
      const sendsBefore = proxy.bytes().split('SEND /').length;
      const { dead, summary, response } = await runBatch(
        objects.map((o, i) => sqsRecord(`hint-${i}`, JSON.stringify({ object: { uuid: o.uuid }, nodeHint: hints[i] }))),
      );
      expect(dead).toStrictEqual([]);
      expect(response.batchItemFailures).toStrictEqual([]);
      expect(summary.byOutcome.get('replicated')).toBe(hints.length);
      expect(summary.warnings).toBe(hints.length);
      expect(listener.bytes()).toBe('');
      // Every SEND (and its challenge, if any) went through the configured address.
      expect(proxy.bytes().split('SEND /').length - sendsBefore).toBeGreaterThanOrEqual(hints.length);
    } finally {
      await listener.close();
    }
  });

  it('dead-letters a message whose credentials no header can carry as credentials-invalid, sending nothing', async () => {
    const obj = sim.cluster('baker').put({ body: 'x' });
    const before = proxy.bytes().length;
    const { dead, response } = await runBatch(
      [sqsRecord('bad-creds', JSON.stringify({ object: { uuid: obj.uuid } }))],
      { A: JSON.stringify({ username: 'admin', password: 'pw\r\nx: y' }) },
    );
    expect(response.batchItemFailures).toStrictEqual([]);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ outcome: 'failed', reason: 'credentials-invalid', node: null });
    expect(dead[0]!.detail).not.toContain('pw');
    expect(proxy.bytes().length).toBe(before);
  });
});
