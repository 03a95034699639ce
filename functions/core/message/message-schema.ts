import * as z from 'zod/mini';
import { destinationListSchema, feedsSchema, messageSchema } from './message.js';

/** The schema's identifier (a name, not a download location: the file ships in the package and docs/). */
export const SEND_MESSAGE_SCHEMA_ID = 'urn:swarm-send:send-message:1';

/**
 * The end of the input, read alike by ECMA-262 and Python's `re`. A pattern zod writes ends in
 * `$`, which in JavaScript (without the `m` flag) matches only at the end; in Python it also
 * matches before a final "\n", so `"primary\n"` would pass a Python validator and be
 * dead-lettered by the parser. "Not followed by any character" means the same in both.
 */
export const END_OF_INPUT = '(?![\\s\\S])';

/**
 * Escapes and constructs whose meaning differs between ECMA-262 (with the `u` flag, as ajv
 * compiles patterns) and Python's `re` or other engines: `\d`, `\w`, `\s`, `\b` (ASCII in
 * JavaScript, Unicode in Python), `.` (line terminators differ), `\p{...}`, `\u{...}`, `\Z`,
 * `\A`, `\z`, `\c`, back-references and named groups or lookbehind (`(?<`, `(?P`).
 */
const NOT_PORTABLE = /\\[dDwWsSbBpPAZzc1-9]|\\u\{|\(\?[<P]/;

/**
 * A pattern zod wrote from one of the parser's regular expressions (its source: zod drops
 * flags, and message.ts uses none), rewritten so that ECMA-262 and Python's `re` read it alike:
 * every `$` outside a class becomes END_OF_INPUT. Throws on a construct of NOT_PORTABLE or a
 * `.`, so a new pattern in message.ts that would mean something else to a producer's validator
 * fails the build instead of shipping.
 */
export function portablePattern(source: string): string {
  if (NOT_PORTABLE.test(source)) throw new Error(`pattern /${source}/ is not read alike by every engine`);
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      out += source.slice(i, i + 2);
      i += 1;
    } else if (inClass) {
      out += c;
      if (c === ']') inClass = false;
    } else if (c === '[') {
      out += c;
      inClass = true;
    } else if (c === '.') {
      throw new Error(`pattern /${source}/: "." is not read alike by every engine (line terminators differ)`);
    } else out += c === '$' ? END_OF_INPUT : c;
  }
  return out;
}

/** A copy of a generated JSON Schema with every `pattern` (at any depth) made portable. */
function withPortablePatterns(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withPortablePatterns);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === 'pattern' && typeof v === 'string' ? portablePattern(v) : withPortablePatterns(v),
    ]),
  );
}

/**
 * The SEND message (DESIGN.md section 1) as a JSON Schema (draft 2020-12), generated from the
 * zod schema that `parseSendMessage` uses, for producers written in other languages. It
 * describes the input: unknown fields are allowed (the parser ignores them).
 *
 * What JSON Schema cannot say, and so this schema does not (the parser still rejects it):
 *  - a body larger than MAX_MESSAGE_BYTES (64 KiB of UTF-8) or that is not JSON;
 *  - a lone surrogate (`\ud800` without its pair) in `object.name` or `correlationId`: the
 *    parser requires well-formed Unicode, a JSON Schema `pattern` cannot test for it.
 * (Lengths agree: zod 4 and JSON Schema both count code points, so an emoji counts once.)
 * The feeds rule "at least one id or type" is a zod refinement, so it is added here by hand
 * (as an `anyOf`), and so is "no destination twice" in a `to` list (as `uniqueItems`).
 * test/integration/hostile/send-message-schema.test.ts checks schema and parser agree, with
 * ajv, on valid messages and the hostile-body corpus, except for the cases above.
 */
export function sendMessageJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(messageSchema, {
    io: 'input',
    unrepresentable: 'throw',
    override: (ctx) => {
      if (ctx.zodSchema === feedsSchema) {
        ctx.jsonSchema.anyOf = [
          { required: ['ids'], properties: { ids: { type: 'array', minItems: 1 } } },
          { required: ['types'], properties: { types: { type: 'array', minItems: 1 } } },
        ];
      }
      if (ctx.zodSchema === destinationListSchema) ctx.jsonSchema.uniqueItems = true;
    },
  });
  const { $schema, ...rest } = withPortablePatterns(generated) as Record<string, unknown>;
  return {
    $schema,
    $id: SEND_MESSAGE_SCHEMA_ID,
    title: 'swarm-send SEND message',
    description:
      'One SQS message body asking swarm-send to replicate one object with an SCSP SEND or, with op "delete", to delete its DR copy once the source proves it gone. Also enforced by the parser but not expressible here: the body is at most 65536 bytes of UTF-8, and object.name and correlationId contain no lone surrogate.',
    ...rest,
  };
}
