import type { Actor } from '../authz/actor.ts';
import type { CoreContext } from '../context.ts';
import { CustodyError } from '../errors.ts';
import { readKeyFile } from './key-file.ts';
import { Keyring } from './keyring.ts';
import { checkAllSecrets, rotateMasterKey, type RotationResult } from './rotate-key.ts';

export interface KeyCheckResult {
  checked: number;
  /** `table:row` of each secret the key file cannot open (names only, never a value). */
  failed: string[];
}

/**
 * The master key: rotating it and proving every stored secret opens with the key file. Both are
 * for super administrators (or the host administrator): whoever may run them reads every secret's
 * envelope, so the CLI asks core, not its own role check.
 */
export class KeysService {
  constructor(private readonly ctx: CoreContext) {}

  /**
   * The role check, with a refusal on record as `authz.denied` like every other refused operation
   * (these two run their own transactions, so they cannot go through `ctx.run`).
   */
  private async allow(actor: Actor, op: 'key.rotate' | 'key.check'): Promise<void> {
    try {
      this.ctx.authz.require(actor, op);
    } catch (e) {
      if (e instanceof CustodyError)
        await this.ctx.auditDenied(actor, op, { kind: 'key', name: 'master' }, e);
      throw e;
    }
  }

  /** `custody key rotate`: re-encrypts every secret under a new master key. */
  async rotate(
    actor: Actor,
    keyFile: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<RotationResult> {
    await this.allow(actor, 'key.rotate');
    return rotateMasterKey({
      store: this.ctx.store,
      keyFile,
      clock: this.ctx.clock,
      auditLog: this.ctx.auditLog,
      actor: { name: actor.name, source: actor.source },
      batchSize: this.ctx.config.crypto.rotate_batch_size,
      ...(onProgress ? { onProgress } : {}),
    });
  }

  /**
   * `custody key check` (and the proof after a rotation): opens every stored secret with the keys
   * in `keyFile` as it is on disk now, not with the keyring this process loaded at start.
   */
  async check(actor: Actor, keyFile: string): Promise<KeyCheckResult> {
    await this.allow(actor, 'key.check');
    return checkAllSecrets(this.ctx.store, new Keyring(await readKeyFile(keyFile)));
  }
}
