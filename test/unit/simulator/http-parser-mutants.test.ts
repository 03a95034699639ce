import { RequestParser } from '../../../simulator/http-parser.js';

// Header values as HTTP reads them: without regard to case (RFC 9110 10.1.1 for Expect, RFC 9112
// 7 for transfer-coding names), and several lines of one field as one comma-separated list.

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('RequestParser header values', () => {
  it('asks for 100 Continue for an Expect value in any case', () => {
    const parser = new RequestParser();
    parser.push(bytes('PUT /b/n HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-Continue\r\n\r\n'));
    expect(parser.next()).toEqual({ kind: 'continue' });
    expect(parser.next()).toEqual({ kind: 'incomplete' });
    parser.push(bytes('ok'));
    const done = parser.next();
    expect(done.kind === 'request' && done.request.body.toString()).toBe('ok');
  });

  it('decodes a chunked body whose Transfer-Encoding is written in any case', () => {
    const parser = new RequestParser();
    parser.push(bytes('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'));
    const done = parser.next();
    expect(done.kind === 'request' && done.request.body.toString()).toBe('ok');
    expect(parser.next()).toEqual({ kind: 'incomplete' });
  });

  it('reads several Transfer-Encoding lines as one comma-separated list (RFC 9110 section 5.3)', () => {
    const parser = new RequestParser();
    parser.push(bytes('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n'));
    expect(parser.next()).toEqual({ kind: 'error', status: 400, text: 'Unsupported Transfer-Encoding: gzip,chunked' });
  });
});
