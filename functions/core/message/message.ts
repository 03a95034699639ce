import './zod-locale.js';
import * as z from 'zod/mini';
import { InvalidMessageError } from '../errors.js';

/**
 * The SEND request message (DESIGN.md section 1): one JSON object per SQS message body.
 * A message names an object and, optionally, registry keys and a node hint. It can never name a
 * host, a port or a credential: those come only from the cluster registry.
 */

// No C0/C1 control characters (CR, LF, NUL, ...) anywhere a value may reach a request or a log.
const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f]*$/;
const printable = (max: number) =>
  z.string().check(
    z.minLength(1),
    z.maxLength(max),
    z.regex(NO_CONTROL, 'must not contain control characters'),
    z.refine((s: string) => s.isWellFormed(), 'must be valid Unicode (no lone surrogates)'),
  );

/** An object UUID as Swarm writes it: 32 hex digits, either case. */
export const OBJECT_UUID = /^[0-9a-fA-F]{32}$/;

const uuidSchema = z.string().check(z.regex(OBJECT_UUID, 'must be 32 hex digits'));

const unnamedShape = {
  uuid: uuidSchema,
  alias: z.optional(z.boolean()),
};

const namedShape = {
  // Domains are DNS-style names; the cluster's default domain is its cluster.name.
  domain: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(253),
      z.regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/, 'must be a domain name'),
    ),
  // Swarm bucket names: alphanumerics, '_', '.', '-' (no ':', ',' or '/').
  bucket: z
    .string()
    .check(z.minLength(1), z.maxLength(255), z.regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, "_", "." or "-"')),
  name: printable(4096),
};

const objectSchema = z.union([z.strictObject(unnamedShape), z.strictObject(namedShape)], {
  error: 'must be { uuid, alias? } or { domain, bucket, name }',
});

const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253}):(\d{1,5})$/;

/**
 * Whether a value is a well-formed `nodeHint`: `host:port` or `[IPv6]:port`, port 1-65535, at
 * most 300 characters. Where it may lead is the SEND client's decision, not this one's.
 */
export function isNodeHint(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 300) return false;
  const port = HOST_PORT.exec(value)?.[1];
  return port !== undefined && Number(port) >= 1 && Number(port) <= 65_535;
}

export const FEED_TYPES = ['all', 'search', 'indexing', 'replication', 's3backup'] as const;

export const feedsSchema = z
  .object({
    ids: z.optional(
      z.array(z.union([z.int().check(z.minimum(0), z.maximum(1_000_000)), z.literal('all')])).check(z.maxLength(8)),
    ),
    types: z.optional(z.array(z.enum(FEED_TYPES)).check(z.maxLength(5))),
    timeout: z.optional(z.union([z.number().check(z.positive(), z.maximum(3600)), z.boolean()])),
    force: z.optional(z.boolean()),
  })
  .check(z.refine((f) => (f.ids?.length ?? 0) + (f.types?.length ?? 0) > 0, 'feeds needs at least one id or type'));

/**
 * What a message asks for: `send` (the default; absent means `send`) copies the object to DR,
 * `delete` asks the route to remove DR's copy once the source proves the object gone
 * (docs/deletes.md). A delete ignores `feeds` and `nodeHint`.
 */
export const MESSAGE_OPS = ['send', 'delete'] as const;
export type MessageOp = (typeof MESSAGE_OPS)[number];

const registryKey = z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a registry key'));

/** Most destinations one message may name (docs/fan-out.md). */
export const MAX_DESTINATIONS = 16;

/**
 * Several destinations (`to: ["dr-east", "dr-west"]`): each gets its own message, SEND and
 * outcome (docs/fan-out.md). No key twice: the JSON Schema says so with `uniqueItems`.
 */
export const destinationListSchema = z.array(registryKey).check(
  z.minLength(1),
  z.maxLength(MAX_DESTINATIONS),
  z.refine((keys: string[]) => new Set(keys).size === keys.length, 'must not name a destination twice'),
);

export const messageSchema = z.object({
  version: z.optional(z.literal(1)),
  object: objectSchema,
  from: z.optional(registryKey),
  to: z.optional(z.union([registryKey, destinationListSchema])),
  // Optional and only a preference: a malformed hint is dropped with a warning (readSendMessage),
  // never a reason to refuse the message.
  nodeHint: z.optional(z.unknown()),
  feeds: z.optional(feedsSchema),
  correlationId: z.optional(printable(256)),
  op: z.optional(z.enum(MESSAGE_OPS)),
  // The object's size in bytes, when the producer knows it (sizeFromWrite): a route with a
  // largeObjects policy plans the copy from it instead of asking the source (docs/large-objects.md).
  size: z.optional(z.int().check(z.minimum(0))),
});

export type UnnamedObject = z.infer<z.ZodMiniObject<typeof unnamedShape>>;
export type NamedObject = z.infer<z.ZodMiniObject<typeof namedShape>>;
export type ObjectRef = UnnamedObject | NamedObject;
export type FeedSelection = z.infer<typeof feedsSchema>;
export type FeedType = (typeof FEED_TYPES)[number];
export type SendMessage = Omit<z.infer<typeof messageSchema>, 'nodeHint'> & { nodeHint?: string | undefined };

/** A valid message, and what was dropped from it (a malformed `nodeHint`), for a warning. */
export interface ReadMessage {
  readonly message: SendMessage;
  readonly warnings: readonly string[];
}

/** True for a message that asks for a delete (`op: "delete"`). */
export function isDelete(message: Pick<SendMessage, 'op'>): boolean {
  return message.op === 'delete';
}

export function isNamed(ref: ObjectRef): ref is NamedObject {
  return 'bucket' in ref;
}

/** Largest body accepted; SQS allows 1 MiB, a SEND message is a few hundred bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Parses and validates one SQS body. Unknown fields are ignored. Throws `InvalidMessageError`
 * (reason `invalid-message`) naming every problem; never echoes the body itself.
 */
export function parseSendMessage(body: string): SendMessage {
  return readSendMessage(body).message;
}

/**
 * `parseSendMessage`, also saying what was dropped: a `nodeHint` that is not `host:port` is
 * removed (the message is SENT on the configured nodes) and named in `warnings`, without its
 * value, which may be hostile.
 */
export function readSendMessage(body: string): ReadMessage {
  if (typeof body !== 'string') throw new InvalidMessageError(['body is not a string']);
  if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) {
    throw new InvalidMessageError([`body is larger than ${MAX_MESSAGE_BYTES} bytes`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidMessageError(['body is not valid JSON']);
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidMessageError(
      parsed.error.issues.slice(0, 10).map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`),
    );
  }
  const { nodeHint, ...rest } = parsed.data;
  if (nodeHint === undefined) return { message: rest, warnings: [] };
  if (isNodeHint(nodeHint)) return { message: { ...rest, nodeHint }, warnings: [] };
  return { message: rest, warnings: ['nodeHint ignored: not host:port (port 1-65535)'] };
}

/** A short, log-safe description of an object: the uuid, or domain/bucket/name. */
export function describeObject(ref: ObjectRef): string {
  return isNamed(ref) ? `${ref.domain}/${ref.bucket}/${ref.name}` : ref.uuid;
}
