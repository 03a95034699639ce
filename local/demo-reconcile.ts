import { describeObject } from '../functions/core/message/message.js';
import { ListingClient } from '../functions/core/listing/listing-client.js';
import { SendClient } from '../functions/core/send/send-client.js';
import { type ClusterConfig } from '../functions/core/registry/registry.js';
import type { Finding } from '../functions/reconcile/scope-types.js';
import { sendRepairPort, transportHeadPort, type ReconcileRoute } from '../functions/reconcile/ports.js';
import { reconcileRun, type RunSummary } from '../functions/reconcile/run.js';
import { SIM_DEFAULT_ADMIN } from '../simulator/index.js';

export interface DemoReconcile {
  readonly summary: RunSummary;
  /** Objects found missing on DR (describeObject form), sorted. */
  readonly missing: readonly string[];
  /** Findings in any other divergent category. */
  readonly otherDivergent: number;
}

/**
 * The demo's closing reconcile: the named demo bucket and the untenanted unnamed objects, grace
 * 0 (every demo object is older than the simulators' index lag of 0), repaired by SEND.
 */
export async function reconcileDemo(
  source: ClusterConfig,
  dr: ClusterConfig,
  domain: string,
  bucket: string,
  signal: AbortSignal,
): Promise<DemoReconcile> {
  const admin = { username: SIM_DEFAULT_ADMIN.user, password: SIM_DEFAULT_ADMIN.password };
  const route: ReconcileRoute = {
    source,
    dr,
    sourceCredentials: admin,
    drCredentials: admin,
    from: 'primary',
    to: 'dr',
    replicationFeeds: [],
  };
  const client = new SendClient();
  const findings: Finding[] = [];
  try {
    const summary = await reconcileRun({
      scopes: [
        { kind: 'named', domain, bucket },
        { kind: 'unnamed', domain: '' },
      ],
      checkpoint: { version: 1, runId: 'demo-reconcile', from: 'primary', to: 'dr', scopes: {} },
      source: new ListingClient(client.transport, source, admin),
      dr: new ListingClient(client.transport, dr, admin),
      heads: transportHeadPort(client.transport, route),
      repair: sendRepairPort(client, route, 8),
      graceMs: 0,
      signal,
      onFinding: (f) => findings.push(f),
    });
    const missing = findings
      .filter((f) => f.category === 'missing-on-dr' && f.repair?.action === 'sent')
      .map((f) => describeObject(f.object))
      .sort();
    const otherDivergent =
      findings.filter((f) => f.category !== 'missing-on-dr' && f.category !== 'too-new').length +
      findings.filter((f) => f.category === 'missing-on-dr' && f.repair?.action !== 'sent').length;
    return { summary, missing, otherDivergent };
  } finally {
    await client.close();
  }
}
