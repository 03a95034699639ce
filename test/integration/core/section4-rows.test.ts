import { connect, type Socket } from 'node:net';
import { parseRegistry, type ClusterConfig } from '../../../functions/core/registry/registry.js';
import { SendClient } from '../../../functions/core/send/send-client.js';
import { startProcess, type StartedProcess } from '../../helpers/processes.js';
import { startRawNode, type RawNode } from '../../helpers/raw-node.js';
import { ADMIN, scriptedRoute, startSwarmPair, type SwarmPair } from '../../helpers/swarm.js';
import { sendWithDecision } from '../../../functions/core/outcome/decide.js';

// The rows of swarm-scsp.md section 4 the main client suite leaves out, each driven through the
// real SendClient over real sockets and each asserting its reason. Where the simulator cannot
// produce an answer (an outer 201 with no line, a body without a result, a cascade of error
// triples) a scripted loopback node sends it byte for byte.

const chunked = (status: string, body: string, extraHeaders = '') =>
  `HTTP/1.1 ${status}\r\n${extraHeaders}transfer-encoding: chunked\r\n\r\n${body ? `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n` : ''}0\r\n\r\n`;

const clusters = (sourceNodes: string[]): { source: ClusterConfig; dr: ClusterConfig } =>
  scriptedRoute(sourceNodes, { drTarget: '127.0.0.1:80' });

describe('section 4 rows through the real client, scripted nodes', () => {
  const client = new SendClient();
  const nodes: RawNode[] = [];
  afterAll(async () => {
    await client.close();
    await Promise.all(nodes.map((n) => n.close()));
  });
  async function sendTo(answer: string, feeds?: { types: ('replication' | 'all')[] }) {
    const node = await startRawNode((_head, socket) => socket.write(answer));
    nodes.push(node);
    const { source, dr } = clusters([node.address]);
    // A feed SEND is proven only by the route's replication feed (here feed 1).
    return sendWithDecision(client, {
      source,
      destination: dr,
      credentials: ADMIN,
      object: { uuid: 'd'.repeat(32) },
      ...(feeds && { feeds, replicationFeeds: [1] }),
    });
  }

  it('L1: an outer 201 that ends cleanly without a result line is replicated (created)', async () => {
    const r = await sendTo(chunked('201 Created', '\n\n'));
    expect(r).toMatchObject({
      outcome: 'replicated',
      reason: 'created',
      observation: { httpStatus: 201, remoteStatus: null, complete: true },
    });
  });

  it('T4 legacy: an outer 200 that ends cleanly without a result line is unknown: retry (result-unknown)', async () => {
    const r = await sendTo(chunked('200 OK', '\n\n\n'));
    expect(r).toMatchObject({
      outcome: 'retry',
      reason: 'result-unknown',
      observation: { httpStatus: 200, remoteStatus: null, complete: true },
    });
  });

  it('T4 feed: a feed SEND by type that reports no feed at all is unknown: retry (result-unknown)', async () => {
    const r = await sendTo(chunked('200 OK', '\n\n'), { types: ['replication'] });
    expect(r).toMatchObject({
      outcome: 'retry',
      reason: 'result-unknown',
      observation: { mode: 'feed', httpStatus: 200, complete: true, feeds: {} },
    });
  });

  it('S9: the detail is the last Castor-System-Error triple of a cascade', async () => {
    const cascade =
      'Castor-System-Error-Code: 404\r\nCastor-System-Error-Token: FirstToken\r\nCastor-System-Error-Text: the first, inner error\r\n' +
      'Castor-System-Error-Code: 412\r\nCastor-System-Error-Token: RequiresContext2\r\nCastor-System-Error-Text: bucket context required\r\n';
    const r = await sendTo(`HTTP/1.1 412 Precondition Failed\r\n${cascade}Content-Length: 0\r\n\r\n`);
    expect(r).toMatchObject({
      outcome: 'retry',
      reason: 'context-missing',
      detail: 'RequiresContext2 (412): bucket context required',
    });
  });

  it('a source 3xx without a Location cannot be followed: retry (remote-unexpected), never failed', async () => {
    const r = await sendTo('HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n');
    expect(r).toMatchObject({ outcome: 'retry', reason: 'remote-unexpected', observation: { httpStatus: 302 } });
  });
});

describe('section 4 rows through the real client, against the simulator', () => {
  let pair: SwarmPair;
  beforeAll(async () => {
    pair = await startSwarmPair();
  });
  afterAll(async () => {
    await pair.close();
  });
  beforeEach(() => pair.sim.faults.clear());
  const put = () => pair.sim.cluster('baker').put({ body: 'x' });

  it.each([
    [403, 'failed', 'remote-auth-rejected'],
    [400, 'failed', 'remote-rejected'],
    [410, 'failed', 'remote-rejected'],
    [200, 'retry', 'remote-unexpected'],
    [204, 'retry', 'remote-unexpected'],
    [302, 'retry', 'remote-unexpected'],
  ])('L3: result line %i -> %s / %s, nothing copied', async (status, outcome, reason) => {
    const obj = put();
    pair.sim.faults.add({ match: { object: obj.uuid, method: 'SEND' }, kind: { type: 'remote-status', status } });
    const r = await pair.send({ uuid: obj.uuid });
    expect(r).toMatchObject({
      outcome,
      reason,
      observation: { httpStatus: 200, remoteStatus: status, complete: true },
    });
    expect(pair.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(false);
  });

  it.each([[300], [302], [304]])(
    'a source %i that cannot be followed is a retry (remote-unexpected), not a dead letter',
    async (status) => {
      const obj = put();
      pair.sim.faults.add({ match: { object: obj.uuid, method: 'SEND' }, kind: { type: 'status', status } });
      expect(await pair.send({ uuid: obj.uuid })).toMatchObject({
        outcome: 'retry',
        reason: 'remote-unexpected',
        observation: { httpStatus: status },
      });
    },
  );

  it('S3: a 503 on one node fails over to the next, which replicates', async () => {
    const obj = put();
    const [first, second] = pair.source.nodes;
    pair.sim.faults.add({ match: { node: first!.hostPort, method: 'SEND' }, kind: { type: 'status', status: 503 } });
    const r = await pair.send({ uuid: obj.uuid }, { nodeHint: first!.hostPort });
    expect(r).toMatchObject({ outcome: 'replicated', node: second!.hostPort });
    expect(pair.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
  });
});

describe('T1: connect timeout', () => {
  // A listener in a stopped process: once its accept queue is full the kernel drops new SYNs,
  // so a connect neither succeeds nor is refused; it times out.
  let child: StartedProcess;
  let address: string;
  const fillers: Socket[] = [];
  let pair: SwarmPair;
  beforeAll(async () => {
    // Killed when this file ends, whatever happens (test/helpers/processes.ts).
    child = startProcess(process.execPath, [
      '-e',
      "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>console.log(s.address().port))",
    ]);
    await child.waitFor((out) => out.includes('\n'), 'the listener port');
    const port = Number(child.stdout().trim());
    address = `127.0.0.1:${port}`;
    child.child.kill('SIGSTOP');
    for (let i = 0; i < 4; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      fillers.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
    pair = await startSwarmPair({ source: { nodes: 1 }, client: { connectTimeoutMs: 700 } });
  });
  afterAll(async () => {
    for (const s of fillers) s.destroy();
    await child.stop('SIGKILL');
    await pair.close();
  });

  it('a node that never completes the connect is a retry (connect-timeout)', async () => {
    const { source, dr } = clusters([address]);
    const r = await sendWithDecision(pair.client, {
      source,
      destination: dr,
      credentials: ADMIN,
      object: { uuid: 'e'.repeat(32) },
    });
    expect(r).toMatchObject({ outcome: 'retry', reason: 'connect-timeout', observation: { httpStatus: null } });
  });

  it('fails over from a node that times out to one that answers', async () => {
    const obj = pair.sim.cluster('baker').put({ body: 'x' });
    const reg = parseRegistry({
      clusters: {
        p: { name: 'baker', nodes: [address, pair.sim.cluster('baker').addresses[0]!], credentials: 'x' },
        d: { name: 'dr', target: pair.sim.cluster('dr').addresses[0], credentials: 'x' },
      },
    });
    const r = await sendWithDecision(pair.client, {
      source: reg.clusters.p!,
      destination: reg.clusters.d!,
      credentials: ADMIN,
      object: { uuid: obj.uuid },
      nodeHint: address,
    });
    expect(r).toMatchObject({ outcome: 'replicated', node: pair.sim.cluster('baker').addresses[0] });
    expect(pair.sim.cluster('dr').has({ uuid: obj.uuid })).toBe(true);
  });
});
