/**
 * One measured reconcile of the benchmark bucket, in a fresh process of its own (so its peak RSS
 * and CPU are the walk's alone), run with the heap flags Lambda derives from the reconcile
 * function's memory. The real parts: the engine (`reconcileScope`), two `ListingClient`s and the
 * HEAD port over one `ClusterTransport`, and the repair port the job names (`enqueue`: the
 * producer onto a fauxqs queue the parent runs; `send`: SEND on the simulator; `none`: dry run).
 * Receives one job over IPC, replies with its figures, exits.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { ClusterTransport } from '../functions/core/transport/cluster-transport.js';
import { ListingClient } from '../functions/core/listing/listing-client.js';
import { parseRegistry } from '../functions/core/registry/registry.js';
import { SendClient } from '../functions/core/send/send-client.js';
import { reconcileScope } from '../functions/reconcile/engine.js';
import { type RepairPort } from '../functions/reconcile/scope-types.js';
import {
  enqueueRepairPort,
  sendRepairPort,
  transportHeadPort,
  type ReconcileRoute,
} from '../functions/reconcile/ports.js';
import { ADMIN, REGION } from './harness.js';
import { BENCH_BUCKET, BENCH_DOMAIN } from './reconcile-objects.js';

export interface ReconcileJob {
  readonly source: readonly string[];
  readonly dr: readonly string[];
  readonly pageSize: number;
  readonly repair: 'none' | 'enqueue' | 'send';
  /** For `enqueue`: fauxqs endpoint and queue URL. */
  readonly sqsEndpoint?: string;
  readonly queueUrl?: string;
  /** Objects on the source: RSS is sampled at every tenth of them. */
  readonly objects: number;
}

export interface ReconcileJobResult {
  readonly compared: number;
  readonly pages: { readonly source: number; readonly dr: number };
  readonly heads: number;
  /** HTTP requests of the listings and HEADs (auth challenges, redirects and retries included; SENDs not counted). */
  readonly requests: number;
  readonly counts: Record<string, number>;
  readonly repairs: Record<string, number>;
  readonly complete: boolean;
  readonly wallMs: number;
  /** process.cpuUsage() of the walk, user + system, microseconds. */
  readonly cpuUs: number;
  /** RSS when the walk starts (modules loaded, clients built), bytes. */
  readonly startRssBytes: number;
  /** process.resourceUsage().maxRSS, bytes. */
  readonly peakRssBytes: number;
  /** RSS, and the heap in use after a full GC (what the walk keeps alive), at every tenth of the walk. */
  readonly rssSamples: readonly RssSample[];
}

/**
 * Memory at one point of the walk: RSS as found, then, right after a full GC, the heap V8 holds and
 * what it keeps alive.
 */
export interface RssSample {
  readonly compared: number;
  readonly rssBytes: number;
  readonly liveHeapBytes: number;
  /** V8's heap as reserved (all spaces), after the GC. */
  readonly heapTotalBytes: number;
  /** Memory outside V8's heap (Buffers, sockets' buffers), after the GC. */
  readonly externalBytes: number;
}

async function run(job: ReconcileJob): Promise<ReconcileJobResult> {
  const registry = parseRegistry({
    clusters: {
      primary: { name: 'baker', nodes: [...job.source], credentials: 'bench' },
      dr: { name: 'dr', target: job.dr[0], nodes: [...job.dr], credentials: 'bench' },
    },
    defaultRoute: { from: 'primary', to: 'dr' },
  });
  const route: ReconcileRoute = {
    source: registry.clusters.primary!,
    dr: registry.clusters.dr!,
    sourceCredentials: ADMIN,
    drCredentials: ADMIN,
    from: 'primary',
    to: 'dr',
    replicationFeeds: [],
  };
  const transport = new ClusterTransport();
  const source = new ListingClient(transport, route.source, ADMIN, { pageSize: job.pageSize });
  const dr = new ListingClient(transport, route.dr, ADMIN, { pageSize: job.pageSize });
  const heads = transportHeadPort(transport, route);
  const sendClient = job.repair === 'send' ? new SendClient() : null;
  const sqs =
    job.repair === 'enqueue'
      ? new SQSClient({
          endpoint: job.sqsEndpoint,
          region: REGION,
          credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        })
      : null;
  const repair: RepairPort | null = sendClient
    ? sendRepairPort(sendClient, route, 16)
    : sqs
      ? enqueueRepairPort(sqs, job.queueUrl!, route, 'reconcile:bench')
      : null;

  const samples: RssSample[] = [];
  // --expose-gc is among Lambda's flags; a full GC at ten points costs little and tells a leak
  // from a heap V8 simply has not collected yet.
  const gc = (globalThis as { gc?: () => void }).gc;
  let nextSample = job.objects / 10;
  const startRssBytes = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await reconcileScope({
    scope: { kind: 'named', domain: BENCH_DOMAIN, bucket: BENCH_BUCKET },
    source,
    dr,
    heads,
    repair,
    batchSize: 256,
    headConcurrency: 32,
    onProgress: (p) => {
      if (p.compared >= nextSample) {
        const rssBytes = process.memoryUsage.rss();
        gc?.();
        const m = process.memoryUsage();
        samples.push({
          compared: p.compared,
          rssBytes,
          liveHeapBytes: m.heapUsed,
          heapTotalBytes: m.heapTotal,
          externalBytes: m.external,
        });
        nextSample += job.objects / 10;
      }
    },
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await transport.close();
  await sendClient?.close();
  sqs?.destroy();
  return {
    compared: summary.compared,
    pages: summary.pages,
    heads: summary.heads,
    requests: source.requests + dr.requests + heads.requests,
    counts: { ...summary.counts },
    repairs: { ...summary.repairs },
    complete: summary.complete,
    wallMs,
    cpuUs: cpu.user + cpu.system,
    startRssBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    rssSamples: samples,
  };
}

process.once('message', (job: ReconcileJob) => {
  run(job).then(
    (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
    (err: unknown) =>
      process.send!({ type: 'error', message: (err as Error).stack ?? String(err) }, () => process.exit(1)),
  );
});
