/**
 * `npm run chaos`: the reliability run. fauxqs with the SEND queue (redrive to a DLQ) and an
 * outcomes queue; the Swarm simulator with a fault mix (503s from a busy node, resets
 * mid-body, remote 503s, a dead node, objects missing at the source, slow keep-alives); two
 * local event source mappings polling the same queue, each over its own copy of the real
 * handler; and one of them killed mid-batch. Then every message is accounted for: in the DR
 * cluster with a replicated/already-present outcome, or in the DLQ with a reason. Exit 0 only
 * when none is lost.
 *
 * Flags: --messages N (or CHAOS_MESSAGES; default 10000), --visibility S (queue visibility
 * timeout, default 10), --max-attempts N (default 3), --timeout S (give up after, default 240).
 */
import { parseArgs } from 'node:util';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createSqsQueueOps } from '../functions/adapters/sqs-queue-ops.js';
import type { Config } from '../functions/config.js';
import type { OutcomeRecord } from '../functions/core/outcome.js';
import type { QueueOps, Telemetry } from '../functions/worker/ports.js';
import { enqueueSends } from '../functions/producer.js';
import { LocalEventSourceMapping, type SqsHandler } from '../local/event-source-mapping.js';
import { startSimulator, type Fault, type FaultKind, type SwarmSimulator } from '../simulator/index.js';
import { ADMIN, benchCredentials, buildConfig, buildRegistry, createBenchHandler, drainQueue, objectUuid, sleep, startLocalQueues, type LocalQueues } from './harness.js';
import { describeMachine, fixed, int, markdownTable, textTable, writeResult, type Machine, type Table } from './report.js';
import { createRandom } from '../simulator/random.js';

interface Options {
  readonly messages: number;
  readonly visibilitySeconds: number;
  readonly maxAttempts: number;
  readonly timeoutSeconds: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, visibility: { type: 'string' }, 'max-attempts': { type: 'string' }, timeout: { type: 'string' } }, strict: true });
  const num = (raw: string | undefined, fallback: number, name: string, min: number): number => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return n;
  };
  return {
    messages: num(values.messages ?? process.env.CHAOS_MESSAGES, 10_000, 'messages', 100),
    visibilitySeconds: num(values.visibility, 10, 'visibility', 2),
    maxAttempts: num(values['max-attempts'], 3, 'max-attempts', 1),
    timeoutSeconds: num(values.timeout, 240, 'timeout', 10),
  };
}

/** Objects deleted at the source before their SEND (they must end in the DLQ): 1 in 200. */
const MISSING_EVERY = 200;
/** Malformed message bodies (they must end in the DLQ as invalid-message): 1 in 1,000. */
const INVALID_EVERY = 1000;
const RUN_PREFIX = 0xc4a05;

// ---------------------------------------------------------------------------------------------
// The messages
// ---------------------------------------------------------------------------------------------

/** What message i is: a normal SEND, one whose object is gone at the source, or a malformed body. */
type Kind = 'normal' | 'missing' | 'invalid';

interface Planned {
  readonly index: number;
  readonly kind: Kind;
  readonly uuid: string;
  readonly body: string;
}

function plan(n: number): Planned[] {
  return Array.from({ length: n }, (_, index) => {
    const uuid = objectUuid(RUN_PREFIX, index);
    const kind: Kind = index % INVALID_EVERY === 7 ? 'invalid' : index % MISSING_EVERY === 3 ? 'missing' : 'normal';
    const body =
      kind === 'invalid'
        ? JSON.stringify({ object: { uuid: `not-a-uuid-${index}` }, correlationId: `chaos-${index}` })
        : JSON.stringify({ object: { uuid, alias: true }, correlationId: `chaos-${index}` });
    return { index, kind, uuid, body };
  });
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

/** A fault kind given to a share of the messages (per mille), on their object. */
interface ObjectFault {
  readonly name: string;
  readonly perMille: number;
  readonly kinds: readonly FaultKind[];
}

/**
 * Faults tied to objects, so each hits its message's SEND exactly once (or twice) whenever it
 * comes: resets mid-body (with and without the copy having happened), the DR answering 503
 * inside a 200 or unreachable (late and early), slow keep-alives (4 newlines 100 ms apart), and
 * a few messages hit twice in a row (a reset, then a remote 503).
 */
const OBJECT_FAULTS: readonly ObjectFault[] = [
  { name: 'reset mid-body, nothing copied', perMille: 20, kinds: [{ type: 'reset-mid-body' }] },
  { name: 'reset mid-body after the copy', perMille: 10, kinds: [{ type: 'reset-mid-body', copied: true }] },
  { name: 'remote 503 (in the body)', perMille: 15, kinds: [{ type: 'remote-status', status: 503 }] },
  { name: 'remote unreachable, late', perMille: 5, kinds: [{ type: 'remote-unreachable', variant: 'late' }] },
  { name: 'remote unreachable, early (outer 503)', perMille: 5, kinds: [{ type: 'remote-unreachable', variant: 'early' }] },
  { name: 'slow keep-alives (4 x 100 ms)', perMille: 20, kinds: [{ type: 'slow-keepalive', count: 4, intervalMs: 100 }] },
  { name: 'two in a row: reset, then remote 503', perMille: 5, kinds: [{ type: 'reset-mid-body' }, { type: 'remote-status', status: 503 }] },
];

/** A deterministic generator (the simulator's mulberry32), so every run faults the same messages. */
function seeded(seed: number): () => number {
  const random = createRandom(seed);
  return () => random.next();
}

/** Picks the faulted messages among the normal ones; returns the faults and how many of each. */
function objectFaults(messages: readonly Planned[]): { faults: Fault[]; counts: Record<string, number> } {
  const random = seeded(6);
  const faults: Fault[] = [];
  const counts: Record<string, number> = {};
  for (const m of messages) {
    if (m.kind !== 'normal') continue;
    let roll = random() * 1000;
    const pick = OBJECT_FAULTS.find((f) => (roll -= f.perMille) < 0);
    if (!pick) continue;
    counts[pick.name] = (counts[pick.name] ?? 0) + 1;
    for (const kind of pick.kinds) faults.push({ match: { cluster: 'baker', method: 'SEND', object: m.uuid }, times: 1, kind });
  }
  return { faults, counts };
}

/**
 * The busy node: every BUSY_WAVE_MS it answers the next 4 SENDs with an outer 503 before
 * authentication (the client fails over to another node within the same attempt).
 */
function busyWave(busyNode: string): Fault {
  return { match: { cluster: 'baker', method: 'SEND', node: busyNode }, times: 4, kind: { type: 'status', status: 503 } };
}
const BUSY_WAVE_MS = 250;

// ---------------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------------

/** Outcome counts of both workers, by worker and `outcome:reason`. */
class Tally {
  readonly byKey = new Map<string, number>();
  readonly terminal = new Set<string>();
  /** Message ids each worker brought to a terminal outcome. */
  readonly terminalBy = new Map<string, Set<string>>();
  retries = 0;
  warnings = 0;

  record(worker: string, r: OutcomeRecord): void {
    const key = `${worker} ${r.outcome}:${r.reason}`;
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    if (r.outcome === 'retry') this.retries++;
    else if (r.messageId) {
      this.terminal.add(r.messageId);
      this.terminalBy.set(worker, (this.terminalBy.get(worker) ?? new Set()).add(r.messageId));
    }
  }
}

/** A never-settling promise: what a dead process's pending work turns into. */
const NEVER = new Promise<never>(() => undefined);

/** What the crash left behind. */
interface CrashReport {
  readonly atMs: number;
  /** Records of invocations that were in flight in the killed worker (their results are lost). */
  readonly recordsInFlight: number;
  readonly invocationsInFlight: number;
  /** Outcomes the killed batch had reached when the process died (never reported to SQS). */
  readonly outcomesBeforeCrash: number;
  /** Ids of those records. */
  readonly messageIds: readonly string[];
}

/**
 * One simulated Lambda container: its own SQS client, SendClient and handler (createHandler
 * via the harness, real SQS QueueOps against fauxqs), behind its own LocalEventSourceMapping.
 * A killable worker can be armed: the next batch it takes is where it dies, right after the
 * first record of that batch reaches an outcome (so SENDs of the batch are still in flight).
 * Dying means: polling stops, every pending invocation and queue call of it never settles, its
 * telemetry goes silent, and nothing of it is deleted, so SQS redelivers after the visibility
 * timeout.
 */
class ChaosWorker {
  readonly mapping: LocalEventSourceMapping;
  #crashed = false;
  #armed = false;
  #killBatch: ReadonlySet<string> | null = null;
  #killBatchOutcomes = 0;
  readonly #inflight = new Map<number, readonly string[]>();
  #invocations = 0;
  crash: CrashReport | null = null;
  readonly #stopClient: () => Promise<void>;

  constructor(
    readonly name: string,
    queues: LocalQueues,
    config: Config,
    tally: Tally,
    private readonly started: number,
  ) {
    const sqs = queues.client();
    const real = createSqsQueueOps({ sqs, dlqUrl: config.dlqUrl, outcomesQueueUrl: config.outcomesQueueUrl });
    const telemetry: Telemetry = {
      outcome: (r) => {
        if (this.#crashed) return;
        tally.record(name, r);
        if (this.#killBatch && r.messageId && this.#killBatch.has(r.messageId)) {
          this.#killBatchOutcomes++;
          this.#die();
        }
      },
      warn: () => void (tally.warnings += 1),
      flush: () => undefined,
    };
    const { handler, client } = createBenchHandler({ config, queue: this.#mortal(real), telemetry, credentials: benchCredentials() });
    this.#stopClient = () => client.close();
    this.mapping = this.#mapping(sqs, queues, handler);
  }

  get crashed(): boolean {
    return this.#crashed;
  }

  /** The next batch this worker takes is where it dies. */
  arm(): void {
    this.#armed = true;
  }

  /** Stops a live worker gracefully (in-flight invocations finish and are deleted). */
  async stop(): Promise<void> {
    if (!this.#crashed) await this.mapping.stop();
    await this.#stopClient();
  }

  #mapping(sqs: SQSClient, queues: LocalQueues, handler: SqsHandler): LocalEventSourceMapping {
    return new LocalEventSourceMapping({
      sqs,
      queueUrl: queues.queue.url,
      queueArn: queues.queue.arn,
      handler: (event, context) => this.#invoke(handler, event, context),
      batchSize: 10,
      maxConcurrency: 3,
      functionTimeoutMs: 5000,
      waitTimeSeconds: 1,
    }).start();
  }

  async #invoke(handler: SqsHandler, event: SQSEvent, context: Parameters<SqsHandler>[1]) {
    if (this.#crashed) return NEVER;
    const id = this.#invocations++;
    this.#inflight.set(id, event.Records.map((r) => r.messageId));
    if (this.#armed) {
      this.#armed = false;
      this.#killBatch = new Set(event.Records.map((r) => r.messageId));
    }
    try {
      const response = await handler(event, context);
      return this.#crashed ? NEVER : response;
    } finally {
      this.#inflight.delete(id);
    }
  }

  /** QueueOps whose calls never settle once the worker is dead. */
  #mortal(real: QueueOps): QueueOps {
    const guard = async <T>(call: () => Promise<T>): Promise<T> => {
      if (this.#crashed) return NEVER;
      const result = await call();
      return this.#crashed ? NEVER : result;
    };
    return {
      changeVisibility: (entries) => guard(() => real.changeVisibility(entries)),
      deadLetter: (record, outcome) => guard(() => real.deadLetter(record, outcome)),
      publishOutcomes: (outcomes) => guard(() => real.publishOutcomes(outcomes)),
    };
  }

  #die(): void {
    if (this.#crashed) return;
    this.#crashed = true;
    this.crash = {
      atMs: Date.now() - this.started,
      recordsInFlight: [...this.#inflight.values()].reduce((a, b) => a + b.length, 0),
      invocationsInFlight: this.#inflight.size,
      outcomesBeforeCrash: this.#killBatchOutcomes,
      messageIds: [...this.#inflight.values()].flat(),
    };
    // Abandoned, not awaited: its pollers are stuck in invocations that never end.
    void this.mapping.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

interface Timeline {
  readonly event: string;
  readonly atMs: number;
}

/** Where each message ended up. */
interface Accounting {
  readonly replicated: number;
  readonly alreadyPresent: number;
  readonly deadLettered: Record<string, number>;
  readonly lost: number;
  readonly lostSamples: readonly string[];
  readonly inDrWithoutOutcome: number;
  readonly inDrAndDlq: number;
  readonly dlqDuplicates: number;
  /** Messages dead-lettered more than once, with their reasons in order. */
  readonly dlqDuplicateSamples: readonly string[];
  /** Messages in the DR cluster that were dead-lettered anyway, with their reasons. */
  readonly inDrAndDlqSamples: readonly string[];
  readonly outcomesPublished: number;
  readonly expectedInDlqMissing: number;
  readonly expectedInDlqInvalid: number;
  readonly missingCorrectlyDeadLettered: number;
  readonly invalidCorrectlyDeadLettered: number;
}

async function account(messages: readonly Planned[], sim: SwarmSimulator, queues: LocalQueues, sqs: SQSClient): Promise<Accounting> {
  const dr = sim.cluster('dr');
  const byBody = new Map(messages.map((m) => [m.body, m.index]));
  const dlq = new Map<number, string[]>();
  for (const m of await drainQueue(sqs, queues.dlq.url)) {
    const i = byBody.get(m.Body ?? '');
    if (i === undefined) continue;
    const reason = m.MessageAttributes?.['swarm-send.reason']?.StringValue ?? 'moved by SQS redrive (maxReceiveCount)';
    dlq.set(i, [...(dlq.get(i) ?? []), reason]);
  }
  const outcomes = new Map<number, Set<string>>();
  const published = await drainQueue(sqs, queues.outcomes.url);
  for (const m of published) {
    const o = JSON.parse(m.Body ?? '{}') as Partial<OutcomeRecord>;
    const i = /^chaos-(\d+)$/.exec(o.correlationId ?? '')?.[1];
    if (i === undefined || !o.outcome) continue;
    outcomes.set(Number(i), (outcomes.get(Number(i)) ?? new Set()).add(o.outcome));
  }
  let replicated = 0;
  let alreadyPresent = 0;
  let lost = 0;
  let inDrWithoutOutcome = 0;
  let inDrAndDlq = 0;
  let dlqDuplicates = 0;
  let missingOk = 0;
  let invalidOk = 0;
  const lostSamples: string[] = [];
  const dlqDuplicateSamples: string[] = [];
  const inDrAndDlqSamples: string[] = [];
  const deadLettered: Record<string, number> = {};
  for (const m of messages) {
    const inDr = m.kind !== 'invalid' && dr.has({ uuid: m.uuid });
    const out = outcomes.get(m.index) ?? new Set<string>();
    const success = out.has('replicated') || out.has('already-present');
    const reasons = dlq.get(m.index) ?? [];
    const describe = () => `#${m.index} (${m.kind}): DLQ [${reasons.join(', ')}], outcomes [${[...out].join(', ')}]`;
    if (reasons.length > 1) {
      dlqDuplicates += reasons.length - 1;
      if (dlqDuplicateSamples.length < 10) dlqDuplicateSamples.push(describe());
    }
    if (inDr && !success) inDrWithoutOutcome++;
    if (inDr && reasons.length) {
      inDrAndDlq++;
      if (inDrAndDlqSamples.length < 10) inDrAndDlqSamples.push(describe());
    }
    if (inDr && success) {
      if (out.has('replicated')) replicated++;
      else alreadyPresent++;
    } else if (reasons.length) {
      const reason = reasons[0]!;
      deadLettered[reason] = (deadLettered[reason] ?? 0) + 1;
      if (m.kind === 'missing' && reason === 'not-found-at-source') missingOk++;
      if (m.kind === 'invalid' && reason === 'invalid-message') invalidOk++;
    } else {
      lost++;
      if (lostSamples.length < 10) lostSamples.push(`#${m.index} ${m.kind} inDr=${inDr} outcomes=[${[...out].join(',')}]`);
    }
  }
  return {
    replicated,
    alreadyPresent,
    deadLettered,
    lost,
    lostSamples,
    inDrWithoutOutcome,
    inDrAndDlq,
    dlqDuplicates,
    dlqDuplicateSamples,
    inDrAndDlqSamples,
    outcomesPublished: published.length,
    expectedInDlqMissing: messages.filter((m) => m.kind === 'missing').length,
    expectedInDlqInvalid: messages.filter((m) => m.kind === 'invalid').length,
    missingCorrectlyDeadLettered: missingOk,
    invalidCorrectlyDeadLettered: invalidOk,
  };
}

interface ChaosResults {
  readonly machine: Machine;
  readonly options: Options;
  readonly setup: Record<string, string>;
  readonly timeline: readonly Timeline[];
  readonly drained: boolean;
  readonly drainMs: number;
  readonly enqueueMs: number;
  readonly crash: CrashReport | null;
  /** Records in flight in the killed worker that the surviving worker later brought to a terminal outcome. */
  readonly crashRecordsFinishedBySurvivor: number;
  readonly accounting: Accounting;
  readonly sends: { readonly simulatorSends: number; readonly messagesNeedingSend: number; readonly beyondOnePerMessage: number; readonly retryOutcomes: number; readonly simulator: Record<string, number> };
  readonly outcomesByWorker: Record<string, number>;
  readonly faultWaves: number;
  readonly faultedMessages: Record<string, number>;
  readonly ok: boolean;
}

function summaryTable(r: ChaosResults): Table {
  const a = r.accounting;
  const dlqTotal = Object.values(a.deadLettered).reduce((x, y) => x + y, 0);
  return {
    headers: ['', 'value'],
    rows: [
      ['messages', int(r.options.messages)],
      ['in DR, replicated', int(a.replicated)],
      ['in DR, already-present', int(a.alreadyPresent)],
      ['in DLQ with a reason', int(dlqTotal)],
      ...Object.entries(a.deadLettered).map(([reason, n]) => [`  ${reason}`, int(n)]),
      ['LOST', int(a.lost)],
      ['missing-at-source objects dead-lettered as not-found-at-source', `${int(a.missingCorrectlyDeadLettered)}/${int(a.expectedInDlqMissing)}`],
      ['malformed messages dead-lettered as invalid-message', `${int(a.invalidCorrectlyDeadLettered)}/${int(a.expectedInDlqInvalid)}`],
      ['in DR without a success outcome', int(a.inDrWithoutOutcome)],
      ['in DR and in the DLQ', int(a.inDrAndDlq)],
      ['DLQ duplicates', int(a.dlqDuplicates)],
      ['outcome records published', int(a.outcomesPublished)],
      ['simulator SENDs (authenticated)', int(r.sends.simulatorSends)],
      ['SENDs beyond one per message (duplicated SENDs)', `${int(r.sends.beyondOnePerMessage)} (${fixed((r.sends.beyondOnePerMessage / r.sends.messagesNeedingSend) * 100, 1)}%)`],
      ['  after an attempt that ended in retry', int(r.sends.retryOutcomes)],
      ['  records redelivered after the crash', int(r.crash?.recordsInFlight ?? 0)],
      ['  other (failover to another node after an authenticated 503, within one attempt)', int(r.sends.beyondOnePerMessage - r.sends.retryOutcomes - (r.crash?.recordsInFlight ?? 0))],
      ['killed worker: records in flight at the crash', r.crash ? `${int(r.crash.recordsInFlight)} in ${r.crash.invocationsInFlight} invocations, at ${fixed(r.crash.atMs / 1000, 1)} s` : 'not killed'],
      ['  of which later finished by worker B', r.crash ? `${int(r.crashRecordsFinishedBySurvivor)}/${int(r.crash.recordsInFlight)}` : '-'],
      ['time to drain', `${fixed(r.drainMs / 1000, 1)} s${r.drained ? '' : ' (NOT drained: timed out)'}`],
      ['result', r.ok ? 'OK (nothing lost)' : 'FAILED'],
    ],
  };
}

function markdown(r: ChaosResults): string {
  return [
    '# swarm-send chaos run',
    '',
    `Machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.platform}, Node ${r.machine.node}, ${r.machine.date}. Produced by \`npm run chaos\`.`,
    '',
    '## Setup',
    '',
    ...Object.entries(r.setup).map(([k, v]) => `- **${k}**: ${v}`),
    '',
    '## Timeline',
    '',
    markdownTable({ headers: ['at', 'event'], rows: r.timeline.map((t) => [`${fixed(t.atMs / 1000, 1)} s`, t.event]) }),
    '',
    '## Accounting',
    '',
    markdownTable(summaryTable(r)),
    '',
    '## Outcomes recorded by each worker (outcome:reason)',
    '',
    markdownTable({ headers: ['worker outcome:reason', 'count'], rows: Object.entries(r.outcomesByWorker).sort().map(([k, v]) => [k, int(v)]) }),
    '',
    `Simulator counters: ${JSON.stringify(r.sends.simulator)}`,
    '',
    r.accounting.lostSamples.length ? `Lost (first 10): ${r.accounting.lostSamples.join('; ')}` : '',
    r.accounting.dlqDuplicateSamples.length ? `Dead-lettered more than once (first 10): ${r.accounting.dlqDuplicateSamples.join('; ')}` : '',
    r.accounting.inDrAndDlqSamples.length ? `In DR and dead-lettered (first 10): ${r.accounting.inDrAndDlqSamples.join('; ')}` : '',
  ].join('\n');
}

async function main(): Promise<void> {
  const o = parseOptions();
  const machine = describeMachine();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`swarm-send chaos: ${int(o.messages)} messages, visibility ${o.visibilitySeconds} s, max attempts ${o.maxAttempts}, on ${machine.cpuModel} (${machine.cores} cores)`);

  const admins = { [ADMIN.username]: ADMIN.password };
  const sim = await startSimulator({ seed: 6, keepalive: { count: 1, intervalMs: 0 }, clusters: [{ name: 'baker', nodes: 3, admins }, { name: 'dr', nodes: 1, admins }] });
  const queues = await startLocalQueues({ visibilityTimeoutSeconds: o.visibilitySeconds, maxReceiveCount: o.maxAttempts + 2 });
  const sqs = queues.client();
  const source = sim.cluster('baker');
  const [busyNode, , deadNode] = source.nodes;
  const timeline: Timeline[] = [];
  let started = Date.now();
  const at = (event: string) => {
    timeline.push({ event, atMs: Date.now() - started });
    log(`  ${fixed((Date.now() - started) / 1000, 1).padStart(6)} s  ${event}`);
  };

  try {
    const messages = plan(o.messages);
    for (const m of messages) if (m.kind !== 'invalid') source.put({ uuid: m.uuid, alias: true, body: `chaos object ${m.index}\n`, contentType: 'text/plain' });
    for (const m of messages) if (m.kind === 'missing') source.delete({ uuid: m.uuid });
    const enqueueStart = Date.now();
    const enqueued = await enqueueSends(sqs, queues.queue.url, messages.map((m) => m.body));
    if (enqueued.failed.length) throw new Error(`${enqueued.failed.length} messages could not be enqueued`);
    const enqueueMs = Date.now() - enqueueStart;
    log(`  enqueued ${int(enqueued.sent)} messages in ${fixed(enqueueMs / 1000, 1)} s`);

    const config = buildConfig(buildRegistry({ source: source.addresses, dr: sim.cluster('dr').addresses }), {
      dlqUrl: queues.dlq.url,
      outcomesQueueUrl: queues.outcomes.url,
      maxAttempts: o.maxAttempts,
      backoffBaseSeconds: 1,
      backoffCapSeconds: 1,
      deadlineMarginMs: 1000,
    });
    const tally = new Tally();
    started = Date.now();
    const workers = [new ChaosWorker('A', queues, config, tally, started), new ChaosWorker('B', queues, config, tally, started)] as const;
    const [victim, survivor] = workers;
    at('workers A and B polling the same queue; object faults and busy-node 503s armed');

    const planned = objectFaults(messages);
    let waves = 0;
    let deadDone = false;
    let revived = false;
    let armed = false;
    let drained = false;
    for (const f of planned.faults) sim.faults.add(f);
    const deadline = started + o.timeoutSeconds * 1000;
    const progress = () => tally.terminal.size / o.messages;
    let nextWave = 0;
    while (Date.now() < deadline) {
      if (Date.now() >= nextWave) {
        // Added, never cleared: clearing would also drop the object faults not yet hit.
        sim.faults.add(busyWave(busyNode!.address));
        waves++;
        nextWave = Date.now() + BUSY_WAVE_MS;
      }
      if (!deadDone && progress() >= 0.1) {
        deadDone = true;
        await deadNode!.stop();
        at(`source node ${deadNode!.address} stopped (dead node)`);
      }
      if (!armed && progress() >= 0.25) {
        armed = true;
        victim.arm();
        at('worker A armed: it dies during its next batch');
      }
      if (victim.crash && !timeline.some((t) => t.event.startsWith('worker A killed'))) {
        timeline.push({ event: `worker A killed mid-batch (${victim.crash.outcomesBeforeCrash} outcome reached, ${victim.crash.recordsInFlight} records in flight)`, atMs: victim.crash.atMs });
        log(`  ${fixed(victim.crash.atMs / 1000, 1).padStart(6)} s  worker A killed mid-batch, ${victim.crash.recordsInFlight} records in flight`);
      }
      if (deadDone && !revived && progress() >= 0.6) {
        revived = true;
        await deadNode!.start();
        at(`source node ${deadNode!.address} back`);
      }
      if (queues.depth(queues.queue) === 0) {
        await sleep(300);
        if (queues.depth(queues.queue) === 0) {
          drained = true;
          break;
        }
      }
      await sleep(50);
    }
    const drainMs = Date.now() - started;
    at(drained ? 'queue empty: drained' : 'timed out before the queue drained');
    sim.faults.clear();
    if (deadDone && !revived) await deadNode!.start();
    await survivor.stop();
    await victim.stop();

    const accounting = await account(messages, sim, queues, sqs);
    const needSend = messages.filter((m) => m.kind !== 'invalid').length;
    const counters = sim.counters();
    const results: ChaosResults = {
      machine,
      options: o,
      setup: {
        queues: `fauxqs in-process: SEND queue (VisibilityTimeout ${o.visibilitySeconds} s, redrive to the DLQ after ${o.maxAttempts + 2} receives), DLQ, outcomes queue`,
        simulator: 'in-process; source "baker" 3 nodes, DR "dr" 1 node; keep-alive 1 newline',
        workers: 'two LocalEventSourceMappings (batch 10, 3 concurrent invocations each, function timeout 5 s), each over its own createHandler + SendClient + SQS client (real QueueOps)',
        handler: `concurrency 16, 8 per node, maxAttempts ${o.maxAttempts}, backoff 1 s (base and cap), deadline margin 1 s`,
        faults: `per object, once each (twice for the last kind): ${Object.entries(planned.counts).map(([k, v]) => `${k} ${v}`).join(', ')}; plus a busy node ${busyNode!.address} answering 503 to 4 SENDs every ${BUSY_WAVE_MS} ms`,
        deadNode: `${deadNode!.address} stopped from 10% to 60% of the messages done`,
        missing: `1 object in ${MISSING_EVERY} deleted at the source before its SEND`,
        invalid: `1 message in ${INVALID_EVERY} malformed`,
        kill: 'worker A dies during the first batch it takes after 25% of the messages are done, once one record of that batch has an outcome: its polling stops, its pending invocations and queue calls never settle, its telemetry goes silent, nothing of it is deleted (SENDs already on the wire complete on the simulator, as they would on a real node)',
      },
      timeline: [...timeline].sort((a, b) => a.atMs - b.atMs),
      drained,
      drainMs,
      enqueueMs,
      crash: victim.crash,
      crashRecordsFinishedBySurvivor: (victim.crash?.messageIds ?? []).filter((id) => tally.terminalBy.get(survivor.name)?.has(id)).length,
      accounting,
      sends: {
        simulatorSends: counters.sends,
        messagesNeedingSend: needSend,
        beyondOnePerMessage: counters.sends - needSend,
        retryOutcomes: tally.retries,
        simulator: { requests: counters.requests, sends: counters.sends, challenges: counters.challenges, authRejected: counters.authRejected, connections: counters.connections, resets: counters.resets },
      },
      outcomesByWorker: Object.fromEntries(tally.byKey),
      faultWaves: waves,
      faultedMessages: planned.counts,
      ok: accounting.lost === 0,
    };
    await writeResult('chaos.json', JSON.stringify(results, null, 2));
    await writeResult('chaos.md', markdown(results));
    process.stdout.write(`\nswarm-send chaos — ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}\n\n${textTable(summaryTable(results))}\n\nwritten: bench/results/chaos.json, bench/results/chaos.md\n`);
    process.exitCode = results.ok ? 0 : 1;
  } finally {
    await sim.close();
    await queues.stop();
  }
}

await main();
// The killed worker's abandoned promises hold nothing open, but its sockets may linger: end here.
process.exit(process.exitCode ?? 0);
