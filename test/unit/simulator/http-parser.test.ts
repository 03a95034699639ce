import { MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADER_LINE_BYTES } from '../../../simulator/constants.js';
import { RequestParser, type ParseResult } from '../../../simulator/http-parser.js';

function parse(...packets: string[]): ParseResult[] {
  const parser = new RequestParser();
  const results: ParseResult[] = [];
  for (const packet of packets) {
    parser.push(Buffer.from(packet, 'latin1'));
    for (;;) {
      const r = parser.next();
      results.push(r);
      if (r.kind === 'incomplete' || r.kind === 'error') break;
    }
  }
  return results;
}

function requests(results: ParseResult[]) {
  return results.flatMap((r) => (r.kind === 'request' ? [r.request] : []));
}

/** A GET head (without its final empty line) of exactly `bytes` bytes: header lines of at most `line` bytes. */
function headOf(bytes: number, line = 8 * 1024): string {
  let head = 'GET / HTTP/1.1\r\nHost: h';
  while (head.length < bytes) {
    const room = Math.min(line, bytes - head.length - 2);
    head += `\r\nX-Pad: ${'a'.repeat(Math.max(room - 7, 1))}`;
  }
  return head;
}

describe('RequestParser', () => {
  it('parses a SEND with its raw target, query flags and headers', () => {
    const [req] = requests(
      parse(
        'SEND /97f7149dec6cbc0aa1e9425688158969?alias&admin HTTP/1.1\r\nHost: 10.0.0.1\r\nCastor-System-Cluster: dr\r\n\r\n',
      ),
    );
    expect(req?.method).toBe('SEND');
    expect(req?.target).toBe('/97f7149dec6cbc0aa1e9425688158969?alias&admin');
    expect(req?.path).toBe('/97f7149dec6cbc0aa1e9425688158969');
    expect(req?.query.has('alias')).toBe(true);
    expect(req?.query.get('admin')).toBe('');
    expect(req?.query.get('feedid')).toBeUndefined();
    expect(req?.headers.get('CASTOR-SYSTEM-CLUSTER')).toBe('dr');
    expect(req?.body.length).toBe(0);
  });

  it('waits for bytes split anywhere, and delivers pipelined requests one by one', () => {
    const text = 'PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: h\r\n\r\n';
    const results = parse(text.slice(0, 9), text.slice(9, 40), text.slice(40));
    const reqs = requests(results);
    expect(reqs.map((r) => r.method)).toEqual(['PUT', 'GET']);
    expect(reqs[0]?.body.toString()).toBe('hello');
  });

  it('skips empty lines before a request line (RFC 9112 section 2.2)', () => {
    const reqs = requests(parse('\r\n\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(reqs.map((r) => r.target)).toEqual(['/a', '/b']);
  });

  it('decodes a chunked body with extensions and trailers', () => {
    const [req] = requests(
      parse(
        'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n',
      ),
    );
    expect(req?.body.toString()).toBe('abcde');
  });

  it('asks for 100 Continue once when the client expects it', () => {
    const kinds = parse('PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n', 'ok').map(
      (r) => r.kind,
    );
    expect(kinds).toEqual(['continue', 'incomplete', 'request', 'incomplete']);
  });

  it('keeps repeated query arguments and decodes them', () => {
    const [req] = requests(
      parse('SEND /x?feedid=1&feedid=all&feedtype=replication&domain=a%2Eb HTTP/1.1\r\nHost: h\r\n\r\n'),
    );
    expect(req?.query.getAll('feedid')).toEqual(['1', 'all']);
    expect(req?.query.get('domain')).toBe('a.b');
    expect(req?.query.rawWithout('feedid')).toBe('feedtype=replication&domain=a%2Eb');
  });

  it('notes Connection: close', () => {
    const [req] = requests(parse('GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n'));
    expect(req?.wantsClose).toBe(true);
  });

  it.each([
    ['HTTP/1.0', 'GET / HTTP/1.0\r\n\r\n', 505],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n', 505],
    ['a request line without a version', 'GET /\r\n\r\n', 400],
    ['a lower-case protocol', 'GET / http/1.1\r\n\r\n', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: h\r\n  folded\r\n\r\n', 400],
    ['conflicting Content-Length', 'PUT / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400],
    ['an unknown Transfer-Encoding', 'PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 400],
    ['a bad chunk size', 'PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['an endless head', `GET / HTTP/1.1\r\nX: ${'a'.repeat(33 * 1024)}`, 400],
  ])('reports %s as an error', (_label, text, status) => {
    const last = parse(text).at(-1);
    expect(last).toMatchObject({ kind: 'error', status });
  });

  it('accepts a head of exactly 32 KB and a header line of exactly 16 KB, and refuses one byte more', () => {
    expect(headOf(MAX_HEAD_BYTES)).toHaveLength(MAX_HEAD_BYTES);
    expect(requests(parse(`${headOf(MAX_HEAD_BYTES)}\r\n\r\n`))).toHaveLength(1);
    expect(parse(`${headOf(MAX_HEAD_BYTES + 1)}\r\n\r\n`).at(-1)).toMatchObject({ kind: 'error', status: 400 });
    const line = `X-Long: ${'b'.repeat(MAX_HEADER_LINE_BYTES - 8)}`;
    expect(line).toHaveLength(MAX_HEADER_LINE_BYTES);
    expect(requests(parse(`GET / HTTP/1.1\r\nHost: h\r\n${line}\r\n\r\n`))).toHaveLength(1);
    expect(parse(`GET / HTTP/1.1\r\nHost: h\r\n${line}b\r\n\r\n`).at(-1)).toMatchObject({ kind: 'error', status: 400 });
  });

  it('waits for a head that is still within 32 KB, and refuses an unfinished head beyond it', () => {
    expect(parse(headOf(MAX_HEAD_BYTES)).at(-1)).toEqual({ kind: 'incomplete' });
    expect(parse(headOf(MAX_HEAD_BYTES + 1)).at(-1)).toMatchObject({ kind: 'error', status: 400 });
  });

  it('waits for a chunk-size line still within 16 KB, and refuses a longer one', () => {
    const head = 'PUT /b/n HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
    const ext = (n: number) => `5;${'e'.repeat(n - 2)}`;
    expect(parse(head + ext(MAX_HEADER_LINE_BYTES)).at(-1)).toEqual({ kind: 'incomplete' });
    expect(parse(head + ext(MAX_HEADER_LINE_BYTES + 1)).at(-1)).toMatchObject({ kind: 'error', status: 400 });
  });

  it('reads chunk sizes of up to 8 hex digits, and nothing around them but an extension', () => {
    const head = 'PUT /b/n HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
    const body = 'x'.repeat(26);
    const [req] = requests(parse(`${head}0000001A\r\n${body}\r\n0\r\n\r\n`));
    expect(req?.body.toString()).toBe(body);
    for (const bad of ['g5', '5x', '000000005', ' 5']) {
      expect(parse(`${head}${bad}\r\nhello\r\n0\r\n\r\n`).at(-1)).toMatchObject({ kind: 'error', status: 400 });
    }
  });

  it('takes a Content-Length list of one repeated value (RFC 9112 section 6.3), and only digits', () => {
    const [req] = requests(
      parse('PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: 11, 11\r\nContent-Length: 11\r\n\r\nhello world'),
    );
    expect(req?.body.toString()).toBe('hello world');
    for (const bad of ['+5', '5x', '0x5', '-1', '1234567890123456']) {
      expect(parse(`PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: ${bad}\r\n\r\nhello`).at(-1)).toMatchObject({
        kind: 'error',
        status: 400,
        text: 'Invalid Content-Length',
      });
    }
  });

  it('waits for a body of exactly 256 MiB, and refuses a Content-Length one byte over with 413', () => {
    const head = (n: number) => `PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: ${n}\r\n\r\n`;
    expect(parse(head(MAX_BODY_BYTES)).at(-1)).toEqual({ kind: 'incomplete' });
    expect(parse(head(MAX_BODY_BYTES + 1)).at(-1)).toMatchObject({ kind: 'error', status: 413 });
  });

  it('reads "close" in Connection as a whole token only', () => {
    const wantsClose = (value: string) =>
      requests(parse(`GET / HTTP/1.1\r\nHost: h\r\nConnection: ${value}\r\n\r\n`))[0]?.wantsClose;
    expect(['close', 'CLOSE', 'close, Upgrade', 'Upgrade,close', 'keep-alive , close'].map(wantsClose)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['closed', 'enclose', 'keep-alive', 'x-close-y'].map(wantsClose)).toEqual([false, false, false, false]);
  });

  it('measures the 32 KB head limit from where a pipelined request starts', () => {
    const big = `PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: 20000\r\n\r\n${'x'.repeat(20_000)}`;
    const next = `GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ${'a'.repeat(15_000)}\r\n`;
    // The second head complete in the same packet, and the second head finished by a later packet.
    expect(requests(parse(`${big}${next}\r\n`)).map((r) => r.method)).toEqual(['PUT', 'GET']);
    const split = parse(big + next, '\r\n');
    expect(split.filter((r) => r.kind === 'error')).toEqual([]);
    expect(requests(split).map((r) => r.method)).toEqual(['PUT', 'GET']);
  });

  it('refuses a header line that is a bare token without a colon', () => {
    expect(parse('GET / HTTP/1.1\r\nHost: h\r\nX-Bare\r\n\r\n').at(-1)).toMatchObject({
      kind: 'error',
      status: 400,
      text: 'Malformed header line',
    });
  });

  it('reads close in any of several Connection header lines', () => {
    const [req] = requests(parse('GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n'));
    expect(req?.wantsClose).toBe(true);
  });

  it('never offers 100 Continue to a client that did not ask for it', () => {
    const kinds = parse('PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n', 'ok').map((r) => r.kind);
    expect(kinds).toEqual(['incomplete', 'request', 'incomplete']);
  });

  it('names the version it refuses', () => {
    expect(parse('GET / HTTP/1.0\r\n\r\n').at(-1)).toEqual({
      kind: 'error',
      status: 505,
      text: 'HTTP version HTTP/1.0 is not supported; use HTTP/1.1',
    });
  });

  it('decodes a chunked body split inside a chunk, before its CRLF and inside the size line', () => {
    const head = 'PUT /b/n HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
    const results = parse(`${head}5\r\n`, 'hel', 'lo', '\r\n1', '0\r\n0123456789abcdef\r\n0\r\n\r\n');
    expect(results.filter((r) => r.kind === 'error')).toEqual([]);
    expect(requests(results)[0]?.body.toString()).toBe('hello0123456789abcdef');
  });

  it('refuses a chunk longer than its size line says', () => {
    const head = 'PUT /b/n HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(parse(`${head}3\r\nabcd\r\n0\r\n\r\n`)).toEqual([
      { kind: 'error', status: 400, text: 'Malformed chunked request body' },
    ]);
  });

  it('refuses chunk sizes adding up to more than 256 MiB as soon as the size line says so', () => {
    const head = 'PUT /b/n HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(MAX_BODY_BYTES.toString(16)).toBe('10000000');
    expect(parse(`${head}10000000\r\n`).at(-1)).toEqual({ kind: 'incomplete' });
    expect(parse(`${head}10000001\r\n`).at(-1)).toMatchObject({ kind: 'error', status: 400 });
    expect(parse(`${head}1\r\nx\r\nFFFFFFF\r\n`).at(-1)).toEqual({ kind: 'incomplete' });
    expect(parse(`${head}2\r\nxy\r\nFFFFFFF\r\n`).at(-1)).toMatchObject({ kind: 'error', status: 400 });
  });

  it('reads every trailer line before the next pipelined request', () => {
    const chunked =
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n';
    const results = parse(`${chunked}GET /next HTTP/1.1\r\nHost: h\r\n\r\n`);
    expect(results.filter((r) => r.kind === 'error')).toEqual([]);
    expect(requests(results).map((r) => [r.target, r.body.toString()])).toEqual([
      ['/', 'ok'],
      ['/next', ''],
    ]);
  });

  it('says which limit a too large head broke, and which Transfer-Encoding it does not support', () => {
    expect(parse(`${headOf(MAX_HEAD_BYTES + 1)}\r\n\r\n`).at(-1)).toMatchObject({
      text: 'Request header too large (limit 32 KB in total, 16 KB per header)',
    });
    expect(parse('PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n').at(-1)).toMatchObject({
      status: 400,
      text: 'Unsupported Transfer-Encoding: gzip, chunked',
    });
  });
});

// Header values as HTTP reads them: without regard to case (RFC 9110 10.1.1 for Expect, RFC 9112
// 7 for transfer-coding names), and several lines of one field as one comma-separated list.

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('RequestParser header values', () => {
  it('asks for 100 Continue for an Expect value in any case', () => {
    const parser = new RequestParser();
    parser.push(latin1('PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-Continue\r\n\r\n'));
    expect(parser.next()).toEqual({ kind: 'continue' });
    expect(parser.next()).toEqual({ kind: 'incomplete' });
    parser.push(latin1('ok'));
    const done = parser.next();
    expect(done.kind === 'request' && done.request.body.toString()).toBe('ok');
  });

  it('decodes a chunked body whose Transfer-Encoding is written in any case', () => {
    const parser = new RequestParser();
    parser.push(latin1('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'));
    const done = parser.next();
    expect(done.kind === 'request' && done.request.body.toString()).toBe('ok');
    expect(parser.next()).toEqual({ kind: 'incomplete' });
  });

  it('reads several Transfer-Encoding lines as one comma-separated list (RFC 9110 section 5.3)', () => {
    const parser = new RequestParser();
    parser.push(latin1('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n'));
    expect(parser.next()).toEqual({ kind: 'error', status: 400, text: 'Unsupported Transfer-Encoding: gzip,chunked' });
  });
});
