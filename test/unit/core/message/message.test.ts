import { InvalidMessageError } from '../../../../functions/core/errors.js';
import {
  describeObject,
  isDelete,
  isNodeHint,
  parseSendMessage,
  readSendMessage,
} from '../../../../functions/core/message/message.js';

const UUID = '97f7149dec6cbc0aa1e9425688158969';

function problemsOf(body: string): readonly string[] {
  try {
    parseSendMessage(body);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError);
    expect((err as InvalidMessageError).code).toBe('invalid-message');
    return (err as InvalidMessageError).problems;
  }
  throw new Error('expected the message to be rejected');
}

describe('parseSendMessage', () => {
  it('accepts the DESIGN.md example and keeps every field', () => {
    const body = JSON.stringify({
      object: { uuid: UUID, alias: true },
      from: 'primary',
      to: 'dr',
      nodeHint: '10.0.0.12:80',
      feeds: { ids: [2], types: ['replication'], timeout: 60, force: false },
      correlationId: 'order-4711',
    });
    expect(parseSendMessage(body)).toStrictEqual({
      object: { uuid: UUID, alias: true },
      from: 'primary',
      to: 'dr',
      nodeHint: '10.0.0.12:80',
      feeds: { ids: [2], types: ['replication'], timeout: 60, force: false },
      correlationId: 'order-4711',
    });
  });

  it('reads op: "send" and "delete" kept as given, absent left absent (a send); anything else is invalid', () => {
    expect(parseSendMessage(JSON.stringify({ object: { uuid: UUID } })).op).toBeUndefined();
    expect(parseSendMessage(JSON.stringify({ object: { uuid: UUID }, op: 'send' })).op).toBe('send');
    const del = parseSendMessage(JSON.stringify({ object: { uuid: UUID }, op: 'delete' }));
    expect(del).toStrictEqual({ object: { uuid: UUID }, op: 'delete' });
    expect(isDelete(del)).toBe(true);
    expect(isDelete({})).toBe(false);
    expect(isDelete({ op: 'send' })).toBe(false);
    for (const op of ['DELETE', 'remove', '', null, 1, ['delete']])
      expect(problemsOf(JSON.stringify({ object: { uuid: UUID }, op }))[0]).toMatch(/^op: /);
  });

  it('accepts a named object whose name holds slashes and UTF-8', () => {
    const m = parseSendMessage(
      JSON.stringify({
        object: { domain: 'acme.example.com', bucket: 'invoices', name: '2026/11/Rechnung für Müller.pdf' },
      }),
    );
    expect(m.object).toStrictEqual({
      domain: 'acme.example.com',
      bucket: 'invoices',
      name: '2026/11/Rechnung für Müller.pdf',
    });
    expect(describeObject(m.object)).toBe('acme.example.com/invoices/2026/11/Rechnung für Müller.pdf');
  });

  it('ignores unknown fields, including ones that try to name a host or a credential', () => {
    const m = parseSendMessage(
      JSON.stringify({ object: { uuid: UUID }, host: '203.0.113.9', password: 'x', extra: { deep: 1 } }),
    );
    expect(m).toStrictEqual({ object: { uuid: UUID } });
  });

  it.each([
    ['not JSON', '{"object":', 'body is not valid JSON'],
    ['a JSON array', '[1,2]', 'body:'],
    ['no object', '{}', 'object:'],
    ['a short uuid', JSON.stringify({ object: { uuid: 'abc' } }), 'object'],
    [
      'a uuid with extra keys mixed with a name',
      JSON.stringify({ object: { uuid: UUID, bucket: 'b', name: 'n', domain: 'd' } }),
      'object',
    ],
    [
      'CR/LF in a name',
      JSON.stringify({ object: { domain: 'd.example', bucket: 'b', name: 'a\r\nHost: evil' } }),
      'object',
    ],
    ['NUL in a name', JSON.stringify({ object: { domain: 'd.example', bucket: 'b', name: 'a\u0000b' } }), 'object'],
    ['a slash in a bucket', JSON.stringify({ object: { domain: 'd.example', bucket: 'a/b', name: 'n' } }), 'object'],
    ['a lone surrogate in a name', '{"object":{"domain":"d.example","bucket":"b","name":"\\ud800x"}}', 'object'],
    ['a from key with spaces', JSON.stringify({ object: { uuid: UUID }, from: 'pri mary' }), 'from'],
    ['an empty feed selection', JSON.stringify({ object: { uuid: UUID }, feeds: {} }), 'feeds'],
    ['a bad feed type', JSON.stringify({ object: { uuid: UUID }, feeds: { types: ['ftp'] } }), 'feeds'],
    ['version 2', JSON.stringify({ version: 2, object: { uuid: UUID } }), 'version'],
  ])('rejects %s with reason invalid-message', (_what, body, expected) => {
    const problems = problemsOf(body);
    expect(problems.join('\n')).toContain(expected);
  });

  it.each([
    ['a path', '10.0.0.1:80/x'],
    ['no port', '10.0.0.1'],
    ['port 0', '10.0.0.1:0'],
    ['a port above 65535', '10.0.0.1:65536'],
    ['a scheme', 'http://10.0.0.1:80'],
    ['an unbracketed IPv6 address', 'fd00::1:80'],
    ['CR/LF', '10.0.0.1:80\r\nHost: evil'],
    ['a number', 8080],
    ['an object', { host: '10.0.0.1', port: 80 }],
    ['301 characters', `${'a'.repeat(295)}.x:80`],
  ])('ignores a malformed nodeHint (%s) with a warning, and keeps the message', (_what, nodeHint) => {
    const read = readSendMessage(JSON.stringify({ object: { uuid: UUID }, nodeHint, correlationId: 'c-1' }));
    expect(read.message).toStrictEqual({ object: { uuid: UUID }, correlationId: 'c-1' });
    expect(read.warnings).toStrictEqual(['nodeHint ignored: not host:port (port 1-65535)']);
  });

  it.each([
    ['a short uuid', { object: { uuid: 'abc' } }, 'object.uuid: must be 32 hex digits'],
    [
      'CR/LF in a name',
      { object: { domain: 'd.example', bucket: 'b', name: 'a\r\nx' } },
      'object.name: must not contain control characters',
    ],
    [
      'a lone surrogate in a name',
      { object: { domain: 'd.example', bucket: 'b', name: '\ud800x' } },
      'object.name: must be valid Unicode (no lone surrogates)',
    ],
    [
      'a domain starting with -',
      { object: { domain: '-bad', bucket: 'b', name: 'n' } },
      'object.domain: must be a domain name',
    ],
    [
      'a slash in a bucket',
      { object: { domain: 'd.example', bucket: 'a/b', name: 'n' } },
      'object.bucket: must be letters, digits, "_", "." or "-"',
    ],
    ['an empty feed selection', { object: { uuid: UUID }, feeds: {} }, 'feeds: feeds needs at least one id or type'],
    ['a from key with spaces', { object: { uuid: UUID }, from: 'pri mary' }, 'from: must be a registry key'],
    ['an object that is a number', { object: 5 }, 'object: must be { uuid, alias? } or { domain, bucket, name }'],
  ])('names the rule that %s breaks, at its path', (_what, body, problem) => {
    expect(problemsOf(JSON.stringify(body))).toStrictEqual([problem]);
  });

  it('reads a message without a nodeHint with no warning', () => {
    expect(readSendMessage(JSON.stringify({ object: { uuid: UUID } }))).toStrictEqual({
      message: { object: { uuid: UUID } },
      warnings: [],
    });
  });

  it('keeps a well-formed nodeHint, IPv6 in brackets included, without a warning', () => {
    for (const hint of ['10.0.0.12:80', 'node-1.swarm.example:8080', '[fd00::12]:80', '[::ffff:10.0.0.1]:65535']) {
      expect(isNodeHint(hint)).toBe(true);
      expect(readSendMessage(JSON.stringify({ object: { uuid: UUID }, nodeHint: hint }))).toStrictEqual({
        message: { object: { uuid: UUID }, nodeHint: hint },
        warnings: [],
      });
    }
  });

  it('rejects a body over 64 KiB without parsing it', () => {
    const body = JSON.stringify({ object: { uuid: UUID }, correlationId: 'x'.repeat(70_000) });
    expect(problemsOf(body)).toStrictEqual(['body is larger than 65536 bytes']);
  });

  it('never repeats the body in its error message', () => {
    const secret = 'hunter2-very-secret';
    const problems = problemsOf(JSON.stringify({ object: { uuid: secret } }));
    expect(problems.join(' ')).not.toContain(secret);
  });
});
