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
 * Reads a CSV import file (users or resources): comma-separated, a header row, every line with the same
 * number of fields as the header. Bad lines are reported by number and the rest still import.
 * Parser messages are not passed on: they quote the line, and the line may hold a password.
 */
export function readCsv(text: string): CsvRead {
  const bad: CsvRead['bad'] = [];
  const lines: CsvLine[] = [];
  let header: string[] | undefined;
  for (const rec of splitRecords(text.replace(/^\uFEFF/, ''))) {
    if (rec.error) {
      bad.push({ line: rec.line, message: describeParseError(rec.error) });
      continue;
    }
    let fields: string[];
    try {
      fields = (parse(rec.text, { relax_column_count: true }) as string[][])[0] ?? [''];
    } catch (e) {
      bad.push({ line: rec.line, message: describeParseError((e as { code?: string }).code) });
      continue;
    }
    // The first readable record is the header.
    if (!header) header = fields.map((h) => h.trim());
    else lines.push({ line: rec.line, fields });
  }
  if (!header)
    throw new ValidationError('the file is empty: a header row naming the columns is required', {
      field: 'file',
    });
  return { header, lines, bad };
}

interface RawRecord {
  /** 1-based line the record starts on. */
  line: number;
  text: string;
  error?: string;
}

/**
 * Cuts the text into records (a quoted field may span lines). csv-parse cannot do this part:
 * after a bad closing quote or an over-long record it loses every line that follows. Here a bad
 * record is confined to its first line (an unclosed quote) or to the line it breaks on, and
 * reading resumes on the next line. No record is scanned beyond MAX_RECORD_BYTES characters.
 */
function splitRecords(text: string): RawRecord[] {
  const out: RawRecord[] = [];
  const n = text.length;
  let pos = 0;
  let line = 1;
  const nextLine = (from: number) => {
    const i = text.indexOf('\n', from);
    return i < 0 ? n : i + 1;
  };
  while (pos < n) {
    const start = pos;
    const startLine = line;
    let i = pos;
    let inQuote = false;
    let fieldStart = true;
    let newlines = 0;
    let error: string | undefined;
    for (; i < n; i++) {
      if (i - start > MAX_RECORD_BYTES) {
        error = newlines ? 'CSV_QUOTE_NOT_CLOSED' : 'CSV_MAX_RECORD_SIZE';
        break;
      }
      const c = text[i];
      if (inQuote) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            i++;
            continue;
          }
          inQuote = false;
          const after = text[i + 1];
          if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
            error = newlines ? 'CSV_QUOTE_NOT_CLOSED' : 'CSV_INVALID_CLOSING_QUOTE';
            break;
          }
        } else if (c === '\n') newlines++;
        continue;
      }
      if (c === '\n') break;
      if (c === '"' && fieldStart) inQuote = true;
      fieldStart = c === ',';
    }
    if (!error && inQuote) error = 'CSV_QUOTE_NOT_CLOSED';
    if (error) {
      // An unclosed quote: only its first line is lost. Otherwise the line the record broke on.
      const resume = error === 'CSV_QUOTE_NOT_CLOSED' ? nextLine(start) : nextLine(i);
      out.push({ line: startLine, text: '', error });
      line = startLine + (error === 'CSV_QUOTE_NOT_CLOSED' ? 1 : newlines + 1);
      pos = resume;
      continue;
    }
    const body = text.slice(start, i).replace(/\r$/, '');
    if (body !== '') {
      out.push(
        Buffer.byteLength(body) > MAX_RECORD_BYTES
          ? { line: startLine, text: '', error: 'CSV_MAX_RECORD_SIZE' }
          : { line: startLine, text: body },
      );
    }
    line = startLine + newlines + 1;
    pos = i + 1;
  }
  return out;
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
