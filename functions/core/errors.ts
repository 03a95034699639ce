/**
 * The brand of this project's errors (undici's pattern): `Symbol.for`, so an error built by
 * another copy of this module (a second bundle) carries the same brand.
 */
const kBrand = Symbol.for('swarm-send.error');

/**
 * Base of every error this project throws on purpose; `code` is stable and machine-readable.
 * Each one carries the brand {@link isSwarmSendError} checks; `instanceof` works as usual.
 */
export class SwarmSendError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SwarmSendError';
    this.code = code;
    Object.defineProperty(this, kBrand, { value: true });
  }
}

/** Configuration that cannot work; lists every problem at once. Fails the start, never a message. */
export class ConfigError extends SwarmSendError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], what = 'configuration') {
    super('invalid-config', `invalid ${what}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A message body that can never be processed (reason `invalid-message`). */
export class InvalidMessageError extends SwarmSendError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('invalid-message', `invalid message: ${problems.join('; ')}`);
    this.name = 'InvalidMessageError';
    this.problems = problems;
  }
}

/**
 * Credentials that could not be read (`credentials-unavailable`: a retry may succeed) or can
 * never be used (`credentials-invalid`: a retry cannot mend them). Thrown by credentials providers.
 */
export class CredentialsError extends SwarmSendError {
  /** The same as `code`: the outcome reason it gives a message. */
  declare readonly code: 'credentials-unavailable' | 'credentials-invalid';
  constructor(
    readonly ref: string,
    message: string,
    readonly reason: 'credentials-unavailable' | 'credentials-invalid' = 'credentials-unavailable',
  ) {
    super(reason, message);
    this.name = 'CredentialsError';
  }
}

/**
 * Whether `err` is one of this project's errors, by its brand: a Node system error or any other
 * object with a string `code` does not pass; a copy of a class from another bundle does.
 */
export function isSwarmSendError(err: unknown): err is SwarmSendError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[kBrand] === true;
}

/** `Name: message` of an error, for a log line (never its stack). */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** An error's stack for the log, or its `Name: message` when it has none. */
export function stackOf(err: unknown): string {
  return (err instanceof Error && err.stack) || errorText(err);
}
