/**
 * `npm run chaos`: the reliability run. fauxqs with the SEND queue (redrive to a DLQ) and an
 * outcomes queue; the Swarm simulator with a fault mix (503s from a busy node, resets
 * mid-body, remote 503s, a dead node, objects missing at the source, slow keep-alives); a
 * fault-injecting proxy (sqs-fault-proxy.ts) between the workers' SQS clients and fauxqs (SQS
 * 5xx errors, throttling, resets and answers slower than the SDK's timeout, before and after
 * fauxqs applied the call, plus outage windows of the DLQ, the outcomes queue and deletes); two
 * local event source mappings polling the same queue, each over its own copy of the real
 * handler; and one of them killed mid-batch. Then every message is accounted for: in the DR
 * cluster with a replicated/already-present outcome, or in the DLQ with a reason; duplicates
 * (extra SENDs, DLQ entries, outcome records) are counted. Exit 0 only when the queue drained
 * within the bound and nothing is lost or unaccounted for.
 *
 * Flags: --messages N (or CHAOS_MESSAGES; default 100000), --visibility S (queue visibility
 * timeout, default 10), --max-attempts N (default 5, the product's default), --timeout S (give
 * up, failing, after; default 120 + 20 ms per message).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { DLQ_ATTRIBUTES } from '../functions/adapters/dlq-message.js';
import type { Config } from '../functions/config.js';
import type { OutcomeRecord } from '../functions/core/outcome/outcome.js';
import { derivedMaxReceiveCount } from '../functions/env.js';
import type { QueueOps, Telemetry } from '../functions/worker/ports.js';
import { enqueueSends } from '../functions/producer.js';
import { LocalEventSourceMapping, type SqsHandler } from '../local/event-source-mapping.js';
import { startSimulator, type Fault, type FaultKind, type SwarmSimulator } from '../simulator/index.js';
import {
  ADMIN,
  benchCredentials,
  buildConfig,
  buildRegistry,
  createBenchHandler,
  objectUuid,
  sleep,
  startLocalQueues,
  type LocalQueues,
} from './harness.js';
import { drainQueue } from '../local/queues.js';
import {
  describeMachine,
  fixed,
  int,
  markdownTable,
  textTable,
  writeResult,
  type Machine,
  type Table,
} from './report.js';
import { createRandom } from '../simulator/random.js';
import {
  startSqsFaultProxy,
  type QueueFault,
  type QueueFaultRule,
  type SqsFaultProxy,
  type SqsFaultProxyStats,
} from './sqs-fault-proxy.js';

interface Options {
  readonly messages: number;
  readonly visibilitySeconds: number;
  readonly maxAttempts: number;
  readonly timeoutSeconds: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      visibility: { type: 'string' },
      'max-attempts': { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
  });
  const num = (raw: string | undefined, fallback: number, name: string, min: number): number => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return n;
  };
  const messages = num(values.messages ?? process.env.CHAOS_MESSAGES, 100_000, 'messages', 100);
  return {
    messages,
    visibilitySeconds: num(values.visibility, 10, 'visibility', 2),
    maxAttempts: num(values['max-attempts'], 5, 'max-attempts', 1),
    timeoutSeconds: num(values.timeout, 120 + Math.ceil(messages * 0.02), 'timeout', 10),
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
  {
    name: 'remote unreachable, early (outer 503)',
    perMille: 5,
    kinds: [{ type: 'remote-unreachable', variant: 'early' }],
  },
  {
    name: 'slow keep-alives (4 x 100 ms)',
    perMille: 20,
    kinds: [{ type: 'slow-keepalive', count: 4, intervalMs: 100 }],
  },
  {
    name: 'two in a row: reset, then remote 503',
    perMille: 5,
    kinds: [{ type: 'reset-mid-body' }, { type: 'remote-status', status: 503 }],
  },
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
    for (const kind of pick.kinds)
      faults.push({ match: { cluster: 'baker', method: 'SEND', object: m.uuid }, times: 1, kind });
  }
  return { faults, counts };
}

/**
 * The busy node: every BUSY_WAVE_MS it answers the next 4 SENDs with an outer 503 before
 * authentication (the client fails over to another node within the same attempt).
 */
function busyWave(busyNode: string): Fault {
  return {
    match: { cluster: 'baker', method: 'SEND', node: busyNode },
    times: 4,
    kind: { type: 'status', status: 503 },
  };
}
const BUSY_WAVE_MS = 250;

/**
 * The workers' SQS clients: the Lambda entry's timeouts (connect 1 s, request 2 s), with the
 * request timeout enforced (throwOnRequestTimeout), so an answer slower than 2 s is a timeout
 * the SDK retries (3 attempts, its default) rather than a wait.
 */
const WORKER_REQUEST_HANDLER = { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true };
/** Slow answers are held this long: past the request timeout above. */
const SLOW_MS = 2500;

/**
 * The queue-side mix, on every call of the five kinds the workers make (by action and queue):
 * 5% of them faulted, as SQS errors, throttling, resets and slow answers, before fauxqs sees the
 * call or after it applied it (the answer is lost or replaced: what makes duplicates).
 */
function queueFaultMix(q: { queue: string; dlq: string; outcomes: string }): QueueFaultRule[] {
  const targets = [
    {
      operations: ['ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch', 'ChangeMessageVisibility'],
      queues: [q.queue],
    },
    { operations: ['SendMessage'], queues: [q.dlq] },
    { operations: ['SendMessageBatch'], queues: [q.outcomes] },
  ];
  const faults: { name: string; perMille: number; fault: QueueFault }[] = [
    {
      name: 'InternalError (500) before',
      perMille: 8,
      fault: { type: 'error', error: 'InternalError', when: 'before' },
    },
    { name: 'InternalError (500) after', perMille: 4, fault: { type: 'error', error: 'InternalError', when: 'after' } },
    {
      name: 'ServiceUnavailable (503) before',
      perMille: 6,
      fault: { type: 'error', error: 'ServiceUnavailable', when: 'before' },
    },
    {
      name: 'ServiceUnavailable (503) after',
      perMille: 2,
      fault: { type: 'error', error: 'ServiceUnavailable', when: 'after' },
    },
    {
      name: 'ThrottlingException (400)',
      perMille: 6,
      fault: { type: 'error', error: 'ThrottlingException', when: 'before' },
    },
    {
      name: 'RequestThrottled (403)',
      perMille: 4,
      fault: { type: 'error', error: 'RequestThrottled', when: 'before' },
    },
    { name: 'reset before', perMille: 6, fault: { type: 'reset', when: 'before' } },
    { name: 'reset after', perMille: 6, fault: { type: 'reset', when: 'after' } },
    { name: `slow (${SLOW_MS} ms) before`, perMille: 3, fault: { type: 'slow', delayMs: SLOW_MS, when: 'before' } },
    { name: `slow (${SLOW_MS} ms) after`, perMille: 5, fault: { type: 'slow', delayMs: SLOW_MS, when: 'after' } },
  ];
  return targets.flatMap((t) => faults.map((f) => ({ ...f, ...t })));
}

/**
 * An outage: for `seconds`, from the first moment `atProgress` of the messages are done, every
 * matching call fails. The DLQ's windows are longer: only 1 message in 170 is dead-lettered.
 */
interface Outage {
  readonly atProgress: number;
  readonly seconds: number;
  readonly rule: QueueFaultRule;
}

function outages(q: { queue: string; dlq: string; outcomes: string }): Outage[] {
  return [
    {
      atProgress: 0.3,
      seconds: 15,
      rule: {
        name: 'outage: DLQ answers 503 to every SendMessage',
        operations: ['SendMessage'],
        queues: [q.dlq],
        perMille: 1000,
        fault: { type: 'error', error: 'ServiceUnavailable', when: 'before' },
      },
    },
    {
      atProgress: 0.45,
      seconds: 4,
      rule: {
        name: 'outage: outcomes queue throttles every SendMessageBatch',
        operations: ['SendMessageBatch'],
        queues: [q.outcomes],
        perMille: 1000,
        fault: { type: 'error', error: 'ThrottlingException', when: 'before' },
      },
    },
    {
      atProgress: 0.7,
      seconds: 3,
      rule: {
        name: 'outage: every DeleteMessageBatch fails (500) before fauxqs',
        operations: ['DeleteMessageBatch'],
        queues: [q.queue],
        perMille: 1000,
        fault: { type: 'error', error: 'InternalError', when: 'before' },
      },
    },
    {
      atProgress: 0.8,
      seconds: 15,
      rule: {
        name: 'outage: DLQ stores every SendMessage, the answer is reset',
        operations: ['SendMessage'],
        queues: [q.dlq],
        perMille: 1000,
        fault: { type: 'reset', when: 'after' },
      },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------------

/** Outcome counts of both workers, by worker and `outcome:reason`. */
class Tally {
  readonly byKey = new Map<string, number>();
  readonly terminal = new Set<string>();
  /** Message ids each worker brought to a terminal outcome. */
  readonly terminalBy = new Map<string, Set<string>>();
  /** Terminal outcomes recorded by message id (more than one: the message was finished again after a redelivery). */
  readonly terminalCount = new Map<string, number>();
  retries = 0;
  warnings = 0;

  record(worker: string, r: OutcomeRecord): void {
    const key = `${worker} ${r.outcome}:${r.reason}`;
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    if (r.outcome === 'retry') this.retries++;
    else if (r.messageId) {
      this.terminal.add(r.messageId);
      this.terminalCount.set(r.messageId, (this.terminalCount.get(r.messageId) ?? 0) + 1);
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
 * One simulated Lambda container: its own SQS client (through the fault proxy), SendClient and
 * handler (createHandler via the harness, real SQS QueueOps against fauxqs), behind its own
 * LocalEventSourceMapping, whose receives and deletes go through the same client.
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
    proxy: SqsFaultProxy,
  ) {
    const sqs = queues.client({ endpoint: proxy.endpoint, requestHandler: WORKER_REQUEST_HANDLER });
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
    const { handler, client } = createBenchHandler({
      config,
      queue: { sqs, decorate: (real) => this.#mortal(real) },
      telemetry,
      credentials: benchCredentials(),
    });
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
    this.#inflight.set(
      id,
      event.Records.map((r) => r.messageId),
    );
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
      fanOut: (record, parts) => guard(() => real.fanOut(record, parts)),
      moveToLongRunningTier: (record) => guard(() => real.moveToLongRunningTier(record)),
      renew: (record, renewal) => guard(() => real.renew(record, renewal)),
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
  /**
   * Messages counted by where they ended: the first DLQ reason (objects missing at the source and
   * malformed bodies).
   */
  readonly deadLettered: Record<string, number>;
  /** Dead-lettered with the reason their kind calls for (not-found-at-source, invalid-message). */
  readonly deadLetteredAsExpected: number;
  /** Dead-lettered, but with another reason (e.g. moved by SQS redrive after maxReceiveCount). */
  readonly deadLetteredOtherReason: number;
  readonly deadLetteredOtherSamples: readonly string[];
  /** An object that should have replicated and is not in DR, or a message neither in DR nor in the DLQ. */
  readonly lost: number;
  readonly lostSamples: readonly string[];
  /** In DR, but with no success outcome record and not in the DLQ: upstream was never told. */
  readonly unaccounted: number;
  readonly unaccountedSamples: readonly string[];
  /** In DR without a success outcome record (with or without a DLQ entry). */
  readonly inDrWithoutOutcome: number;
  readonly inDrAndDlq: number;
  /** Messages in the DR cluster that were dead-lettered anyway, with their reasons. */
  readonly inDrAndDlqSamples: readonly string[];
  /** DLQ entries beyond one per message. */
  readonly dlqDuplicates: number;
  readonly messagesDeadLetteredMoreThanOnce: number;
  /** Messages dead-lettered more than once, with their reasons in order. */
  readonly dlqDuplicateSamples: readonly string[];
  readonly outcomesPublished: number;
  /** Terminal (non-retry) outcome records published beyond one per message. */
  readonly outcomeDuplicates: number;
  readonly messagesWithDuplicateOutcomes: number;
  readonly expectedInDlqMissing: number;
  readonly expectedInDlqInvalid: number;
  readonly missingCorrectlyDeadLettered: number;
  readonly invalidCorrectlyDeadLettered: number;
}

/** The reason a message of each kind is dead-lettered with. */
const EXPECTED_REASON: Record<Kind, string | null> = {
  normal: null,
  missing: 'not-found-at-source',
  invalid: 'invalid-message',
};

async function account(
  messages: readonly Planned[],
  sim: SwarmSimulator,
  queues: LocalQueues,
  sqs: SQSClient,
): Promise<Accounting> {
  const dr = sim.cluster('dr');
  const byBody = new Map(messages.map((m) => [m.body, m.index]));
  const dlq = new Map<number, string[]>();
  for (const m of await drainQueue(sqs, queues.dlq.url)) {
    const i = byBody.get(m.Body ?? '');
    if (i === undefined) continue;
    const reason =
      m.MessageAttributes?.[DLQ_ATTRIBUTES.REASON]?.StringValue ?? 'moved by SQS redrive (maxReceiveCount)';
    dlq.set(i, [...(dlq.get(i) ?? []), reason]);
  }
  /** Outcome records published per message: the set of outcomes and how many terminal records. */
  const outcomes = new Map<number, { kinds: Set<string>; terminal: number }>();
  const published = await drainQueue(sqs, queues.outcomes.url);
  for (const m of published) {
    const o = JSON.parse(m.Body ?? '{}') as Partial<OutcomeRecord>;
    const i = /^chaos-(\d+)$/.exec(o.correlationId ?? '')?.[1];
    if (i === undefined || !o.outcome) continue;
    const entry = outcomes.get(Number(i)) ?? { kinds: new Set<string>(), terminal: 0 };
    entry.kinds.add(o.outcome);
    if (o.outcome !== 'retry') entry.terminal++;
    outcomes.set(Number(i), entry);
  }
  let replicated = 0;
  let alreadyPresent = 0;
  let lost = 0;
  let unaccounted = 0;
  let inDrWithoutOutcome = 0;
  let inDrAndDlq = 0;
  let dlqDuplicates = 0;
  let dlqDuplicated = 0;
  let outcomeDuplicates = 0;
  let outcomeDuplicated = 0;
  let asExpected = 0;
  let otherReason = 0;
  let missingOk = 0;
  let invalidOk = 0;
  const lostSamples: string[] = [];
  const unaccountedSamples: string[] = [];
  const dlqDuplicateSamples: string[] = [];
  const inDrAndDlqSamples: string[] = [];
  const otherSamples: string[] = [];
  const deadLettered: Record<string, number> = {};
  const sample = (list: string[], s: string) => void (list.length < 10 && list.push(s));
  for (const m of messages) {
    const inDr = m.kind !== 'invalid' && dr.has({ uuid: m.uuid });
    const out = outcomes.get(m.index) ?? { kinds: new Set<string>(), terminal: 0 };
    const success = out.kinds.has('replicated') || out.kinds.has('already-present');
    const reasons = dlq.get(m.index) ?? [];
    const describe = () =>
      `#${m.index} (${m.kind}): DLQ [${reasons.join(', ')}], outcomes [${[...out.kinds].join(', ')}]`;
    if (reasons.length > 1) {
      dlqDuplicates += reasons.length - 1;
      dlqDuplicated++;
      sample(dlqDuplicateSamples, describe());
    }
    if (out.terminal > 1) {
      outcomeDuplicates += out.terminal - 1;
      outcomeDuplicated++;
    }
    if (inDr && !success) inDrWithoutOutcome++;
    if (inDr && reasons.length) {
      inDrAndDlq++;
      sample(inDrAndDlqSamples, describe());
    }
    if (m.kind === 'normal' && !inDr) {
      // Should have replicated: not in DR is a loss, whatever the DLQ says.
      lost++;
      sample(lostSamples, `#${m.index} normal, not in DR; ${describe()}`);
    } else if (inDr) {
      if (success && out.kinds.has('replicated')) replicated++;
      else if (success) alreadyPresent++;
      else if (!reasons.length) {
        unaccounted++;
        sample(unaccountedSamples, describe());
      }
    } else if (reasons.length) {
      const reason = reasons[0]!;
      deadLettered[reason] = (deadLettered[reason] ?? 0) + 1;
      if (reason === EXPECTED_REASON[m.kind]) {
        asExpected++;
        if (m.kind === 'missing') missingOk++;
        if (m.kind === 'invalid') invalidOk++;
      } else {
        otherReason++;
        sample(otherSamples, describe());
      }
    } else {
      lost++;
      sample(lostSamples, `#${m.index} ${m.kind}, in neither DR nor the DLQ; outcomes [${[...out.kinds].join(', ')}]`);
    }
  }
  return {
    replicated,
    alreadyPresent,
    deadLettered,
    deadLetteredAsExpected: asExpected,
    deadLetteredOtherReason: otherReason,
    deadLetteredOtherSamples: otherSamples,
    lost,
    lostSamples,
    unaccounted,
    unaccountedSamples,
    inDrWithoutOutcome,
    inDrAndDlq,
    inDrAndDlqSamples,
    dlqDuplicates,
    messagesDeadLetteredMoreThanOnce: dlqDuplicated,
    dlqDuplicateSamples,
    outcomesPublished: published.length,
    outcomeDuplicates,
    messagesWithDuplicateOutcomes: outcomeDuplicated,
    expectedInDlqMissing: messages.filter((m) => m.kind === 'missing').length,
    expectedInDlqInvalid: messages.filter((m) => m.kind === 'invalid').length,
    missingCorrectlyDeadLettered: missingOk,
    invalidCorrectlyDeadLettered: invalidOk,
  };
}

interface ChaosResults {
  readonly machine: Machine;
  /** 1, 5 and 15 minute load averages at the start and the end of the run (the machine may be shared). */
  readonly load: { readonly start: readonly number[]; readonly end: readonly number[] };
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
  readonly sends: {
    readonly simulatorSends: number;
    readonly messagesNeedingSend: number;
    readonly beyondOnePerMessage: number;
    readonly retryOutcomes: number;
    /**
     * Terminal outcomes recorded beyond one per message: finished again after a redelivery (a lost
     * delete, an outcome not published, a function timeout).
     */
    readonly finishedAgain: number;
    readonly simulator: Record<string, number>;
  };
  /** The queue side: what the fault proxy saw and injected. */
  readonly queueFaults: SqsFaultProxyStats & { readonly calls: number; readonly injected: number };
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
      ['unaccounted for (in DR, no success outcome, not in the DLQ)', int(a.unaccounted)],
      [
        'missing-at-source objects dead-lettered as not-found-at-source',
        `${int(a.missingCorrectlyDeadLettered)}/${int(a.expectedInDlqMissing)}`,
      ],
      [
        'malformed messages dead-lettered as invalid-message',
        `${int(a.invalidCorrectlyDeadLettered)}/${int(a.expectedInDlqInvalid)}`,
      ],
      ['dead-lettered with another reason', int(a.deadLetteredOtherReason)],
      ['in DR without a success outcome', int(a.inDrWithoutOutcome)],
      ['in DR and in the DLQ', int(a.inDrAndDlq)],
      [
        'duplicate DLQ entries (beyond one per message)',
        `${int(a.dlqDuplicates)} (${int(a.messagesDeadLetteredMoreThanOnce)} messages)`,
      ],
      ['outcome records published', int(a.outcomesPublished)],
      [
        'duplicate outcome records (terminal, beyond one per message)',
        `${int(a.outcomeDuplicates)} (${int(a.messagesWithDuplicateOutcomes)} messages)`,
      ],
      ['simulator SENDs (authenticated)', int(r.sends.simulatorSends)],
      [
        'SENDs beyond one per message (duplicated SENDs)',
        `${int(r.sends.beyondOnePerMessage)} (${fixed((r.sends.beyondOnePerMessage / r.sends.messagesNeedingSend) * 100, 1)}%)`,
      ],
      ['  after an attempt that ended in retry', int(r.sends.retryOutcomes)],
      ['  finished messages sent again after a redelivery (queue faults)', int(r.sends.finishedAgain)],
      ['  records redelivered after the crash', int(r.crash?.recordsInFlight ?? 0)],
      [
        '  other (failovers within one attempt, SENDs whose outcome a lost receive or the crash hid)',
        int(
          r.sends.beyondOnePerMessage - r.sends.retryOutcomes - r.sends.finishedAgain - (r.crash?.recordsInFlight ?? 0),
        ),
      ],
      ['SQS calls through the fault proxy', int(r.queueFaults.calls)],
      [
        '  faulted',
        `${int(r.queueFaults.injected)} (${fixed((r.queueFaults.injected / Math.max(1, r.queueFaults.calls)) * 100, 1)}%)`,
      ],
      [
        'killed worker: records in flight at the crash',
        r.crash
          ? `${int(r.crash.recordsInFlight)} in ${r.crash.invocationsInFlight} invocations, at ${fixed(r.crash.atMs / 1000, 1)} s`
          : 'not killed',
      ],
      [
        '  of which later finished by worker B',
        r.crash ? `${int(r.crashRecordsFinishedBySurvivor)}/${int(r.crash.recordsInFlight)}` : '-',
      ],
      [
        'time to drain',
        `${fixed(r.drainMs / 1000, 1)} s${r.drained ? '' : ` (NOT drained within the ${r.options.timeoutSeconds} s bound)`}`,
      ],
      [
        'result',
        r.ok
          ? 'OK (nothing lost, every message accounted for)'
          : `FAILED${r.drained ? '' : ': did not drain'}${r.accounting.lost ? ': messages lost' : ''}${r.accounting.unaccounted ? ': messages unaccounted for' : ''}`,
      ],
    ],
  };
}

function markdown(r: ChaosResults): string {
  return [
    '# swarm-send chaos run',
    '',
    `Machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.machine.platform}, Node ${r.machine.node}, ${r.machine.date}. Produced by \`npm run chaos\`.`,
    '',
    `Load average (1/5/15 min) at the start: ${r.load.start.map((l) => fixed(l, 1)).join(' / ')}; at the end: ${r.load.end.map((l) => fixed(l, 1)).join(' / ')}.${Math.max(...r.load.start, ...r.load.end) > r.machine.cores ? ' The machine was loaded by other work during the run: times are longer than on an idle machine.' : ''}`,
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
    markdownTable({
      headers: ['worker outcome:reason', 'count'],
      rows: Object.entries(r.outcomesByWorker)
        .sort()
        .map(([k, v]) => [k, int(v)]),
    }),
    '',
    `Simulator counters: ${JSON.stringify(r.sends.simulator)}`,
    '',
    '## Queue-side faults (fault proxy: rule: action queue)',
    '',
    markdownTable({
      headers: ['rule: call', 'count'],
      rows: Object.entries(r.queueFaults.faults)
        .sort()
        .map(([k, v]) => [k, int(v)]),
    }),
    '',
    `SQS calls by action and queue: ${Object.entries(r.queueFaults.requests)
      .sort()
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(', ')}; forwarded to fauxqs ${int(r.queueFaults.forwarded)}.`,
    '',
    r.accounting.lostSamples.length ? `Lost (first 10): ${r.accounting.lostSamples.join('; ')}` : '',
    r.accounting.dlqDuplicateSamples.length
      ? `Dead-lettered more than once (first 10): ${r.accounting.dlqDuplicateSamples.join('; ')}`
      : '',
    r.accounting.inDrAndDlqSamples.length
      ? `In DR and dead-lettered (first 10): ${r.accounting.inDrAndDlqSamples.join('; ')}`
      : '',
    r.accounting.deadLetteredOtherSamples.length
      ? `Dead-lettered with another reason (first 10): ${r.accounting.deadLetteredOtherSamples.join('; ')}`
      : '',
    r.accounting.unaccountedSamples.length
      ? `Unaccounted for (first 10): ${r.accounting.unaccountedSamples.join('; ')}`
      : '',
  ].join('\n');
}

async function main(): Promise<void> {
  const o = parseOptions();
  const machine = describeMachine();
  const loadAtStart = loadavg();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(
    `swarm-send chaos: ${int(o.messages)} messages, visibility ${o.visibilitySeconds} s, max attempts ${o.maxAttempts}, on ${machine.cpuModel} (${machine.cores} cores)`,
  );

  const admins = { [ADMIN.username]: ADMIN.password };
  const sim = await startSimulator({
    seed: 6,
    keepalive: { count: 1, intervalMs: 0 },
    clusters: [
      { name: 'baker', nodes: 3, admins },
      { name: 'dr', nodes: 1, admins },
    ],
  });
  const queues = await startLocalQueues({
    visibilityTimeoutSeconds: o.visibilitySeconds,
    maxReceiveCount: derivedMaxReceiveCount(o.maxAttempts),
  });
  const sqs = queues.client();
  const names = { queue: queues.queue.name, dlq: queues.dlq.name, outcomes: queues.outcomes.name };
  const baseMix = queueFaultMix(names);
  // The proxy starts clean: enqueueing and the final accounting talk to fauxqs directly anyway.
  const proxy = await startSqsFaultProxy({ target: queues.endpoint, seed: 16 });
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
    for (const m of messages)
      if (m.kind !== 'invalid')
        source.put({ uuid: m.uuid, alias: true, body: `chaos object ${m.index}\n`, contentType: 'text/plain' });
    for (const m of messages) if (m.kind === 'missing') source.delete({ uuid: m.uuid });
    const enqueueStart = Date.now();
    const enqueued = await enqueueSends(
      sqs,
      queues.queue.url,
      messages.map((m) => m.body),
    );
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
    proxy.setRules(baseMix);
    const workers = [
      new ChaosWorker('A', queues, config, tally, started, proxy),
      new ChaosWorker('B', queues, config, tally, started, proxy),
    ] as const;
    const [victim, survivor] = workers;
    at('workers A and B polling the same queue; object faults, busy-node 503s and queue-side faults armed');

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
    const windows = outages(names).map((w) => ({ ...w, state: 'pending' as 'pending' | 'on' | 'done', endsAt: 0 }));
    const applyRules = () =>
      proxy.setRules([...windows.filter((w) => w.state === 'on').map((w) => w.rule), ...baseMix]);
    let nextReport = Date.now() + 15_000;
    while (Date.now() < deadline) {
      for (const w of windows) {
        if (w.state === 'pending' && progress() >= w.atProgress) {
          w.state = 'on';
          w.endsAt = Date.now() + w.seconds * 1000;
          applyRules();
          at(`${w.rule.name} (for ${w.seconds} s)`);
        } else if (w.state === 'on' && Date.now() >= w.endsAt) {
          w.state = 'done';
          applyRules();
          at(`end of ${w.rule.name.replace(/^outage: /, 'outage ')}`);
        }
      }
      if (Date.now() >= nextReport) {
        nextReport = Date.now() + 15_000;
        log(
          `  ${fixed((Date.now() - started) / 1000, 1).padStart(6)} s  ${fixed(progress() * 100, 1)}% finished, ${int(queues.depth(queues.queue))} on the queue, ${int(queues.depth(queues.dlq))} in the DLQ`,
        );
      }
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
        timeline.push({
          event: `worker A killed mid-batch (${victim.crash.outcomesBeforeCrash} outcome reached, ${victim.crash.recordsInFlight} records in flight)`,
          atMs: victim.crash.atMs,
        });
        log(
          `  ${fixed(victim.crash.atMs / 1000, 1).padStart(6)} s  worker A killed mid-batch, ${victim.crash.recordsInFlight} records in flight`,
        );
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
    at(drained ? 'queue empty: drained' : `FAILED: the queue did not drain within ${o.timeoutSeconds} s`);
    const proxyStats = proxy.stats();
    proxy.setRules([]);
    sim.faults.clear();
    if (deadDone && !revived) await deadNode!.start();
    await survivor.stop();
    await victim.stop();

    const accounting = await account(messages, sim, queues, sqs);
    const needSend = messages.filter((m) => m.kind !== 'invalid').length;
    const counters = sim.counters();
    const results: ChaosResults = {
      machine,
      load: { start: loadAtStart, end: loadavg() },
      options: o,
      setup: {
        queues: `fauxqs in-process: SEND queue (VisibilityTimeout ${o.visibilitySeconds} s, redrive to the DLQ after ${o.maxAttempts + 2} receives), DLQ, outcomes queue`,
        simulator: 'in-process; source "baker" 3 nodes, DR "dr" 1 node; keep-alive 1 newline',
        workers:
          'two LocalEventSourceMappings (batch 10, 3 concurrent invocations each, function timeout 5 s), each over its own createHandler + SendClient + SQS client (real QueueOps); the SQS clients go through the fault proxy, with connect timeout 1 s, request timeout 2 s (enforced: throwOnRequestTimeout) and the SDK default of 3 attempts',
        queueFaults: `fault proxy (bench/sqs-fault-proxy.ts) between the workers' SQS clients and fauxqs: ${fixed(baseMix.filter((r) => r.queues?.[0] === names.queue).reduce((n, r) => n + r.perMille, 0) / 10, 1)}% of ReceiveMessage, DeleteMessageBatch and ChangeMessageVisibilityBatch on the SEND queue, SendMessage to the DLQ and SendMessageBatch to the outcomes queue faulted: ${baseMix
          .filter((r) => r.queues?.[0] === names.queue)
          .map((r) => `${r.name} ${fixed(r.perMille / 10, 1)}%`)
          .join(', ')}; "after" means fauxqs applied the call and the answer was lost or replaced`,
        queueOutages: outages(names)
          .map((w) => `${w.rule.name} for ${w.seconds} s from ${fixed(w.atProgress * 100, 0)}% done`)
          .join('; '),
        handler: `concurrency 16, 8 per node, maxAttempts ${o.maxAttempts}, backoff 1 s (base and cap), deadline margin 1 s`,
        faults: `per object, once each (twice for the last kind): ${Object.entries(planned.counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}; plus a busy node ${busyNode!.address} answering 503 to 4 SENDs every ${BUSY_WAVE_MS} ms`,
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
      crashRecordsFinishedBySurvivor: (victim.crash?.messageIds ?? []).filter((id) =>
        tally.terminalBy.get(survivor.name)?.has(id),
      ).length,
      accounting,
      sends: {
        simulatorSends: counters.sends,
        messagesNeedingSend: needSend,
        beyondOnePerMessage: counters.sends - needSend,
        retryOutcomes: tally.retries,
        finishedAgain: [...tally.terminalCount.values()].reduce((n, c) => n + c - 1, 0),
        simulator: {
          requests: counters.requests,
          sends: counters.sends,
          challenges: counters.challenges,
          authRejected: counters.authRejected,
          connections: counters.connections,
          resets: counters.resets,
        },
      },
      outcomesByWorker: Object.fromEntries(tally.byKey),
      faultWaves: waves,
      faultedMessages: planned.counts,
      queueFaults: {
        ...proxyStats,
        calls: Object.values(proxyStats.requests).reduce((a, b) => a + b, 0),
        injected: Object.values(proxyStats.faultsByRule).reduce((a, b) => a + b, 0),
      },
      ok: drained && accounting.lost === 0 && accounting.unaccounted === 0,
    };
    await writeResult('chaos.json', JSON.stringify(results, null, 2));
    await writeResult('chaos.md', markdown(results));
    process.stdout.write(
      `\nswarm-send chaos — ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}\n\n${textTable(summaryTable(results))}\n\nwritten: bench/results/chaos.json, bench/results/chaos.md\n`,
    );
    process.exitCode = results.ok ? 0 : 1;
  } finally {
    await proxy.close();
    await sim.close();
    await queues.stop();
  }
}

await main();
// The killed worker's abandoned promises hold nothing open, but its sockets may linger: end here.
process.exit(process.exitCode ?? 0);
