import { parse } from 'csv-parse/sync';
import { ValidationError } from '../errors.ts';

export interface CsvLine {
  /** 1-based line number in the file where the record starts. */
  line: number;
  fields: string[];
}

export interface CsvRead {
  header: string[];
  lines: CsvLine[];
  /** Lines that could not be read at all, with a reason that never quotes their content. */
  bad: { line: number; message: string }[];
}

/** Longest record accepted; anything longer is reported as a bad line, not parsed. */
export const MAX_RECORD_BYTES = 65_536;

/**
 * Reads a CSV import file (B §5, C §7.1): comma-separated, a header row, every line with the same
 * number of fields as the header. Bad lines are reported by number and the rest still import.
 * Parser messages are not passed on: they quote the line, and the line may hold a password.
 */
export function readCsv(text: string): CsvRead {
  const bad: CsvRead['bad'] = [];
  const records = parse(text, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_BYTES,
    info: true,
    on_skip: (err: { code?: string; lines?: number } | undefined) => {
      if (err) bad.push({ line: err.lines ?? 0, message: describeParseError(err.code) });
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  // csv-parse's info.lines is the line the record ends on; the header must come first.
  const [head, ...rest] = records;
  if (!head)
    throw new ValidationError('the file is empty: a header row naming the columns is required', {
      field: 'file',
    });
  const header = head.record.map((h) => h.trim());
  const lines: CsvLine[] = [];
  let startLine = head.info.lines + 1;
  for (const r of rest) {
    lines.push({ line: startLine, fields: r.record });
    startLine = r.info.lines + 1;
  }
  return { header, lines, bad };
}

function describeParseError(code: string | undefined): string {
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'malformed line: a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'malformed line: a closing quote is followed by other characters';
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'malformed line: characters after a closing quote';
    case 'CSV_MAX_RECORD_SIZE':
      return `line too long (more than ${MAX_RECORD_BYTES} bytes)`;
    default:
      return 'malformed line';
  }
}

/**
 * Maps attributes to column indexes. `mapping` (attribute → CSV header) wins; otherwise a header
 * matches an attribute's label or aliases, ignoring case, spaces and punctuation.
 */
export function mapColumns<A extends string>(
  header: string[],
  attributes: Record<A, { label: string; aliases?: readonly string[]; required?: boolean }>,
  mapping: Partial<Record<A, string>> = {},
): Record<A, number | undefined> {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const index = new Map(header.map((h, i) => [norm(h), i]));
  const out = {} as Record<A, number | undefined>;
  for (const attr of Object.keys(attributes) as A[]) {
    const spec = attributes[attr];
    const wanted = mapping[attr];
    if (wanted !== undefined) {
      const i = index.get(norm(wanted));
      if (i === undefined)
        throw new ValidationError(`mapped column '${wanted}' is not in the header`, { field: attr });
      out[attr] = i;
      continue;
    }
    out[attr] = [spec.label, attr, ...(spec.aliases ?? [])]
      .map((n) => index.get(norm(n)))
      .find((i) => i !== undefined);
    if (out[attr] === undefined && spec.required) {
      throw new ValidationError(
        `the mandatory column '${spec.label}' is missing (map it or add it to the header)`,
        { field: attr },
      );
    }
  }
  return out;
}
