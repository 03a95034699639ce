import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { MAX_MESSAGE_BYTES, parseSendMessage } from '../../../functions/core/message/message.js';
import { sendMessageJsonSchema } from '../../../functions/core/message/message-schema.js';
import { pythonVerdicts, type PythonVerdict } from '../../helpers/python-jsonschema.js';
import { CROSS_ENGINE_CASES, hostileBody } from '../../helpers/hostile-corpus.js';

// The published JSON Schema (for producers in other languages) against the parser the handler
// runs: two real JSON Schema validators, ajv (draft 2020-12, ECMA-262 patterns) and Python's
// jsonschema (Debian's python3-jsonschema, Python `re` patterns), and parseSendMessage must
// agree on every body, except where JSON Schema cannot say what the parser checks. Those exceptions are
// listed here (and in the schema's description and message-schema.ts), and each is asserted to
// be real, so the list cannot silently go stale.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const schema = sendMessageJsonSchema();
const validate = new Ajv2020({ strict: true, allErrors: false }).compile(schema);

const parserAccepts = (body: string): boolean => {
  try {
    parseSendMessage(body);
    return true;
  } catch {
    return false;
  }
};

/** undefined when the body is not JSON (then no JSON Schema can judge it). */
const schemaAccepts = (body: string): boolean | undefined => {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  return validate(value);
};

/** Strings inside a JSON value, at any depth. */
function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      yield k;
      yield* strings(v);
    }
}

/**
 * Why schema and parser may disagree on a body the parser rejects, or null when nothing explains it:
 *  - `too-large`: the parser refuses bodies over MAX_MESSAGE_BYTES; a schema sees values, not bytes;
 *  - `lone-surrogate`: the parser requires well-formed Unicode; a JSON Schema pattern cannot test it.
 */
function knownDisagreement(body: string): 'too-large' | 'lone-surrogate' | null {
  if (Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) return 'too-large';
  if ([...strings(JSON.parse(body) as unknown)].some((s) => !s.isWellFormed())) return 'lone-surrogate';
  return null;
}

function expectAgreement(body: string, seen: Map<string, number>): void {
  const bySchema = schemaAccepts(body);
  const byParser = parserAccepts(body);
  if (bySchema === undefined) {
    expect(byParser).toBe(false);
    seen.set('not-json', (seen.get('not-json') ?? 0) + 1);
    return;
  }
  if (bySchema === byParser) {
    seen.set(byParser ? 'both-accept' : 'both-reject', (seen.get(byParser ? 'both-accept' : 'both-reject') ?? 0) + 1);
    return;
  }
  const why = byParser ? null : knownDisagreement(body);
  if (!why)
    throw new Error(
      `schema ${bySchema ? 'accepts' : 'rejects'} and parser ${byParser ? 'accepts' : 'rejects'}: ${body.slice(0, 300)}`,
    );
  seen.set(why, (seen.get(why) ?? 0) + 1);
}

// Valid messages, every field and both object forms, up to the limits.
const hex32 = fc.stringMatching(/^[0-9a-fA-F]{32}$/);
const key = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
const printable = (max: number) =>
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: max }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
const validMessage = fc.record(
  {
    version: fc.constant(1),
    object: fc.oneof(
      fc.record({ uuid: hex32, alias: fc.boolean() }, { requiredKeys: ['uuid'] }),
      fc.record({
        domain: fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,20}[A-Za-z0-9])?$/),
        bucket: fc.stringMatching(/^[A-Za-z0-9_.-]{1,30}$/),
        name: fc.oneof(printable(100), fc.constant('é/ü/名前/ 😀'), fc.constant('n'.repeat(4096))),
      }),
    ),
    from: key,
    to: fc.oneof(key, fc.uniqueArray(key, { minLength: 1, maxLength: 16 })),
    nodeHint: fc.oneof(
      fc.constant('10.0.0.11:80'),
      fc.constant('[fd00::1]:8080'),
      fc.constant('node-1.swarm.example:80'),
    ),
    feeds: fc.oneof(
      fc.record({
        ids: fc.array(fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.constant('all' as const)), {
          minLength: 1,
          maxLength: 8,
        }),
      }),
      fc.record(
        {
          types: fc.uniqueArray(fc.constantFrom('all', 'search', 'indexing', 'replication', 's3backup'), {
            minLength: 1,
            maxLength: 5,
          }),
          timeout: fc.oneof(fc.double({ min: 0.001, max: 3600, noNaN: true }), fc.boolean()),
          force: fc.boolean(),
        },
        { requiredKeys: ['types'] },
      ),
    ),
    correlationId: printable(256),
    op: fc.constantFrom('send' as const, 'delete' as const),
    somethingNew: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['object'] },
);

describe('the SEND message JSON Schema', () => {
  it('is the file in docs/ and in the built package, generated from the zod schema (no drift)', () => {
    const text = `${JSON.stringify(schema, null, 2)}\n`;
    expect(readFileSync(`${ROOT}docs/send-message.schema.json`, 'utf8')).toBe(text);
    expect(existsSync(`${ROOT}dist/schema/send-message.schema.json`)).toBe(true);
    expect(readFileSync(`${ROOT}dist/schema/send-message.schema.json`, 'utf8')).toBe(text);
  });

  it('accepts every valid message the parser accepts', () => {
    fc.assert(
      fc.property(validMessage, (message) => {
        const body = JSON.stringify(message);
        expect(parserAccepts(body)).toBe(true);
        expect(schemaAccepts(body)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the parser on 10,000 hostile bodies, apart from the disagreements it documents', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(hostileBody, (body) => expectAgreement(body, seen)),
      { numRuns: 10_000 },
    );
    expect(seen.get('both-reject')).toBeGreaterThan(5000);
    expect(seen.get('not-json')).toBeGreaterThan(0);
    // Lone surrogates are in the corpus; the schema cannot catch them.
    expect(seen.get('lone-surrogate')).toBeGreaterThan(0);
    expect(
      [...seen.keys()].every((k) => ['both-accept', 'both-reject', 'not-json', 'lone-surrogate'].includes(k)),
    ).toBe(true);
  });

  it('agrees with the parser on each rule, one near miss at a time', () => {
    const ok = { object: { uuid: 'a'.repeat(32) } };
    const nearMisses: unknown[] = [
      {},
      { object: {} },
      { object: { uuid: 'a'.repeat(31) } },
      { object: { uuid: 'a'.repeat(32), bucket: 'b' } },
      { object: { domain: '-d', bucket: 'b', name: 'n' } },
      { object: { domain: 'd', bucket: 'a/b', name: 'n' } },
      { object: { domain: 'd', bucket: 'b', name: '' } },
      { object: { domain: 'd', bucket: 'b', name: 'a\u0085b' } },
      { object: { domain: 'd', bucket: 'b', name: 'n'.repeat(4097) } },
      { ...ok, version: 2 },
      { ...ok, from: 'a b' },
      { ...ok, to: 'k'.repeat(65) },
      { ...ok, to: [] },
      { ...ok, to: ['dr-east', 'dr-east'] },
      { ...ok, to: ['dr-east', 'bad key'] },
      { ...ok, to: Array.from({ length: 17 }, (_v, i) => `dr-${i}`) },
      { ...ok, feeds: {} },
      { ...ok, feeds: { ids: [] } },
      { ...ok, feeds: { types: [] } },
      { ...ok, feeds: { ids: [], types: [] } },
      { ...ok, feeds: { ids: [1, 2, 3, 4, 5, 6, 7, 8, 9] } },
      { ...ok, feeds: { ids: [1.5] } },
      { ...ok, feeds: { ids: [-1] } },
      { ...ok, feeds: { ids: ['2'] } },
      { ...ok, feeds: { types: ['ftp'] } },
      { ...ok, feeds: { types: ['all'], timeout: 0 } },
      { ...ok, feeds: { types: ['all'], timeout: 3600.5 } },
      { ...ok, correlationId: '' },
      { ...ok, correlationId: 'c'.repeat(257) },
      { ...ok, correlationId: 'a\r\nb' },
    ];
    // A malformed nodeHint is optional data, not a reason to refuse: both accept the message
    // and the parser drops the hint.
    for (const nodeHint of ['10.0.0.1', `${'a'.repeat(296)}:80`, 'http://10.0.0.1:80/x', 8080]) {
      const body = JSON.stringify({ ...ok, nodeHint });
      expect([body, schemaAccepts(body), parserAccepts(body)]).toStrictEqual([body, true, true]);
      expect(parseSendMessage(body).nodeHint).toBeUndefined();
    }
    for (const message of nearMisses) {
      const body = JSON.stringify(message);
      expect([body, schemaAccepts(body)]).toStrictEqual([body, false]);
      expect([body, parserAccepts(body)]).toStrictEqual([body, false]);
    }
    for (const message of [
      ok,
      { ...ok, feeds: { ids: ['all'] } },
      { ...ok, feeds: { types: ['search'], timeout: true } },
      { ...ok, feeds: { ids: [0], types: [] } },
      { ...ok, to: ['dr-east', 'dr-west'] },
      { ...ok, to: ['dr-east'] },
    ]) {
      expect(schemaAccepts(JSON.stringify(message))).toBe(true);
      expect(parserAccepts(JSON.stringify(message))).toBe(true);
    }
  });

  it('documents the two things only the parser can check: body size and lone surrogates', () => {
    const tooLarge = JSON.stringify({ object: { uuid: 'a'.repeat(32) }, padding: 'x'.repeat(MAX_MESSAGE_BYTES) });
    const loneSurrogate = '{"object":{"domain":"d","bucket":"b","name":"a\\ud800b"},"correlationId":"\\udfff"}';
    for (const [body, why] of [
      [tooLarge, 'too-large'],
      [loneSurrogate, 'lone-surrogate'],
    ] as const) {
      expect(schemaAccepts(body)).toBe(true);
      expect(parserAccepts(body)).toBe(false);
      expect(knownDisagreement(body)).toBe(why);
    }
    expect(String(schema.description)).toMatch(/at most 65536 bytes of UTF-8.*no lone surrogate/s);
  });

  it('counts lengths the same way as the parser: in code points, so an emoji counts once', () => {
    const named = (n: number) =>
      JSON.stringify({
        object: { domain: 'd', bucket: 'b', name: '😀'.repeat(n) },
        correlationId: '😀'.repeat(Math.min(n, 256)),
      });
    expect([schemaAccepts(named(4096)), parserAccepts(named(4096))]).toStrictEqual([true, true]);
    expect([schemaAccepts(named(4097)), parserAccepts(named(4097))]).toStrictEqual([false, false]);
  });
});

describe('the SEND message JSON Schema in Python (python3-jsonschema), beside ajv and the parser', () => {
  /** The three verdicts on each body, and the bodies on which they disagree without a documented reason. */
  async function disagreements(bodies: readonly string[]): Promise<string[]> {
    const python = await pythonVerdicts(schema, bodies);
    const out: string[] = [];
    bodies.forEach((body, i) => {
      const byAjv = schemaAccepts(body);
      const byParser = parserAccepts(body);
      const byPython: PythonVerdict = python[i]!;
      const ajv = byAjv === undefined ? 'not-json' : byAjv ? 'accept' : 'reject';
      const parser = byParser ? 'accept' : 'reject';
      if (ajv === byPython && (ajv === parser || (ajv === 'not-json' && !byParser))) return;
      if (ajv === byPython && ajv === 'accept' && !byParser && knownDisagreement(body)) return;
      out.push(`parser ${parser}, ajv ${ajv}, python ${byPython}: ${JSON.stringify(body.slice(0, 200))}`);
    });
    return out;
  }

  it('agree on destination lists: several, one, none, a key twice, too many (fan-out)', async () => {
    const ok = { object: { uuid: 'a'.repeat(32) } };
    const bodies = [
      ['dr-east', 'dr-west'],
      ['dr-east'],
      [],
      ['dr-east', 'dr-east'],
      Array.from({ length: 16 }, (_v, i) => `dr-${i}`),
      Array.from({ length: 17 }, (_v, i) => `dr-${i}`),
    ].map((to) => JSON.stringify({ ...ok, to }));
    expect(bodies.map(parserAccepts)).toStrictEqual([true, true, false, false, true, false]);
    expect(await disagreements(bodies)).toStrictEqual([]);
  }, 120_000);

  it('agree on every cross-engine case: final newline, CR LF, line separators, non-ASCII digits, case folding', async () => {
    // The parser answers each case as the corpus built it (only names and correlation ids take
    // these characters, never a control character)...
    const misbuilt = CROSS_ENGINE_CASES.filter((c) => parserAccepts(c.body) !== c.valid);
    expect(misbuilt).toStrictEqual([]);
    expect(CROSS_ENGINE_CASES.filter((c) => c.valid).length).toBeGreaterThan(0);
    // ...and both validators say the same, the two cases among them.
    const bodies = CROSS_ENGINE_CASES.map((c) => c.body);
    expect(bodies).toContain(
      JSON.stringify({
        object: { uuid: '97f7149dec6cbc0aa1e9425688158969\n' },
        from: 'primary',
        to: 'dr',
        correlationId: 'order-4711',
      }),
    );
    expect(bodies).toContain(
      JSON.stringify({
        object: { uuid: '97f7149dec6cbc0aa1e9425688158969' },
        from: 'primary\n',
        to: 'dr',
        correlationId: 'order-4711',
      }),
    );
    expect(await disagreements(bodies)).toStrictEqual([]);
  }, 120_000);

  it('agree on 2,000 valid messages and 10,000 hostile bodies (apart from the disagreements documented above)', async () => {
    const valid = fc.sample(validMessage, 2000).map((m) => JSON.stringify(m));
    const hostile = fc.sample(hostileBody, 10_000);
    expect(await disagreements([...valid, ...hostile])).toStrictEqual([]);
  }, 600_000);
});
