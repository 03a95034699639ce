import fc from 'fast-check';

// The hostile-body corpus: what hostile-bodies.test.ts feeds the handler, and
// send-message-schema.test.ts feeds both the parser and the JSON Schema.

/** Marks every hostile body, so a test can look for any byte of one where it must not be. */
export const MARK = 'ZQXJMARK';
const UUID = fc.stringMatching(/^[0-9a-f]{32}$/);
const marked = (s: string) => `${MARK}${s}`;

/** Values of the wrong JSON type. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const control = fc.constantFrom('\r\n', '\n', '\r', '\u0000', '\u0007', '\u001b[31m', '\u007f', '\u0085');
/** Host-like strings that smuggle paths, credentials, CR/LF or bad ports. */
export const SMUGGLED_HOSTS = [
  'evil.example.com/x',
  '203.0.113.9:80/../',
  'a@evil.example.com',
  'http://203.0.113.9',
  'evil.example.com:80\r\nHost: x',
  '10.0.0.1:80 ',
  '[::1]:80/x',
  '1.2.3.4:99999999',
];
const smuggledHost = fc.constantFrom(...SMUGGLED_HOSTS);

/**
 * Characters that regular-expression engines read differently, so a JSON Schema validator in
 * another language could judge them unlike the parser: a final newline (Python's `$` matches
 * before one), CR LF, CR, NEL, vertical tab and form feed; Unicode line and paragraph separators
 * (`.` and `$` with the `m` flag differ on them); non-ASCII digits (`\d` is Unicode in Python,
 * ASCII in JavaScript): Arabic-Indic, fullwidth, mathematical bold (outside the BMP); letters
 * that case folding maps onto ASCII (Kelvin sign, dotless i); NBSP and a Latin letter.
 */
export const CROSS_ENGINE_CHARS = [
  '\n',
  '\r\n',
  '\r',
  '\u0085',
  '\u000b',
  '\u000c',
  '\u2028',
  '\u2029',
  '\u0663',
  '\uff11',
  '\u{1d7cf}',
  '\u212a',
  '\u0131',
  '\u00a0',
  '\u00e9',
] as const;

/** A message field that carries a pattern in the JSON Schema. */
export type PatternField = 'uuid' | 'domain' | 'bucket' | 'name' | 'from' | 'to' | 'correlationId';

/** One cross-engine case: a valid message with one character put into one field. */
export interface CrossEngineCase {
  readonly field: PatternField;
  readonly char: string;
  readonly where: 'end' | 'start' | 'inside';
  readonly body: string;
  /** What the parser must answer: only object.name and correlationId take these, and no control character. */
  readonly valid: boolean;
}

const CROSS_UUID = '97f7149dec6cbc0aa1e9425688158969';

function crossEngineCase(field: PatternField, char: string, where: CrossEngineCase['where']): CrossEngineCase {
  const values: Record<PatternField, string> = {
    uuid: CROSS_UUID,
    domain: 'd.example',
    bucket: 'bucket-1',
    name: 'dir/name',
    from: 'primary',
    to: 'dr',
    correlationId: 'order-4711',
  };
  const v = values[field];
  // Inside a UUID the character replaces a digit, so the length stays 32.
  const put =
    where === 'end'
      ? `${v}${char}`
      : where === 'start'
        ? `${char}${v}`
        : field === 'uuid'
          ? `${v.slice(0, 16)}${char}${v.slice(17)}`
          : `${v.slice(0, 1)}${char}${v.slice(1)}`;
  const withChar = { ...values, [field]: put };
  const object = ['domain', 'bucket', 'name'].includes(field)
    ? { domain: withChar.domain, bucket: withChar.bucket, name: withChar.name }
    : { uuid: withChar.uuid };
  const body = JSON.stringify({ object, from: withChar.from, to: withChar.to, correlationId: withChar.correlationId });
  const control = /[\u0000-\u001f\u007f-\u009f]/.test(char);
  return { field, char, where, body, valid: (field === 'name' || field === 'correlationId') && !control };
}

/** Every character of CROSS_ENGINE_CHARS at the end, the start and inside every pattern field. */
export const CROSS_ENGINE_CASES: readonly CrossEngineCase[] = (
  ['uuid', 'domain', 'bucket', 'name', 'from', 'to', 'correlationId'] as const
).flatMap((field) =>
  CROSS_ENGINE_CHARS.flatMap((char) =>
    (['end', 'start', 'inside'] as const).map((where) => crossEngineCase(field, char, where)),
  ),
);
const crossEngineInvalid = fc.constantFrom(...CROSS_ENGINE_CASES.filter((c) => !c.valid).map((c) => c.body));

/**
 * One hostile SQS body: cross-engine characters, not JSON, wrong types, smuggled hosts, control
 * characters, lone surrogates, deep nesting, huge.
 */
export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  // Characters regular-expression engines read differently, in every field with a pattern.
  crossEngineInvalid,
  // Not JSON at all, or truncated JSON.
  fc.string({ maxLength: 200 }).map((s) => `{${marked(s)}`),
  fc.constant(`${MARK} not json`),
  // JSON, but not an object.
  fc.oneof(wrongType, fc.string()).map((v) => JSON.stringify([MARK, v])),
  // Wrong types inside the message.
  wrongType.map((v) => JSON.stringify({ object: v, correlationId: MARK })),
  fc
    .tuple(UUID, wrongType)
    .map(([u, v]) =>
      JSON.stringify({ object: { uuid: u, alias: typeof v === 'boolean' ? 'yes' : v }, correlationId: MARK }),
    ),
  wrongType.map((v) => JSON.stringify({ object: { uuid: v }, nodeHint: MARK })),
  fc
    .tuple(UUID, wrongType)
    .map(([u, v]) => JSON.stringify({ object: { uuid: u }, from: v === null ? 1 : v, correlationId: MARK })),
  fc
    .tuple(
      UUID,
      fc.oneof(
        fc.integer(),
        fc.string(),
        fc.constant(null),
        fc.constant([-1]),
        fc.constant(['2']),
        fc.constant([1.5]),
        fc.constant([[]]),
        fc.constant(Array(9).fill(1)),
      ),
    )
    .map(([u, v]) => JSON.stringify({ object: { uuid: u }, feeds: { ids: v }, correlationId: MARK })),
  // An op that is neither "send" nor "delete" (case, spacing, other verbs, wrong types).
  fc
    .tuple(UUID, fc.oneof(fc.constantFrom('DELETE', 'Delete', ' delete', 'delete\n', 'remove', '', 'send '), wrongType))
    .map(([u, v]) => JSON.stringify({ object: { uuid: u }, op: v, correlationId: MARK })),
  // UUIDs that are not 32 hex digits (path traversal, hosts, too short/long).
  fc
    .oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        '../../admin',
        'x'.repeat(32),
        `${'a'.repeat(31)}/`,
        '97f7149dec6cbc0aa1e9425688158969?admin',
        '97f7149dec6cbc0aa1e9425688158969 ',
      ),
    )
    .filter((s) => !/^[0-9a-fA-F]{32}$/.test(s))
    .map((s) => JSON.stringify({ object: { uuid: marked(s) } })),
  // A real UUID with something before it or after it, the marker in that part: each anchor of the
  // UUID pattern alone keeps these out (a pattern without `^` accepts the first kind, one without
  // `$` the second), and the marker would reach the request target if one got through.
  fc
    .tuple(UUID, fc.constantFrom('/../', '../x/', '?', ' ', '/', '%2F'))
    .chain(([u, sep]) =>
      fc.constantFrom(
        JSON.stringify({ object: { uuid: `${MARK}${sep}${u}` } }),
        JSON.stringify({ object: { uuid: `${u}${sep}${MARK}` } }),
      ),
    ),
  // The same for the named-object patterns: a valid domain, bucket or name with a bad character
  // and the marker in front of it or behind it.
  fc
    .tuple(fc.constantFrom('domain', 'bucket', 'name'), fc.constantFrom('/', '?', ' ', '\r\n', '\u0000'))
    .chain(([field, bad]) => {
      const valid: Record<string, string> = { domain: 'd.example', bucket: 'b', name: 'n' };
      // A name may hold '/', '?' and spaces; only control characters are bad in it.
      const target = field === 'name' && !/[\u0000-\u001f]/.test(bad) ? 'domain' : field;
      return fc.constantFrom(
        JSON.stringify({ object: { ...valid, [target]: `${MARK}${bad}${valid[target]}` } }),
        JSON.stringify({ object: { ...valid, [target]: `${valid[target]}${bad}${MARK}` } }),
      );
    }),
  // CR, LF, NUL and other control characters in names, buckets, domains, correlation ids.
  fc
    .tuple(fc.string({ maxLength: 30 }), control, fc.string({ maxLength: 30 }))
    .map(([a, c, b]) => JSON.stringify({ object: { domain: 'd.example', bucket: 'b', name: `${MARK}${a}${c}${b}` } })),
  fc.tuple(control, UUID).map(([c, u]) => JSON.stringify({ object: { uuid: u }, correlationId: `${MARK}${c}` })),
  fc.tuple(control).map(([c]) => JSON.stringify({ object: { domain: `${MARK}${c}.example`, bucket: 'b', name: 'n' } })),
  // Buckets and domains that smuggle paths, hosts or query strings.
  fc
    .constantFrom('a/b', 'a?b=c', 'a b', 'a:b', 'a,b', 'a%2Fb', 'a#b')
    .map((b) => JSON.stringify({ object: { domain: 'd.example', bucket: `${MARK}${b}`, name: 'n' } })),
  smuggledHost.map((h) => JSON.stringify({ object: { domain: `${MARK}.${h}`, bucket: 'b', name: 'n' } })),
  // Unknown clusters and registry keys that are not keys.
  fc
    .tuple(UUID, fc.stringMatching(/^[a-z]{1,10}$/))
    .map(([u, k]) => JSON.stringify({ object: { uuid: u }, from: `${MARK}${k}`, to: 'dr' })),
  fc
    .tuple(UUID, fc.stringMatching(/^[a-z]{1,10}$/))
    .map(([u, k]) => JSON.stringify({ object: { uuid: u }, to: `${MARK}${k}` })),
  fc.tuple(UUID, smuggledHost).map(([u, h]) => JSON.stringify({ object: { uuid: u }, from: h, correlationId: MARK })),
  // Lone surrogates (what invalid UTF-8 becomes once it is a JS string).
  fc
    .constantFrom('\\ud800', '\\udfff', '\\ud83d')
    .map((s) => `{"object":{"domain":"d.example","bucket":"b","name":"${MARK}${s}x"}}`),
  // Mixed named/unnamed objects, empty objects, versions from the future, empty feed selections.
  UUID.map((u) =>
    JSON.stringify({ object: { uuid: u, bucket: 'b', name: 'n', domain: 'd.example' }, correlationId: MARK }),
  ),
  fc.constant(JSON.stringify({ object: {}, correlationId: MARK })),
  UUID.map((u) => JSON.stringify({ version: 2, object: { uuid: u }, correlationId: MARK })),
  UUID.map((u) => JSON.stringify({ object: { uuid: u }, feeds: {}, correlationId: MARK })),
  UUID.map((u) => JSON.stringify({ object: { uuid: u }, feeds: { types: ['ftp'] }, correlationId: MARK })),
  // Deep nesting and huge bodies.
  fc.integer({ min: 1000, max: 20_000 }).map((d) => `{"object":${'['.repeat(d)}"${MARK}"${']'.repeat(d)}}`),
  fc
    .integer({ min: 65_537, max: 200_000 })
    .chain((n) => UUID.map((u) => JSON.stringify({ object: { uuid: u }, correlationId: MARK + 'x'.repeat(n) }))),
);
