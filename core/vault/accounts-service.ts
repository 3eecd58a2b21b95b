import { requireCheckout, requireMayChangePassword } from '../access/enforce.ts';
import type { Actor } from '../authz/actor.ts';
import type { Operation } from '../authz/operations.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import type { Secret } from '../crypto/secret.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { checkAccountName, checkText } from '../identity/names.ts';
import type { Account, Resource } from '../model.ts';
import type { PasswordPolicy } from '../policy/policy.ts';
import type { Repos } from '../storage/repos/index.ts';
import { effectivePolicy } from '../policy/policies-service.ts';
import { MAX_PASSWORD_LENGTH } from '../policy/policy.ts';
import { assertPassword } from '../policy/validate.ts';
import { consultQualityExit } from '../policy/quality-exit.ts';
import { enforceTicket, TICKETING_SETTINGS_KEY, ticketingFromStored } from '../tickets/ticketing-service.ts';
import {
  readCustomValues,
  revealCustomValue,
  writeCustomValues,
  type CustomInput,
  type CustomOutput,
} from './custom-values.ts';
import { accountRef, loadAccount, loadAccountForUse, loadResource } from './refs.ts';

export interface AccountView {
  ref: string;
  resource: string;
  name: string;
  notes: string;
  passwordChangedAt: string;
  passwordChangedBy: string;
  custom: CustomOutput;
  access: string;
}

export interface HistoryView {
  id: string;
  changedAt: string;
  changedBy: string;
  source: string;
}

/**
 * What an actor may do on one account, as the operations' own authorizer decides it (role,
 * status and privilege on the account). Procedural gates an operation adds afterwards (an open
 * check-out, a reason, a ticket) are not in it: those refusals say why when they happen.
 */
export interface AccountCapabilities {
  reveal: boolean;
  history: boolean;
  setPassword: boolean;
  reset: boolean;
  request: boolean;
  checkout: boolean;
  checkin: boolean;
  forceCheckin: boolean;
  update: boolean;
  delete: boolean;
}

/** Accounts and their passwords: reveal, change with history, policy enforcement. */
export class AccountsService {
  constructor(private readonly ctx: CoreContext) {}

  async add(
    actor: Actor,
    resourceName: string,
    name: string,
    password: Secret,
    opts: { notes?: string; custom?: CustomInput; credentialKind?: 'password' | 'private-key' } = {},
  ): Promise<AccountView> {
    const accountName = checkAccountName(name);
    const ref = `${resourceName}/${accountName}`;
    return this.ctx.run(actor, 'account.create', { kind: 'account', name: ref }, async (s) => {
      const resource = await loadResource(s.repos, resourceName);
      const level = await s.access.onResource(resource);
      this.ctx.authz.requireOn(actor, 'account.create', level, { kind: 'resource', name: resourceName });
      const account = await this.insertAccount(s, actor, resource, accountName, password, opts);
      return this.view(s, resource, account, level);
    });
  }

  /** Also used by CSV import inside its per-line transaction. */
  async insertAccount(
    s: OpScope,
    actor: Actor,
    resource: Resource,
    name: string,
    password: Secret,
    opts: { notes?: string; custom?: CustomInput; credentialKind?: 'password' | 'private-key' },
  ): Promise<Account> {
    if (await s.repos.accounts.byName(resource.id, name))
      throw new ConflictError(`account '${resource.name}/${name}' already exists`);
    const kind = opts.credentialKind ?? 'password';
    if (kind === 'private-key') {
      // A private key is not a password: no password policy, but it must look like a key.
      checkPrivateKey(password);
    } else {
      this.checkLength(password);
      const quality = await consultQualityExit(this.ctx, s, actor, {
        kind: 'account',
        subject: `${resource.name}/${name}`,
        password,
      });
      if (this.ctx.config.vault.enforce_policy_on_add || quality === 'fallback') {
        assertPassword(await effectivePolicy(s.repos, resource), password, { loginName: name });
      }
    }
    const now = this.ctx.now();
    const id = this.ctx.ids.next();
    const account: Account = {
      id,
      resourceId: resource.id,
      name,
      notes: checkText('notes', opts.notes, 2000),
      passwordEnc: this.ctx.keyring.seal(password, aad.account(id)),
      passwordChangedAt: now,
      passwordChangedBy: actor.name,
      credentialKind: kind,
      createdAt: now,
    };
    await s.repos.accounts.insert(account);
    if (opts.custom) {
      const type = await s.repos.types.byId(resource.typeId);
      await writeCustomValues(s.repos, this.ctx.keyring, 'account', id, type, opts.custom);
    }
    await s.audit('account.create', { kind: 'account', name: `${resource.name}/${name}` });
    return account;
  }

  private checkLength(password: Secret): void {
    if (password.length === 0) throw new ValidationError('password is empty', { field: 'password' });
    if (password.length > MAX_PASSWORD_LENGTH)
      throw new ValidationError(`password is longer than ${MAX_PASSWORD_LENGTH} characters`, {
        field: 'password',
      });
  }

  private async view(s: OpScope, resource: Resource, account: Account, access: string): Promise<AccountView> {
    return {
      ref: accountRef(resource, account),
      resource: resource.name,
      name: account.name,
      notes: account.notes,
      passwordChangedAt: account.passwordChangedAt,
      passwordChangedBy: account.passwordChangedBy,
      custom: await readCustomValues(s.repos, 'account', account.id),
      access,
    };
  }

  async get(actor: Actor, ref: string): Promise<AccountView> {
    return this.ctx.run(actor, 'account.view', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      const level = await s.access.onAccount(account, resource);
      this.ctx.authz.requireOn(actor, 'account.view', level, { kind: 'account', name: ref });
      return this.view(s, resource, account, level);
    });
  }

  /**
   * Which operations the actor may run on the account, asked before offering them (the console
   * does not call, and so does not audit as denied, what the user may not do). Seeing the account
   * at all is `account.view`: an account she cannot see is refused (and audited) as by `get`.
   */
  async capabilities(actor: Actor, ref: string): Promise<AccountCapabilities> {
    return this.ctx.run(actor, 'account.view', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      const level = await s.access.onAccount(account, resource);
      this.ctx.authz.requireOn(actor, 'account.view', level, { kind: 'account', name: ref });
      const may = (op: Operation) => this.ctx.authz.allows(actor, op, level);
      // As in check-in: the resource's authorisers may force a check-in on what they can see.
      const approver = (await s.repos.access.settings(resource.id))?.approvers.includes(actor.user.id);
      return {
        reveal: may('account.reveal'),
        history: may('account.history'),
        setPassword: may('account.change-password'),
        reset: may('password.reset'),
        request: may('access.request'),
        checkout: may('access.checkout'),
        checkin: may('access.checkin'),
        forceCheckin: approver
          ? this.ctx.authz.allows(actor, 'access.force-checkin')
          : may('access.force-checkin'),
        update: may('account.update'),
        delete: may('account.delete'),
      };
    });
  }

  /**
   * The password, for an authorised reader. Audited as `password.access` with the reason; the
   * account moves to the top of the reader's recent passwords.
   */
  async reveal(actor: Actor, ref: string, reason?: string, ticketId?: string): Promise<Secret> {
    return this.ctx.run(actor, 'account.reveal', { kind: 'account', name: ref }, async (s) => {
      // The account, its resource's access control and the ticketing settings in one statement.
      const { resource, account, accessSettings, settings } = await loadAccountForUse(s.repos, ref, [
        TICKETING_SETTINGS_KEY,
      ]);
      this.ctx.authz.requireOn(actor, 'account.reveal', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      await requireCheckout(s.repos, this.ctx.now(), actor, resource, account, 'reveal', { accessSettings });
      const why = checkText('reason', reason, 500);
      if (this.ctx.config.vault.require_reason_to_reveal && !why) {
        throw new ValidationError('a reason is required to retrieve this password', { field: 'reason' });
      }
      const ticket = await enforceTicket(this.ctx, s, actor, {
        type: 'RETRIEVAL',
        resource,
        account,
        ticketId,
        settings: ticketingFromStored(settings.get(TICKETING_SETTINGS_KEY)),
      });
      const secret = this.ctx.keyring.open(account.passwordEnc, aad.account(account.id));
      await s.repos.explorer.touchRecent(actor.user.id, account.id, this.ctx.now());
      await s.audit(
        'password.access',
        { kind: 'account', name: ref },
        { ...(why ? { reason: why } : {}), ...(ticket ? { ticket } : {}) },
      );
      return secret;
    });
  }

  async revealCustom(actor: Actor, ref: string, field: string): Promise<Secret> {
    return this.ctx.run(actor, 'account.reveal', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'account.reveal', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      await requireCheckout(s.repos, this.ctx.now(), actor, resource, account, 'reveal');
      const secret = await revealCustomValue(s.repos, this.ctx.keyring, 'account', account.id, field);
      await s.audit('password.access', { kind: 'account', name: ref }, { field });
      return secret;
    });
  }

  /**
   * Changes the stored password. The old value goes to history, encrypted, with who, when and
   * from where; the policy of the resource applies, including reuse of the last
   * `historyCount` passwords.
   */
  async changePassword(actor: Actor, ref: string, password: Secret, ticketId?: string): Promise<void> {
    await this.ctx.run(actor, 'account.change-password', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      this.ctx.authz.requireOn(
        actor,
        'account.change-password',
        await s.access.onAccount(account, resource),
        { kind: 'account', name: ref },
      );
      await requireMayChangePassword(s.repos, this.ctx.now(), actor, resource, account, 'chosen');
      this.checkLength(password);
      const ticket = await enforceTicket(this.ctx, s, actor, { type: 'RESET', resource, account, ticketId });
      await consultQualityExit(this.ctx, s, actor, { kind: 'account', subject: ref, password });
      const policy = await effectivePolicy(s.repos, resource);
      s.auditIfFails('password.policy-violation', { kind: 'account', name: ref }, { policy: policy.name });
      await storeNewPassword(this.ctx, s.repos, actor, account, password, policy);
      await s.audit(
        'password.change',
        { kind: 'account', name: ref },
        { policy: policy.name, ...(ticket ? { ticket } : {}) },
      );
    });
  }

  async history(actor: Actor, ref: string): Promise<HistoryView[]> {
    return this.ctx.run(actor, 'account.history', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'account.history', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      await s.audit('password.history-view', { kind: 'account', name: ref });
      return (await s.repos.history.of(account.id)).map(({ id, changedAt, changedBy, source }) => ({
        id,
        changedAt,
        changedBy,
        source,
      }));
    });
  }

  async revealHistory(actor: Actor, ref: string, historyId: string): Promise<Secret> {
    return this.ctx.run(actor, 'account.history', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'account.history', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      await requireCheckout(s.repos, this.ctx.now(), actor, resource, account, 'reveal');
      const entry = (await s.repos.history.of(account.id)).find((h) => h.id === historyId);
      if (!entry) throw new NotFoundError('history entry', historyId);
      await s.audit('password.access', { kind: 'account', name: ref }, { history: historyId });
      return this.ctx.keyring.open(entry.passwordEnc, aad.history(entry.id));
    });
  }

  async update(
    actor: Actor,
    ref: string,
    patch: { notes?: string; custom?: CustomInput },
  ): Promise<AccountView> {
    return this.ctx.run(actor, 'account.update', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      const level = await s.access.onAccount(account, resource);
      this.ctx.authz.requireOn(actor, 'account.update', level, { kind: 'account', name: ref });
      if (patch.notes !== undefined)
        await s.repos.accounts.updateNotes(account.id, checkText('notes', patch.notes, 2000));
      if (patch.custom)
        await writeCustomValues(
          s.repos,
          this.ctx.keyring,
          'account',
          account.id,
          await s.repos.types.byId(resource.typeId),
          patch.custom,
        );
      await s.audit('account.update', { kind: 'account', name: ref }, { fields: Object.keys(patch) });
      return this.view(s, resource, { ...account, notes: patch.notes ?? account.notes }, level);
    });
  }

  async remove(actor: Actor, ref: string): Promise<void> {
    await this.ctx.run(actor, 'account.delete', { kind: 'account', name: ref }, async (s) => {
      const { resource, account } = await loadAccount(s.repos, ref);
      this.ctx.authz.requireOn(actor, 'account.delete', await s.access.onAccount(account, resource), {
        kind: 'account',
        name: ref,
      });
      await s.repos.shares.removeForObject('account', account.id);
      await s.repos.fields.removeValuesOf('account', [account.id]);
      await s.repos.accounts.remove(account.id);
      await s.audit('account.delete', { kind: 'account', name: ref });
    });
  }
}

const MAX_PRIVATE_KEY_BYTES = 16_384;

/** OpenSSH or PEM private keys only; the message never quotes the value. */
function checkPrivateKey(key: Secret): void {
  const text = key.reveal();
  if (
    text.length > MAX_PRIVATE_KEY_BYTES ||
    !/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]+-----END [A-Z0-9 ]*PRIVATE KEY-----\s*$/.test(text.trim())
  ) {
    throw new ValidationError('not an OpenSSH or PEM private key', { field: 'password' });
  }
}

/**
 * The one path by which an account's stored password changes: the policy of the
 * resource (including reuse of the last `historyCount` passwords) is checked, the old value goes to
 * history encrypted with who, when and from where, and the new one is sealed in place. Used by
 * change-password and by remote reset (core/reset). Runs inside the caller's transaction.
 */
export async function storeNewPassword(
  ctx: CoreContext,
  repos: Repos,
  actor: Pick<Actor, 'name' | 'source'>,
  account: Account,
  password: Secret,
  policy: PasswordPolicy,
  opts: { skipPolicy?: boolean } = {},
): Promise<void> {
  const current = ctx.keyring.open(account.passwordEnc, aad.account(account.id));
  if (!opts.skipPolicy) {
    const older = policy.historyCount > 1 ? await repos.history.of(account.id, policy.historyCount - 1) : [];
    const history = [current, ...older.map((h) => ctx.keyring.open(h.passwordEnc, aad.history(h.id)))];
    assertPassword(policy, password, { loginName: account.name, history });
  }
  const now = ctx.now();
  const historyId = ctx.ids.next();
  await repos.history.insert({
    id: historyId,
    accountId: account.id,
    passwordEnc: ctx.keyring.seal(current, aad.history(historyId)),
    changedAt: now,
    changedBy: actor.name,
    source: actor.source,
  });
  await repos.accounts.updatePassword(
    account.id,
    ctx.keyring.seal(password, aad.account(account.id)),
    now,
    actor.name,
  );
}
