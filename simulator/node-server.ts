import { createServer, isIP, type Server, type Socket } from 'node:net';
import type { AuthPolicy } from './auth.js';
import { serveConnection } from './connection.js';
import type { ClusterState, NodeState, SimContext } from './context.js';
import { NodeCounters } from './counters.js';
import { NonceStore } from './digest.js';
import { sendError } from './error-response.js';
import { TicketStore } from './tickets.js';
import { handleRequest } from './router.js';
import type { Counters, SimNode } from './types.js';

/** One simulated storage node: a raw HTTP/1.1 server on its own port. */
export class NodeImpl implements SimNode, NodeState {
  readonly stats = new NodeCounters();
  readonly tickets = new TicketStore();
  readonly policy: AuthPolicy;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort: number;

  constructor(
    private readonly sim: SimContext,
    readonly cluster: ClusterState,
    readonly host: string,
    port: number,
  ) {
    this.boundPort = port;
    this.policy = {
      admins: cluster.admins,
      nonces: new NonceStore(sim.options.nonceLifetimeMs),
      challenge: cluster.challenge,
      digestAlgorithms: cluster.digestAlgorithms,
      acceptBasic: sim.options.acceptBasic,
    };
  }

  get port(): number {
    return this.boundPort;
  }

  get address(): string {
    return isIP(this.host) === 6 ? `[${this.host}]:${this.boundPort}` : `${this.host}:${this.boundPort}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  counters(): Counters {
    return this.stats.snapshot();
  }

  /** Listens (again) on the node's port; the first start binds an ephemeral port when it is 0. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: this.boundPort }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.boundPort = address.port;
    this.server = server;
  }

  /** Stops listening and destroys every open connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  private accept(socket: Socket): void {
    this.stats.connections++;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const server = this.sim.options.server;
    serveConnection(socket, {
      request: (req, res, conn) => handleRequest({ sim: this.sim, cluster: this.cluster, node: this, req, res, conn }),
      parseError: (status, text, res) => sendError(res, server, status, { text }),
      internalError: (err, res) => {
        if (!res.headersSent) sendError(res, server, 500, { text: err instanceof Error ? err.message : String(err) });
      },
    });
  }
}
