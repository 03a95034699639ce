import { isIP } from 'node:net';

/** An IPv4 or IPv6 network, kept as a bigint prefix for exact matching. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
  readonly text: string;
}

function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } | null {
  const family = isIP(ip);
  if (family === 4) {
    const value = ip.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);
    return { family: 4, value };
  }
  if (family === 6) {
    let text = ip;
    // An IPv4-mapped tail ("::ffff:10.0.0.1") becomes two hextets.
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4?.[1]) {
      const n = ipToBigInt(v4[1])!.value;
      text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head = '', tail] = text.split('::');
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const fill = tail !== undefined ? 8 - h.length - t.length : 0;
    const parts = [...h, ...Array<string>(fill).fill('0'), ...t];
    const value = parts.reduce((acc, p) => (acc << 16n) + BigInt(parseInt(p, 16)), 0n);
    return { family: 6, value };
  }
  return null;
}

/** Parses `10.0.0.0/24`, `fd00::/8`, or a bare address (a /32 or /128). Throws on anything else. */
export function parseCidr(text: string): Cidr {
  const [addr = '', bitsText, ...extra] = text.split('/');
  if (extra.length) throw new Error(`not an IP network: ${text}`);
  const ip = ipToBigInt(addr.replace(/^\[|\]$/g, ''));
  if (!ip) throw new Error(`not an IP network: ${text}`);
  const width = ip.family === 4 ? 32 : 128;
  // An empty or non-decimal prefix ("10.0.0.0/", "/ 8", "/0x8") is an error, never a /0.
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) throw new Error(`bad prefix length: ${text}`);
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (bits > width) throw new Error(`bad prefix length: ${text}`);
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { family: ip.family, base: ip.value & mask, bits, text };
}

/** True when `host` is an IP address inside one of `networks`. Host names never match. */
export function isInNetworks(host: string, networks: readonly Cidr[]): boolean {
  const ip = ipToBigInt(host.replace(/^\[|\]$/g, ''));
  if (!ip) return false;
  return networks.some((n) => {
    if (n.family !== ip.family) return false;
    const width = n.family === 4 ? 32 : 128;
    const mask = n.bits === 0 ? 0n : ((1n << BigInt(n.bits)) - 1n) << BigInt(width - n.bits);
    return (ip.value & mask) === n.base;
  });
}

/** How a request ended on the client's side: a network error, or the auth or redirect policy. */
export type ClientErrorCode =
  | 'auth-rejected'
  | 'redirect-refused'
  | 'redirect-limit'
  | 'connection-refused'
  | 'connection-reset'
  | 'connect-timeout'
  | 'idle-timeout'
  | 'deadline-exceeded'
  | 'network-error'
  | 'tls-rejected'
  /** The SEND was never made: the credentials hold what no header can carry. */
  | 'credentials-invalid';

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
