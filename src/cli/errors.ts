/**
 * How the dataset CLIs end on an error. A user's mistake (bad flags, an unknown dataset, a
 * folder that is not there, a bad setting) is one line on stderr and exit code 2, so scripts
 * can tell it from a failure of ours, which keeps its stack trace and exits 1.
 */
import { ConfigError } from '../config';
import { DatasetNotFoundError } from '../datasets/open';

/** Thrown by argument parsing for anything the user typed wrong. */
export class UsageError extends Error {}

export function isUserError(error: unknown): error is Error {
  if (error instanceof UsageError || error instanceof DatasetNotFoundError || error instanceof ConfigError) return true;
  // node:util parseArgs reports unknown or malformed flags as TypeErrors with an ERR_PARSE_ARGS_* code.
  return error instanceof TypeError && String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
}

/** For `main().catch(exitOnError)`: sets the exit code instead of exiting, so output flushes. */
export function exitOnError(error: unknown): void {
  if (isUserError(error)) {
    console.error(error.message.replace(/\s*\n\s*/g, ' '));
    process.exitCode = 2;
    return;
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
}
