import * as z from 'zod/mini';
import { feedsSchema, messageSchema } from './message.js';

/** The schema's identifier (a name, not a download location: the file ships in the package and docs/). */
export const SEND_MESSAGE_SCHEMA_ID = 'urn:swarm-send:send-message:1';

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
 * (as an `anyOf`). test/integration/hostile/send-message-schema.test.ts checks schema and parser
 * agree, with ajv, on valid messages and the hostile-body corpus, except for the cases above.
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
    },
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: SEND_MESSAGE_SCHEMA_ID,
    title: 'swarm-send SEND message',
    description:
      'One SQS message body asking swarm-send to replicate one object with an SCSP SEND. Also enforced by the parser but not expressible here: the body is at most 65536 bytes of UTF-8, and object.name and correlationId contain no lone surrogate.',
    ...rest,
  };
}
