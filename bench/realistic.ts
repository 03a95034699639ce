/**
 * `npm run bench:realistic` (also the last part of `npm run bench`): the handler against real
 * SEND durations, where throughput is SENDs in flight divided by SEND time (Little's law) and a
 * Lambda invocation is billed until its slowest SEND ends.
 *
 * The model (simulator/transfer.ts, every figure a flag):
 * - link: 20 ms round trip, 400 Mbit/s per SEND. Two data centres a few hundred km apart; one
 *   TCP stream with a 1 MiB window over 20 ms carries about 420 Mbit/s (window / RTT), so a
 *   single SEND sees about that whatever the inter-site link's total.
 * - object sizes: lognormal, median 256 KiB, 99th percentile 64 MiB, capped at 1 GiB: an
 *   archive of mostly documents and images with a long tail of media. A SEND of the median
 *   object takes about 45 ms, of the p99 object about 1.4 s.
 * - source cluster: 3 nodes, each taking at most 32 SENDs at once (503 beyond that).
 * These are modelling choices, not measurements of a real cluster: rerun with your own.
 *
 * Part 1, per container: the handler gets batch after batch (each invocation waits for the
 * previous, as one Lambda container does), with retried messages put back at the end, for each
 * batch size x SENDs-per-invocation of the sweep. For each: throughput against the bound
 * (in flight / mean SEND time), billed time per 1,000 SENDs against its bound, the idle share
 * of in-flight slots, the 503s caused, and the cost per million SENDs.
 *
 * Part 2: a burst of 50,000 messages through fauxqs and the local event source mapping with the
 * construct's defaults (batch size, window, maximum concurrency): p50 / p99 replication lag.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import type { OutcomeRecord } from '../functions/core/outcome/outcome.js';
import { isSuccess } from '../functions/core/outcome/outcome.js';
import { derivedMaxReceiveCount, derivedVisibilityTimeoutSeconds, ENV_DEFAULTS } from '../functions/env.js';
import type { Telemetry } from '../functions/worker/ports.js';
import { clusterLimitsOf } from '../functions/worker/concurrency.js';
import { DEFAULT_STRAGGLER_POLICY } from '../functions/worker/stragglers.js';
import type { StragglerOptions } from '../functions/config.js';
import { TransferModel } from '../simulator/transfer.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_FUNCTION_TIMEOUT,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_MEMORY_SIZE,
  DEFAULT_RECOVERY_POINT_OBJECTIVE,
  resolveBatching,
} from '../infra/defaults.js';
import { LocalEventSourceMapping } from '../local/event-source-mapping.js';
import { startSimulator, type SwarmSimulator, type TransferOptions } from '../simulator/index.js';
import {
  ADMIN,
  buildConfig,
  buildRegistry,
  buildSqsEvent,
  createBenchHandler,
  lambdaContext,
  objectUuid,
  RecordingQueueOps,
  RESULTS_DIR,
  sendBody,
  startLocalQueues,
} from './harness.js';
import { describeMachine, fixed, int, markdownTable, textTable, writeResult, type Table } from './report.js';

/** AWS Lambda, us-east-1, arm64, first pricing tier: https://aws.amazon.com/lambda/pricing/ (rates as listed in 2026). */
const PRICE = {
  perGbSecond: 0.0000133334,
  perMillionRequests: 0.2,
  source: 'https://aws.amazon.com/lambda/pricing/ (us-east-1, arm64, first tier; rates as listed in 2026)',
};

interface Model {
  readonly transfer: TransferOptions;
  readonly sourceNodes: number;
}

function model(o: {
  rttMs: number;
  mbps: number;
  medianKiB: number;
  p99MiB: number;
  perNode: number;
  nodes: number;
}): Model {
  return {
    sourceNodes: o.nodes,
    transfer: {
      link: { rttMs: o.rttMs, bandwidthMbps: o.mbps },
      objectSizes: { medianBytes: o.medianKiB * 1024, p99Bytes: o.p99MiB * 1024 * 1024, maxBytes: 1024 ** 3 },
      maxSendsPerNode: o.perNode,
      keepaliveIntervalMs: 1000,
      seed: 12,
    },
  };
}

/** Collects each SEND's duration and each terminal outcome's replication lag. */
class Recorder implements Telemetry {
  readonly sendMs: number[] = [];
  readonly lagMs: number[] = [];
  terminal = 0;
  retries = 0;
  failed = 0;
  handedBack = 0;
  outcome(record: OutcomeRecord, sent: number | null): void {
    if (record.reason === 'handed-back') this.handedBack += 1;
    if (record.outcome === 'retry') this.retries += 1;
    else {
      this.terminal += 1;
      if (record.outcome === 'failed') this.failed += 1;
      if (sent !== null) this.lagMs.push(Date.now() - sent);
    }
    if (isSuccess(record.outcome)) this.sendMs.push(record.durationMs ?? 0);
  }
  warn(): void {}
  flush(): void {}
}

function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

async function startModelSimulator(m: Model): Promise<SwarmSimulator> {
  const admins = { [ADMIN.username]: ADMIN.password };
  return startSimulator({
    seed: 6,
    keepalive: { count: 0, intervalMs: 0 },
    transfer: m.transfer,
    clusters: [
      { name: 'baker', nodes: m.sourceNodes, admins },
      { name: 'dr', nodes: 1, admins },
    ],
  });
}

function seed(sim: SwarmSimulator, prefix: number, count: number): void {
  const source = sim.cluster('baker');
  for (let i = 0; i < count; i++)
    source.put({ uuid: objectUuid(prefix, i), alias: true, body: 'x', contentType: 'text/plain' });
}

interface SweepRow {
  readonly batchSize: number;
  readonly perInvocation: number;
  readonly handBack: boolean;
  readonly handedBack: number;
  /** The container's adaptive limit for the source cluster at the end, and how often it was cut. */
  readonly adaptiveLimit: number;
  readonly limitDecreases: number;
  readonly sends: number;
  readonly wallMs: number;
  readonly meanSendMs: number;
  readonly inFlightSlots: number;
  readonly throughput: number;
  readonly throughputBound: number;
  readonly billedMsPer1000: number;
  readonly billedBoundMsPer1000: number;
  readonly idleShare: number;
  readonly invocations: number;
  readonly busy503: number;
  readonly sendRequests: number;
  readonly failed: number;
}

/** Queue operations that only remember the visibility each returned message was given. */
class VisibilityRecorder extends RecordingQueueOps {
  readonly seconds = new Map<string, number>();
  override async changeVisibility(entries: readonly { record: SQSRecord; seconds: number }[]): Promise<void> {
    for (const e of entries) this.seconds.set(e.record.messageId, e.seconds);
    await super.changeVisibility(entries);
  }
}

/** The mean time a SEND of these objects takes under the model (every one copied): the bounds' SEND time. */
function modelMeanSendMs(m: Model, prefix: number, count: number): number {
  const transfer = new TransferModel(m.transfer);
  let total = 0;
  for (let i = 0; i < count; i++)
    total += transfer.durationMs('baker', 'dr', { uuid: objectUuid(prefix, i), size: 1, virtual: false }, true);
  return total / count;
}

/**
 * One container: invocations one after another until every message has a terminal outcome. A
 * message the handler returns comes back after the visibility it was given, as from SQS.
 */
async function runContainer(
  sim: SwarmSimulator,
  m: Model,
  o: { batchSize: number; perInvocation: number; sends: number; prefix: number; stragglers: StragglerOptions },
): Promise<SweepRow> {
  const { batchSize, perInvocation, sends, prefix } = o;
  seed(sim, prefix, sends);
  const addresses = { source: sim.cluster('baker').addresses, dr: sim.cluster('dr').addresses };
  const config = {
    ...buildConfig(buildRegistry(addresses), {
      concurrency: perInvocation,
      concurrencyPerNode: perInvocation,
      backoffBaseSeconds: 1,
      backoffCapSeconds: 5,
      maxAttempts: 100,
    }),
    stragglers: o.stragglers,
  };
  const recorder = new Recorder();
  const queueOps = new VisibilityRecorder();
  const { handler, client, deps } = createBenchHandler({ config, queue: queueOps, telemetry: recorder });
  sim.resetCounters();
  const ready = Array.from({ length: sends }, (_, i) => sendBody(objectUuid(prefix, i)));
  const delayed: { body: string; at: number }[] = [];
  let billedMs = 0;
  let invocations = 0;
  const started = performance.now();
  while (ready.length || delayed.length) {
    const now = performance.now();
    for (let i = delayed.length - 1; i >= 0; i--) if (delayed[i]!.at <= now) ready.push(delayed.splice(i, 1)[0]!.body);
    if (!ready.length) {
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(...delayed.map((d) => d.at)) - now)));
      continue;
    }
    const bodies = ready.splice(0, batchSize);
    const event = buildSqsEvent(bodies);
    const context: Context = lambdaContext(900_000);
    const t0 = performance.now();
    const res = await handler(event, context);
    billedMs += Math.ceil(performance.now() - t0);
    invocations += 1;
    const failedIds = new Set((res?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    event.Records.forEach((r, i) => {
      if (failedIds.has(r.messageId))
        delayed.push({ body: bodies[i]!, at: performance.now() + 1000 * (queueOps.seconds.get(r.messageId) ?? 0) });
    });
  }
  const wallMs = performance.now() - started;
  await client.close();
  const counters = sim.counters();
  const meanSendMs = modelMeanSendMs(m, prefix, sends);
  const slots = Math.min(batchSize, perInvocation);
  return {
    batchSize,
    perInvocation,
    handBack: o.stragglers.enabled,
    sends,
    wallMs,
    meanSendMs,
    inFlightSlots: slots,
    // While invoked: one container with a backlog runs invocations back to back, so the time
    // a finite run spends waiting for handed-back messages to become visible is not its own.
    throughput: (sends / billedMs) * 1000,
    throughputBound: (slots / meanSendMs) * 1000,
    billedMsPer1000: (billedMs / sends) * 1000,
    billedBoundMsPer1000: (1000 * meanSendMs) / slots,
    idleShare: 1 - recorder.sendMs.reduce((a, b) => a + b, 0) / (slots * billedMs),
    invocations,
    busy503: counters.busy,
    sendRequests: counters.byMethod.SEND ?? 0,
    handedBack: recorder.handedBack,
    failed: recorder.failed,
    adaptiveLimit: clusterLimitsOf(deps).for('primary').limit,
    limitDecreases: clusterLimitsOf(deps).for('primary').decreases,
  };
}

function costPerMillion(row: SweepRow, memoryMb: number): { gbSeconds: number; dollars: number } {
  const gbSeconds = ((row.billedMsPer1000 * 1000) / 1000) * (memoryMb / 1024);
  const invocationsPerMillion = (row.invocations / row.sends) * 1_000_000;
  return {
    gbSeconds,
    dollars: gbSeconds * PRICE.perGbSecond + (invocationsPerMillion / 1_000_000) * PRICE.perMillionRequests,
  };
}

interface BurstResult {
  readonly messages: number;
  readonly drainMs: number;
  readonly lagP50: number;
  readonly lagP99: number;
  readonly busy503: number;
  readonly sendRequests: number;
  /** The same over the second half of the burst (the limits settled). */
  readonly settledBusy503: number;
  readonly settledSendRequests: number;
  readonly deadLettered: number;
  readonly drPresent: number;
}

/** 50,000 messages through fauxqs and the local event source mapping with the defaults. */
async function runBurst(
  m: Model,
  messages: number,
  o: { batchSize: number; windowMs: number; maxConcurrency: number; perInvocation: number },
): Promise<BurstResult> {
  const sim = await startModelSimulator(m);
  const prefix = 0xb0;
  seed(sim, prefix, messages);
  // As the construct derives them from its default function timeout, the window and the attempts.
  const queues = await startLocalQueues({
    visibilityTimeoutSeconds: derivedVisibilityTimeoutSeconds(
      DEFAULT_FUNCTION_TIMEOUT.toSeconds(),
      Math.ceil(o.windowMs / 1000),
    ),
    maxReceiveCount: derivedMaxReceiveCount(ENV_DEFAULTS.MAX_ATTEMPTS),
  });
  const sqs = queues.client();
  try {
    const addresses = { source: sim.cluster('baker').addresses, dr: sim.cluster('dr').addresses };
    // The handler's own defaults: attempts, backoff, connections per node.
    const config = {
      ...buildConfig(buildRegistry(addresses), {
        concurrency: o.perInvocation,
        concurrencyPerNode: ENV_DEFAULTS.CONCURRENCY_PER_NODE,
      }),
      dlqUrl: queues.dlq.url,
      outcomesQueueUrl: null,
    };
    const recorder = new Recorder();
    // One handler (one set of dependencies) per simulated container, as Lambda runs them.
    const handlers = Array.from({ length: o.maxConcurrency }, () =>
      createBenchHandler({ config, queue: { sqs }, telemetry: recorder }),
    );
    let next = 0;
    const started = Date.now();
    for (let i = 0; i < messages; i += 10) {
      const entries = Array.from({ length: Math.min(10, messages - i) }, (_, j) => ({
        Id: String(j),
        MessageBody: sendBody(objectUuid(prefix, i + j)),
      }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.queue.url, Entries: entries }));
    }
    const mapping = new LocalEventSourceMapping({
      sqs,
      queueUrl: queues.queue.url,
      queueArn: queues.queue.arn,
      handler: (event, context) => handlers[next++ % handlers.length]!.handler(event, context),
      batchSize: o.batchSize,
      batchingWindowMs: o.windowMs,
      maxConcurrency: o.maxConcurrency,
      functionTimeoutMs: 120_000,
      waitTimeSeconds: 1,
    }).start();
    const limit = Date.now() + 15 * 60_000;
    // 503s of the second half, once the containers' limits have had half the burst to settle.
    let half: { busy: number; sends: number } | null = null;
    while (recorder.terminal < messages && Date.now() < limit) {
      await new Promise((r) => setTimeout(r, 200));
      if (!half && recorder.terminal >= messages / 2)
        half = { busy: sim.counters().busy, sends: sim.counters().byMethod.SEND ?? 0 };
    }
    await mapping.stop();
    await Promise.all(handlers.map((h) => h.client.close()));
    const drainMs = Date.now() - started;
    let drPresent = 0;
    for (let i = 0; i < messages; i++) if (sim.cluster('dr').has({ uuid: objectUuid(prefix, i) })) drPresent++;
    const counters = sim.counters();
    return {
      messages,
      drainMs,
      lagP50: percentile(recorder.lagMs, 0.5),
      lagP99: percentile(recorder.lagMs, 0.99),
      busy503: counters.busy,
      sendRequests: counters.byMethod.SEND ?? 0,
      settledBusy503: counters.busy - (half?.busy ?? 0),
      settledSendRequests: (counters.byMethod.SEND ?? 0) - (half?.sends ?? 0),
      deadLettered: recorder.failed,
      drPresent,
    };
  } finally {
    sqs.destroy();
    await queues.stop();
    await sim.close();
  }
}

/** The construct's defaults for a standard queue, as the burst runs them. */
function burstDefaults(): { batchSize: number; windowMs: number; maxConcurrency: number; perInvocation: number } {
  const batching = resolveBatching(false);
  return {
    batchSize: batching.batchSize,
    windowMs: batching.maxBatchingWindow?.toMilliseconds() ?? 0,
    maxConcurrency: DEFAULT_MAX_CONCURRENCY,
    perInvocation: DEFAULT_CONCURRENCY,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      'rtt-ms': { type: 'string', default: '20' },
      mbps: { type: 'string', default: '400' },
      'median-kib': { type: 'string', default: '256' },
      'p99-mib': { type: 'string', default: '64' },
      'per-node': { type: 'string', default: '32' },
      nodes: { type: 'string', default: '3' },
      burst: { type: 'string' },
      configs: { type: 'string' },
      'straggler-min-ms': { type: 'string' },
      'straggler-factor': { type: 'string' },
      'skip-burst': { type: 'boolean' },
      'burst-only': { type: 'boolean' },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const m = model({
    rttMs: Number(values['rtt-ms']),
    mbps: Number(values.mbps),
    medianKiB: Number(values['median-kib']),
    p99MiB: Number(values['p99-mib']),
    perNode: Number(values['per-node']),
    nodes: Number(values.nodes),
  });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  // --burst-only: keep the sweep of the last full run (bench/results/realistic.json), redo the burst.
  if (values['burst-only']) {
    const last = JSON.parse(await readFile(join(RESULTS_DIR, 'realistic.json'), 'utf8')) as {
      sweep: SweepRow[];
      quick: boolean;
    };
    const defaults = burstDefaults();
    log(`realistic: burst only, ${int(Number(values.burst ?? 50_000))} messages with the defaults...`);
    const burst = await runBurst(m, Number(values.burst ?? 50_000), defaults);
    await report(m, last.sweep, burst, defaults, last.quick);
    return;
  }
  const sim = await startModelSimulator(m);
  const rows: SweepRow[] = [];
  const sweep: [number, number, boolean][] = [];
  // --configs 100x64,1000x64 narrows the sweep (both straggler policies run for each).
  const only = values.configs?.split(',').map((c) => c.split('x').map(Number) as [number, number]);
  for (const policy of [false, true]) {
    for (const b of [10, 100, 1000])
      for (const c of [16, 64, 256])
        if (!only || only.some(([ob, oc]) => ob === b && oc === c)) sweep.push([b, c, policy]);
  }
  const straggler = {
    ...DEFAULT_STRAGGLER_POLICY,
    ...(values['straggler-min-ms'] !== undefined && { minMs: Number(values['straggler-min-ms']) }),
    ...(values['straggler-factor'] !== undefined && { factor: Number(values['straggler-factor']) }),
  };
  let prefix = 0x100;
  try {
    for (const [b, c, policy] of sweep) {
      const sends = Math.max(quick ? 600 : 1000, (quick ? 2 : 5) * b);
      log(
        `realistic: batch ${b}, ${c} SENDs per invocation, stragglers ${policy ? 'handed back' : 'waited for'}, ${sends} SENDs...`,
      );
      rows.push(
        await runContainer(sim, m, {
          batchSize: b,
          perInvocation: c,
          sends,
          prefix: prefix++,
          stragglers: { ...straggler, enabled: policy },
        }),
      );
      const r = rows.at(-1)!;
      log(
        `  ${fixed(r.throughput)}/s of ${fixed(r.throughputBound)}/s bound; billed ${fixed(r.billedMsPer1000 / 1000, 2)} s per 1,000 (bound ${fixed(r.billedBoundMsPer1000 / 1000, 2)}); 503s ${r.busy503}; handed back ${r.handedBack}; limit ${r.adaptiveLimit} (cut ${r.limitDecreases}x)`,
      );
    }
  } finally {
    await sim.close();
  }
  const burstMessages = values.burst !== undefined ? Number(values.burst) : quick ? 5000 : 50_000;
  const defaults = burstDefaults();
  let burst: BurstResult | null = null;
  if (!values['skip-burst']) {
    log(
      `realistic: burst of ${int(burstMessages)} messages through fauxqs with the defaults (batch ${defaults.batchSize}, window ${defaults.windowMs} ms, ${defaults.maxConcurrency} invocations, ${defaults.perInvocation} SENDs each)...`,
    );
    burst = await runBurst(m, burstMessages, defaults);
  }
  await report(m, rows, burst, defaults, quick);
}

async function report(
  m: Model,
  rows: readonly SweepRow[],
  burst: BurstResult | null,
  defaults: Record<string, number>,
  quick: boolean,
): Promise<void> {
  const memory = DEFAULT_MEMORY_SIZE;
  const sweep: Table = {
    headers: [
      'stragglers',
      'batch',
      'SENDs/invocation',
      'in flight',
      'mean SEND',
      'SENDs/s',
      'bound',
      'ratio',
      'billed s/1,000',
      'bound',
      'ratio',
      'idle slots',
      '503s',
      'GB-s per 1M',
      '$ per 1M',
    ],
    rows: rows.map((r) => {
      const cost = costPerMillion(r, memory);
      return [
        r.handBack ? `handed back (${int(r.handedBack)})` : 'waited for',
        int(r.batchSize),
        int(r.perInvocation),
        int(r.inFlightSlots),
        `${fixed(r.meanSendMs, 0)} ms`,
        fixed(r.throughput),
        fixed(r.throughputBound),
        `${fixed((100 * r.throughput) / r.throughputBound, 0)}%`,
        fixed(r.billedMsPer1000 / 1000, 2),
        fixed(r.billedBoundMsPer1000 / 1000, 2),
        `${fixed(r.billedMsPer1000 / r.billedBoundMsPer1000, 2)}x`,
        `${fixed(100 * r.idleShare, 0)}%`,
        `${fixed((100 * r.busy503) / Math.max(1, r.sendRequests), 1)}%`,
        int(cost.gbSeconds),
        `$${fixed(cost.dollars, 2)}`,
      ];
    }),
  };
  const burstTable: Table | null = burst && {
    headers: [
      'messages',
      'drained in',
      'lag p50',
      'lag p99',
      'RPO',
      '503s / SEND requests',
      'second half',
      'dead-lettered',
      'in DR',
    ],
    rows: [
      [
        int(burst.messages),
        `${fixed(burst.drainMs / 1000)} s`,
        `${fixed(burst.lagP50 / 1000)} s`,
        `${fixed(burst.lagP99 / 1000)} s`,
        `${fixed(DEFAULT_RECOVERY_POINT_OBJECTIVE.toSeconds())} s`,
        `${int(burst.busy503)} / ${int(burst.sendRequests)} (${fixed((100 * burst.busy503) / Math.max(1, burst.sendRequests), 2)}%)`,
        `${int(burst.settledBusy503)} / ${int(burst.settledSendRequests)} (${fixed((100 * burst.settledBusy503) / Math.max(1, burst.settledSendRequests), 2)}%)`,
        int(burst.deadLettered),
        int(burst.drPresent),
      ],
    ],
  };
  const machine = describeMachine();
  const modelText = `link ${m.transfer.link.rttMs} ms RTT, ${m.transfer.link.bandwidthMbps} Mbit/s per SEND; object sizes lognormal median ${(m.transfer.objectSizes!.medianBytes / 1024).toFixed(0)} KiB, p99 ${(m.transfer.objectSizes!.p99Bytes / 1024 / 1024).toFixed(0)} MiB (cap 1 GiB); ${m.sourceNodes} source nodes x ${m.transfer.maxSendsPerNode} SENDs each`;
  process.stdout.write(
    `\nModel: ${modelText}\nMemory ${memory} MB; price ${PRICE.source}\n\n${textTable(sweep)}\n\n${burstTable ? textTable(burstTable) : ''}\n`,
  );
  const md = [
    `# Realistic SEND latencies${quick ? ' (quick run)' : ''}`,
    '',
    `${machine.date}, ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}.`,
    '',
    `Model: ${modelText}. Memory ${memory} MB; cost at ${PRICE.source}: $${PRICE.perGbSecond} per GB-s and $${PRICE.perMillionRequests} per million requests.`,
    '',
    '## One container, batch size x SENDs per invocation',
    '',
    'Bound: SENDs in flight (the smaller of batch and SENDs per invocation) / mean SEND time. Billed bound: 1,000 x mean SEND time / SENDs in flight. Idle slots: the share of in-flight slot time no SEND used while invocations ran.',
    '',
    markdownTable(sweep),
    '',
    ...(burstTable
      ? [`## Burst through fauxqs with the defaults (${JSON.stringify(defaults)})`, '', markdownTable(burstTable), '']
      : []),
  ].join('\n');
  await writeResult('realistic.md', md);
  await writeFile(
    join(RESULTS_DIR, 'realistic.json'),
    `${JSON.stringify({ machine, model: m, price: PRICE, memoryMb: memory, sweep: rows, burst, defaults, quick }, null, 2)}\n`,
  );
}

await main();
