import { parseSendBody } from '../../../../functions/core/send/response-parser.js';
import { describeCastorError, lastCastorError } from '../../../../functions/core/transport/cluster-transport.js';

describe('parseSendBody', () => {
  it('reads the result line after keep-alive newlines', () => {
    expect(parseSendBody('\n\n\nRemote cluster returned: 201\n')).toStrictEqual({ remoteStatus: 201, feeds: {} });
  });

  it('takes the last result line and tolerates case, CRLF and a missing colon', () => {
    expect(parseSendBody('Remote cluster returned: 503\r\nremote CLUSTER returned 201\r\n').remoteStatus).toBe(201);
  });

  it.each([
    ['four digits', 'Remote cluster returned: 2010'],
    ['digits followed by letters', 'Remote cluster returned: 201abc'],
    ['an HTML element quoting the line', '<p>Remote cluster returned: 201</p>'],
    ['prose quoting the line', 'The log says Remote cluster returned: 201 yesterday'],
    ['a prefix before the line', 'x Remote cluster returned: 201'],
    ['no separator before the number', 'Remote cluster returned201'],
    ['two digits', 'Remote cluster returned: 20'],
  ])('counts only a whole result line: ignores %s', (_what, line) => {
    expect(parseSendBody(`\n${line}\n`).remoteStatus).toBeNull();
    // ...and such a line after a real one does not replace it (the last *matching* line wins).
    expect(parseSendBody(`Remote cluster returned: 409\n${line}\n`).remoteStatus).toBe(409);
  });

  it('accepts the whole line with surrounding blanks, and without a space after the colon', () => {
    expect(parseSendBody('  Remote cluster returned: 201 \t\r\n').remoteStatus).toBe(201);
    expect(parseSendBody('Remote cluster returned:409\n').remoteStatus).toBe(409);
  });

  it('returns null when the body has no result line', () => {
    expect(parseSendBody('\n\n').remoteStatus).toBeNull();
  });

  it('reads feed statuses from the body copy and lets the real trailers win', () => {
    const body =
      '\nFeed-2-Status: 1\r\nFeed-2-StatusTime: \r\nFeed-3-Status: 0\r\nFeed-3-StatusTime: Tue, 04 Mar 2025 10:00:03 GMT\r\n';
    expect(
      parseSendBody(body, { 'feed-2-status': '0', 'feed-2-statustime': 'Tue, 04 Mar 2025 10:00:04 GMT' }).feeds,
    ).toStrictEqual({
      '2': { status: 0, statusTime: 'Tue, 04 Mar 2025 10:00:04 GMT' },
      '3': { status: 0, statusTime: 'Tue, 04 Mar 2025 10:00:03 GMT' },
    });
  });
});

describe('parseSendBody and repeated trailers', () => {
  it('takes the last value of a trailer that came several times', () => {
    expect(
      parseSendBody('', { 'feed-2-status': ['2', '1', '0'], 'feed-2-statustime': ['a', 'b', 'c'] }).feeds,
    ).toStrictEqual({ '2': { status: 0, statusTime: 'c' } });
  });

  it('reads a trailer with no value as no status and no time', () => {
    expect(parseSendBody('', { 'feed-2-status': [], 'feed-2-statustime': [] }).feeds).toStrictEqual({
      '2': { status: null, statusTime: null },
    });
  });
});

describe('parseSendBody and lines that are no feed status', () => {
  it('skips lines that are no header, headers of no feed, and trailers with no value', () => {
    expect(
      parseSendBody('just text\nX-Other: 1\nFeed-x-Status: 0\nFeed-4-Status: soon\n', {
        'feed-5-status': undefined,
        'x-other': '1',
      }).feeds,
    ).toStrictEqual({ '4': { status: null, statusTime: null } });
  });
});

describe('lastCastorError', () => {
  it('returns the last triple of a cascade', () => {
    expect(
      lastCastorError({
        'castor-system-error-code': ['404', '412'],
        'castor-system-error-token': ['SecurityRealmFailure', 'RequiresContext2'],
        'castor-system-error-text': ['realm failed', 'bucket context required'],
      }),
    ).toStrictEqual({ code: '412', token: 'RequiresContext2', text: 'bucket context required' });
    expect(lastCastorError({})).toBeNull();
  });

  it('folds the last triple into one detail line', () => {
    expect(
      describeCastorError({
        'castor-system-error-code': ['404', '412'],
        'castor-system-error-token': ['SecurityRealmFailure', 'RequiresContext2'],
        'castor-system-error-text': ['x', 'bucket context required'],
      }),
    ).toBe('RequiresContext2 (412): bucket context required');
    expect(describeCastorError({ 'castor-system-error-text': 'Invalid user or password' })).toBe(
      'Invalid user or password',
    );
    expect(describeCastorError({})).toBeNull();
    // Headers present but empty say nothing: no detail rather than an empty one.
    expect(describeCastorError({ 'castor-system-error-code': '', 'castor-system-error-text': '' })).toBeNull();
    expect(lastCastorError({ 'castor-system-error-code': [] })).toBeNull();
  });
});
