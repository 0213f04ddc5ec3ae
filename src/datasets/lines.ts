/**
 * Streaming line and record reading shared by the dataset readers. Nothing here holds a
 * whole file in memory, and nothing throws for a bad line: bad lines become ParseIssues.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import type { ParseIssue } from './types';

export interface Line {
  /** 1-based, counted over every line of the file including headers and blank lines. */
  number: number;
  text: string;
}

/**
 * Yields a file's lines without their terminators (LF or CRLF). A `.gz` file is
 * decompressed on the fly. Blank lines are yielded only when a non-blank line follows:
 * a trailing blank line (u.genre ends with one) is the end of the file, not a record.
 */
export async function* readLines(file: string, encoding: BufferEncoding = 'utf8'): AsyncGenerator<Line> {
  const raw = createReadStream(file);
  const stream: Readable = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  // Errors of the file stream do not travel through pipe(); forward them so the loop rejects.
  if (stream !== raw) raw.on('error', (err) => stream.destroy(err));
  stream.setEncoding(encoding);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });

  let number = 0;
  let pendingBlank: number[] = [];
  try {
    for await (const text of lines) {
      number += 1;
      if (text.trim() === '') {
        pendingBlank.push(number);
        continue;
      }
      for (const blank of pendingBlank) yield { number: blank, text: '' };
      pendingBlank = [];
      yield { number, text };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/**
 * Collects issues, once per (file, line): several passes over the same file (users() and
 * interactions() both read the ratings) must not report one bad line twice.
 */
export class IssueLog {
  readonly issues: ParseIssue[] = [];
  private readonly seen = new Set<string>();

  report(file: string, line: number, reason: string): void {
    const key = `${file}\u0000${line}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.issues.push({ file, line, reason });
  }
}

export interface RecordOptions {
  /** A single character, or 'whitespace' for runs of spaces/tabs (FilmTrust, SNAP). */
  separator: string | 'whitespace';
  /** Exact number of fields a good line has. */
  columns: number;
  /** Lines to skip at the top (column headers). */
  headerLines?: number;
  encoding?: BufferEncoding;
}

export interface FileRecord {
  line: number;
  fields: string[];
}

/**
 * Yields the split fields of every well-formed line of `dir/fileName`. Blank lines in the
 * middle and lines with the wrong number of fields are reported to `log` and skipped.
 */
export async function* readRecords(
  dir: string,
  fileName: string,
  options: RecordOptions,
  log: IssueLog,
): AsyncGenerator<FileRecord> {
  const headerLines = options.headerLines ?? 0;
  for await (const { number, text } of readLines(path.join(dir, fileName), options.encoding)) {
    if (number <= headerLines) continue;
    if (text.trim() === '') {
      log.report(fileName, number, 'empty line');
      continue;
    }
    const fields = options.separator === 'whitespace' ? text.trim().split(/\s+/) : text.split(options.separator);
    if (fields.length !== options.columns) {
      log.report(fileName, number, `expected ${options.columns} fields, found ${fields.length}`);
      continue;
    }
    yield { line: number, fields };
  }
}

const ID = /^\d+$/;

/** Dataset ids are non-negative integers; kept as strings, as the contract wants. */
export function isId(field: string): boolean {
  return ID.test(field);
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite decimal number, or null (never NaN) so callers can report the line. */
export function parseNumber(field: string): number | null {
  // Number() alone would also accept '', ' ', '0x1f' and 'Infinity'.
  if (!DECIMAL.test(field)) return null;
  const value = Number(field);
  return Number.isFinite(value) ? value : null;
}

/** Unix seconds to a Date, or null when the field is not a plausible non-negative integer. */
export function parseUnixSeconds(field: string): Date | null {
  if (!ID.test(field)) return null;
  const date = new Date(Number(field) * 1000);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A file of `dir`, one of the names given: the first that exists. */
export function findFile(dir: string, names: readonly string[]): string | null {
  for (const name of names) {
    const full = path.join(dir, name);
    if (existsSync(full) && statSync(full).isFile()) return name;
  }
  return null;
}

/** Adds `key` to `seen`; true when it was not there before. */
export function addIfNew(seen: Set<string>, key: string): boolean {
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}
