import type { ClientErrorCode } from './classify.js';

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

/** Maps an undici / socket error to a stable code (undici docs: match on `code`, not class). */
export function errorCode(err: unknown): ClientErrorCode {
  const e = err as { code?: string; name?: string; cause?: { code?: string; name?: string } };
  const any = `${e?.code ?? ''} ${e?.cause?.code ?? ''}`;
  if (e?.name === 'AbortError' || e?.cause?.name === 'AbortError' || /UND_ERR_ABORTED|ABORT_ERR/.test(any))
    return 'deadline-exceeded';
  if (/ECONNREFUSED/.test(any)) return 'connection-refused';
  if (/UND_ERR_CONNECT_TIMEOUT|ETIMEDOUT/.test(any)) return 'connect-timeout';
  if (/UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT/.test(any)) return 'idle-timeout';
  if (TLS_CODES.test(any)) return 'tls-rejected';
  if (/UND_ERR_SOCKET|ECONNRESET|EPIPE|UND_ERR_CLOSED|UND_ERR_RES_CONTENT_LENGTH_MISMATCH|HPE_/.test(any))
    return 'connection-reset';
  return 'network-error';
}
