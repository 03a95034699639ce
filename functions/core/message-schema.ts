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
 * The feeds rule "at least one id or type" is a zod refinement, so it is added here by hand
 * (as an `anyOf`) and checked against the parser by test/unit/core/message-schema.test.ts.
 */
export function sendMessageJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(messageSchema, {
    io: 'input',
    unrepresentable: 'throw',
    override: (ctx) => {
      if (ctx.zodSchema === feedsSchema) {
        ctx.jsonSchema.anyOf = [
          { required: ['ids'], properties: { ids: { minItems: 1 } } },
          { required: ['types'], properties: { types: { minItems: 1 } } },
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
