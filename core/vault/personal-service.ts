import type { Actor } from '../authz/actor.ts';
import type { CoreContext, OpScope } from '../context.ts';
import { aad } from '../crypto/aad.ts';
import type { Secret } from '../crypto/secret.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { effectiveGroupSettings } from '../identity/user-groups-service.ts';
import { checkName, checkText } from '../identity/names.ts';
import type { PersonalPassword } from '../model.ts';
import { MAX_PASSWORD_LENGTH } from '../policy/policy.ts';

export type PersonalView = Omit<PersonalPassword, 'passwordEnc' | 'ownerId'>;

/**
 * Personal passwords: exclusive to their owner whatever the role — not even a super
 * administrator sees another user's. A user group can switch them off (`allowPersonal`).
 */
export class PersonalService {
  constructor(private readonly ctx: CoreContext) {}

  private async allowed(s: OpScope, actor: Actor): Promise<void> {
    this.ctx.authz.require(actor, 'personal.manage');
    if (!(await effectiveGroupSettings(s.repos, actor.user.id)).allowPersonal) {
      throw new ForbiddenError('personal passwords are disabled for your user group');
    }
  }

  async add(
    actor: Actor,
    input: { title: string; login?: string; url?: string; notes?: string; password: Secret },
  ): Promise<PersonalView> {
    const title = checkName('title', input.title, 200);
    return this.ctx.run(actor, 'personal.manage', { kind: 'personal', name: title }, async (s) => {
      await this.allowed(s, actor);
      if (await s.repos.personal.byTitle(actor.user.id, title))
        throw new ConflictError(`personal password '${title}' already exists`);
      if (input.password.length === 0 || input.password.length > MAX_PASSWORD_LENGTH) {
        throw new ValidationError(`password must be 1–${MAX_PASSWORD_LENGTH} characters`, {
          field: 'password',
        });
      }
      const now = this.ctx.now();
      const id = this.ctx.ids.next();
      const p: PersonalPassword = {
        id,
        ownerId: actor.user.id,
        title,
        login: checkText('login', input.login, 200),
        url: checkText('url', input.url, 2000),
        notes: checkText('notes', input.notes, 2000),
        passwordEnc: this.ctx.keyring.seal(input.password, aad.personal(id)),
        createdAt: now,
        updatedAt: now,
      };
      await s.repos.personal.insert(p);
      await s.audit('personal.create', { kind: 'personal', name: title });
      const { passwordEnc: _e, ownerId: _o, ...view } = p;
      return view;
    });
  }

  async list(actor: Actor): Promise<PersonalView[]> {
    return this.ctx.run(actor, 'personal.manage', { kind: 'personal', name: '*' }, async (s) => {
      await this.allowed(s, actor);
      return (await s.repos.personal.of(actor.user.id)).map(({ passwordEnc: _e, ownerId: _o, ...v }) => v);
    });
  }

  async reveal(actor: Actor, title: string): Promise<Secret> {
    return this.ctx.run(actor, 'personal.manage', { kind: 'personal', name: title }, async (s) => {
      await this.allowed(s, actor);
      const p = await s.repos.personal.byTitle(actor.user.id, title);
      if (!p) throw new NotFoundError('personal password', title);
      await s.audit('personal.access', { kind: 'personal', name: title });
      return this.ctx.keyring.open(p.passwordEnc, aad.personal(p.id));
    });
  }

  async remove(actor: Actor, title: string): Promise<void> {
    await this.ctx.run(actor, 'personal.manage', { kind: 'personal', name: title }, async (s) => {
      await this.allowed(s, actor);
      const p = await s.repos.personal.byTitle(actor.user.id, title);
      if (!p) throw new NotFoundError('personal password', title);
      await s.repos.personal.remove(p.id);
      await s.audit('personal.delete', { kind: 'personal', name: title });
    });
  }
}
