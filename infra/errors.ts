import { SwarmSendError } from '../functions/core/errors.js';

/**
 * Props that cannot work together. Thrown while the construct tree is built, so `cdk synth`
 * stops with one message that lists every problem (the same habit as the handler's ConfigError).
 */
export class PipelinePropsError extends SwarmSendError {
  readonly problems: readonly string[];
  constructor(construct: string, problems: readonly string[]) {
    super('invalid-props', `${construct}: invalid props:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PipelinePropsError';
    this.problems = problems;
  }
}

/** Throws a {@link PipelinePropsError} when `problems` is not empty. */
export function failOnProblems(construct: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new PipelinePropsError(construct, problems);
}

/** Adds a problem unless `value` is an integer within [min, max]. */
export function checkInteger(
  problems: string[],
  name: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(
      max === Number.MAX_SAFE_INTEGER
        ? `${name} must be an integer >= ${min} (got ${value})`
        : `${name} must be an integer from ${min} to ${max} (got ${value})`,
    );
  }
}
