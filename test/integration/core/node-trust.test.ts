import diagnostics_channel from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { ClusterConfig } from '../../../functions/core/registry/registry.js';
import { scriptedRoute } from '../../helpers/swarm.js';
import type { SendInput } from '../../../functions/core/send/send-client.js';
import { DROPPED_DETAIL } from '../../../functions/core/redact.js';
import { USER_AGENT } from '../../../functions/core/send/scsp-request.js';
import { answerCreated, headerOf, type Answer } from '../../helpers/raw-node.js';
import { sendClientOnRawNodes } from '../../helpers/send-client.js';
import { sendWithDecision } from '../../../functions/core/outcome/decide.js';

// Where the admin credentials go: raw-socket fake nodes that keep
// every byte the real client sent them.

const SOURCE = { username: 'admin', password: 'src-S3cret-pw' };
const DR = { username: 'dradmin', password: 'dr-S3cret-pw' };
const UUID = 'ab'.repeat(16);
const CHALLENGE =
  'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm="CAStor administrator", nonce="n1", qop="auth", algorithm=MD5\r\ncontent-length: 0\r\n\r\n';

const cluster = (nodes: string[], extra: Record<string, unknown> = {}): ClusterConfig =>
  scriptedRoute(nodes, { extra }).source;
const DESTINATION = scriptedRoute(['127.0.0.1:9']).dr;

/** Challenges the first request on each connection-less node, then answers 201 to everything. */
const challengeThenCreated: Answer = (head, socket) =>
  headerOf(head, 'authorization') ? answerCreated(socket) : socket.write(CHALLENGE);
const created: Answer = (_head, socket) => answerCreated(socket);

describe('where requests and credentials go', () => {
  const raw = sendClientOnRawNodes();
  const start = (answer: Answer, host?: string, port?: number) => raw.start(answer, host, port);
  const send = (source: ClusterConfig, extra: Partial<SendInput> = {}) =>
    sendWithDecision(raw.client, {
      source,
      destination: DESTINATION,
      credentials: SOURCE,
      destinationCredentials: DR,
      object: { uuid: UUID },
      ...extra,
    });

  describe('node hints', () => {
    it.each([[undefined], [['127.0.0.0/8']]])(
      'ignores a hint at an unlisted port of a node host (networks %j); the listener there receives nothing',
      async (networks) => {
        const node = await start(challengeThenCreated);
        const listener = await start(challengeThenCreated);
        const r = await send(cluster([node.address], networks ? { networks } : {}), { nodeHint: listener.address });
        expect(r).toMatchObject({ outcome: 'replicated', hintIgnored: true, node: node.address });
        expect(listener.bytes()).toBe('');
      },
    );

    it("takes a hint that names a configured node with that node's scheme (https), never plain http", async () => {
      const plain = await start(created);
      const tlsPort = await start(created); // a plain listener where an https node is configured
      tlsPort.server.on('connection', (s) => s.once('data', () => s.destroy()));
      const source = cluster([`http://${plain.address}`, `https://${tlsPort.address}`]);
      const r = await send(source, { nodeHint: tlsPort.address });
      expect(r).toMatchObject({ outcome: 'replicated', hintIgnored: false, node: plain.address });
      // The hinted node was tried first, with a TLS handshake (record type 0x16), not a request in clear.
      expect(tlsPort.bytes().charCodeAt(0)).toBe(0x16);
      expect(tlsPort.bytes()).not.toContain('SEND');
    });
  });

  describe('redirects', () => {
    const redirectTo =
      (location: () => string): Answer =>
      (_head, socket) =>
        socket.write(`HTTP/1.1 307 Temporary Redirect\r\nlocation: ${location()}\r\ncontent-length: 0\r\n\r\n`);

    it('refuses a redirect to an unlisted port of a networks host; the listener receives nothing', async () => {
      const listener = await start(created);
      const node = await start(redirectTo(() => `http://${listener.address}/${UUID}?admin`));
      const r = await send(cluster([node.address], { networks: ['127.0.0.0/8'] }));
      expect(r).toMatchObject({ outcome: 'failed', reason: 'redirect-refused' });
      expect(listener.bytes()).toBe('');
    });

    it('follows a redirect to a port the registry lists for the cluster', async () => {
      const listener = await start(created);
      const node = await start(redirectTo(() => `http://${listener.address}/${UUID}?admin`));
      const r = await send(cluster([node.address], { networks: ['127.0.0.0/8'], ports: [listener.port] }));
      expect(r).toMatchObject({ outcome: 'replicated', node: listener.address });
    });

    it("follows a redirect to another host of the networks on a node's port", async () => {
      const node = await start(redirectTo(() => `http://127.0.0.2:${node.port}/${UUID}?admin`));
      const other = await start(created, '127.0.0.2', node.port);
      const r = await send(cluster([node.address], { networks: ['127.0.0.0/8'] }));
      expect(r).toMatchObject({ outcome: 'replicated', node: other.address });
    });
  });

  it('sends Castor-System-Auth only on the authenticated request, never on the challenge-seeking one', async () => {
    const node = await start(challengeThenCreated);
    expect(await send(cluster([node.address]))).toMatchObject({ outcome: 'replicated', requests: 2 });
    const [first, second] = node.requests;
    expect(headerOf(first!, 'authorization')).toBeUndefined();
    expect(headerOf(first!, 'castor-system-auth')).toBeUndefined();
    expect(headerOf(second!, 'authorization')).toMatch(/^Digest /);
    expect(headerOf(second!, 'castor-system-auth')).toBe('dradmin:dr-S3cret-pw');
  });

  describe('Basic and unsupported challenges', () => {
    it('rejects a Digest algorithm it does not speak next to Basic, over http, without sending a password', async () => {
      const node = await start((_h, socket) =>
        socket.write(
          'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm="r", nonce="n", qop="auth", algorithm=SHA-512-384\r\nwww-authenticate: Basic realm="r"\r\ncontent-length: 0\r\n\r\n',
        ),
      );
      const r = await send(cluster([node.address], { allowBasic: true }));
      expect(r).toMatchObject({ outcome: 'failed', reason: 'auth-rejected', requests: 1 });
      expect(r.detail).toMatch(/no supported authentication offered .*SHA-512-384.*Basic is not allowed/);
      expect(node.requests).toHaveLength(1);
      expect(node.bytes()).not.toMatch(/Basic|S3cret|castor-system-auth/i);
    });

    it('answers a node that turns from Digest to a Basic-only 401 with nothing', async () => {
      const node = await start((head, socket, i) => {
        if (i === 0) socket.write(CHALLENGE);
        else if (i === 1) answerCreated(socket);
        else
          socket.write('HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Basic realm="r"\r\ncontent-length: 0\r\n\r\n');
      });
      const source = cluster([node.address]);
      expect(await send(source)).toMatchObject({ outcome: 'replicated' });
      expect(await send(source)).toMatchObject({ outcome: 'failed', reason: 'auth-rejected' });
      expect(node.requests).toHaveLength(3);
      expect(node.bytes()).not.toMatch(/authorization: Basic/i);
    });
  });

  describe('answers framed by the end of the connection', () => {
    // The node ends the connection only once the client has parsed the answer's head (undici's
    // diagnostics channel): a reset that overtook unread data would read as a plain close.
    let afterHead: (() => void) | null = null;
    const onHead = () => {
      const f = afterHead;
      afterHead = null;
      f?.();
    };
    beforeAll(() => diagnostics_channel.subscribe('undici:request:headers', onHead));
    afterAll(() => diagnostics_channel.unsubscribe('undici:request:headers', onHead));
    const closeDelimited =
      (version: string, ending: 'reset' | 'end'): Answer =>
      (_head, socket: Socket) => {
        afterHead = () => (ending === 'reset' ? socket.resetAndDestroy() : socket.end());
        socket.write(`HTTP/${version} 200 OK\r\ncontent-type: text/plain\r\n\r\nRemote cluster returned: 201\r\n`);
      };

    it.each([['1.0'], ['1.1']])(
      'HTTP/%s 2xx without length that ends in a reset is a retry (connection-reset), not a copy',
      async (version) => {
        const node = await start(closeDelimited(version, 'reset'));
        const r = await send(cluster([node.address]));
        expect(r).toMatchObject({
          outcome: 'retry',
          reason: 'connection-reset',
          observation: { httpStatus: 200, complete: false },
        });
      },
    );

    it('the same answer ended by a clean close counts: the body is complete', async () => {
      const node = await start(closeDelimited('1.0', 'end'));
      expect(await send(cluster([node.address]))).toMatchObject({
        outcome: 'replicated',
        observation: { complete: true },
      });
    });
  });

  it('puts "Content-Length: 0" on the wire for a SEND, exactly as the design document shows the request', async () => {
    const node = await start(created);
    await send(cluster([node.address]));
    expect(node.bytes()).toBe(
      `SEND /${UUID}?admin HTTP/1.1\r\nhost: ${node.address}\r\nconnection: keep-alive\r\nuser-agent: ${USER_AGENT}\r\n` +
        `castor-system-cluster: dr\r\ncastor-system-target: 127.0.0.1:9\r\ncontent-length: 0\r\n\r\n`,
    );
  });

  it('drops node error text that echoes either password', async () => {
    const basic = Buffer.from(`${SOURCE.username}:${SOURCE.password}`).toString('base64');
    const echo = `you sent ${SOURCE.password} and admin:${DR.password} (Basic ${basic}) ${'x'.repeat(2000)}`;
    const node = await start((head, socket) =>
      headerOf(head, 'authorization')
        ? socket.write(
            `HTTP/1.1 403 Forbidden\r\ncastor-system-error-code: 403\r\ncastor-system-error-token: Forbidden\r\ncastor-system-error-text: ${echo}\r\ncontent-length: 0\r\n\r\n`,
          )
        : socket.write(CHALLENGE),
    );
    const r = await send(cluster([node.address]));
    expect(r).toMatchObject({ outcome: 'failed', reason: 'forbidden' });
    expect(r.detail).toBe(DROPPED_DETAIL);
  });

  it.each([
    [
      'a CR/LF in the source password',
      { credentials: { username: 'admin', password: 'pw\r\nx-injected: 1' } },
      'credentials: the password contains a control character',
    ],
    [
      'a NUL in the destination password',
      { destinationCredentials: { username: 'dradmin', password: 'pw\u0000' } },
      'castor-system-auth credentials: the password contains a control character',
    ],
    [
      'a character outside Latin-1',
      { credentials: { username: 'admin', password: 'pw€' } },
      'credentials: the password contains characters outside Latin-1',
    ],
  ])('refuses %s as credentials-invalid (failed), sending nothing', async (_what, extra, detail) => {
    const node = await start(challengeThenCreated);
    const r = await send(cluster([node.address]), extra);
    expect(r).toMatchObject({ outcome: 'failed', reason: 'credentials-invalid', requests: 0, node: null });
    expect(r.detail).toContain(detail);
    expect(r.detail).not.toContain('pw');
    expect(node.bytes()).toBe('');
  });
});
