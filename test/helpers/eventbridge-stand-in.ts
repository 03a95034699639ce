import { createServer, type IncomingMessage, type Server } from 'node:http';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

/** One PutEvents entry as the SDK put it on the wire. */
export interface RecordedEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
}

/** One PutEvents request the stand-in received. */
export interface RecordedCall {
  readonly target: string | undefined;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly bytes: number;
  readonly entries: readonly RecordedEntry[];
}

export interface EventBridgeStandIn {
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  /** The entries the stand-in accepted, in order. */
  readonly accepted: RecordedEntry[];
  /** A real SDK client pointed at the stand-in (placeholder credentials, one SDK attempt). */
  client(): EventBridgeClient;
  close(): Promise<void>;
}

/**
 * No EventBridge emulator is published on npm (serverless-offline-aws-eventbridge is a
 * Serverless plugin, not a standalone endpoint), so this is a loopback HTTP server that speaks
 * PutEvents as the AWS JSON 1.1 protocol carries it (POST /, X-Amz-Target: AWSEvents.PutEvents):
 * it records each request and answers each entry with an EventId, or with the ErrorCode that
 * `refuse(entry, timesSeen)` returns (timesSeen counts this entry's Detail, from 1), setting
 * FailedEntryCount as EventBridge does. `status` answers a whole call with an HTTP error instead.
 */
export async function startEventBridgeStandIn(
  o: {
    refuse?: (entry: RecordedEntry, timesSeen: number) => string | null;
    status?: (call: number) => number | null;
  } = {},
): Promise<EventBridgeStandIn> {
  const calls: RecordedCall[] = [];
  const accepted: RecordedEntry[] = [];
  const seen = new Map<string, number>();
  let ids = 0;
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const server: Server = createServer((req, res) => {
    void read(req).then((raw) => {
      const body = JSON.parse(raw.toString('utf8')) as { Entries: RecordedEntry[] };
      calls.push({
        target: req.headers['x-amz-target'] as string | undefined,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        bytes: raw.length,
        entries: body.Entries,
      });
      const status = o.status?.(calls.length);
      if (status) {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'InternalException', message: 'stand-in failure' }));
        return;
      }
      let failed = 0;
      const results = body.Entries.map((entry) => {
        const times = (seen.get(entry.Detail) ?? 0) + 1;
        seen.set(entry.Detail, times);
        const code = o.refuse?.(entry, times) ?? null;
        if (code) {
          failed += 1;
          return { ErrorCode: code, ErrorMessage: `stand-in refused (${code})` };
        }
        accepted.push(entry);
        return { EventId: `event-${++ids}` };
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FailedEntryCount: failed, Entries: results }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    endpoint,
    calls,
    accepted,
    client: () =>
      new EventBridgeClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'placeholder', secretAccessKey: 'placeholder' },
        maxAttempts: 1,
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
