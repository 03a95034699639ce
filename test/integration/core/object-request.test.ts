import { USER_AGENT } from '../../../functions/core/send/scsp-request.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { headerOf, type Answer } from '../../helpers/raw-node.js';
import { sendClientOnRawNodes } from '../../helpers/send-client.js';
import { ADMIN, scriptedRoute } from '../../helpers/swarm.js';

// A delete message's requests (SendClient.objectRequest: DELETE, and the HEADs around it)
// against raw-socket nodes: what goes on the wire, and how each answer is read.

const UNNAMED = { uuid: 'D'.repeat(32) };
const NAMED = { domain: 'acme.example', bucket: 'b', name: 'dir/a b.txt' };
const CHALLENGE =
  'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm="CAStor administrator", nonce="n1", qop="auth", algorithm=MD5\r\ncontent-length: 0\r\n\r\n';
const ok =
  (status = '200 OK'): Answer =>
  (_head, socket) =>
    socket.write(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\n\r\n`);
/** An error page with Castor-System-Error-Text and an html body, as Swarm answers a refused DELETE. */
const errorPage =
  (status: string, text: string): Answer =>
  (_head, socket) => {
    const body = `<html><body><h2>${status}</h2><p>${text}</p></body></html>\r\n`;
    socket.write(
      `HTTP/1.1 ${status}\r\ncastor-system-error-code: ${status.slice(0, 3)}\r\ncastor-system-error-text: ${text}\r\ncontent-type: text/html\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
  };

describe('SendClient.objectRequest: DELETE and HEAD of one object', () => {
  const raw = sendClientOnRawNodes();
  const start = raw.start;

  it('sends DELETE on the SEND target (admin realm, domain=, encoded name) with no body and the product User-Agent', async () => {
    const node = await start(ok('204 No Content'));
    const r = await raw.client.objectRequest('DELETE', scriptedRoute([node.address]).source, NAMED, ADMIN);
    expect(r).toStrictEqual({ status: 204, error: null, node: node.address, detail: null, requests: 1 });
    const head = node.requests[0]!;
    expect(head.split(' ').slice(0, 2)).toStrictEqual(['DELETE', '/b/dir/a%20b.txt?admin&domain=acme.example']);
    expect(headerOf(head, 'user-agent')).toBe(USER_AGENT);
    // No body: neither a length nor chunked framing (the node reads the next request right after).
    expect(headerOf(head, 'content-length') ?? '0').toBe('0');
    expect(headerOf(head, 'transfer-encoding')).toBeUndefined();
    expect(node.bytes().endsWith('\r\n\r\n')).toBe(true);
  });

  it('answers a Digest challenge like every other request: the DELETE goes again with an Authorization for its own method and URI', async () => {
    const node = await start((head, socket) =>
      headerOf(head, 'authorization') ? ok()(head, socket, 0) : socket.write(CHALLENGE),
    );
    const r = await raw.client.objectRequest('DELETE', scriptedRoute([node.address]).source, UNNAMED, ADMIN);
    expect(r).toMatchObject({ status: 200, error: null, requests: 2 });
    expect(node.requests).toHaveLength(2);
    expect(node.requests[0]!.startsWith(`DELETE /${'d'.repeat(32)}?admin HTTP/1.1`)).toBe(true);
    const auth = headerOf(node.requests[1]!, 'authorization')!;
    expect(auth).toMatch(/^Digest /);
    expect(auth).toContain(`uri="/${'d'.repeat(32)}?admin"`);
    expect(auth).toContain('realm="CAStor administrator"');
    expect(node.bytes()).not.toContain(ADMIN.password);
  });

  it('reads a 403 refusal (deletable=no) with its Castor-System-Error-Text as the detail, and keeps the connection for the next request', async () => {
    const node = await start((head, socket, i) =>
      i === 0
        ? errorPage('403 Forbidden', 'The requested resource cannot be deleted at this time.')(head, socket, i)
        : ok()(head, socket, i),
    );
    const cluster = scriptedRoute([node.address]).source;
    const refused = await raw.client.objectRequest('DELETE', cluster, UNNAMED, ADMIN);
    expect(refused).toMatchObject({ status: 403, error: null, requests: 1 });
    expect(refused.detail).toContain('The requested resource cannot be deleted at this time.');
    const head = await raw.client.objectRequest('HEAD', cluster, UNNAMED, ADMIN);
    expect(head).toMatchObject({ status: 200, error: null });
    expect(node.requests.map((r) => r.split(' ')[0])).toStrictEqual(['DELETE', 'HEAD']);
  });

  it('reads 404 with an html body as 404 (not an error), the body discarded', async () => {
    const node = await start(errorPage('404 Not Found', 'Object not found'));
    const r = await raw.client.objectRequest('DELETE', scriptedRoute([node.address]).source, UNNAMED, ADMIN);
    expect(r).toMatchObject({ status: 404, error: null, detail: '(404): Object not found' });
  });

  it('a connection closed before any status line is no answer: status null with the network error, never a status', async () => {
    const node = await start((_head, socket) => socket.destroy());
    const r = await raw.client.objectRequest('DELETE', scriptedRoute([node.address]).source, UNNAMED, ADMIN);
    expect(r.status).toBeNull();
    expect(r.error).toBe('connection-reset');
  });

  it('a busy node (503) passes the DELETE to the next node of the cluster, in configured order', async () => {
    const busy = await start(errorPage('503 Service Unavailable', 'busy'));
    const next = await start(ok());
    const cluster = parseRegistry({
      clusters: { d: { name: 'dr', nodes: [busy.address, next.address], credentials: 'x' } },
    }).clusters.d!;
    const r = await raw.client.objectRequest('DELETE', cluster, UNNAMED, ADMIN);
    expect(r).toMatchObject({ status: 200, node: next.address, requests: 2 });
    expect(busy.requests).toHaveLength(1);
  });

  it('on a destination named only by its target, asks the target', async () => {
    const node = await start(ok());
    const { dr } = scriptedRoute(['127.0.0.1:9'], { drTarget: node.address });
    const r = await raw.client.objectRequest('DELETE', dr, UNNAMED, ADMIN);
    expect(r).toMatchObject({ status: 200, node: node.address });
  });
});
