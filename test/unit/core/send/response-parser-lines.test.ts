import { parseSendBody } from '../../../../functions/core/send/response-parser.js';
import { describeCastorError, lastCastorError } from '../../../../functions/core/transport/cluster-transport.js';

// The shapes of result and feed-status lines in a SEND body that count, and the ones that do not.

describe('parseSendBody line shapes', () => {
  it('reads a result line with several blanks and no colon before the number', () => {
    expect(parseSendBody('Remote cluster returned  \t 201\n').remoteStatus).toBe(201);
  });

  it('reads a feed status header without a blank after its colon', () => {
    expect(parseSendBody('Feed-2-Status:0\nFeed-2-StatusTime:Tue, 04 Mar 2025 10:00:04 GMT\n').feeds).toStrictEqual({
      '2': { status: 0, statusTime: 'Tue, 04 Mar 2025 10:00:04 GMT' },
    });
  });

  it('reads feed ids and statuses of more than one digit', () => {
    expect(parseSendBody('Feed-12-Status: 10\n', { 'feed-305-status': '255' }).feeds).toStrictEqual({
      '12': { status: 10, statusTime: null },
      '305': { status: 255, statusTime: null },
    });
  });

  it.each([
    ['after other text', 'X-Note feed-1-status: 0'],
    ['inside an HTML element', '<p>Feed-1-Status: 0</p>'],
    ['with a Unicode line separator in its value', 'Feed-1-Status: 0\u2028and more'],
  ])('does not read a feed status header quoted %s', (_what, line) => {
    expect(parseSendBody(`${line}\n`).feeds).toStrictEqual({});
  });
});

describe('parseSendBody feed status values', () => {
  it('reads a status with blanks around it in a trailer', () => {
    expect(parseSendBody('', { 'feed-2-status': ' 0 ', 'feed-2-statustime': ' t ' }).feeds).toStrictEqual({
      '2': { status: 0, statusTime: 't' },
    });
  });

  it.each([['0x'], ['x0'], ['1.0'], ['-1']])('has no status for "%s"', (value) => {
    expect(parseSendBody(`Feed-2-Status: ${value}\n`).feeds).toStrictEqual({ '2': { status: null, statusTime: null } });
  });
});

describe('lastCastorError in a cascade of three', () => {
  it('takes the last of each header', () => {
    const headers = {
      'castor-system-error-code': ['400', '412', '403'],
      'castor-system-error-token': ['A', 'B', 'Forbidden'],
      'castor-system-error-text': ['x', 'y', 'no'],
    };
    expect(lastCastorError(headers)).toStrictEqual({ code: '403', token: 'Forbidden', text: 'no' });
    expect(describeCastorError(headers)).toBe('Forbidden (403): no');
  });
});
