/**
 * Turns the answer to a Swarm write into a `nodeHint` (swarm-scsp.md 2.3): for an erasure-coded
 * write (`Manifest: ec`) the host of the first `Location`, otherwise the host of the last one.
 * That node started the object's feed work first, so a SEND there finishes soonest.
 */
export function nodeHintFromWrite(headers: Readonly<Record<string, string | readonly string[] | undefined>> | Headers): string | null {
  const get = (name: string): string[] => {
    if (headers instanceof Headers) return splitLocations(headers.get(name));
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    const v = key ? headers[key] : undefined;
    if (v === undefined) return [];
    return typeof v === 'string' ? splitLocations(v) : v.flatMap((x) => splitLocations(x));
  };
  const locations = get('location');
  const ec = get('manifest').some((m) => m.trim().toLowerCase() === 'ec');
  const chosen = ec ? locations[0] : locations.at(-1);
  if (!chosen) return null;
  const m = /^https?:\/\/([^/?#]+)/i.exec(chosen.trim());
  if (!m?.[1]) return null;
  const host = m[1];
  // A Location without a port means the scheme's default.
  if (/:\d+$/.test(host)) return host;
  return `${host}:${/^https:/i.test(chosen.trim()) ? 443 : 80}`;
}

/** Several Location headers may arrive folded into one comma-separated value. */
function splitLocations(value: string | null): string[] {
  if (!value) return [];
  return value.split(/,\s*(?=https?:\/\/)/i).map((s) => s.trim());
}
