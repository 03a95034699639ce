import { errorCode } from '../../../../functions/core/transport/network.js';

// undici and the socket layer report failures by `code` (sometimes on the `cause`): each maps to
// one stable reason, and anything unknown is a plain network error, never a success.

const err = (code: string, cause?: { code?: string; name?: string }) => Object.assign(new Error(code), { code, cause });

describe('errorCode', () => {
  it.each([
    ['an AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'deadline-exceeded'],
    ['an abort as the cause', err('UND_ERR_X', { name: 'AbortError' }), 'deadline-exceeded'],
    ['UND_ERR_ABORTED', err('UND_ERR_ABORTED'), 'deadline-exceeded'],
    ['ABORT_ERR', err('ABORT_ERR'), 'deadline-exceeded'],
    ['ECONNREFUSED', err('ECONNREFUSED'), 'connection-refused'],
    ['ECONNREFUSED as the cause', err('UND_ERR_CONNECT', { code: 'ECONNREFUSED' }), 'connection-refused'],
    ['UND_ERR_CONNECT_TIMEOUT', err('UND_ERR_CONNECT_TIMEOUT'), 'connect-timeout'],
    ['ETIMEDOUT', err('ETIMEDOUT'), 'connect-timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', err('UND_ERR_HEADERS_TIMEOUT'), 'idle-timeout'],
    ['UND_ERR_BODY_TIMEOUT', err('UND_ERR_BODY_TIMEOUT'), 'idle-timeout'],
    ['CERT_HAS_EXPIRED', err('CERT_HAS_EXPIRED'), 'tls-rejected'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', err('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls-rejected'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', err('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls-rejected'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', err('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls-rejected'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', err('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls-rejected'],
    ['UND_ERR_SOCKET', err('UND_ERR_SOCKET'), 'connection-reset'],
    ['ECONNRESET', err('ECONNRESET'), 'connection-reset'],
    ['EPIPE', err('EPIPE'), 'connection-reset'],
    ['UND_ERR_CLOSED', err('UND_ERR_CLOSED'), 'connection-reset'],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', err('UND_ERR_RES_CONTENT_LENGTH_MISMATCH'), 'connection-reset'],
    ['an HTTP parser error', err('HPE_INVALID_CONSTANT'), 'connection-reset'],
    ['an unknown code', err('EHOSTUNREACH'), 'network-error'],
    ['an error without a code', new Error('odd'), 'network-error'],
    ['no error object at all', undefined, 'network-error'],
    ['null', null, 'network-error'],
  ])('maps %s', (_what, error, code) => {
    expect(errorCode(error)).toBe(code);
  });

  it('an abort wins over any other code it carries', () => {
    expect(errorCode(Object.assign(err('ECONNRESET'), { name: 'AbortError' }))).toBe('deadline-exceeded');
  });
});
