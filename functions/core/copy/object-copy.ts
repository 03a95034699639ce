import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { compareIdentity, identityOfHeaders, type CopyIdentity } from './content-identity.js';
import { NodeAuth, parseChallenges, type Credentials } from '../transport/digest-auth.js';
import type { ObjectRef } from '../message/message.js';
import { errorCode } from '../transport/network.js';
import { acceptRedirect } from '../transport/nodes.js';
import { parseNodeAddress, type ClusterConfig, type NodeAddress } from '../registry/registry.js';
import { redactSecrets } from '../redact.js';
import { describeCastorError } from '../transport/cluster-transport.js';
import { copiedHeaders } from './copy-headers.js';
import { buildSendTarget } from '../send/scsp-request.js';

/**
 * The worker's own copy of an object (a route's `replaceStale: "copy"`, docs/changed-objects.md):
 * GET from a source node, PUT to a DR node, the body streamed from one to the other (never held
 * whole), with the metadata a faithful copy keeps. The copy is conditional on the version it
 * read: a HEAD of the source afterwards that finds another version ends in `source-changed`.
 */

/** What to copy, from where to where, as whom. */
export interface CopyInput {
  readonly source: ClusterConfig;
  readonly destination: ClusterConfig;
  readonly sourceCredentials: Credentials;
  readonly destinationCredentials: Credentials;
  readonly object: ObjectRef;
  readonly signal?: AbortSignal | undefined;
}

/** How a copy ended; `requests` counts every HTTP request it made, `bytes` the body bytes moved. */
export type CopyResult =
  | {
      readonly kind: 'copied';
      readonly read: CopyIdentity;
      readonly requests: number;
      readonly bytes: number;
      /** Size and MD5 (base64) of the bytes read from the source and sent to DR by the PUT that took them. */
      readonly size: number;
      readonly md5: string;
    }
  | {
      readonly kind: 'source-changed';
      readonly read: CopyIdentity;
      readonly now: CopyIdentity;
      readonly requests: number;
      readonly bytes: number;
    }
  | {
      readonly kind: 'failed';
      readonly detail: string;
      readonly requests: number;
      readonly bytes: number;
      /** DR forbade the write (403): no retry changes that, and nothing overrides it. */
      readonly permanent?: true;
    };

const MAX_HOPS = 5;
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 307, 308]);

/** The cluster's own words for a refusal (Castor-System-Error-*), or nothing. */
function why(res: Dispatcher.ResponseData): string {
  const text = describeCastorError(res.headers);
  return text ? `: ${text}` : '';
}

/** The cluster's nodes in order, else its target address (a DR cluster may list only that). */
function nodesOf(cluster: ClusterConfig): readonly NodeAddress[] {
  return cluster.nodes.length ? cluster.nodes : cluster.target ? [parseNodeAddress(cluster.target)] : [];
}

/** Performs copies on one undici agent; `close` when done. */
export class ObjectCopier {
  /** One agent per CA bundle (null: the system's): a cluster behind a private CA gets its own. */
  readonly #agents = new Map<string | null, Agent>();
  constructor(private readonly userAgent: string) {}

  async copy(input: CopyInput): Promise<CopyResult> {
    const counter = { requests: 0 };
    const secrets = [input.sourceCredentials.password, input.destinationCredentials.password];
    try {
      return await this.#copy(input, counter);
    } catch (err) {
      const code = input.signal?.aborted ? 'deadline-exceeded' : errorCode(err);
      const detail = redactSecrets(`copy: ${code}: ${(err as Error).message ?? String(err)}`, secrets);
      return { kind: 'failed', detail, requests: counter.requests, bytes: 0 };
    }
  }

  async #copy(input: CopyInput, counter: { requests: number }): Promise<CopyResult> {
    const target = buildSendTarget(input.object);
    if (!nodesOf(input.source).length || !nodesOf(input.destination).length)
      return { kind: 'failed', detail: 'copy: a cluster has no node', requests: 0, bytes: 0 };
    const srcAuth = new NodeAuth(input.sourceCredentials);
    const drAuth = new NodeAuth(input.destinationCredentials);

    // A PUT body cannot be sent twice: take DR's challenge first, with a HEAD, on the first node
    // that answers (a node that does not is passed over, as every other request does).
    const { node: drNode, value: probe } = await this.#firstAnswering(input, input.destination, (node) =>
      this.#request(node, drAuth, 'HEAD', target, {}, input, counter, { probe: true, ca: input.destination.ca }),
    );
    await probe.res.body.dump();
    if (!drAuth.hasChallenge && probe.res.statusCode === 401)
      return { kind: 'failed', detail: 'copy: DR offered no usable challenge', requests: counter.requests, bytes: 0 };

    // Swarm may redirect a write to another node; the body is gone by then, so the source is
    // read again for the PUT at the Location (its `auth=` ticket kept), after that node's challenge.
    let to = { node: drNode, auth: drAuth, target };
    let bytes = 0;
    let srcNode: NodeAddress | null = null;
    for (let hops = 0; ; hops++) {
      let got: { res: Dispatcher.ResponseData };
      if (srcNode) got = await this.#follow(input.source, srcNode, srcAuth, target, input, counter);
      else
        ({ node: srcNode, value: got } = await this.#firstAnswering(input, input.source, (node) =>
          this.#follow(input.source, node, srcAuth, target, input, counter),
        ));
      if (got.res.statusCode !== 200) {
        await got.res.body.dump();
        const detail = `copy: source GET answered ${got.res.statusCode}${why(got.res)}`;
        return { kind: 'failed', detail, requests: counter.requests, bytes };
      }
      const read = identityOfHeaders(got.res.headers);
      // Without a source Content-MD5, DR is asked to store one (`gencontentmd5`): it proves the copy.
      const asks = read.contentMd5 === null && !/[?&]gencontentmd5(?:[&=]|$)/.test(to.target);
      const putTarget = asks ? `${to.target}&gencontentmd5` : to.target;
      const put = await this.#put(got.res, read, { ...to, target: putTarget }, input, counter);
      bytes += put.bytes;
      if (REDIRECTS.has(put.status) && put.location && hops < MAX_HOPS) {
        const next = acceptRedirect(input.destination, to.node, put.location);
        if ('refused' in next)
          return { kind: 'failed', detail: `copy: DR PUT ${next.refused}`, requests: counter.requests, bytes };
        to = { node: next.address, auth: new NodeAuth(input.destinationCredentials), target: next.target };
        const probe = await this.#request(to.node, to.auth, 'HEAD', target, {}, input, counter, {
          probe: true,
          ca: input.destination.ca,
        });
        await probe.res.body.dump();
        continue;
      }
      if (put.status !== 201 && put.status !== 200) {
        const detail = `copy: DR PUT answered ${put.status}${put.why}`;
        return {
          kind: 'failed',
          detail,
          requests: counter.requests,
          bytes,
          ...(put.status === 403 && { permanent: true }),
        };
      }
      return this.#recheck(srcNode, srcAuth, target, read, { bytes, size: put.bytes, md5: put.md5 }, input, counter);
    }
  }

  /** The PUT to DR, its body the source GET's, streamed and counted (backpressure reaches the GET). */
  async #put(
    source: Dispatcher.ResponseData,
    read: CopyIdentity,
    to: { readonly node: NodeAddress; readonly auth: NodeAuth; readonly target: string },
    input: CopyInput,
    counter: { requests: number },
  ): Promise<{ status: number; why: string; bytes: number; md5: string; location: string | null }> {
    let bytes = 0;
    const digest = createHash('md5');
    const counted = source.body.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          digest.update(chunk);
          done(null, chunk);
        },
      }),
    );
    source.body.once('error', (err) => counted.destroy(err));
    const headers: Record<string, string | string[]> = {
      ...copiedHeaders(source.headers),
      'user-agent': this.userAgent,
    };
    if (read.bytes !== null) headers['content-length'] = String(read.bytes);
    try {
      const put = await this.#request(to.node, to.auth, 'PUT', to.target, headers, input, counter, {
        body: counted,
        ca: input.destination.ca,
      });
      await put.res.body.dump();
      const location = put.res.headers.location;
      return {
        status: put.res.statusCode,
        why: why(put.res),
        bytes,
        md5: digest.digest('base64'),
        location: (Array.isArray(location) ? location.at(-1) : location) ?? null,
      };
    } finally {
      if (!source.body.readableEnded) source.body.destroy();
    }
  }

  /** The condition: the source still holds the version the copy read. */
  async #recheck(
    node: NodeAddress,
    auth: NodeAuth,
    target: string,
    read: CopyIdentity,
    moved: { readonly bytes: number; readonly size: number; readonly md5: string },
    input: CopyInput,
    counter: { requests: number },
  ): Promise<CopyResult> {
    const { bytes } = moved;
    const after = await this.#request(node, auth, 'HEAD', target, {}, input, counter, { ca: input.source.ca });
    await after.res.body.dump();
    // 404: the source object is gone meanwhile (changed); any other answer proves nothing.
    if (after.res.statusCode !== 200 && after.res.statusCode !== 404) {
      const detail = `copy: the source HEAD after the copy answered ${after.res.statusCode}${why(after.res)}`;
      return { kind: 'failed', detail, requests: counter.requests, bytes };
    }
    const now =
      after.res.statusCode === 200
        ? identityOfHeaders(after.res.headers)
        : { bytes: null, etag: null, contentMd5: null, versionTime: null };
    const same = compareIdentity(read, now).kind === 'same' && read.versionTime === now.versionTime;
    if (!same) return { kind: 'source-changed', read, now, requests: counter.requests, bytes };
    return { kind: 'copied', read, requests: counter.requests, bytes, size: moved.size, md5: moved.md5 };
  }

  /** `ask` on the cluster's nodes in order until one answers: a network error moves to the next. */
  async #firstAnswering<T>(
    input: CopyInput,
    cluster: ClusterConfig,
    ask: (node: NodeAddress) => Promise<T>,
  ): Promise<{ node: NodeAddress; value: T }> {
    const nodes = nodesOf(cluster);
    for (let i = 0; ; i++) {
      const node = nodes[i]!;
      try {
        return { node, value: await ask(node) };
      } catch (err) {
        if (input.signal?.aborted || i + 1 >= nodes.length) throw err;
      }
    }
  }

  /** A GET that follows redirects inside the cluster. */
  async #follow(
    cluster: ClusterConfig,
    start: NodeAddress,
    auth: NodeAuth,
    target: string,
    input: CopyInput,
    counter: { requests: number },
  ): Promise<{ res: Dispatcher.ResponseData }> {
    let node = start;
    let path = target;
    for (let hops = 0; ; hops++) {
      const got = await this.#request(node, auth, 'GET', path, {}, input, counter, { ca: cluster.ca });
      const location = got.res.headers.location;
      if (![301, 302, 307, 308].includes(got.res.statusCode) || !location || hops >= MAX_HOPS) return got;
      await got.res.body.dump();
      const next = acceptRedirect(cluster, node, (Array.isArray(location) ? location.at(-1) : location) ?? '');
      if ('refused' in next) throw new Error(next.refused);
      node = next.address;
      path = next.target;
    }
  }

  /** One request with the Digest handshake (a request with a body is never repeated). */
  async #request(
    node: NodeAddress,
    auth: NodeAuth,
    method: 'GET' | 'HEAD' | 'PUT',
    path: string,
    headers: Record<string, string | string[]>,
    input: CopyInput,
    counter: { requests: number },
    o: { readonly body?: Readable; readonly probe?: boolean; readonly ca: string | null },
  ): Promise<{ res: Dispatcher.ResponseData }> {
    const { body, probe = false } = o;
    for (let round = 0; ; round++) {
      const authorization = auth.authorize(method, path);
      counter.requests++;
      const res = await this.#agentFor(o.ca).request({
        origin: node.origin,
        path,
        method,
        headers: authorization ? { ...headers, authorization } : headers,
        ...(body && { body }),
        signal: input.signal ?? null,
      });
      if (res.statusCode !== 401 || body || round >= 2) return { res };
      const challenges = parseChallenges(res.headers['www-authenticate']);
      // A probe wanted the challenge only.
      if (!auth.update(challenges) || probe) return { res };
      await res.body.dump();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((a) => a.close()));
  }

  #agentFor(ca: string | null): Agent {
    let agent = this.#agents.get(ca);
    if (!agent) {
      agent = new Agent({ pipelining: 1, connections: 4, ...(ca && { connect: { ca } }) });
      this.#agents.set(ca, agent);
    }
    return agent;
  }
}
