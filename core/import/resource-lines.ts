import { requireMayChangePassword } from '../access/enforce.ts';
import type { Actor } from '../authz/actor.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import type { Secret } from '../crypto/secret.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import type { AccountsService } from '../vault/accounts-service.ts';
import type { CustomInput } from '../vault/custom-values.ts';
import { writeCustomValues } from '../vault/custom-values.ts';
import { checkResourceName, type ResourcesService } from '../vault/resources-service.ts';
import type { Resource } from '../model.ts';
import { effectivePolicy } from '../policy/policies-service.ts';
import { assertPassword } from '../policy/validate.ts';
import { checkAccountName } from '../identity/names.ts';
import type { CsvLine } from './csv-reader.ts';
import { cell, secretCell, type LineResult } from './import-service.ts';

/** One row per account; only Resource Name and Account Name are mandatory. */
export const RESOURCE_COLUMNS = {
  resourceName: { label: 'Resource Name', required: true },
  accountName: { label: 'Account Name', aliases: ['user account', 'account'], required: true },
  password: { label: 'Password' },
  type: { label: 'Resource Type', aliases: ['type'] },
  dnsName: { label: 'DNS Name', aliases: ['dns name/ip address', 'ip address', 'host'] },
  port: { label: 'Port' },
  description: { label: 'Description', aliases: ['resource description'] },
  department: { label: 'Department' },
  location: { label: 'Location' },
  url: { label: 'Resource URL', aliases: ['url'] },
  notes: { label: 'Notes', aliases: ['account notes'] },
  policy: { label: 'Password Policy', aliases: ['policy'] },
} as const;

export type ResourceAttr = keyof typeof RESOURCE_COLUMNS;

export const DEFAULT_IMPORT_TYPE = 'linux';

/**
 * Custom-field columns: a header naming a defined field, as `resource:NAME`, `account:NAME` or a
 * bare NAME (resource fields first). Custom fields must exist before the import (a typo in a header
 * must not invent a field).
 */
async function customColumns(
  s: OpScope,
  header: string[],
): Promise<{ resource: Map<string, number>; account: Map<string, number> }> {
  const out = { resource: new Map<string, number>(), account: new Map<string, number>() };
  const defs = await s.repos.fields.list();
  header.forEach((h, i) => {
    const m = /^(resource|account):(.+)$/i.exec(h);
    const target = m ? (m[1]!.toLowerCase() as 'resource' | 'account') : undefined;
    const name = (m ? m[2]! : h).trim().toLowerCase();
    const def = defs.find((d) => d.name.toLowerCase() === name && (!target || d.target === target));
    if (def) out[def.target].set(def.name, i);
  });
  return out;
}

function customValues(line: CsvLine, cols: Map<string, number>): CustomInput | undefined {
  const v: CustomInput = {};
  for (const [name, i] of cols) {
    const text = line.fields[i] ?? '';
    if (text !== '') v[name] = text;
  }
  return Object.keys(v).length ? v : undefined;
}

export async function importResourceLine(
  ctx: CoreContext,
  resources: ResourcesService,
  accounts: AccountsService,
  actor: Actor,
  line: CsvLine,
  cols: Record<ResourceAttr, number | undefined>,
  opts: { overwrite: boolean; createdHere: Set<string>; header?: string[] },
): Promise<LineResult> {
  const resourceName = checkResourceName(cell(line, cols.resourceName) ?? '');
  const rawAccount = cell(line, cols.accountName);
  if (!rawAccount) throw new ValidationError("'Account Name' is empty", { field: 'accountName' });
  const accountName = checkAccountName(rawAccount);
  const ref = `${resourceName}/${accountName}`;
  const password = secretCell(line, cols.password);
  const portText = cell(line, cols.port);
  const port = portText === undefined ? undefined : Number(portText);
  if (portText !== undefined && !Number.isInteger(port))
    throw new ValidationError("'Port' must be a whole number", { field: 'port' });

  return ctx.run(actor, 'import.resources', { kind: 'account', name: ref }, async (s) => {
    const custom = await customColumns(s, opts.header ?? []);
    const attrs = {
      type: cell(line, cols.type) ?? DEFAULT_IMPORT_TYPE,
      dnsName: cell(line, cols.dnsName),
      port: port ?? null,
      description: cell(line, cols.description),
      department: cell(line, cols.department),
      location: cell(line, cols.location),
      url: cell(line, cols.url),
      policy: cell(line, cols.policy) ?? null,
    };
    let resource = await s.repos.resources.byName(resourceName);
    let status: LineResult['status'] = 'created';
    if (!resource) {
      resource = await resources.insertResource(s, actor, {
        name: resourceName,
        ...attrs,
        custom: customValues(line, custom.resource),
      });
      opts.createdHere.add(resourceName);
    } else if (!opts.createdHere.has(resourceName)) {
      if (!opts.overwrite)
        return {
          line: line.line,
          status: 'skipped',
          name: ref,
          message: 'resource exists (overwrite not requested)',
        };
      ctx.authz.requireOn(actor, 'resource.update', await s.access.onResource(resource), {
        kind: 'resource',
        name: resourceName,
      });
      const type = await s.repos.types.byName(attrs.type);
      if (!type) throw new ValidationError(`unknown resource type '${attrs.type}'`, { field: 'type' });
      await s.repos.resources.update({
        ...resource,
        typeId: type.id,
        dnsName: attrs.dnsName ?? resource.dnsName,
        port: attrs.port ?? resource.port,
        description: attrs.description ?? resource.description,
        department: attrs.department ?? resource.department,
        location: attrs.location ?? resource.location,
        url: attrs.url ?? resource.url,
        updatedAt: ctx.now(),
      });
      const rc = customValues(line, custom.resource);
      if (rc) await writeCustomValues(s.repos, ctx.keyring, 'resource', resource.id, type, rc);
      await s.audit(
        'resource.update',
        { kind: 'resource', name: resourceName },
        { via: 'import', line: line.line },
      );
      status = 'updated';
    }
    const existing = await s.repos.accounts.byName(resource.id, accountName);
    if (existing) {
      if (!opts.overwrite) throw new ConflictError(`account '${ref}' appears twice in the file`);
      if (password) await replacePassword(ctx, s, actor, ref, resource, existing.id, password);
      status = 'updated';
    } else {
      if (!password)
        throw new ValidationError("'Password' is empty for a new account", { field: 'password' });
      await accounts.insertAccount(s, actor, resource, accountName, password, {
        notes: cell(line, cols.notes),
        custom: customValues(line, custom.account),
      });
    }
    await s.audit('import.resource-line', { kind: 'account', name: ref }, { line: line.line, status });
    return { line: line.line, status, name: ref };
  });
}

/** Overwrite keeps the old password in history, like any change. */
async function replacePassword(
  ctx: CoreContext,
  s: OpScope,
  actor: Actor,
  ref: string,
  resource: Resource,
  accountId: string,
  password: Secret,
): Promise<void> {
  const account = (await s.repos.accounts.byId(accountId))!;
  // An imported password is one of the importer's choosing (see requireMayChangePassword).
  await requireMayChangePassword(s.repos, ctx.now(), actor, resource, account, 'chosen');
  const now = ctx.now();
  const historyId = ctx.ids.next();
  const old = ctx.keyring.open(account.passwordEnc, aad.account(account.id));
  // Imported passwords meet the policy (config: vault.enforce_policy_on_add), overwrites included.
  if (ctx.config.vault.enforce_policy_on_add) {
    const policy = await effectivePolicy(s.repos, resource);
    const older = policy.historyCount > 1 ? await s.repos.history.of(accountId, policy.historyCount - 1) : [];
    const history = [old, ...older.map((h) => ctx.keyring.open(h.passwordEnc, aad.history(h.id)))];
    assertPassword(policy, password, { loginName: account.name, history });
  }
  await s.repos.history.insert({
    id: historyId,
    accountId,
    passwordEnc: ctx.keyring.seal(old, aad.history(historyId)),
    changedAt: now,
    changedBy: actor.name,
    source: `${actor.source} (import)`,
  });
  await s.repos.accounts.updatePassword(
    accountId,
    ctx.keyring.seal(password, aad.account(accountId)),
    now,
    actor.name,
  );
  await s.audit('password.change', { kind: 'account', name: ref }, { via: 'import' });
}
