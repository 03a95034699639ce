import type { ClusterTransport } from '../transport/cluster-transport.js';
import type { Credentials } from '../transport/digest-auth.js';
import type { ObjectRef } from '../message/message.js';
import type { ClientErrorCode } from '../transport/network.js';
import { parseNodeAddress, type ClusterConfig } from '../registry/registry.js';
import { buildSendTarget } from './scsp-request.js';

/** The methods a delete makes on one object: HEAD (the proof, the confirmation) and DELETE. */
export type ObjectMethod = 'HEAD' | 'DELETE';

/** What one HEAD or DELETE of an object answered; no verdict (core/outcome/delete-decision.ts gives that). */
export interface ObjectAnswer {
  /** Final status, after authentication and redirects; null when none arrived. */
  readonly status: number | null;
  readonly error: ClientErrorCode | null;
  /** host:port of the node that answered last. */
  readonly node: string | null;
  /** Log-safe detail: the Castor-System-Error-Text or the network error message. */
  readonly detail: string | null;
  /** HTTP requests it took, challenges and redirects included. */
  readonly requests: number;
}

/**
 * One HEAD or DELETE of an object on a cluster, over the shared transport (Digest auth with the
 * cluster's admin credentials, redirects inside the cluster, failover across nodes): the target
 * is the SEND's (`/<uuid>` or `/<bucket>/<name>`, `?admin`, `domain=`), on the cluster's nodes,
 * else its target address (a DR cluster may list only that). Never throws.
 */
export async function objectRequest(
  transport: ClusterTransport,
  method: ObjectMethod,
  cluster: ClusterConfig,
  object: ObjectRef,
  credentials: Credentials,
  userAgent: string,
  signal?: AbortSignal,
): Promise<ObjectAnswer> {
  const nodes = cluster.nodes.length ? cluster.nodes : cluster.target ? [parseNodeAddress(cluster.target)] : [];
  const x = await transport.request({
    cluster: cluster.nodes.length ? cluster : { ...cluster, nodes },
    credentials,
    method,
    target: buildSendTarget(object),
    headers: { 'user-agent': userAgent },
    signal,
    readBody: 'discard',
    rotate: false,
  });
  return { status: x.status, error: x.error, node: x.node?.hostPort ?? null, detail: x.detail, requests: x.requests };
}
