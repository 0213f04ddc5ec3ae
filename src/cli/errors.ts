/**
 * How the CLIs end on an error. A user's mistake (bad flags, an unknown dataset, a
 * folder that is not there, a bad setting) is one line on stderr and exit code 2, so scripts
 * can tell it from a failure of ours, which keeps its stack trace and exits 1. Flags are read
 * by parseCommand (args.ts), which turns every mistake in them into a UsageError.
 */
import { ConfigError } from '../config';
import { DatasetNotFoundError } from '../datasets/open';

const EXIT_GRACE_MS = 5000;

/** Thrown by argument parsing for anything the user typed wrong. */
export class UsageError extends Error {}

export function isUserError(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof DatasetNotFoundError || error instanceof ConfigError;
}

/**
 * For `main().catch(exitOnError)`: sets the exit code instead of exiting, so output flushes.
 * A failure can leave a handle open (a pool, a child process, a server) that would keep the
 * process alive, so it exits anyway after a grace period.
 */
export function exitOnError(error: unknown): void {
  if (isUserError(error)) {
    console.error(error.message.replace(/\s*\n\s*/g, ' '));
    process.exitCode = 2;
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  }
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}
