import path from 'node:path';
import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { Secret } from '../crypto/secret.ts';
import { CustodyError, ValidationError } from '../errors.ts';
import type { UsersService } from '../identity/users-service.ts';
import type { AccountsService } from '../vault/accounts-service.ts';
import type { ResourcesService } from '../vault/resources-service.ts';
import { mapColumns, readCsv, type CsvLine } from './csv-reader.ts';
import { importResourceLine, RESOURCE_COLUMNS, type ResourceAttr } from './resource-lines.ts';
import { importUserLine, USER_COLUMNS, type UserAttr } from './user-lines.ts';

export type LineStatus = 'created' | 'updated' | 'skipped' | 'error';

export interface LineResult {
  line: number;
  status: LineStatus;
  name: string;
  code?: string;
  message?: string;
}

export interface ImportReport {
  file: string;
  results: LineResult[];
  counts: Record<LineStatus, number>;
}

export interface ImportOptions<A extends string> {
  /** attribute → CSV header, for files whose headers differ from the defaults. */
  mapping?: Partial<Record<A, string>>;
  /** Existing resources are skipped unless this is set (an import never overwrites silently). */
  overwrite?: boolean;
}

/** Import files are .csv or .txt. */
export function checkImportFileName(file: string): void {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.csv' && ext !== '.txt')
    throw new ValidationError(`import files must end in .csv or .txt, not '${ext || '(none)'}'`, {
      field: 'file',
    });
}

/**
 * CSV import of users and of resources with accounts. Each line is its own transaction with its
 * own audit row: a bad line is reported with its number and the others still import.
 */
export class ImportService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly users: UsersService,
    private readonly resources: ResourcesService,
    private readonly accounts: AccountsService,
  ) {}

  async importUsers(
    actor: Actor,
    file: string,
    text: string,
    opts: ImportOptions<UserAttr> = {},
  ): Promise<ImportReport> {
    this.ctx.authz.require(actor, 'import.users');
    checkImportFileName(file);
    return this.run(actor, file, text, USER_COLUMNS, opts, 'import.user-line', (line, cols) =>
      this.ctx.store.tx((repos) => importUserLine(this.ctx, this.users, repos, actor, line, cols)),
    );
  }

  async importResources(
    actor: Actor,
    file: string,
    text: string,
    opts: ImportOptions<ResourceAttr> = {},
  ): Promise<ImportReport> {
    this.ctx.authz.require(actor, 'import.resources');
    checkImportFileName(file);
    const createdHere = new Set<string>();
    const header = readCsv(text).header;
    return this.run(actor, file, text, RESOURCE_COLUMNS, opts, 'import.resource-line', (line, cols) =>
      importResourceLine(this.ctx, this.resources, this.accounts, actor, line, cols, {
        overwrite: !!opts.overwrite,
        createdHere,
        header,
      }),
    );
  }

  private async run<A extends string>(
    actor: Actor,
    file: string,
    text: string,
    columns: Record<A, { label: string; aliases?: readonly string[]; required?: boolean; max?: number }>,
    opts: ImportOptions<A>,
    lineEvent: 'import.user-line' | 'import.resource-line',
    importLine: (line: CsvLine, cols: Record<A, number | undefined>) => Promise<LineResult>,
  ): Promise<ImportReport> {
    const csv = readCsv(text);
    const cols = mapColumns(csv.header, columns, opts.mapping);
    const results: LineResult[] = csv.bad.map((b) => ({
      line: b.line,
      status: 'error' as const,
      name: '',
      code: 'E_IMPORT',
      message: b.message,
    }));
    const refused = async (result: LineResult) => {
      // Successful lines were audited inside their own transaction; refusals are recorded here.
      await this.ctx.appendStandalone({
        type: lineEvent,
        actor: actor.name,
        source: actor.source,
        target: { kind: 'import-line', name: `${path.basename(file)}:${result.line}` },
        result: result.status === 'error' ? 'failure' : 'success',
        details: {
          status: result.status,
          name: result.name,
          ...(result.message ? { reason: result.message } : {}),
        },
      });
    };
    // Lines that could not even be read are refusals too.
    for (const r of results) await refused(r);
    for (const line of csv.lines) {
      let result: LineResult;
      if (line.fields.length !== csv.header.length) {
        result = {
          line: line.line,
          status: 'error',
          name: '',
          code: 'E_IMPORT',
          message: `expected ${csv.header.length} fields, found ${line.fields.length}`,
        };
      } else {
        result = await importLine(line, cols).catch((e: unknown) => failure(line.line, e));
      }
      if (result.status === 'error' || result.status === 'skipped') await refused(result);
      results.push(result);
    }
    results.sort((a, b) => a.line - b.line);
    const counts = { created: 0, updated: 0, skipped: 0, error: 0 } as Record<LineStatus, number>;
    for (const r of results) counts[r.status]++;
    await this.ctx.auditAs(
      actor,
      'import.run',
      { kind: 'import', name: path.basename(file) },
      counts.error ? 'failure' : 'success',
      counts,
    );
    return { file, results, counts };
  }
}

function failure(line: number, e: unknown): LineResult {
  if (e instanceof CustodyError) return { line, status: 'error', name: '', code: e.code, message: e.message };
  // Unknown failures are not echoed: their text could carry a field of the line.
  return {
    line,
    status: 'error',
    name: '',
    code: 'E_INTERNAL',
    message: 'the line could not be imported (internal error)',
  };
}

/** A cell's text, trimmed; empty cells are undefined. */
export function cell(line: CsvLine, index: number | undefined): string | undefined {
  if (index === undefined) return undefined;
  const v = (line.fields[index] ?? '').trim();
  return v === '' ? undefined : v;
}

/** A password cell becomes a Secret at once and is never trimmed (spaces can be part of it). */
export function secretCell(line: CsvLine, index: number | undefined): Secret | undefined {
  if (index === undefined) return undefined;
  const v = line.fields[index] ?? '';
  return v === '' ? undefined : Secret.fromString(v);
}
