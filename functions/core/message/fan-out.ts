import type { SendMessage } from './message.js';

/**
 * Fan-out (docs/fan-out.md): a message may name several destinations, and every destination is
 * carried by a message of its own from the first step, so each has its own SEND, outcome,
 * retries and dead letter, and a destination that succeeded is never sent again because another
 * failed.
 */

/** The destinations a message names itself: its `to` as a list (empty when it names none). */
export function namedDestinations(message: Pick<SendMessage, 'to'>): readonly string[] {
  if (message.to === undefined) return [];
  return typeof message.to === 'string' ? [message.to] : message.to;
}

/**
 * One message per destination: the same message with `to` set to each of `destinations` in
 * turn (every other field, `correlationId` included, kept). A single destination gives the
 * message back with `to` a single key.
 */
export function splitByDestination(message: SendMessage, destinations: readonly string[]): SendMessage[] {
  return destinations.map((to) => ({ ...message, to }));
}
