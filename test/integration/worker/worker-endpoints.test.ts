import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, spawnWorker, startJsonProtocolServer, type WorkerProcess } from '../../helpers/worker.js';
import { scratchDir } from '../../helpers/scratch.js';

const ADMIN = JSON.stringify({ username: 'admin', password: 'Worker-Endpoints-Pa55' });
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:swarm/dr-admin-AbCdEf';

/**
 * The worker's HTTP endpoint as an operator meets it: loopback unless told
 * otherwise, a /readyz body that says ok or failed per check and nothing else (the details go to
 * the log), and checks cached for a few seconds, so a burst of probes does not call SQS and
 * Secrets Manager once per probe. A real `swarm-send worker` subprocess against a loopback
 * server that speaks the AWS JSON protocol for SQS and Secrets Manager and counts every call.
 */
describe('swarm-send worker: /metrics and /readyz address, body and cache', () => {
  let aws: Awaited<ReturnType<typeof startJsonProtocolServer>>;
  const workers: WorkerProcess[] = [];
  const dir = scratchDir('swarm-send-worker-endpoints-');
  // The DR cluster's credentials are a Secrets Manager secret that answers without a SecretString:
  // reading them fails, and a failed read is never cached by the credentials provider.
  const registry = join(dir, 'registry.json');
  writeFileSync(
    registry,
    JSON.stringify({
      clusters: {
        primary: { name: 'baker', nodes: ['127.0.0.1:1'], credentials: 'env:SWARM_ADMIN' },
        dr: { name: 'dr', target: '127.0.0.1:2', credentials: SECRET_ARN },
      },
      defaultRoute: { from: 'primary', to: 'dr' },
    }),
  );

  beforeAll(async () => {
    aws = await startJsonProtocolServer((operation) =>
      operation === 'GetQueueAttributes'
        ? { Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:probed', VisibilityTimeout: '30' } }
        : {},
    );
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await w.exited;
    }
  });
  afterAll(async () => {
    await aws.close();
  });

  const start = (extra: string[], env: Record<string, string> = {}) => {
    const w = spawnWorker(
      [
        '--queue-url',
        `${aws.url}/000000000000/probed`,
        '--dlq-url',
        `${aws.url}/000000000000/probed-dlq`,
        '--registry',
        registry,
        '--sqs-endpoint',
        aws.url,
        '--metrics-port',
        '0',
        ...extra,
      ],
      { SWARM_ADMIN: ADMIN, AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url, ...env },
    );
    workers.push(w);
    return w;
  };
  const listening = async (w: WorkerProcess) => {
    const line = await w.waitForLog((l) => l.message === 'swarm-send worker started');
    return (line.settings as { metrics: string }).metrics;
  };

  it('listens on 127.0.0.1 by default, not on every interface', async () => {
    const w = start([]);
    expect(await listening(w)).toMatch(/^127\.0\.0\.1:\d+$/);
  }, 30_000);

  it('takes the address from SWARM_SEND_METRICS_HOST, and --metrics-host over it', async () => {
    const fromEnv = start([], { SWARM_SEND_METRICS_HOST: '127.0.0.2' });
    const address = await listening(fromEnv);
    expect(address).toMatch(/^127\.0\.0\.2:\d+$/);
    expect((await fetch(`http://${address}/healthz`)).status).toBe(200);
    const fromFlag = start(['--metrics-host', '127.0.0.3'], { SWARM_SEND_METRICS_HOST: '127.0.0.2' });
    expect(await listening(fromFlag)).toMatch(/^127\.0\.0\.3:\d+$/);
  }, 30_000);

  it('/readyz says ok or failed per check, never an ARN, a path or a variable name; the log has the details', async () => {
    const w = start([]);
    const base = `http://${await listening(w)}`;
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toStrictEqual({
      ready: false,
      checks: { registry: 'ok', credentials: 'failed', queue: 'ok', dlq: 'ok', accepting: 'ok' },
    });
    for (const leak of ['arn:', 'secretsmanager', registry, dir, 'SWARM_', aws.url]) expect(text).not.toContain(leak);
    // The operator finds which check failed, and why, in the worker's log.
    const logged = await w.waitForLog((l) => l.message === 'readiness check failed' && l.check === 'credentials');
    expect(JSON.stringify(logged)).toContain('swarm/dr-admin');
  }, 30_000);

  it('a burst of /readyz probes reads the queue and the secret once per cache period, not once per probe', async () => {
    const w = start([]);
    const base = `http://${await listening(w)}`;
    const calls = (op: string) => aws.calls.get(op) ?? 0;
    // The start-up reads the queue's attributes once; let any of its own calls settle first.
    await eventually(() => calls('ReceiveMessage') > 0, 20_000, 'the first receive');
    const queueBefore = calls('GetQueueAttributes');
    const secretBefore = calls('GetSecretValue');
    // Ten at once, then ten one after the other: 20 probes. Without a cache each one reads both
    // queues and the secret (40 + 20 calls); with one, a run reads them once (2 + 1), and a cache
    // period that runs out mid-burst under load costs one more run at most.
    const statuses = await Promise.all(Array.from({ length: 10 }, () => fetch(`${base}/readyz`).then((r) => r.status)));
    for (let i = 0; i < 10; i++) statuses.push((await fetch(`${base}/readyz`)).status);
    expect(statuses.every((s) => s === 503)).toBe(true);
    expect(calls('GetQueueAttributes') - queueBefore).toBeLessThanOrEqual(2 * 2);
    expect(calls('GetSecretValue') - secretBefore).toBeLessThanOrEqual(2);
    expect(calls('GetQueueAttributes') - queueBefore).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
