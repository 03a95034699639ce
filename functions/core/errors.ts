/** Base of every error this project throws on purpose; `code` is stable and machine-readable. */
export class SwarmSendError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SwarmSendError';
    this.code = code;
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
export class CredentialsError extends Error {
  constructor(
    readonly ref: string,
    message: string,
    readonly reason: 'credentials-unavailable' | 'credentials-invalid' = 'credentials-unavailable',
  ) {
    super(message);
    this.name = 'CredentialsError';
  }
}

/** Type guard that survives duplicated class copies in bundles: matches on the `code` shape. */
export function isSwarmSendError(err: unknown): err is SwarmSendError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && 'code' in err;
}

/** `Name: message` of an error, for a log line (never its stack). */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** An error's stack for the log, or its `Name: message` when it has none. */
export function stackOf(err: unknown): string {
  return (err instanceof Error && err.stack) || errorText(err);
}
