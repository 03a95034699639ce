/**
 * Reads what a SEND answered (swarm-scsp.md section A, 1.4, 2.4). The result of a legacy SEND is
 * the number on the last `Remote cluster returned: NNN` line of the chunked body; a feed SEND
 * reports `Feed-<id>-Status` / `-StatusTime` as trailers and again at the end of the body.
 */

export interface FeedStatus {
  readonly status: number | null;
  readonly statusTime: string | null;
}

export interface ParsedSendBody {
  /** The number on the last `Remote cluster returned:` line, or null. */
  readonly remoteStatus: number | null;
  /** Feed statuses by feed id, from the body copy merged with the real trailers (trailers win). */
  readonly feeds: Readonly<Record<string, FeedStatus>>;
}

/**
 * The result line, matched whole on a trimmed line: `Remote cluster returned: 201`. Exactly three
 * digits end the line, so `2010`, `201abc` or a sentence or HTML element quoting the line do not
 * count. Case and the colon are not relied on (swarm-scsp.md 1.4 reads it case-insensitively
 * with an optional colon; section A shows `Remote cluster returned: 201`); without the colon a
 * space must separate the number.
 */
const REMOTE_LINE = /^remote cluster returned(?::[ \t]*|[ \t]+)(\d{3})$/i;
const HEADER_LINE = /^([A-Za-z0-9-]+):[ \t]*(.*)$/;
const FEED_HEADER = /^feed-(\d+)-(status|statustime)$/i;

function addFeed(
  feeds: Record<string, { status: number | null; statusTime: string | null }>,
  name: string,
  value: string,
) {
  const m = FEED_HEADER.exec(name);
  if (!m?.[1] || !m[2]) return;
  const feed = (feeds[m[1]] ??= { status: null, statusTime: null });
  const v = value.trim();
  if (m[2].toLowerCase() === 'status') feed.status = /^\d+$/.test(v) ? Number(v) : null;
  else feed.statusTime = v === '' ? null : v;
}

/**
 * Parses a SEND body (already de-chunked) and the HTTP trailers. Keep-alive newlines, blank
 * lines and anything unrecognised are skipped.
 */
export function parseSendBody(
  body: string,
  trailers?: Readonly<Record<string, string | string[] | undefined>>,
): ParsedSendBody {
  let remoteStatus: number | null = null;
  const feeds: Record<string, { status: number | null; statusTime: string | null }> = {};
  for (const raw of body.split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (!line) continue;
    const remote = REMOTE_LINE.exec(line);
    if (remote?.[1]) {
      remoteStatus = Number(remote[1]);
      continue;
    }
    const header = HEADER_LINE.exec(line);
    if (header?.[1]) addFeed(feeds, header[1], header[2] ?? '');
  }
  for (const [name, value] of Object.entries(trailers ?? {})) {
    if (value === undefined) continue;
    addFeed(feeds, name, Array.isArray(value) ? (value.at(-1) ?? '') : value);
  }
  return { remoteStatus, feeds };
}
