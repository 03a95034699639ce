import { InvalidMessageError } from '../../../functions/core/errors.js';
import { isNodeHint, parseSendMessage } from '../../../functions/core/message/message.js';
import { parseRegistry } from '../../../functions/core/registry/registry.js';
import { parseSendBody } from '../../../functions/core/send/response-parser.js';

// Every validation pattern is anchored at both ends. Each case below is accepted by the pattern
// with one of its anchors removed, so each anchor is held by a test of its own.

const UUID = '97f7149dec6cbc0aa1e9425688158969';

function rejected(message: Record<string, unknown>): boolean {
  try {
    parseSendMessage(JSON.stringify(message));
    return false;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError);
    return true;
  }
}

describe('message patterns hold both anchors', () => {
  it('accepts the plain values the cases below are built from', () => {
    expect(rejected({ object: { uuid: UUID }, from: 'primary', nodeHint: '10.0.0.1:80' })).toBe(false);
    expect(rejected({ object: { domain: 'acme.example', bucket: 'b-1', name: 'n' } })).toBe(false);
  });

  it.each([
    ['a path in front of the UUID (needs ^)', `../x/${UUID}`],
    ['one character in front of the UUID (needs ^)', `x${UUID}`],
    ['a path after the UUID (needs $)', `${UUID}/../admin`],
    ['a query after the UUID (needs $)', `${UUID}?admin`],
    ['both ends padded (needs either)', `/${UUID}/`],
  ])('uuid: rejects %s', (_what, uuid) => {
    expect(rejected({ object: { uuid } })).toBe(true);
  });

  it.each([
    ['domain', { domain: '/etc.example', bucket: 'b', name: 'n' }],
    ['domain', { domain: 'acme.example/', bucket: 'b', name: 'n' }],
    ['bucket', { domain: 'acme.example', bucket: '/b', name: 'n' }],
    ['bucket', { domain: 'acme.example', bucket: 'b/', name: 'n' }],
    ['name with a control character first', { domain: 'acme.example', bucket: 'b', name: '\rn' }],
    ['name with a control character last', { domain: 'acme.example', bucket: 'b', name: 'n\n' }],
  ])('%s: rejects a bad character at either end', (_what, object) => {
    expect(rejected({ object })).toBe(true);
  });

  it.each([
    ['a path in front (needs ^)', 'evil/10.0.0.1:80'],
    ['a path after the port (needs $)', '10.0.0.1:80/x'],
  ])('nodeHint: %s is not a hint, and the message goes on without it', (_what, nodeHint) => {
    expect(isNodeHint(nodeHint)).toBe(false);
    const message = parseSendMessage(JSON.stringify({ object: { uuid: UUID }, nodeHint }));
    expect(message).not.toHaveProperty('nodeHint');
  });

  it.each([
    ['from', { from: '/primary' }],
    ['from', { from: 'primary/' }],
    ['to', { to: '../dr' }],
    ['correlationId', { correlationId: '\u0000id' }],
    ['correlationId', { correlationId: 'id\u0085' }],
  ])('%s: rejects a bad character at either end', (_what, extra) => {
    expect(rejected({ object: { uuid: UUID }, ...extra })).toBe(true);
  });
});

describe('registry patterns hold both anchors', () => {
  const registry =
    (nodes: string[], key = 'primary') =>
    () =>
      parseRegistry({
        clusters: {
          [key]: { name: 'baker', nodes, credentials: 'x' },
          dr: { name: 'dr', target: '10.1.0.1:80', credentials: 'y' },
        },
      });

  it('accepts plain addresses and keys', () => {
    expect(registry(['10.0.0.1:80', 'https://node.example:443'])).not.toThrow();
  });

  it.each([['x 10.0.0.1:80'], ['10.0.0.1:80/path'], ['10.0.0.1:80 x']])('rejects the node address %j', (address) => {
    expect(registry([address])).toThrow();
  });

  it.each([['a/b'], ['/a'], ['a/']])('rejects the cluster key %j', (key) => {
    expect(registry(['10.0.0.1:80'], key)).toThrow();
  });
});

describe('feed-status lines and trailers must be exactly Feed-<id>-Status', () => {
  it('ignores a longer header that only contains the feed header name', () => {
    const body = 'X-Feed-2-Status: 0\r\nFeed-3-Status-Old: 0\r\nFeed-4-Status: 1\r\n';
    expect(parseSendBody(body).feeds).toStrictEqual({ '4': { status: 1, statusTime: null } });
  });

  it('ignores look-alike trailers', () => {
    expect(
      parseSendBody('', { 'x-feed-2-status': '0', 'feed-2-statusx': '0', 'feed-5-status': '0' }).feeds,
    ).toStrictEqual({ '5': { status: 0, statusTime: null } });
  });

  it('reads a status only when it is all digits', () => {
    expect(parseSendBody('Feed-2-Status: 0x\r\nFeed-3-Status: x0\r\n').feeds).toStrictEqual({
      '2': { status: null, statusTime: null },
      '3': { status: null, statusTime: null },
    });
  });
});
