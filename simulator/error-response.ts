import { httpNow } from './http-date.js';
import { reasonPhrase, type Header, type ResponseWriter } from './http-response.js';

/** One `Castor-System-Error-*` triple; several form a cascade (the last is the most relevant). */
export interface ErrorEntry {
  code: number;
  token: string;
  text: string;
}

const TOKENS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'ObjectNotFound',
  409: 'Conflict',
  411: 'LengthRequired',
  412: 'PreconditionFailed',
  413: 'RequestTooLarge',
  500: 'InternalError',
  501: 'NotImplemented',
  503: 'ServiceUnavailable',
  505: 'HTTPVersionNotSupported',
  507: 'InsufficientStorage',
};

const TEXTS: Readonly<Record<number, string>> = {
  401: 'Authentication required',
  403: 'Operation forbidden',
  404: 'Object not found',
  409: 'Object already exists',
  412: 'Precondition failed',
  500: 'Internal server error',
  503: 'Node cannot handle the request now; retry later or on another node',
  507: 'Cluster out of space',
};

/** What an error answer says and carries. */
export interface ErrorAnswer {
  /** Castor-System-Error-Text and the html body. @default - a text for the status */
  text?: string;
  /** @default - a token for the status */
  token?: string;
  /** Castor-System-Error-Code when it differs from the status. */
  code?: number;
  /** Earlier entries of a cascade, written before the main one. */
  cascade?: readonly ErrorEntry[];
  /** Headers written before the error headers (e.g. WWW-Authenticate, Allow). */
  extra?: readonly Header[];
}

/** Escapes text for the small html bodies. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** A short html page, as Swarm's error and status answers use. */
export function htmlPage(status: number, text?: string): string {
  const detail = text ? `<p>${escapeHtml(text)}</p>` : '';
  return `<html><body><h2>${status} ${reasonPhrase(status)}</h2>${detail}</body></html>\r\n`;
}

/**
 * Writes an error answer: text/html, `Castor-System-Error-Code/-Token/-Text` (cascade first),
 * Date and Server. A 5xx also sets `Connection: close`, and the connection closes after it.
 */
export function sendError(res: ResponseWriter, server: string, status: number, options: ErrorAnswer = {}): void {
  const text = options.text ?? TEXTS[status] ?? reasonPhrase(status);
  const entries: ErrorEntry[] = [
    ...(options.cascade ?? []),
    { code: options.code ?? status, token: options.token ?? TOKENS[status] ?? 'Error', text },
  ];
  const body = htmlPage(status, text);
  const headers: Header[] = [...(options.extra ?? [])];
  for (const entry of entries) {
    headers.push(
      ['Castor-System-Error-Code', String(entry.code)],
      ['Castor-System-Error-Token', entry.token],
      ['Castor-System-Error-Text', headerSafe(entry.text)],
    );
  }
  headers.push(
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Content-Type', 'text/html'],
    ['Date', httpNow()],
    ['Server', server],
  );
  if (status >= 500) {
    res.closeAfter = true;
    headers.push(['Connection', 'close']);
  }
  res.send(status, headers, body);
}

/** Header values must stay on one line and in ASCII. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
