import type { Message } from '@aws-sdk/client-sqs';
import { DROPPED_DETAIL } from '../../../functions/core/redact.js';
import { captureOutput, startPipeline, type Pipeline } from '../../helpers/pipeline.js';
import { headerOf, startRawNode, type RawNode } from '../../helpers/raw-node.js';

// A source node that echoes the credentials it was sent, re-encoded, in its
// Castor-System-Error-Text. The real handler over fauxqs: the echo must reach no log line, no
// outcome record, no DLQ message or attribute, and no batch response.

const USER = 'admin';
const PASSWORD = 'Sé cret+Pa55/wörd';
const DR = { username: 'dradmin', password: 'Dr Only+Sécret/7' };
const CHALLENGE =
  'HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Digest realm="CAStor administrator", nonce="n1", qop="auth", algorithm=MD5\r\ncontent-length: 0\r\n\r\n';

const b64 = (s: string, charset: BufferEncoding = 'utf8') => Buffer.from(s, charset).toString('base64');
const lowerPercent = (s: string) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const latin1Percent = (s: string) =>
  [...Buffer.from(s, 'latin1')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
const jsonEscaped = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');

/** Each form a node could echo a password in; `%s` is the password. */
const FORMS: readonly [string, (secret: string) => string][] = [
  ['in clear', (s) => s],
  ['percent-encoded, upper case', (s) => encodeURIComponent(s)],
  ['percent-encoded, lower case', lowerPercent],
  ['form-encoded (+ for a space)', (s) => new URLSearchParams({ p: s }).toString().slice(2)],
  ['percent-encoded Latin-1 bytes', latin1Percent],
  ['JSON \\u escapes', jsonEscaped],
  ['JSON string escapes of the clear text', (s) => JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/')],
  ['base64 of the password', (s) => b64(s)],
  ['base64 of the Latin-1 password', (s) => b64(s, 'latin1')],
  ['base64 of user:password (Basic)', (s) => `Basic ${b64(`${USER}:${s}`)}`],
  ['base64url of user:password, unpadded', (s) => Buffer.from(`${USER}:${s}`).toString('base64url')],
  ['base64 glued to other base64 text', (s) => `QUJD${b64(`x:${s}`)}`],
  ['eight characters of it in a row', (s) => `...${s.slice(4, 12)}...`],
];

describe('node text that echoes a credential is dropped everywhere (raw-socket source node)', () => {
  let p: Pipeline;
  let node: RawNode;
  let echo = '';
  beforeAll(async () => {
    // Answers a challenge, then 403 with the echo (Latin-1 bytes, as a header carries them).
    node = await startRawNode((head, socket) => {
      if (!headerOf(head, 'authorization')) return void socket.write(CHALLENGE);
      socket.write(
        Buffer.from(
          `HTTP/1.1 403 Forbidden\r\ncastor-system-error-code: 403\r\ncastor-system-error-token: Forbidden\r\ncastor-system-error-text: you sent ${echo}\r\ncontent-length: 0\r\n\r\n`,
          'latin1',
        ),
      );
    });
    p = await startPipeline({
      powertools: true,
      drCredentials: DR,
      registry: (doc) => ({
        ...doc,
        clusters: { ...doc.clusters, primary: { ...doc.clusters.primary, nodes: [node.address] } },
      }),
    });
    p.secrets.SRC_ADMIN = JSON.stringify({ username: USER, password: PASSWORD });
    p.credentials.refresh('env:SRC_ADMIN');
  });
  afterAll(async () => {
    await node?.close();
    await p?.close();
  });

  /** One message through the handler; everything it wrote, logged, dead-lettered and published. */
  async function deliverOne(): Promise<{ everything: string; dead: Message[]; outcomes: Message[] }> {
    await p.send(JSON.stringify({ object: { uuid: 'ab'.repeat(16) } }));
    const { result, output } = await captureOutput(() => p.deliver());
    const dead = await p.drain(p.dlq);
    const outcomes = await p.drain(p.outcomes);
    return { everything: JSON.stringify([output, result, dead, outcomes]), dead, outcomes };
  }

  describe.each([
    ['the source password', PASSWORD],
    ['the DR password (Castor-System-Auth)', DR.password],
  ])('%s', (_which, secret) => {
    it.each(FORMS)('echoed %s', async (_form, encode) => {
      echo = encode(secret);
      const { everything, dead, outcomes } = await deliverOne();
      expect(dead).toHaveLength(1);
      expect(outcomes).toHaveLength(1);
      const outcome = JSON.parse(outcomes[0]!.Body!) as { reason: string; detail: string };
      expect(outcome).toMatchObject({ reason: 'forbidden', detail: DROPPED_DETAIL });
      // JSON.stringify above escapes the text as a log or record holds it; look for both spellings.
      for (const leak of [secret, echo, JSON.stringify(echo).slice(1, -1)]) expect(everything).not.toContain(leak);
    });
  });

  it('keeps node text that carries no credential (cleaned of control characters)', async () => {
    echo = 'admin may not SEND here\u0085\u00a0(policy)';
    const { outcomes } = await deliverOne();
    const outcome = JSON.parse(outcomes[0]!.Body!) as { detail: string };
    expect(outcome.detail).toBe('Forbidden (403): you sent admin may not SEND here \u00a0(policy)');
  });
});
