import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  END_OF_INPUT,
  portablePattern,
  SEND_MESSAGE_SCHEMA_ID,
  sendMessageJsonSchema,
} from '../../../../functions/core/message/message-schema.js';

// The published JSON Schema, checked without the 10,000-body corpus (that agreement suite is
// test/integration/hostile/send-message-schema.test.ts): what producers in other languages read.

const UUID = '97f7149dec6cbc0aa1e9425688158969';
const DOCS = fileURLToPath(new URL('../../../../docs/send-message.schema.json', import.meta.url));

describe('sendMessageJsonSchema', () => {
  it('is, byte for byte, the schema published in docs/', () => {
    expect(`${JSON.stringify(sendMessageJsonSchema(), null, 2)}\n`).toBe(readFileSync(DOCS, 'utf8'));
  });

  it('names itself, draft 2020-12, and says what only the parser checks', () => {
    const schema = sendMessageJsonSchema();
    expect(Object.keys(schema).slice(0, 4)).toStrictEqual(['$schema', '$id', 'title', 'description']);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(SEND_MESSAGE_SCHEMA_ID);
    expect(SEND_MESSAGE_SCHEMA_ID).toBe('urn:swarm-send:send-message:1');
    expect(schema.title).toBe('swarm-send SEND message');
    expect(schema.description).toMatch(/at most 65536 bytes of UTF-8/);
    expect(schema.description).toMatch(/no lone surrogate/);
  });

  it('validates with ajv: a message is accepted, unknown fields too (the input, not the parsed output)', () => {
    const validate = new Ajv2020({ strict: true }).compile(sendMessageJsonSchema());
    expect(validate({ object: { uuid: UUID } })).toBe(true);
    expect(validate({ object: { uuid: UUID }, somethingNew: 1 })).toBe(true);
    expect(validate({ object: { uuid: UUID }, version: 2 })).toBe(false);
    expect(validate({})).toBe(false);
  });

  it('takes op "send" or "delete" and nothing else, as the parser does', () => {
    const validate = new Ajv2020({ strict: true }).compile(sendMessageJsonSchema());
    expect(validate({ object: { uuid: UUID }, op: 'send' })).toBe(true);
    expect(validate({ object: { uuid: UUID }, op: 'delete' })).toBe(true);
    for (const op of ['DELETE', 'remove', '', null, 1]) expect(validate({ object: { uuid: UUID }, op })).toBe(false);
  });

  it('requires a feed selection to name at least one id or one type, as the parser does', () => {
    const validate = new Ajv2020({ strict: true }).compile(sendMessageJsonSchema());
    const withFeeds = (feeds: unknown) => validate({ object: { uuid: UUID }, feeds });
    expect(withFeeds({ ids: [2] })).toBe(true);
    expect(withFeeds({ types: ['replication'] })).toBe(true);
    expect(withFeeds({ ids: ['all'], types: [] })).toBe(true);
    expect(withFeeds({})).toBe(false);
    expect(withFeeds({ ids: [] })).toBe(false);
    expect(withFeeds({ types: [] })).toBe(false);
    expect(withFeeds({ ids: [], types: [] })).toBe(false);
    expect(withFeeds({ timeout: 5 })).toBe(false);
  });
});

describe('portablePattern: patterns ECMA-262 and Python re read alike', () => {
  it('ends a pattern with "nothing follows" instead of $, which Python also matches before a final newline', () => {
    expect(portablePattern('^[0-9a-fA-F]{32}$')).toBe(`^[0-9a-fA-F]{32}${END_OF_INPUT}`);
    expect(END_OF_INPUT).toBe('(?![\\s\\S])');
    // A $ inside a class or escaped is a character, not an anchor.
    expect(portablePattern('^[$a]\\$$')).toBe(`^[$a]\\$${END_OF_INPUT}`);
    const re = new RegExp(portablePattern('^ab$'), 'u');
    expect([re.test('ab'), re.test('ab\n'), re.test('ab\r\n'), re.test('ab\u2028')]).toStrictEqual([
      true,
      false,
      false,
      false,
    ]);
  });

  it.each(['^\\d{3}$', '^\\w+$', '^\\s$', '^a\\b', '^a.b$', '^\\p{L}$', '^(?<n>a)$', '^a\\Z', '^(a)\\1$'])(
    'refuses %s, which engines read differently',
    (source) => {
      expect(() => portablePattern(source)).toThrow(/not read alike/);
    },
  );

  it('leaves no $ anchor in the published schema', () => {
    const patterns = JSON.stringify(sendMessageJsonSchema()).match(/"pattern":"[^"]*"/g) ?? [];
    expect(patterns.length).toBeGreaterThanOrEqual(5);
    for (const p of patterns) expect(p.endsWith('(?![\\\\s\\\\S])"')).toBe(true);
  });
});
