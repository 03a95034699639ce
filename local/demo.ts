import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { request } from 'undici';
import { createCredentialsProvider } from '../functions/adapters/credentials.js';
import { type CredentialsProvider } from '../functions/worker/ports.js';
import { queueCounts } from '../functions/adapters/sqs-batches.js';
import type { Config } from '../functions/config.js';
import { type SendMessage, describeObject } from '../functions/core/message/message.js';
import { parseRegistry, type Registry } from '../functions/core/registry/registry.js';
import { derivedMaxReceiveCount, derivedVisibilityTimeoutSeconds } from '../functions/env.js';
import { deleteMessage, enqueueSends, nodeHintFromWrite } from '../functions/producer.js';
import { SIM_DEFAULT_ADMIN, startSimulator, type SimCluster, type SwarmSimulator } from '../simulator/index.js';
import { reconcileDemo } from './demo-reconcile.js';
import { pairRegistryDocument } from './pair-registry.js';
import { createSendQueues, type LocalQueue } from './queues.js';
import { percentile, type SummaryTelemetry } from './summary.js';
import { eventCountsLine, EventSink } from './event-sink.js';
import { startLocalWorker } from './worker.js';

export interface DemoOptions {
  readonly objects: number;
  readonly faults: boolean;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly maxConcurrency: number;
  readonly concurrency: number;
  readonly functionTimeoutMs: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly verbose: boolean;
  readonly signal: AbortSignal;
  readonly progress: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface DemoResult {
  readonly ok: boolean;
  readonly objects: number;
  readonly messages: number;
  readonly replicated: number;
  readonly alreadyPresent: number;
  readonly retried: number;
  readonly deadLettered: Record<string, number>;
  readonly expectedDeadLettered: Record<string, number>;
  readonly dlqDepth: number;
  readonly outcomesPublished: number;
  /** Outcome events the in-process bus stand-in took, by detail-type. */
  readonly events: Record<string, number>;
  readonly inDr: number;
  readonly expectedInDr: number;
  /** The objects replicated to both DR clusters (fan-out): how many `dr2` holds, of how many it should. */
  readonly inDr2: number;
  readonly expectedInDr2: number;
  /** Outcomes by destination (registry key), then by outcome kind. */
  readonly byDestination: Record<string, Record<string, number>>;
  readonly lagP50Ms: number | null;
  readonly lagP99Ms: number | null;
  readonly sendP50Ms: number | null;
  readonly sendP99Ms: number | null;
  readonly elapsedMs: number;
  readonly interrupted: boolean;
  /** The object overwritten and the one deleted at the source after the first run, and how each ended. */
  readonly changes: {
    readonly overwrite: string;
    readonly overwriteReplaced: boolean;
    readonly delete: string;
    readonly deleteFollowed: boolean;
  } | null;
  /** The closing reconcile: what it compared and found, and what it should have found. */
  readonly reconcile: {
    readonly compared: number;
    readonly pages: number;
    readonly heads: number;
    readonly missing: number;
    readonly repaired: number;
    readonly otherDivergent: number;
    readonly withoutEvent: number;
    readonly drCopiesLost: number;
    /** Found exactly the objects written without an event and the lost DR copy. */
    readonly exact: boolean;
    readonly durationMs: number;
  } | null;
}

/** Objects the demo writes without any SEND message (an app that never sent an event). */
const WITHOUT_EVENT = 3;

/** The first objects are replicated to both DR clusters, `dr` and `dr2` (fan-out: docs/fan-out.md). */
const FAN_OUT = 5;
const BOTH_DR = ['dr', 'dr2'];

/**
 * The demo's route, beyond `verify`: a DR copy of an older version is replaced by the worker's
 * own streamed copy, and a delete at the source reaches DR as soon as the source proves it
 * (docs/changed-objects.md, docs/deletes.md).
 */
const DEMO_ROUTE = { replaceStale: 'copy', deletes: 'propagate', deleteGraceSeconds: 0 } as const;

const REGION = 'us-east-1';

/** Writes one object through a source node's HTTP API, as an upstream app would. */
async function writeObject(node: string, i: number): Promise<{ ref: SendMessage['object']; hint: string | null }> {
  const body = `demo object ${i}: ${'x'.repeat(i % 64)}`;
  const kind = i % 10;
  if (kind < 2) {
    // Named objects, some with UTF-8 and slashes in their names.
    const name = kind === 0 ? `reports/2026/${i}.txt` : `Grüße/${i} – ñ.txt`;
    const path = `/demo/${name.split('/').map(encodeURIComponent).join('/')}?domain=baker`;
    const res = await request(`http://${node}${path}`, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'text/plain' },
    });
    await res.body.dump();
    if (res.statusCode !== 201) throw new Error(`write of ${name} answered ${res.statusCode}`);
    return {
      ref: { domain: 'baker', bucket: 'demo', name },
      hint: nodeHintFromWrite(res.headers as Record<string, string | string[]>),
    };
  }
  const alias = kind === 2;
  const res = await request(`http://${node}/${alias ? '?alias' : ''}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'text/plain' },
  });
  await res.body.dump();
  const uuid = res.headers['content-uuid'];
  if (res.statusCode !== 201 || typeof uuid !== 'string') throw new Error(`write answered ${res.statusCode}`);
  return {
    ref: alias ? { uuid, alias: true } : { uuid },
    hint: nodeHintFromWrite(res.headers as Record<string, string | string[]>),
  };
}

function renderProgress(out: DemoOptions['progress'], s: SummaryTelemetry, total: number, final = false): void {
  const done = s.terminal;
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  const line = `  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  replicated ${s.byOutcome.get('replicated') ?? 0} · already ${s.byOutcome.get('already-present') ?? 0} · retries ${s.retries} · DLQ ${s.byOutcome.get('failed') ?? 0}`;
  if (out.isTTY) out.write(`\r${line}${final ? '\n' : ''}`);
  else if (final) out.write(`${line}\n`);
}

async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const c = await queueCounts(sqs, url);
  return c.visible + c.inFlight;
}

type Written = Awaited<ReturnType<typeof writeObject>>;

/** What the demo wrote and enqueued, and what it expects to end in the DLQ. */
interface DemoWork {
  /** Objects written with a SEND message each. */
  readonly written: readonly Written[];
  /** Objects written without any event (the closing reconcile must find them). */
  readonly silent: readonly Written[];
  /** Indexes of `written` deleted from the source before their SEND. */
  readonly missing: ReadonlySet<number>;
  readonly messages: readonly (SendMessage | string)[];
  /** SQS messages enqueued: a message for both DR clusters is two. */
  readonly enqueued: number;
  readonly expectedDeadLettered: Record<string, number>;
  /** Indexes of `written` overwritten and deleted at the source after the first run. */
  readonly overwrite: number | null;
  readonly delete: number | null;
}

/** Upstream writes: real HTTP writes to the source nodes, node hints from their Location headers. */
async function writeDemoObjects(
  source: SimCluster,
  objects: number,
): Promise<{ written: Written[]; silent: Written[] }> {
  const nodeOf = (i: number) => source.addresses[i % source.addresses.length]!;
  const written: Written[] = [];
  for (let i = 0; i < objects; i++) written.push(await writeObject(nodeOf(i), i));
  const silent: Written[] = [];
  for (let i = objects; i < objects + WITHOUT_EVENT; i++) silent.push(await writeObject(nodeOf(i), i));
  return { written, silent };
}

/**
 * A small share of trouble, to show the retry and DLQ paths: a busy node, resets mid-body, an
 * unreachable DR for a while, objects gone from the source, a malformed message and a duplicate.
 */
function injectFaults(
  sim: SwarmSimulator,
  written: readonly Written[],
  messages: (SendMessage | string)[],
): Pick<DemoWork, 'missing' | 'expectedDeadLettered'> {
  const source = sim.cluster('baker');
  sim.faults.add({
    match: { cluster: 'baker', node: source.addresses[1], method: 'SEND' },
    times: 4,
    kind: { type: 'status', status: 503 },
  });
  sim.faults.add({ match: { cluster: 'baker', method: 'SEND' }, times: 3, kind: { type: 'reset-mid-body' } });
  sim.faults.add({
    match: { cluster: 'baker', method: 'SEND' },
    times: 3,
    kind: { type: 'remote-unreachable', variant: 'late' },
  });
  const missing = new Set<number>();
  for (const i of [3, Math.floor(written.length / 2)]) {
    if (i >= written.length) continue;
    source.delete(written[i]!.ref);
    missing.add(i);
  }
  // A message for two DR clusters is two messages, each dead-lettered on its own.
  const gone = [...missing].reduce((n, i) => n + (i < FAN_OUT ? BOTH_DR.length : 1), 0);
  messages.push('{"object": {"uuid": "not-a-uuid"}, "from": "primary"');
  if (messages[0]) messages.push(messages[0]);
  return { missing, expectedDeadLettered: { 'not-found-at-source': gone, 'invalid-message': 1 } };
}

/** Writes the demo objects and builds their SEND messages, with the faults when asked. */
async function prepareWork(sim: SwarmSimulator, o: DemoOptions): Promise<Omit<DemoWork, 'enqueued'>> {
  const { written, silent } = await writeDemoObjects(sim.cluster('baker'), o.objects);
  const messages: (SendMessage | string)[] = written.map((w, i) => ({
    object: w.ref,
    ...(i < FAN_OUT && { to: BOTH_DR }),
    ...(w.hint && { nodeHint: w.hint }),
    correlationId: `demo-${i}`,
  }));
  const trouble = o.faults
    ? injectFaults(sim, written, messages)
    : { missing: new Set<number>(), expectedDeadLettered: {} };
  // Two named objects the pipeline copies to `dr` alone, past the first (whose DR copy the closing
  // reconcile loses): after the first run one is overwritten at the source and one deleted there.
  const [, overwrite = null, remove = null] = written.flatMap((w, i) =>
    'name' in w.ref && !trouble.missing.has(i) && i >= FAN_OUT ? [i] : [],
  );
  return { written, silent, messages, ...trouble, overwrite, delete: remove };
}

/** The path of a demo object written by name, on a source node. */
function namedPath(ref: SendMessage['object']): string {
  if (!('name' in ref)) throw new Error('not a named object');
  return `/demo/${ref.name.split('/').map(encodeURIComponent).join('/')}?domain=baker`;
}

/**
 * After the first run, as an upstream app would: a new version of one object (a PUT of its name)
 * and the delete of another, each with its message. Returns the messages enqueued.
 */
async function changeObjects(sqs: SQSClient, queueUrl: string, source: SimCluster, work: DemoWork): Promise<number> {
  if (work.overwrite === null || work.delete === null) return 0;
  const node = source.addresses[0]!;
  const overwritten = work.written[work.overwrite]!.ref;
  const put = await request(`http://${node}${namedPath(overwritten)}`, {
    method: 'PUT',
    body: 'demo object: its second version',
    headers: { 'content-type': 'text/plain' },
  });
  await put.body.dump();
  const deleted = work.written[work.delete]!.ref;
  const del = await request(`http://${node}${namedPath(deleted)}`, { method: 'DELETE' });
  await del.body.dump();
  if (put.statusCode !== 201 || del.statusCode >= 300)
    throw new Error(`the demo's overwrite answered ${put.statusCode}, its delete ${del.statusCode}`);
  const messages = [
    { object: overwritten, correlationId: 'demo-overwrite' },
    deleteMessage(deleted, { correlationId: 'demo-delete' }),
  ];
  const enqueued = await enqueueSends(sqs, queueUrl, messages);
  if (enqueued.failed.length) throw new Error('the demo could not enqueue its overwrite and delete');
  return messages.length;
}

/** The handler's configuration and credentials for the demo clusters and queues. */
/** The demo's recovery-point objective: an attempt later than this emits `Replication Missed Threshold`. */
const DEMO_RPO_SECONDS = 60;

function demoConfig(
  sim: SwarmSimulator,
  queues: ReturnType<typeof createSendQueues>,
  o: DemoOptions,
): { config: Config; credentials: CredentialsProvider } {
  const pair = pairRegistryDocument({
    source: sim.cluster('baker').addresses,
    dr: sim.cluster('dr').addresses,
    networks: ['127.0.0.0/8'],
    credentials: 'env:SWARM_SEND_DEMO_ADMIN',
    verify: true,
    route: DEMO_ROUTE,
  });
  const dr2 = sim.cluster('dr2').addresses;
  const registry = parseRegistry({
    ...pair,
    clusters: {
      ...pair.clusters,
      dr2: { name: 'dr2', target: dr2[0], nodes: [...dr2], credentials: 'env:SWARM_SEND_DEMO_ADMIN' },
    },
    // The default route goes to `dr`; this one to `dr2`, so a message naming both is routed.
    routes: [{ from: 'primary', to: 'dr2', verify: true, ...DEMO_ROUTE }],
  });
  const config: Config = {
    registry,
    dlqUrl: queues.dlq.queueUrl,
    outcomesQueueUrl: queues.outcomes.queueUrl,
    maxAttempts: o.maxAttempts,
    concurrency: o.concurrency,
    concurrencyPerNode: 8,
    backoffBaseSeconds: 1,
    backoffCapSeconds: 2,
    deadlineMarginMs: 2000,
    // Outcome events go to the in-process stand-in (local/event-sink.ts), not to EventBridge.
    events: { busName: 'swarm-send-demo', rpoSeconds: DEMO_RPO_SECONDS, onFailure: 'best-effort' },
  };
  const credentials = createCredentialsProvider({
    env: {
      SWARM_SEND_DEMO_ADMIN: JSON.stringify({ username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password }),
    },
  });
  return { config, credentials };
}

/**
 * Runs the real handler behind the local event source mapping until every message has ended (or
 * time is up); then `more` enqueues further messages, and it runs until those have ended too.
 */
async function runPipeline(
  sqs: SQSClient,
  queue: LocalQueue,
  deps: { config: Config; credentials: CredentialsProvider },
  first: number,
  o: DemoOptions,
  sink: EventSink,
  more: () => Promise<number>,
): Promise<SummaryTelemetry> {
  const worker = startLocalWorker({
    sqs,
    queueUrl: queue.queueUrl,
    queueArn: queue.queueArn,
    ...deps,
    batchSize: o.batchSize,
    batchingWindowMs: o.batchingWindowMs,
    maxConcurrency: o.maxConcurrency,
    functionTimeoutMs: o.functionTimeoutMs,
    region: REGION,
    verbose: o.verbose,
    events: { publisher: sink },
  });
  const deadline = Date.now() + o.timeoutMs;
  let total = first;
  const drain = async () => {
    while (worker.summary.terminal < total && Date.now() < deadline && !o.signal.aborted) {
      renderProgress(o.progress, worker.summary, total);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await drain();
  if (!o.signal.aborted && Date.now() < deadline) {
    total += await more();
    await drain();
  }
  await worker.stop();
  renderProgress(o.progress, worker.summary, total, true);
  return worker.summary;
}

/**
 * Behind the pipeline's back: one DR copy is lost; then the reconcile finds it and the objects
 * written without an event, and repairs them.
 */
async function closingReconcile(
  sim: SwarmSimulator,
  registry: Registry,
  work: DemoWork,
  signal: AbortSignal,
): Promise<DemoResult['reconcile']> {
  const dr = sim.cluster('dr');
  const lost = work.written.findIndex(
    (w, i) => !work.missing.has(i) && i !== work.overwrite && i !== work.delete && dr.has(w.ref),
  );
  if (lost >= 0) dr.delete(work.written[lost]!.ref);
  const expectedMissing = [...work.silent, ...(lost >= 0 ? [work.written[lost]!] : [])]
    .map((w) => describeObject(w.ref))
    .sort();
  const rec = signal.aborted
    ? null
    : await reconcileDemo(registry.clusters.primary!, registry.clusters.dr!, 'baker', 'demo', signal);
  return (
    rec && {
      compared: rec.summary.totals.compared,
      pages: rec.summary.totals.pages,
      heads: rec.summary.totals.heads,
      missing: rec.summary.totals.counts['missing-on-dr'],
      repaired: rec.summary.repairs.sent,
      otherDivergent: rec.otherDivergent,
      withoutEvent: work.silent.length,
      drCopiesLost: lost >= 0 ? 1 : 0,
      exact:
        rec.summary.complete &&
        rec.otherDivergent === 0 &&
        JSON.stringify(rec.missing) === JSON.stringify(expectedMissing),
      durationMs: rec.summary.durationMs,
    }
  );
}

/** What the run shows: the outcomes, the queues' depths, the DR check, and whether all is as expected. */
async function demoResult(
  run: { sim: SwarmSimulator; sqs: SQSClient; queues: ReturnType<typeof createSendQueues>; started: number },
  work: DemoWork,
  s: SummaryTelemetry,
  reconcile: DemoResult['reconcile'],
  o: DemoOptions,
  sink: EventSink,
): Promise<DemoResult> {
  const dr = run.sim.cluster('dr');
  const expectedInDr = [...work.written.filter((_w, i) => !work.missing.has(i) && i !== work.delete), ...work.silent];
  const changes = changesOf(run.sim, work, s);
  const inDr = expectedInDr.filter((w) => dr.has(w.ref)).length;
  const expectedInDr2 = work.written.filter((_w, i) => i < FAN_OUT && !work.missing.has(i));
  const inDr2 = expectedInDr2.filter((w) => run.sim.cluster('dr2').has(w.ref)).length;
  const dlqDepth = await queueDepth(run.sqs, run.queues.dlq.queueUrl);
  const outcomesPublished = await queueDepth(run.sqs, run.queues.outcomes.queueUrl);
  const deadLettered = Object.fromEntries(s.deadLettered);
  const { expectedDeadLettered } = work;
  const expectedDlq = Object.values(expectedDeadLettered).reduce((a, b) => a + b, 0);
  const total = work.enqueued + (changes ? 2 : 0);
  const asExpected = Object.entries(expectedDeadLettered).every(([r, n]) => (deadLettered[r] ?? 0) === n);
  const ok =
    !o.signal.aborted &&
    s.terminal === total &&
    inDr === expectedInDr.length &&
    inDr2 === expectedInDr2.length &&
    reconcile?.exact === true &&
    dlqDepth === expectedDlq &&
    asExpected &&
    (changes === null || (changes.overwriteReplaced && changes.deleteFollowed));
  return {
    ok,
    objects: o.objects,
    messages: total,
    replicated: s.byOutcome.get('replicated') ?? 0,
    alreadyPresent: s.byOutcome.get('already-present') ?? 0,
    retried: s.retries,
    deadLettered,
    expectedDeadLettered,
    dlqDepth,
    outcomesPublished,
    events: Object.fromEntries(sink.byDetailType),
    inDr,
    expectedInDr: expectedInDr.length,
    inDr2,
    expectedInDr2: expectedInDr2.length,
    byDestination: Object.fromEntries([...s.byDestination].map(([k, v]) => [k, Object.fromEntries(v)])),
    lagP50Ms: percentile(s.lagsMs, 50),
    lagP99Ms: percentile(s.lagsMs, 99),
    sendP50Ms: percentile(s.latenciesMs, 50),
    sendP99Ms: percentile(s.latenciesMs, 99),
    elapsedMs: Date.now() - run.started,
    interrupted: o.signal.aborted,
    changes,
    reconcile,
  };
}

/** Whether DR followed the overwrite (the source's bytes, by the worker's copy) and the delete. */
function changesOf(sim: SwarmSimulator, work: DemoWork, s: SummaryTelemetry): DemoResult['changes'] {
  if (work.overwrite === null || work.delete === null) return null;
  const overwritten = work.written[work.overwrite]!.ref;
  const deleted = work.written[work.delete]!.ref;
  const source = sim.cluster('baker').get(overwritten);
  const copy = sim.cluster('dr').get(overwritten);
  return {
    overwrite: describeObject(overwritten),
    overwriteReplaced:
      s.byReason.get('stale-replaced') === 1 && !!source && !!copy && Buffer.from(copy.body).equals(source.body),
    delete: describeObject(deleted),
    deleteFollowed: s.byReason.get('deleted') === 1 && !sim.cluster('dr').has(deleted),
  };
}

/**
 * The embedded default (DESIGN.md section 5): fauxqs in-process with a SEND queue, its DLQ and
 * an outcomes queue; a source and a DR Swarm simulator; the real handler behind a local event
 * source mapping. It writes demo objects, enqueues their SENDs, shows progress, and checks
 * that every object that should have replicated is in the DR cluster.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const fauxqs = await startFauxqs({ port: 0, logger: false });
  let sim: SwarmSimulator | null = null;
  const sqs = new SQSClient({
    endpoint: fauxqs.address,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    sim = await startSimulator({
      clusters: [
        { name: 'baker', nodes: 3 },
        { name: 'dr', nodes: 1 },
        { name: 'dr2', nodes: 1 },
      ],
      keepalive: { count: 2, intervalMs: 5 },
    });
    const queues = createSendQueues(fauxqs, {
      visibilityTimeoutSeconds: Math.ceil(
        derivedVisibilityTimeoutSeconds(o.functionTimeoutMs / 1000, o.batchingWindowMs / 1000),
      ),
      maxReceiveCount: derivedMaxReceiveCount(o.maxAttempts),
    });
    const prepared = await prepareWork(sim, o);
    const deps = demoConfig(sim, queues, o);
    const enqueued = await enqueueSends(sqs, queues.queue.queueUrl, prepared.messages);
    if (enqueued.failed.length) throw new Error(`${enqueued.failed.length} demo messages could not be enqueued`);
    const work = { ...prepared, enqueued: enqueued.sent };
    const source = sim.cluster('baker');
    const sink = new EventSink();
    const summary = await runPipeline(sqs, queues.queue, deps, work.enqueued, o, sink, () =>
      changeObjects(sqs, queues.queue.queueUrl, source, work),
    );
    const reconcile = await closingReconcile(sim, deps.config.registry, work, o.signal);
    return await demoResult({ sim, sqs, queues, started }, work, summary, reconcile, o, sink);
  } finally {
    sqs.destroy();
    await sim?.close();
    await fauxqs.stop();
  }
}

function changesLine(c: NonNullable<DemoResult['changes']>): string {
  return [
    `  overwrite         ${c.overwrite}: ${c.overwriteReplaced ? "DR's older copy replaced by the worker's copy (stale-replaced)" : 'NOT replaced on DR'}`,
    `  delete            ${c.delete}: ${c.deleteFollowed ? 'deleted on DR after the source proved it gone (deleted)' : 'NOT deleted on DR'}`,
  ].join('\n');
}

function reconcileLine(c: NonNullable<DemoResult['reconcile']>): string {
  return [
    `  reconcile         ${c.compared} compared, ${c.missing} missing on DR: ${c.withoutEvent} written with no event, ${c.drCopiesLost} DR copy deleted`,
    `                    ${c.repaired} repaired by SEND (${c.heads} HEADs, ${c.durationMs} ms); other divergence ${c.otherDivergent}${c.exact ? '' : '; NOT the objects expected'}`,
  ].join('\n');
}

/** `dr: 203 replicated, 2 failed · dr2: 5 replicated`: each destination's final outcomes. */
function perDestination(byDestination: DemoResult['byDestination']): string {
  return Object.entries(byDestination)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([to, counts]) => {
      // Always in this order, whichever outcome came first.
      const final = (['replicated', 'already-present', 'failed'] as const).flatMap((outcome) =>
        counts[outcome] ? [`${counts[outcome]} ${outcome}`] : [],
      );
      return `${to}: ${final.join(', ')}`;
    })
    .join(' · ');
}

/** The summary table `npm start` ends with. */
export function formatDemoSummary(r: DemoResult, faults: boolean): string {
  const rows: [string, string][] = [
    ['replicated', String(r.replicated)],
    ['already-present', String(r.alreadyPresent)],
    ['retried (attempts)', String(r.retried)],
    ['dead-lettered', String(Object.values(r.deadLettered).reduce((a, b) => a + b, 0))],
    ...Object.entries(r.deadLettered).map(([reason, n]): [string, string] => [`  ${reason}`, String(n)]),
  ];
  const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
  const check = r.ok ? 'OK' : 'FAILED';
  return [
    '',
    `swarm-send local pipeline: ${r.objects} objects (${FAN_OUT} to two DR clusters), ${r.messages} messages${faults ? ' (faults injected: a busy node, resets, DR unreachable, 2 objects gone at the source, 1 malformed message, 1 duplicate)' : ''}`,
    '',
    '  outcome                     messages',
    '  --------------------------  --------',
    ...rows.map(([k, v]) => `  ${k.padEnd(26)}  ${v.padStart(8)}`),
    '',
    `  replication lag   p50 ${ms(r.lagP50Ms)}, p99 ${ms(r.lagP99Ms)}`,
    `  SEND latency      p50 ${ms(r.sendP50Ms)}, p99 ${ms(r.sendP99Ms)}`,
    `  outcomes queue    ${r.outcomesPublished} outcome records published`,
    `  outcome events    ${eventCountsLine(r.events)}`,
    ...(r.changes ? [changesLine(r.changes)] : []),
    ...(r.reconcile ? [reconcileLine(r.reconcile)] : []),
    `  per destination   ${perDestination(r.byDestination)}`,
    `  DR check          ${r.inDr}/${r.expectedInDr} objects present in dr, ${r.inDr2}/${r.expectedInDr2} in dr2; DLQ holds ${r.dlqDepth} (expected ${Object.values(r.expectedDeadLettered).reduce((a, b) => a + b, 0)})`,
    `  result            ${check}${r.interrupted ? ' (interrupted)' : ''} in ${(r.elapsedMs / 1000).toFixed(1)} s`,
    '',
  ].join('\n');
}
