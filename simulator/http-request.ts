/** A parsed HTTP/1.1 request and its query arguments. */

/** Request headers; names match case-insensitively, repeated headers keep their order. */
export class RequestHeaders {
  private readonly map = new Map<string, string[]>();

  /** Adds one header line (the parser calls this in wire order). */
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const list = this.map.get(key);
    if (list) list.push(value);
    else this.map.set(key, [value]);
  }

  /** The first value of a header. */
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.[0];
  }

  getAll(name: string): readonly string[] {
    return this.map.get(name.toLowerCase()) ?? [];
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  /** Every header as `[lower-case name, value]`, in wire order per name. */
  entries(): [string, string][] {
    return [...this.map].flatMap(([name, values]) => values.map((v): [string, string] => [name, v]));
  }
}

/** One query argument; `value` is undefined for a bare flag such as `admin` in `?alias&admin`. */
export interface QueryArg {
  readonly key: string;
  readonly value: string | undefined;
  /** The argument as it appeared on the wire (kept for redirects). */
  readonly raw: string;
}

/** The query string of a request, in order. */
export class QueryArgs {
  readonly list: readonly QueryArg[];

  constructor(raw: string) {
    const list: QueryArg[] = [];
    if (raw !== '') {
      for (const part of raw.split('&')) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const key = safeDecode(eq < 0 ? part : part.slice(0, eq)).toLowerCase();
        const value = eq < 0 ? undefined : safeDecode(part.slice(eq + 1));
        list.push({ key, value, raw: part });
      }
    }
    this.list = list;
  }

  has(key: string): boolean {
    return this.list.some((a) => a.key === key);
  }

  /** The first value of `key` ('' for a bare flag), or undefined when absent. */
  get(key: string): string | undefined {
    const arg = this.list.find((a) => a.key === key);
    return arg === undefined ? undefined : (arg.value ?? '');
  }

  getAll(key: string): string[] {
    return this.list.filter((a) => a.key === key).map((a) => a.value ?? '');
  }

  /** The raw query without the arguments named in `drop`. */
  rawWithout(drop: string): string {
    return this.list
      .filter((a) => a.key !== drop)
      .map((a) => a.raw)
      .join('&');
  }
}

/** Percent-decoding that leaves a malformed escape as it is instead of throwing. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A complete request as the parser delivers it. */
export interface SimRequest {
  readonly method: string;
  /** The request-target exactly as sent (what a Digest `uri` must equal). */
  readonly target: string;
  /** HTTP version token, e.g. `HTTP/1.1`. */
  readonly version: string;
  /** Raw (still percent-encoded) path of the target. */
  readonly path: string;
  /** Raw query string without the `?`; '' when absent. */
  readonly rawQuery: string;
  readonly query: QueryArgs;
  readonly headers: RequestHeaders;
  readonly body: Buffer;
  /** The client asked to close the connection after this exchange. */
  readonly wantsClose: boolean;
}

/** Splits a request-target into path and query; absolute-form targets lose scheme and authority. */
export function splitTarget(target: string): { path: string; rawQuery: string } {
  let rest = target;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?]*/i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length) || '/';
  const q = rest.indexOf('?');
  if (q < 0) return { path: rest, rawQuery: '' };
  return { path: rest.slice(0, q), rawQuery: rest.slice(q + 1) };
}
