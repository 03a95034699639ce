import { OUTCOME, REASONS } from './outcome.js';
import { DETAIL_TYPES, EVENT_SOURCE } from './outcome-event.js';

/** The schema's identifier (a name, not a download location: the file ships in the package and docs/). */
export const OUTCOME_EVENT_SCHEMA_ID = 'urn:swarm-send:outcome-event:1';

const nullable = (type: string) => ({ type: [type, 'null'] });

/**
 * The JSON Schema (draft 2020-12) of an outcome event's `detail` (functions/core/outcome/outcome-event.ts):
 * the outcome record, and a missed threshold's `threshold`. Published beside the message schema
 * (dist/schema/, docs/outcome-event.schema.json) for subscribers in any language. Unknown fields
 * are allowed: a later version may add one, never change one.
 */
export function outcomeEventJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: OUTCOME_EVENT_SCHEMA_ID,
    title: 'swarm-send outcome event detail',
    description:
      `The detail of an event with source "${EVENT_SOURCE}" and detail-type one of: ` +
      `${Object.values(DETAIL_TYPES).join(', ')}. It is the outcome record the outcomes queue carries; ` +
      `"${DETAIL_TYPES.MISSED_THRESHOLD}" adds "threshold".`,
    type: 'object',
    required: [
      'outcome',
      'reason',
      'remoteStatus',
      'httpStatus',
      'detail',
      'object',
      'from',
      'to',
      'node',
      'attempt',
      'durationMs',
      'messageId',
      'correlationId',
    ],
    properties: {
      outcome: { enum: Object.values(OUTCOME) },
      reason: { enum: Object.keys(REASONS) },
      remoteStatus: nullable('integer'),
      httpStatus: nullable('integer'),
      detail: nullable('string'),
      object: {
        type: ['object', 'null'],
        properties: {
          uuid: { type: 'string' },
          domain: { type: 'string' },
          bucket: { type: 'string' },
          name: { type: 'string' },
        },
      },
      from: nullable('string'),
      to: nullable('string'),
      node: nullable('string'),
      attempt: { type: 'integer', minimum: 0 },
      durationMs: { type: 'number', minimum: 0 },
      messageId: nullable('string'),
      correlationId: nullable('string'),
      feeds: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['status', 'statusTime'],
          properties: { status: nullable('integer'), statusTime: nullable('string') },
        },
      },
      retriesExhausted: { type: 'boolean' },
      requests: { type: 'integer', minimum: 0 },
      truncated: {
        type: 'object',
        required: ['bytes', 'sha256'],
        properties: { bytes: { type: 'integer', minimum: 0 }, sha256: { type: 'string' } },
      },
      retryAfterSeconds: { type: 'number', minimum: 0 },
      destinations: { type: 'array', items: { type: 'string' } },
      renewed: { type: 'boolean' },
      threshold: {
        type: 'object',
        required: ['lagMs', 'rpoSeconds'],
        properties: { lagMs: { type: 'number', minimum: 0 }, rpoSeconds: { type: 'number', minimum: 0 } },
      },
    },
  };
}
