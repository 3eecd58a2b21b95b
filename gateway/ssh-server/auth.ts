import ssh2, { type AuthContext } from 'ssh2';
import {
  AuthError,
  LimitError,
  LockedError,
  Secret,
  type Core,
  type Logger,
  type User,
} from '../../core/index.ts';
import { MAX_USERNAME_LENGTH, parseUsername } from './username.ts';

/**
 * Authentication of one SSH connection: password or public key, then a TOTP code over
 * keyboard-interactive where the user has TOTP enabled (RFC 4252 partial success). Every decision
 * is core's (`core.system.signIn`), including lockout; this file only speaks the protocol.
 */
export class ConnectionAuth {
  /** Set once the user is fully authenticated. */
  user?: User;
  #firstFactor?: User;
  /** Why the last TOTP code was refused: the next code prompt says so, so a retry is informed. */
  #totpNote = '';

  constructor(
    private readonly core: Core,
    private readonly source: string,
    private readonly logger: Logger,
    /** The client has gone (the gateway aborts it on close). */
    private readonly gone?: AbortSignal,
  ) {}

  async handle(ctx: AuthContext): Promise<void> {
    // No account has such a name: refused before any hashing or lookup is spent on it.
    if (ctx.username.length > MAX_USERNAME_LENGTH) return ctx.reject(['publickey', 'password']);
    const login = parseUsername(ctx.username).login;
    try {
      switch (ctx.method) {
        case 'password':
          return this.done(
            ctx,
            await this.core.system.signIn.password(login, Secret.fromString(ctx.password), this.source, {
              signal: this.gone,
            }),
          );
        case 'publickey':
          return await this.publicKey(ctx, login);
        case 'keyboard-interactive':
          return await this.keyboardInteractive(ctx, login);
        default:
          return ctx.reject(['publickey', 'password', 'keyboard-interactive']);
      }
    } catch (e) {
      // LimitError: the hashing queue is full or the client has gone (pre-auth bounds), not a fault.
      if (!(e instanceof AuthError) && !(e instanceof LockedError) && !(e instanceof LimitError)) {
        this.logger.log('error', 'ssh authentication failed unexpectedly', {
          source: this.source,
          error: String((e as Error).message).split('\n')[0],
        });
      }
      ctx.reject(['publickey', 'password', 'keyboard-interactive']);
    }
  }

  private done(ctx: AuthContext, step: { user: User; needsTotp: boolean }): void {
    if (!step.needsTotp) {
      this.user = step.user;
      return ctx.accept();
    }
    this.#firstFactor = step.user;
    ctx.reject(['keyboard-interactive'], true);
  }

  private async publicKey(ctx: AuthContext & { method: 'publickey' }, login: string): Promise<void> {
    const line = await this.core.system.signIn.publicKeyFor(login, ctx.key.algo, ctx.key.data, this.source);
    if (!line) {
      // Only a signed attempt counts as a failure: clients offer every key they hold first.
      if (ctx.signature)
        await this.core.system.signIn.fail(login, this.source, 'publickey').catch(() => undefined);
      return ctx.reject(['publickey', 'password', 'keyboard-interactive']);
    }
    if (!ctx.signature || !ctx.blob) return ctx.accept(); // "this key would do": the client signs next
    const key = ssh2.utils.parseKey(line);
    const pub = Array.isArray(key) ? key[0] : key;
    if (!pub || pub instanceof Error || pub.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
      await this.core.system.signIn.fail(login, this.source, 'publickey').catch(() => undefined);
      return ctx.reject(['publickey', 'password', 'keyboard-interactive']);
    }
    this.done(ctx, await this.core.system.signIn.publicKeyAccepted(login, this.source));
  }

  /** After a first factor: the TOTP code. Without one: password, then (if enabled) the code. */
  private async keyboardInteractive(
    ctx: AuthContext & { method: 'keyboard-interactive' },
    login: string,
  ): Promise<void> {
    if (!this.#firstFactor) {
      const [password] = await prompt(ctx, [{ prompt: 'Password: ', echo: false }]);
      const step = await this.core.system.signIn.password(
        login,
        Secret.fromString(password ?? ''),
        this.source,
        {
          signal: this.gone,
        },
      );
      if (!step.needsTotp) {
        this.user = step.user;
        return ctx.accept();
      }
      this.#firstFactor = step.user;
    }
    const note = this.#totpNote;
    this.#totpNote = '';
    const [code] = await prompt(ctx, [{ prompt: 'Verification code: ', echo: false }], note);
    try {
      this.user = await this.core.system.signIn.totp(this.#firstFactor.username, code ?? '', this.source);
    } catch (e) {
      if (e instanceof AuthError) this.#totpNote = TOTP_REFUSALS[String(e.details.reason)] ?? '';
      throw e;
    }
    ctx.accept();
  }
}

/** What the next code prompt says after a refused code. */
const TOTP_REFUSALS: Record<string, string> = {
  wrong: 'Wrong code.',
  reused: 'That code was already used; wait for the next one.',
};

function prompt(
  ctx: AuthContext & { method: 'keyboard-interactive' },
  prompts: { prompt: string; echo: boolean }[],
  instructions = '',
): Promise<string[]> {
  return new Promise((resolve) =>
    ctx.prompt(prompts, 'Custody', instructions, (answers) => resolve(answers)),
  );
}
