/** `Name: message` of an error, for a log line (never its stack). */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** An error's stack for the log, or its `Name: message` when it has none. */
export function stackOf(err: unknown): string {
  return (err instanceof Error && err.stack) || errorText(err);
}
